"""Time travel, replay, branching, import and export on real runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay import api
from replay.fold import fold
from tests.helpers import START, mock_config, run

FIXTURE = HealthCheck.function_scoped_fixture
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "order-pipeline"

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0}, "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "ResultPath": "$.r",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "Next": "Fan",
        },
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.r.items",
            "ResultPath": "$.mapped",
            "ItemProcessor": {
                "StartAt": "Inc",
                "States": {
                    "Inc": {
                        "Type": "Pass",
                        "Parameters": {"v.$": "States.MathAdd($, 1)", "u.$": "States.UUID()"},
                        "End": True,
                    }
                },
            },
            "Next": "Count",
        },
        "Count": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Again"},
        "Again": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThan": 3, "Next": "Work"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}
LOOP_MOCKS = mock_config(
    {
        "Work": {
            "0": {"Throw": {"Error": "Flaky", "Cause": "once"}},
            "1": {"Return": {"items": [1, 2, 3]}},
            "2": {"Return": {"items": [4]}},
        }
    }
)


@pytest.fixture(scope="module")
def loop_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loop")
    run(tmp, LOOP, {}, name="parent", mocks=LOOP_MOCKS, test_case="t", seed=5)
    return tmp


def test_loop_runs(loop_db):
    events = api.events(loop_db / "db", "parent")
    assert events[-1]["type"] == "ExecutionSucceeded"


@settings(max_examples=25, deadline=None, suppress_health_check=[FIXTURE])
@given(data=st.data())
def test_folding_a_prefix_equals_folding_in_two_parts(loop_db, data):
    events = api.events(loop_db / "db", "parent")
    n = data.draw(st.integers(1, len(events)))
    k = data.draw(st.integers(0, n))
    assert fold(events[:n]) == fold(events[k:n], fold(events[:k]))


def test_state_at_matches_a_plain_fold_and_the_run(loop_db):
    events = api.events(loop_db / "db", "parent")
    final = fold(events)
    assert final["status"] == "SUCCEEDED"
    assert final["invocations"] == {"Work": 4}
    for n in (1, 5, len(events) // 2, len(events)):
        shown = api.state(loop_db / "db", "parent", n)
        assert shown["event"] == n
    retry = api.state(loop_db / "db", "parent", "failure:1")
    assert retry["eventType"] == "TaskFailed"
    assert retry["active"][0]["state"] == "Work"


def test_replay_of_a_recorded_run_is_identical(loop_db):
    assert api.replay(loop_db / "db", "parent") is None


def test_replay_with_a_changed_definition_reports_the_first_divergence(loop_db):
    changed = json.loads(json.dumps(LOOP))
    changed["States"]["Count"]["Parameters"] = {"i.$": "States.MathAdd($.i, 2)"}
    divergence = api.replay(loop_db / "db", "parent", json.dumps(changed))
    assert divergence is not None
    assert divergence.recorded["type"] == divergence.produced["type"] == "PassStateExited"


@settings(max_examples=15, deadline=None, suppress_health_check=[FIXTURE])
@given(data=st.data())
def test_a_branch_with_no_changes_reproduces_its_parent(loop_db, data):
    parent = api.events(loop_db / "db", "parent")
    n = data.draw(st.integers(1, len(parent) - 1))
    name = f"b{n}-{data.draw(st.integers(0, 10**9))}"
    api.branch(loop_db / "db", "parent", n, name=name)
    child = api.events(loop_db / "db", name)
    assert child == parent


def test_branch_with_other_mocks_finishes_differently(tmp_path):
    definition = (SCENARIO / "definition.json").read_text()
    mocks = json.loads((SCENARIO / "mocks.json").read_text())
    inp = json.loads((SCENARIO / "input.json").read_text())
    api.run(
        tmp_path,
        definition,
        inp,
        state_machine_name="orders",
        name="p",
        seed=1,
        start_micros=START,
        mocks=mocks,
        test_case="payment-declined",
    )
    failed_task = api.state(tmp_path, "p", "failure:1")["event"]
    result = api.branch(
        tmp_path, "p", failed_task - 1, name="fixed", mocks=mocks, test_case="happy"
    )
    assert result["status"] == "SUCCEEDED"
    tree = api.tree(tmp_path, "fixed")
    assert tree["execution"]["name"] == "p"
    assert [c["execution"]["name"] for c in tree["children"]] == ["fixed"]
    assert api.diff(tmp_path, "p", "fixed")["firstDifference"]["event"] == failed_task


def test_branch_input_override_replaces_the_next_state_input(tmp_path):
    d = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    run(tmp_path, d, {"x": 1}, name="p")
    # event 3 is A's exit: B is the next state entered
    result = api.branch(tmp_path / "db", "p", 3, name="c", input_override={"x": 2})
    assert json.loads(result["output"]) == {"x": 2}


def test_branch_with_a_new_definition(tmp_path):
    d = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Fail", "Error": "Broken"}},
    }
    run(tmp_path, d, {}, name="p")
    fixed = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}},
    }
    result = api.branch(tmp_path / "db", "p", 3, name="c", definition_text=json.dumps(fixed))
    assert result["status"] == "SUCCEEDED"


def test_branch_of_a_branch(loop_db):
    api.branch(loop_db / "db", "parent", 10, name="g1")
    api.branch(loop_db / "db", "g1", 20, name="g2")
    assert api.events(loop_db / "db", "g2") == api.events(loop_db / "db", "parent")


def test_export_import_is_the_identity(loop_db):
    exported = api.export(loop_db / "db", "parent")
    assert "sfnReplay" in exported and all("sfnReplay" not in e for e in exported["events"])
    api.import_history(
        loop_db / "db", [exported], json.dumps(LOOP), state_machine_name="sm", name="copy"
    )
    assert api.events(loop_db / "db", "copy") == api.events(loop_db / "db", "parent")
    assert api.export(loop_db / "db", "copy")["events"] == exported["events"]


def test_import_in_pages_and_replay(loop_db, tmp_path):
    events = api.export(loop_db / "db", "parent")["events"]
    pages = [{"events": events[:7]}, {"events": events[7:]}]
    api.import_history(tmp_path, pages, json.dumps(LOOP), state_machine_name="sm", name="aws")
    assert [e["type"] for e in api.history(tmp_path, "aws")] == [e["type"] for e in events]


def test_state_shows_variables_with_their_scopes(tmp_path):
    d = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"outer": 1}, "Next": "M"},
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {"Type": "Pass", "Assign": {"inner.$": "$"}, "Next": "W"},
                        "W": {"Type": "Wait", "Seconds": 5, "End": True},
                    },
                },
                "End": True,
            },
        },
    }
    run(tmp_path, d, {"items": [7]}, name="v")
    events = api.events(tmp_path / "db", "v")
    wait_entered = next(e["id"] for e in events if e["type"] == "WaitStateEntered")
    shown = api.state(tmp_path / "db", "v", wait_entered)
    inner = [f for f in shown["active"] if f["state"] == "W"][0]
    assert inner["variables"] == {"outer": 1, "inner": 7}
    root = [f for f in shown["active"] if f["frame"] == "(root)"][0]
    assert root["variables"] == {"outer": 1}


def test_a_snapshot_of_another_shape_is_folded_again(tmp_path):
    """Snapshots are a cache: one written for another shape of the fold state is never read
    as this one (state_at folds from the start and writes them anew)."""
    from replay.timetravel import SNAPSHOT_EVERY, ensure_snapshots, state_at
    from store import EventLog

    long_loop = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "B"},
            "B": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThan": 200, "Next": "A"}],
                "Default": "C",
            },
            "C": {"Type": "Succeed"},
        },
    }
    run(tmp_path, long_loop, {"i": 0}, name="loop")
    expected = fold(api.events(tmp_path / "db", "loop")[: SNAPSHOT_EVERY + 3])
    with EventLog(tmp_path / "db") as log:
        doc = api.resolve(log, "loop")
        arn = doc["executionArn"]
        log.put_snapshot(arn, SNAPSHOT_EVERY, {"fold": 0, "state": {"status": "bogus"}})
        assert state_at(log, doc, SNAPSHOT_EVERY + 3) == expected
        ensure_snapshots(log, doc)
        assert log.snapshot_at_or_before(arn, SNAPSHOT_EVERY)[1]["state"]["status"] == "RUNNING"
