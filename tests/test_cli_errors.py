"""Bad input a user can give the CLI: exit 2, one stderr line, no traceback, nothing stored.

Also the CLI's polish: usage errors as one line, `--version`, help on every option, the
default state machine name and the history table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from replay.strict_json import MAX_DEPTH, JsonValueError, is_plain_json, loads, to_json_value
from replay.world import HandlerError, handler_result
from tui.cli import app
from tui.inputs import default_state_machine_name

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "order-pipeline"
PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
TASK = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge",
            "End": True,
        }
    },
}
runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args])


def run_happy(db, name, *extra):
    """`run` of the order-pipeline scenario's happy test case, named `name`."""
    return cli(
        "run",
        SCENARIO / "definition.json",
        "--input",
        SCENARIO / "input.json",
        "--mock-config",
        SCENARIO / "mocks.json",
        "--test-case",
        "happy",
        "--db",
        db,
        "--name",
        name,
        *extra,
    )


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("sfn-replay: ") and "internal error" not in line, line
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in line, line
    return line


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "db"


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "pass.json").write_text(json.dumps(PASS))
    (tmp_path / "task.json").write_text(json.dumps(TASK))
    return tmp_path


def executions(db) -> str:
    """What `list` shows; a command refused before it stored anything may have made no db."""
    result = cli("list", "--db", db)
    if result.exit_code == 2 and "no such db" in result.output:
        return "no executions"
    assert result.exit_code == 0, result.output
    return result.stdout


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# -- JSON at the door -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, needle",
    [
        (deep(1000), "nested more than"),
        (deep(MAX_DEPTH + 1), "nested more than"),
        ('{"a": ' + "1" * 5000 + "}", "5000 digits"),
        ('{"a": NaN}', "NaN is not a JSON value"),
        ("[Infinity]", "Infinity is not a JSON value"),
        ("[-Infinity]", "-Infinity is not a JSON value"),
        ("[1e400]", "out of range"),
        ('["\\ud800"]', "unpaired surrogate"),
    ],
    ids=[
        "deep-1000",
        "deep-limit",
        "5000-digits",
        "nan",
        "infinity",
        "-infinity",
        "1e400",
        "surrogate",
    ],
)
def test_input_files_that_are_not_json_are_refused(files, db, text, needle):
    (files / "in.json").write_text(text)
    one_line_error(
        cli("run", files / "pass.json", "--input", files / "in.json", "--db", db), "--input", needle
    )
    one_line_error(cli("run", files / "pass.json", "--input", text, "--db", db), needle)
    assert "no executions" in executions(db)


def test_the_limits_themselves_are_accepted(files, db):
    big = "9" * 4300
    (files / "in.json").write_text(f'{{"n": {big}, "d": {deep(MAX_DEPTH - 1)}}}')
    result = cli(
        "run",
        files / "pass.json",
        "--input",
        files / "in.json",
        "--name",
        "x",
        "--db",
        db,
        "--json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(json.loads(result.stdout)["output"])["n"] == int(big)
    assert cli("state", "x", "--db", db).exit_code == 0
    assert cli("replay", "x", "--db", db).stdout.strip() == "identical"


@pytest.mark.parametrize("option", ["definition", "--input", "--mock-config", "--handlers"])
def test_non_utf8_files_are_refused(files, db, option):
    bad = files / "bad.py"
    bad.write_bytes(b'{"a": "\xff\xfe"}')
    args = ["run", bad if option == "definition" else files / "task.json", "--db", db]
    if option != "definition":
        args += [option, bad]
    if option == "--mock-config":
        args += ["--test-case", "t"]
    line = one_line_error(cli(*args))
    assert "UTF-8" in line or "utf-8" in line, line


def test_non_utf8_definition_for_validate_and_import(files, db):
    bad = files / "bad.json"
    bad.write_bytes(b"\xff{}")
    one_line_error(cli("validate", bad), "not UTF-8")
    one_line_error(
        cli("import", bad, "--definition", files / "pass.json", "--db", db),
        "history file",
        "not UTF-8",
    )


@pytest.mark.parametrize("option", ["--input", "--mock-config", "--handlers", "definition"])
def test_a_directory_where_a_file_is_expected(files, db, option):
    folder = files / "folder"
    folder.mkdir()
    args = ["run", folder if option == "definition" else files / "pass.json", "--db", db]
    if option != "definition":
        args += [option, folder]
    if option == "--mock-config":
        args += ["--test-case", "t"]
    one_line_error(cli(*args), f"{option} {folder} is a directory")


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.s)"}, "End": True},
        {
            "Type": "Pass",
            "QueryLanguage": "JSONata",
            "Output": "{% $parse($states.input.s) %}",
            "End": True,
        },
    ],
)
def test_json_text_parsed_by_the_machine_cannot_nest_too_deep(files, db, state):
    (files / "parse.json").write_text(json.dumps({"StartAt": "A", "States": {"A": state}}))
    result = cli(
        "run", files / "parse.json", "--input", json.dumps({"s": deep(995)}), "--db", db, "--json"
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["error"] in (
        "States.IntrinsicFailure",
        "States.QueryEvaluationError",
    )


def test_a_big_integer_read_by_jsonata_is_out_of_range(files, db):
    (files / "mul.json").write_text(
        json.dumps(
            {
                "StartAt": "A",
                "QueryLanguage": "JSONata",
                "States": {
                    "A": {"Type": "Pass", "End": True, "Output": "{% $states.input.a * 10 %}"}
                },
            }
        )
    )
    result = cli(
        "run", files / "mul.json", "--input", '{"a": ' + "9" * 4000 + "}", "--db", db, "--json"
    )
    assert result.exit_code == 1, result.output
    assert "Number out of range" in json.loads(result.stdout)["cause"]


def test_options_that_need_each_other_or_a_directory(files, db):
    one_line_error(
        cli("run", files / "pass.json", "--test-case", "t", "--db", db),
        "--test-case needs --mock-config",
    )
    one_line_error(
        cli("run", files / "pass.json", "--s3-root", files / "pass.json", "--db", db),
        "--s3-root",
        "is a file, not a directory",
    )
    one_line_error(
        cli("run", files / "pass.json", "--s3-root", files / "nope", "--db", db),
        "--s3-root",
        "does not exist",
    )


def test_a_mock_delay_longer_than_a_year_is_refused(files, db):
    mocks = {
        "StateMachines": {"task": {"TestCases": {"t": {"Charge": "R"}}}},
        "MockedResponses": {"R": {"0": {"Return": {"ok": 1}, "Delay": 1e300}}},
    }
    one_line_error(
        cli(
            "run",
            files / "task.json",
            "--mock-config",
            json.dumps(mocks),
            "--test-case",
            "t",
            "--db",
            db,
        ),
        "MockedResponses/R/0",
    )
    assert "no executions" in executions(db)


def test_an_input_over_256_kib_is_refused_as_start_execution_does(files, db):
    (files / "big.json").write_text(json.dumps({"a": "x" * 262_137}))  # 262,145 bytes compact
    one_line_error(
        cli("run", files / "pass.json", "--input", files / "big.json", "--db", db),
        "262,145 bytes",
        "256 KiB",
    )
    (files / "big.json").write_text(json.dumps({"a": "x" * 262_136}))
    assert cli("run", files / "pass.json", "--input", files / "big.json", "--db", db).exit_code == 0


def test_an_endless_device_is_refused_and_a_pipe_read(files, db):
    one_line_error(
        cli("run", files / "pass.json", "--input", "/dev/zero", "--db", db), "not a regular file"
    )
    read, write = os.pipe()
    os.write(write, b'{"piped": true}')
    os.close(write)
    try:
        result = cli("run", files / "pass.json", "--input", f"/dev/fd/{read}", "--db", db, "--json")
    finally:
        os.close(read)
    assert json.loads(json.loads(result.stdout)["output"]) == {"piped": True}


# -- handlers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, needle",
    [
        ("{1, 2}", "a set is not a JSON value"),
        ("object()", "an object is not a JSON value"),
        ("{'x': float('nan')}", "NaN and Infinity"),
        ("10 ** 5000", "too long"),
        ("(lambda d: [d := [d] for _ in range(1500)][-1])([])", "nested more than"),
        ("['\\ud800']", "unpaired surrogate"),
    ],
)
def test_a_handler_returning_what_json_cannot_hold(files, db, body, needle):
    (files / "h.py").write_text(f"def h(i, c):\n    return {body}\nHANDLERS = {{'Charge': h}}\n")
    one_line_error(
        cli("run", files / "task.json", "--handlers", files / "h.py", "--db", db),
        "state 'Charge'",
        needle,
    )


def test_handlers_must_be_a_python_file(files, db):
    (files / "h.txt").write_text("HANDLERS = {}\n")
    one_line_error(
        cli("run", files / "task.json", "--handlers", files / "h.txt", "--db", db),
        "must be a Python file",
    )


def test_a_handler_calling_sys_exit(files, db):
    (files / "h.py").write_text(
        "import sys\ndef h(i, c):\n    sys.exit(3)\nHANDLERS = {'Charge': h}\n"
    )
    one_line_error(
        cli("run", files / "task.json", "--handlers", files / "h.py", "--db", db),
        "state 'Charge'",
        "sys.exit",
    )
    (files / "top.py").write_text("import sys\nsys.exit(4)\n")
    one_line_error(
        cli("run", files / "task.json", "--handlers", files / "top.py", "--db", db), "sys.exit(4)"
    )


def test_handler_results_become_plain_json():
    assert handler_result("S", ({"a": (1, 2)},)) == [{"a": [1, 2]}]
    assert handler_result("S", {1: "x"}) == {"1": "x"}
    for value in (None, "text", True, 7, 2.5):
        assert handler_result("S", value) == value
    with pytest.raises(HandlerError, match="state 'S'.*frozenset"):
        handler_result("S", [frozenset()])


def test_strict_json_rules():
    assert is_plain_json({"a": [1, "x", None, True, 2.5, {"é": []}]})
    for odd in (
        {1: 2},
        (1,),
        [float("nan")],
        10**5000,
        ["\ud800"],
        {1, 2},
        json.loads(deep(MAX_DEPTH + 1)),
    ):
        assert not is_plain_json(odd)
    with pytest.raises(JsonValueError):
        loads(deep(MAX_DEPTH + 1))
    assert loads(deep(MAX_DEPTH)) is not None
    assert loads('"\\ud83d\\ude00"') == "\U0001f600"  # a surrogate pair is fine
    with pytest.raises(JsonValueError):
        to_json_value([float("inf")])


# -- imports --------------------------------------------------------------------------------


def _exported(db, tmp_path) -> dict:
    assert run_happy(db, "src", "--seed", "1").exit_code == 0
    return json.loads(cli("export", "src", "--db", db).stdout)


def _set(index, key, value):
    return lambda doc: doc["events"][index].__setitem__(key, value)


@pytest.mark.parametrize(
    "change, needle",
    [
        (_set(5, "previousEventId", 999), "points to no earlier event"),
        (_set(5, "previousEventId", 6), "points to no earlier event"),
        (lambda doc: doc["events"].pop(0), "ExecutionStarted"),
        (_set(5, "id", 5), "event"),
        (_set(5, "id", "6"), "not a positive integer"),
        (_set(5, "type", 7), "not an event type"),
        (_set(3, "timestamp", 1e300), "out of range"),
        (
            lambda doc: doc["events"][0]["executionStartedEventDetails"].update(input="{no"),
            "not JSON text",
        ),
        (
            lambda doc: doc["events"].__setitem__(
                4, dict(doc["events"][0], id=5, previousEventId=4)
            ),
            "more than one ExecutionStarted",
        ),
        (lambda doc: doc["sfnReplay"]["eventExtras"].update({"9999": {}}), "names no event"),
        (lambda doc: doc["sfnReplay"]["eventExtras"]["1"].update(schedule="chaos"), "schedule"),
        (
            lambda doc: next(
                extra for extra in doc["sfnReplay"]["eventExtras"].values() if "invocation" in extra
            ).update(invocation=[1]),
            "invocation",
        ),
        (
            lambda doc: next(e for e in doc["events"] if e["type"] == "MapIterationStarted")[
                "mapIterationStartedEventDetails"
            ].clear(),
            "needs the Map state's name",
        ),
    ],
)
def test_malformed_imports_store_nothing(db, tmp_path, change, needle):
    document = _exported(db, tmp_path)
    change(document)
    path = tmp_path / "h.json"
    path.write_text(json.dumps(document))
    before = executions(db)
    one_line_error(
        cli(
            "import",
            path,
            "--definition",
            SCENARIO / "definition.json",
            "--name",
            "copy",
            "--db",
            db,
        ),
        needle,
    )
    assert executions(db) == before


def test_truncated_import_file_stores_nothing(db, tmp_path):
    text = json.dumps(_exported(db, tmp_path))
    path = tmp_path / "h.json"
    path.write_text(text[: len(text) // 2])
    one_line_error(
        cli("import", path, "--definition", SCENARIO / "definition.json", "--db", db),
        "not valid JSON",
    )
    assert "copy" not in executions(db)


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--account", "12345"], "--account"),
        (["--account", "12345678901a"], "--account"),
        (["--region", "mars"], "--region"),
        (["--region", "US-EAST-1"], "--region"),
        (["--name", ""], "--name is empty"),
        (["--state-machine-name", ""], "--state-machine-name is empty"),
        (["--name", "x" * 81], "invalid execution name"),
        (["--name", "a:b"], "invalid execution name"),
        (["--state-machine-name", "a b"], "invalid state machine name"),
    ],
)
def test_names_follow_aws_rules(files, db, args, needle):
    one_line_error(cli("run", files / "pass.json", "--db", db, *args), needle)
    assert "no executions" in executions(db)


def test_valid_names_and_regions(files, db):
    result = cli(
        "run",
        files / "pass.json",
        "--db",
        db,
        "--json",
        "--account",
        "111111111111",
        "--region",
        "us-gov-west-1",
        "--name",
        "n" * 80,
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["executionArn"].startswith(
        "arn:aws:states:us-gov-west-1:111111111111:execution:pass:nnn"
    )


@pytest.mark.parametrize(
    "path, expected",
    [
        ("x/order.asl.json", "order"),
        ("x/order.json", "order"),
        ("scenarios/order-pipeline/definition.json", "order-pipeline"),
        ("flows/billing/StateMachine.asl.json", "billing"),
        ("flows/my flows/state_machine.json", "my-flows"),
        ("x/" + "a" * 100 + ".json", "a" * 80),
        ("x/a:b$c.json", "a-b-c"),
    ],
)
def test_default_state_machine_name(path, expected):
    assert default_state_machine_name(Path(path)) == expected


def test_run_and_import_use_the_default_name_rule(db, tmp_path):
    folder = tmp_path / "billing-flow"
    folder.mkdir()
    (folder / "definition.asl.json").write_text(json.dumps(PASS))
    result = cli("run", folder / "definition.asl.json", "--name", "r", "--db", db, "--json")
    assert json.loads(result.stdout)["stateMachineArn"].endswith(":stateMachine:billing-flow")
    long = tmp_path / ("x" * 120 + ".json")
    long.write_text(json.dumps(PASS))
    result = cli("run", long, "--name", "long", "--db", db, "--json")
    assert json.loads(result.stdout)["stateMachineArn"].endswith(":stateMachine:" + "x" * 80)
    (tmp_path / "e.json").write_text(cli("export", "r", "--db", db).stdout)
    assert (
        cli(
            "import",
            tmp_path / "e.json",
            "--definition",
            folder / "definition.asl.json",
            "--name",
            "i",
            "--db",
            db,
        ).exit_code
        == 0
    )
    assert (
        "billing-flow"
        in [line.split()[1] for line in executions(db).splitlines() if " i " in line][0]
    )


# -- usage errors, --version, help ----------------------------------------------------------


@pytest.mark.parametrize(
    "args, hint",
    [
        (["bogus"], "(see sfn-replay --help)"),
        (["run"], "(see sfn-replay run --help)"),
        (["run", "x.json", "--seed", "abc"], "(see sfn-replay run --help)"),
        (["history", "x", "--frob"], "(see sfn-replay history --help)"),
        (["--nope"], "(see sfn-replay --help)"),
        (["list", "--db", ""], "an empty path"),
    ],
)
def test_usage_errors_are_one_line_with_a_hint(args, hint):
    result = cli(*args)
    line = one_line_error(result, hint)
    assert "╭" not in result.output and "Usage:" not in result.output, line


def test_no_arguments_prints_the_help():
    result = cli()
    assert result.exit_code == 0 and "Commands:" in result.stdout and not result.stderr


def test_version():
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout.strip() == "sfn-replay 0.1.0"


def test_version_without_installed_metadata_reads_pyproject(monkeypatch):
    from importlib import metadata

    from tui.shell import version

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert version() == "0.1.0"


def test_every_option_and_argument_has_help():
    root = typer.main.get_command(app)
    missing = []
    for name, command in root.commands.items():
        for param in command.params:
            if param.name != "help" and not getattr(param, "help", None):
                missing.append(f"{name} {param.name}")
    assert not missing, missing
    assert all(command.help for command in root.commands.values())


# -- the history table ----------------------------------------------------------------------


def test_history_table_has_headers_frames_and_iso_times(db):
    assert run_happy(db, "t", "--seed", "1", "--start-time", "2026-01-01T00:00:00Z").exit_code == 0
    lines = cli("history", "t", "--db", db).stdout.splitlines()
    assert lines[0].split() == ["ID", "PREV", "TIMESTAMP", "TYPE", "FRAME", "STATE", "DETAIL"]
    first = lines[1].split()
    assert first[:5] == ["1", "0", "2026-01-01T00:00:00.000000+00:00", "ExecutionStarted", "-"]
    frames = {line.split()[4] for line in lines[1:]}
    assert {"ReserveAndCharge#0", "ReserveAndCharge#1", "ShipItems#0"} <= frames
    shipped = [line for line in lines if "ShipItems#1" in line and "StateEntered" in line]
    assert shipped and "ShipItem" in shipped[0]


def test_history_table_infers_frames_of_imported_histories(db, tmp_path):
    document = _exported(db, tmp_path)
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({"events": document["events"]}))  # no facts of ours
    assert (
        cli(
            "import",
            path,
            "--definition",
            SCENARIO / "definition.json",
            "--name",
            "aws",
            "--db",
            db,
        ).exit_code
        == 0
    )
    ours = cli("history", "src", "--db", db).stdout.splitlines()
    theirs = cli("history", "aws", "--db", db).stdout.splitlines()
    assert [line.split()[4] for line in ours] == [line.split()[4] for line in theirs]


# -- a closed pipe --------------------------------------------------------------------------


def test_history_into_a_closed_pipe_exits_quietly(db):
    assert run_happy(db, "p").exit_code == 0
    read, write = os.pipe()
    os.close(read)  # `| head` that has already gone
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", "history", "p", "--db", str(db), "--format", "aws"],
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            timeout=60,
        )
    finally:
        os.close(write)
    assert done.returncode == 141
    assert done.stderr == b""


# -- start-up: a command imports what it needs ----------------------------------------------

_LOADED = """
import sys
sys.argv = ["sfn-replay", *sys.argv[1:]]
try:
    from tui.cli import main
    main()
except SystemExit:
    pass
sys.stderr.write(" ".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize(
    "args, absent",
    [
        (
            ["--help"],
            {
                "replay.api",
                "replay.asl.validate",
                "jsonatapy",
                "lmdb",
                "pydantic",
                "rich",
                "store",
                "tui.commands",
            },
        ),
        (
            ["validate", str(SCENARIO / "definition.json")],
            {"replay.api", "replay.engine", "lmdb", "pydantic", "rich", "store"},
        ),
        (  # a run without mocks needs no pydantic, not even for its repeatable --fault option
            ["run", str(SCENARIO / "definition.json"), "--db", "{tmp}", "--fault", "X:Y"],
            {"pydantic", "rich", "textual"},
        ),
    ],
)
def test_start_up_imports_only_what_the_command_needs(args, absent, tmp_path):
    args = [arg.replace("{tmp}", str(tmp_path / "db")) for arg in args]
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, *args],
        cwd=ROOT,
        timeout=60,
        capture_output=True,
        text=True,
        check=False,
    )
    loaded = set(done.stderr.split())
    assert "tui.cli" in loaded
    assert not absent & loaded, absent & loaded
