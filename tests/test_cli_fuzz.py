"""Fuzzing the CLI in process: argument lists drawn from the real commands and options with
good, bad and random values, and files of random bytes, random JSON and mutated valid
documents in every role a file plays. Whatever comes in: exit 0, 1 or 2; on 2 one stderr line
(validate: one per diagnostic); never a traceback or an "internal error"; and the db still
opens afterwards.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
from pathlib import Path

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tui.cli import app

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "order-pipeline"
COMMANDS = typer.main.get_command(app).commands
runner = CliRunner()
# The suite runs a fixed, fast sample; SFN_REPLAY_FUZZ_EXAMPLES=2000 explores further at random.
_EXPLORE = int(os.environ.get("SFN_REPLAY_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXPLORE or 50,
    deadline=None,
    derandomize=not _EXPLORE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Place:
    """The files and the db every example works in (made once per module)."""

    def __init__(self, root: Path) -> None:
        self.root, self.db = root, root / "db"
        self.work = root / "work"  # the cwd: relative paths the fuzzer invents land here
        self.work.mkdir()
        files = {
            "definition.json": (SCENARIO / "definition.json").read_text(),
            "input.json": (SCENARIO / "input.json").read_text(),
            "mocks.json": (SCENARIO / "mocks.json").read_text(),
            "pass.json": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}',
            "deep.json": "[" * 1200 + "]" * 1200,
            "nan.json": '{"a": NaN}',
            "bigint.json": "1" * 5000,
            "latin1.json": '{"a": "caf\xe9"}',
            "ok.py": "HANDLERS = {'ValidateOrder': lambda i, c: {'Payload': {'valid': True}}}",
            "set.py": "HANDLERS = {'ValidateOrder': lambda i, c: {1, 2}}",
            "exit.py": "import sys\nHANDLERS = {'ValidateOrder': lambda i, c: sys.exit(5)}",
        }
        for name, text in files.items():
            (root / name).write_bytes(text.encode("latin-1" if "latin" in name else "utf-8"))
        (root / "folder").mkdir()
        shutil.copytree(ROOT / "scenarios" / "report-fanout", root / "fanout")
        assert (
            self.cli(
                "run",
                root / "definition.json",
                "--input",
                root / "input.json",
                "--mock-config",
                root / "mocks.json",
                "--test-case",
                "payment-declined",
                "--name",
                "seeded",
                "--seed",
                "3",
            ).exit_code
            == 1
        )
        (root / "export.json").write_text(self.cli("export", "seeded").stdout)
        self.paths = [str(root / name) for name in [*files, "folder", "export.json", "nope.json"]]

    def cli(self, *args, db: bool = True):
        command = COMMANDS.get(str(args[0])) if args else None
        wants_db = command is not None and any(p.name == "db" for p in command.params)
        extra = ["--db", str(self.db)] if db and wants_db else []
        with contextlib.chdir(self.work):
            return runner.invoke(
                app,
                [str(a) for a in args] + extra,
                env={"SFN_REPLAY_DB": str(self.root / "default-db")},
            )


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Place:
    return Place(tmp_path_factory.mktemp("fuzz"))


def check_outcome(place: Place, args: list, result) -> None:
    said = result.output + (result.stderr or "")
    assert result.exit_code in (0, 1, 2), (args, result.exit_code, said[-2000:])
    assert "Traceback" not in said and "internal error" not in said, (args, said[-2000:])
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        if args and args[0] == "validate" and lines and not lines[0].startswith("sfn-"):
            assert all(line.startswith(f"{args[1]}: ") for line in lines), (args, lines)
        else:
            assert len(lines) == 1 and lines[0].startswith("sfn-replay: "), (args, lines)


def check_db(place: Place) -> None:
    """The db still opens. (A `check` command verifying every record, when the store has one,
    must pass as well: it is run here as soon as it exists.)"""
    for db in (place.db, place.root / "default-db", place.root / "other-db"):
        if db.exists():
            assert place.cli("list", "--db", db, db=False).exit_code == 0
            if "check" in COMMANDS:
                result = place.cli("check", "--db", db, db=False)
                assert result.exit_code == 0, result.output


# -- argument lists -------------------------------------------------------------------------

_INTERACTIVE = {"tui", "serve"}  # they wait for a person or a client: not fuzzed here

_WORDS = [
    "",
    "seeded",
    "nope",
    "x" * 81,
    "a b",
    "1",
    "-1",
    "0",
    "failure",
    "999999",
    "abc",
    "{}",
    "[1, 2]",
    '{"a": NaN}',
    "arn:aws:states:us-east-1:123456789012:execution:x:y",
    "happy",
    "table",
    "aws",
    "random",
    "round-robin",
    "2026-01-01T00:00:00Z",
    "--json",
    "111111111111",
    "us-east-1",
    "-",
    "\u00e9\u4e2d",
    "..",
    ".",
]


def _values(place: Place):
    return st.one_of(
        st.sampled_from(_WORDS),
        st.sampled_from(place.paths),
        st.text(max_size=20),
        st.integers(-(10**6), 10**6).map(str),
    )


@st.composite
def argument_lists(draw, place: Place) -> list[str]:
    name = draw(st.sampled_from(sorted(set(COMMANDS) - _INTERACTIVE)))
    command = COMMANDS[name]
    values = _values(place)
    args = [name]
    for param in command.params:
        if param.param_type_name == "argument":
            count = draw(st.integers(0 if draw(st.booleans()) else 1, 2))
            args += [draw(values) for _ in range(count if param.nargs == -1 else min(count, 1))]
    options = [p for p in command.params if p.param_type_name == "option"]
    dbs = st.sampled_from([str(place.db), str(place.root / "other-db"), "", *place.paths])
    for option in draw(st.lists(st.sampled_from(options), max_size=5)) if options else []:
        args.append(option.opts[0])
        if not option.is_flag:
            args.append(draw(dbs if option.name == "db" else values))
    if draw(st.integers(0, 9)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(st.sampled_from(["--bogus", "-x"])))
    return args


@FUZZ
@given(data=st.data())
def test_fuzz_argument_lists(place, data):
    args = data.draw(argument_lists(place))
    check_outcome(place, args, place.cli(*args, db="--db" not in args))
    check_db(place)


# -- files ----------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)


@st.composite
def mutated(draw, document):
    """A valid document with one value somewhere replaced by random JSON or removed."""
    document = json.loads(json.dumps(document))
    node = document
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return document
        key = draw(st.sampled_from(keys))
        child = node[key]
        if isinstance(child, (dict, list)) and child and draw(st.integers(0, 3)):
            node = child
            continue
        if isinstance(node, dict) and draw(st.booleans()):
            del node[key]
        else:
            node[key] = draw(_json)
        return document


_IMPORTS = itertools.count()
_ROLES = [
    "definition",
    "input",
    "mocks",
    "import",
    "override",
    "replay-definition",
    "fanout-definition",
    "fanout-input",
]


def _fanout(root: Path, definition: Path, input_file: Path) -> list:
    """The JSONata / Distributed Map scenario, on a copy of its S3 stand-in."""
    fanout = root / "fanout"
    return [
        "run",
        definition,
        "--input",
        input_file,
        "--mock-config",
        fanout / "mocks.json",
        "--test-case",
        "scores",
        "--s3-root",
        fanout / "s3",
    ]


@FUZZ
@given(data=st.data())
def test_fuzz_files(place, data):
    role = data.draw(st.sampled_from(_ROLES))
    valid = {
        "definition": "definition.json",
        "replay-definition": "definition.json",
        "input": "input.json",
        "override": "input.json",
        "mocks": "mocks.json",
        "import": "export.json",
        "fanout-definition": "fanout/definition.json",
        "fanout-input": "fanout/input.json",
    }[role]
    kind = data.draw(st.sampled_from(["bytes", "json", "mutated"]))
    if kind == "bytes":
        content = data.draw(st.binary(max_size=200))
    elif kind == "json":
        content = json.dumps(data.draw(_json)).encode()
    else:
        base = json.loads((place.root / valid).read_text())
        content = json.dumps(data.draw(mutated(base))).encode()
    path = place.root / "fuzzed.json"
    path.write_bytes(content)
    imported = f"i-{next(_IMPORTS)}"  # a new name each call, so a failure replays
    r = place.root
    args = {
        "definition": [
            "run",
            path,
            "--input",
            r / "input.json",
            "--mock-config",
            r / "mocks.json",
            "--test-case",
            "happy",
        ],
        "input": [
            "run",
            r / "definition.json",
            "--input",
            path,
            "--mock-config",
            r / "mocks.json",
            "--test-case",
            "happy",
        ],
        "mocks": [
            "run",
            r / "definition.json",
            "--input",
            r / "input.json",
            "--mock-config",
            path,
            "--test-case",
            "happy",
        ],
        "import": ["import", path, "--definition", r / "definition.json", "--name", imported],
        "override": ["branch", "seeded", "--at", "5", "--input-override", path],
        "replay-definition": ["replay", "seeded", "--definition", path],
        "fanout-definition": _fanout(r, path, r / "fanout" / "input.json"),
        "fanout-input": _fanout(r, r / "fanout" / "definition.json", path),
    }[role]
    check_outcome(place, [str(a) for a in args], place.cli(*args))
    if role == "import" and place.cli("list").stdout.count(imported):
        for more in (
            ["history", imported],
            ["state", imported, "--at", "-1"],
            ["history", imported, "--format", "aws"],
            ["tree", imported],
        ):
            check_outcome(place, more, place.cli(*more))
    if role.endswith("definition"):
        check_outcome(place, ["validate", str(path)], place.cli("validate", path, db=False))
    check_db(place)
