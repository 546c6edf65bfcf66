"""`sfn-replay test` and replay.scenarios: strict scenario files (exit 2 with a JSON pointer),
readable diffs of failed expectations (exit 1), JUnit XML, and the expectations themselves."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay.scenarios import Outcome, ScenarioError, check, load
from replay.scenarios.expect import ExpectError, first_difference, validate
from tui.cli import app

DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Refund": {"Type": "Fail", "Error": "Order.Failed", "Cause": "refunded"},
    },
}
MOCKS = {
    "StateMachines": {"shop": {"TestCases": {"ok": {"Charge": "Charged"}}}},
    "MockedResponses": {
        "Charged": {"0": {"Return": {"StatusCode": 200, "Payload": {"charge": "c-1", "n": 2}}}}
    },
}
HAPPY = {"name": "happy", "expect": {"status": "SUCCEEDED", "output": {"charge": "c-1"}}}


def scenario(tmp_path: Path, cases: list | None = None, **top) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir(exist_ok=True)
    (folder / "definition.json").write_text(json.dumps(DEFINITION))
    (folder / "mocks.json").write_text(json.dumps(MOCKS))
    doc = {"definition": "definition.json", "mockConfig": "mocks.json", "testCase": "ok"}
    doc.update(top)
    if cases is not None:
        doc["cases"] = cases
    (folder / "scenario.json").write_text(json.dumps(doc))
    return folder / "scenario.json"


def cli(*args: str):
    return CliRunner().invoke(app, ["test", *args])


def test_a_passing_scenario_exits_0_with_a_line_per_case_and_a_summary(tmp_path):
    path = scenario(tmp_path, [HAPPY])
    result = cli(str(path))
    assert result.exit_code == 0, result.output
    assert f"PASS  {path}::happy" in result.output
    assert "1 passed, 0 failed: 1 case in 1 file" in result.output


@pytest.mark.parametrize(
    "change, pointer",
    [
        ({"cases": [{"name": "x", "expect": {"status": "DONE"}}]}, "/cases/0/expect/status"),
        ({"cases": [{"name": "x", "expect": {"outptu": {}}}]}, "/cases/0/expect/outptu"),
        ({"cases": [{"name": "x", "expect": {}}]}, "/cases/0/expect"),
        ({"cases": [{"name": "x"}]}, "/cases/0/expect"),
        ({"cases": [HAPPY, HAPPY]}, "/cases/1/name"),
        ({"cases": [dict(HAPPY, faults=["Chrage:States.TaskFailed"])]}, "/cases/0/faults/0"),
        (
            {"cases": [dict(HAPPY, faults=[{"state": "Charge", "attempts": "x"}])]},
            "/cases/0/faults/0/attempts",
        ),
        ({"cases": [dict(HAPPY, testCase="nope")]}, "/cases/0/testCase"),
        (
            {"cases": [dict(HAPPY, expect={"noEvents": ["TaskFialed"]})]},
            "/cases/0/expect/noEvents/0",
        ),
        (
            {"cases": [dict(HAPPY, expect={"eventCounts": {"TaskFailed": -1}})]},
            "/cases/0/expect/eventCounts/TaskFailed",
        ),
        ({"cases": [dict(HAPPY, inputFile="missing.json")]}, "/cases/0/inputFile"),
        ({"cases": [HAPPY], "definition": "nowhere.json"}, "/definition"),
        ({"cases": [HAPPY], "seed": -1}, "/seed"),
        ({"cases": [HAPPY], "startTime": "yesterday"}, "/startTime"),
        ({"cases": [HAPPY], "tests": []}, "/tests"),
        ({"cases": []}, "/cases"),
        ({}, "/cases"),
    ],
)
def test_a_bad_scenario_file_exits_2_naming_the_file_and_the_pointer(tmp_path, change, pointer):
    change = dict(change)
    path = scenario(tmp_path, change.pop("cases", None), **change)
    result = cli(str(path))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines() if result.stderr else result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"sfn-replay: {path}: {pointer}: "), lines[0]
    assert "PASS" not in result.output  # nothing ran


def test_bad_json_and_missing_paths_exit_2(tmp_path):
    path = scenario(tmp_path, [HAPPY])
    path.write_text('{"definition": ')
    assert cli(str(path)).exit_code == 2
    assert "not valid JSON" in cli(str(path)).output
    missing = cli(str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "no such scenario file or folder" in missing.output
    (tmp_path / "empty").mkdir()
    assert "no scenario.json in this folder" in cli(str(tmp_path / "empty")).output


def test_a_failing_expectation_exits_1_with_a_readable_diff(tmp_path):
    wrong = {
        "name": "wrong",
        "faults": ["Charge:States.TaskFailed:boom"],
        "expect": {
            "status": "SUCCEEDED",
            "path": ["Charge", "Done"],
            "noEvents": ["TaskFailed"],
        },
    }
    output_wrong = {"name": "output", "expect": {"output": {"charge": "c-2", "n": 2}}}
    result = cli(str(scenario(tmp_path, [HAPPY, wrong, output_wrong])))
    assert result.exit_code == 1
    out = result.output
    assert "PASS" in out and "FAIL  " in out
    assert 'status: expected "SUCCEEDED", got "FAILED"' in out
    assert "path: step 2: expected 'Done', got 'Refund'" in out
    assert "expected: Charge > Done" in out and "actual:   Charge > Refund" in out
    assert "noEvents: TaskFailed appears 1 time(s)" in out
    assert "output: differs at /charge" in out
    assert 'expected: "c-2"' in out and 'actual:   "c-1"' in out
    assert "1 passed, 2 failed: 3 cases in 1 file" in out


def test_junit_xml_has_one_testcase_per_case_and_the_diff_in_the_failure(tmp_path):
    cases = [HAPPY, {"name": "bad", "expect": {"status": "FAILED"}}]
    junit = tmp_path / "report.xml"
    result = cli(str(scenario(tmp_path, cases)), "--junit", str(junit))
    assert result.exit_code == 1
    root = ET.parse(junit).getroot()
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == (
        "testsuites",
        "2",
        "1",
        "0",
    )
    testcases = root.findall("./testsuite/testcase")
    assert [case.get("name") for case in testcases] == ["happy", "bad"]
    assert testcases[0].find("failure") is None
    failure = testcases[1].find("failure")
    assert failure.get("message") == 'status: expected "FAILED", got "SUCCEEDED"'
    assert root.find("testsuite").get("failures") == "1"


def test_with_db_the_executions_stay_and_a_rerun_takes_fresh_names(tmp_path):
    path, db = scenario(tmp_path, [HAPPY]), tmp_path / "db"
    assert cli(str(path), "--db", str(db)).exit_code == 0
    assert cli(str(path), "--db", str(db)).exit_code == 0
    from replay import api

    assert sorted(doc["name"] for doc in api.list_executions(db)) == ["happy", "happy-2"]


def test_a_case_that_cannot_run_is_reported_and_exits_2(tmp_path):
    mocks = dict(MOCKS, StateMachines={"shop": {"TestCases": {"ok": {}}}})
    path = scenario(tmp_path, [HAPPY])
    (path.parent / "mocks.json").write_text(json.dumps(mocks))
    result = cli(str(path))
    assert result.exit_code == 2
    assert "ERROR happy" in result.output.replace(f"{path}::", "")
    assert "could not run" in result.output


def test_single_case_form_input_file_and_case_overrides(tmp_path):
    path = scenario(tmp_path, None, expect={"status": "SUCCEEDED"}, inputFile="in.json")
    (path.parent / "in.json").write_text('{"a": 1}')
    [case] = load(path)
    assert (case.name, case.input, case.test_case, case.state_machine_name) == (
        "default",
        {"a": 1},
        "ok",
        "shop",
    )
    path = scenario(tmp_path, [dict(HAPPY, input={"b": 2})], inputFile="in.json", seed=7)
    [case] = load(path)
    assert (case.input, case.seed) == ({"b": 2}, 7)
    with pytest.raises(ScenarioError, match="/expect: give expect in each case"):
        load(scenario(tmp_path, [HAPPY], expect={"status": "FAILED"}))


def outcome(status="SUCCEEDED", output=None, path=(), types=(), seconds=0, cause=None):
    names = [{"type": "PassStateEntered", "stateEnteredEventDetails": {"name": n}} for n in path]
    events = [{"type": "ExecutionStarted"}, *names, *({"type": t} for t in types)]
    events.append({"type": "ExecutionSucceeded"})
    for index, event in enumerate(events):
        event.update(id=index + 1, timestamp=0)
    events[-1]["timestamp"] = int(seconds * 1e6)
    description = {"status": status, "output": json.dumps(output), "cause": cause}
    return Outcome(description, events)


@pytest.mark.parametrize(
    "expect, result, fails",
    [
        ({"output": {"a": {"b": 1}}}, outcome(output={"a": {"b": 1, "c": 2}, "d": 3}), False),
        ({"output": {"a": {"b": 1}}}, outcome(output={"a": {"b": 2}}), True),
        ({"output": {"a": [1, 2]}}, outcome(output={"a": [1, 2, 3]}), True),
        ({"output": {"a": 1}}, outcome(output={"a": True}), True),
        ({"output": {"a": 1}}, outcome(output={"a": 1.0}), False),
        ({"outputEquals": {"a": 1}}, outcome(output={"a": 1, "b": 2}), True),
        ({"output": {"a": 1}}, outcome(status="FAILED"), True),
        ({"path": ["A", "B"]}, outcome(path=["A", "B"]), False),
        ({"path": ["A"]}, outcome(path=["A", "B"]), True),
        ({"pathPrefix": ["A"]}, outcome(path=["A", "B"]), False),
        ({"pathContains": ["A", "C"]}, outcome(path=["A", "B", "C"]), False),
        ({"pathContains": ["C", "A"]}, outcome(path=["A", "B", "C"]), True),
        ({"notVisited": ["B"]}, outcome(path=["A", "B"]), True),
        ({"events": ["TaskFailed"]}, outcome(types=["TaskFailed"]), False),
        ({"events": ["TaskFailed"]}, outcome(), True),
        ({"eventCounts": {"TaskFailed": 2}}, outcome(types=["TaskFailed"]), True),
        ({"eventCounts": {"TaskFailed": 0}}, outcome(), False),
        ({"maxDuration": 60}, outcome(seconds=61), True),
        ({"minDuration": 60}, outcome(seconds=61), False),
        ({"minDuration": 60}, outcome(seconds=59), True),
        ({"cause": {"errorType": "E"}}, outcome(cause='{"errorType": "E", "x": 1}'), False),
        ({"cause": {"errorType": "E"}}, outcome(cause='{"errorType": "F"}'), True),
        ({"cause": "boom"}, outcome(cause="boom"), False),
    ],
)
def test_each_expectation_passes_and_fails_as_it_should(expect, result, fails):
    assert bool(check(validate(expect), result)) is fails


def test_first_difference_names_the_json_pointer():
    assert first_difference({"a": [{"b/c": 1}]}, {"a": [{"b/c": 2}]}) == ("/a/0/b~1c", "1", "2")
    assert first_difference({"a": 1}, {}) == ("/a", "1", "(missing)")
    with pytest.raises(ExpectError, match="/path/1"):
        validate({"path": ["A", 3]})


def test_file_colon_colon_case_runs_one_case(tmp_path):
    path = scenario(tmp_path, [HAPPY, {"name": "bad", "expect": {"status": "FAILED"}}])
    result = cli(f"{path}::happy")
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed: 1 case in 1 file" in result.output
    unknown = cli(f"{path}::nope")
    assert unknown.exit_code == 2
    assert "no case named 'nope' (its cases: happy, bad)" in unknown.output


def test_an_invalid_definition_or_a_handlers_file_that_is_not_python_exits_2(tmp_path):
    path = scenario(tmp_path, [HAPPY])
    (path.parent / "definition.json").write_text('{"StartAt": "Nowhere", "States": {}}')
    result = cli(str(path))
    assert result.exit_code == 2
    assert result.output.startswith(f"sfn-replay: {path}: /definition: ")
    assert "invalid definition" in result.output
    path = scenario(tmp_path, [dict(HAPPY, handlers="mocks.json")])
    result = cli(str(path))
    assert result.exit_code == 2
    assert f"{path}: /cases/0/handlers: a handlers file is a .py file" in result.output


def test_a_db_that_is_a_file_or_a_junit_path_without_its_folder_exits_2_before_running(tmp_path):
    path = scenario(tmp_path, [HAPPY])
    (tmp_path / "file").write_text("")
    result = cli(str(path), "--db", str(tmp_path / "file"))
    assert result.exit_code == 2 and "it is a file, not a directory" in result.output
    result = cli(str(path), "--junit", str(tmp_path / "nowhere" / "r.xml"))
    assert result.exit_code == 2 and "no folder" in result.output
    assert "PASS" not in result.output
