"""The pytest plugin: a user's own test file gets the `sfn_replay` fixture (a temporary db and
the Python API) and `assert_execution`, whose failures say what differs."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]

USER_TESTS = """
import json
from pathlib import Path

from replay.testing import assert_execution

DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "OutputPath": "$.Payload",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}],
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Refund": {"Type": "Fail", "Error": "Order.Failed", "Cause": "refunded"},
    },
}
MOCKS = {
    "StateMachines": {"shop": {"TestCases": {"ok": {"Charge": "Charged"}}}},
    "MockedResponses": {"Charged": {"0": {"Return": {"Payload": {"charge": "c-1", "n": 2}}}}},
}


def test_happy(sfn_replay):
    result = sfn_replay.run(DEFINITION, {"id": 1}, mocks=MOCKS, test_case="ok")
    assert_execution(result, status="SUCCEEDED", output_contains={"charge": "c-1"},
                     path=["Charge", "Done"], no_events=["TaskFailed"])
    assert result.output_value == {"charge": "c-1", "n": 2}
    assert sfn_replay.db.is_dir() and sfn_replay.replay(result) is None


def test_fault_and_branch(sfn_replay):
    failed = sfn_replay.run(DEFINITION, mocks=MOCKS, test_case="ok",
                            faults=["Charge:States.TaskFailed:card declined"])
    sfn_replay.assert_execution(failed, status="FAILED", error="Order.Failed",
                                path_contains=["Charge", "Refund"])
    fixed = sfn_replay.branch(failed, 3, faults=[])
    assert_execution(fixed, status="SUCCEEDED", not_visited=["Refund"])
    assert sfn_replay.diff(failed, fixed)["identical"] is False


def test_wrong_expectation(sfn_replay):
    result = sfn_replay.run(DEFINITION, mocks=MOCKS, test_case="ok")
    assert_execution(result, status="FAILED", output_contains={"charge": "c-2"},
                     path=["Charge", "Refund"])
"""


def test_the_fixture_and_the_helper_work_in_a_users_suite(pytester, monkeypatch):
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.syspathinsert(ROOT)
    # the installed entry point may or may not load the plugin: load it explicitly, once
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    result = pytester.runpytest("-p", "replay.pytest_plugin", "-q")
    result.assert_outcomes(passed=2, failed=1)
    text = result.stdout.str()
    assert "execution run-1 (SUCCEEDED) does not do what was expected:" in text
    assert 'status: expected "FAILED", got "SUCCEEDED"' in text
    assert "output: differs at /charge" in text
    assert 'expected: "c-2"' in text and 'actual:   "c-1"' in text
    assert "path: step 2: expected 'Refund', got 'Done'" in text


def test_the_plugin_is_registered_as_a_pytest_entry_point():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"sfn_replay": "replay.pytest_plugin"}


def test_assert_execution_refuses_unknown_keywords_and_bad_values():
    import pytest

    from replay.testing import assert_execution

    with pytest.raises(TypeError, match="unknown keyword 'stauts'"):
        assert_execution({"status": "SUCCEEDED"}, stauts="SUCCEEDED")
    with pytest.raises(ValueError, match='status: "DONE" is not one of'):
        assert_execution({"status": "SUCCEEDED"}, status="DONE")
    with pytest.raises(TypeError, match="need an Execution"):
        assert_execution({"status": "SUCCEEDED"}, path=["A"])
    assert_execution({"status": "SUCCEEDED", "output": '{"a": 1}'}, output={"a": 1})


def test_the_readme_example_passes_as_written(pytester, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### test: scenarios as tests\n", 1)[1].split("\n### ", 1)[0]
    [example] = re.findall(r"```python\n(.*?)```", section, re.S)
    shutil.copytree(
        ROOT / "scenarios" / "order-pipeline", pytester.path / "scenarios" / "order-pipeline"
    )
    pytester.makepyfile(test_readme_example=example)
    pytester.syspathinsert(ROOT)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.runpytest("-p", "replay.pytest_plugin", "-q").assert_outcomes(passed=1)
