"""replay.map_runs: the Map Runs of a recorded history, each ended by its own event."""

from __future__ import annotations

import json

from replay import api, map_runs
from tests.helpers import START
from tests.test_serve_map_runs import PROCESSOR


def processor(suffix: str) -> dict:
    """PROCESSOR with its states renamed (state names are unique in a state machine)."""
    text = json.dumps(PROCESSOR)
    for name in ("Odd?", "Boom", "Fine"):
        text = text.replace(f'"{name}"', f'"{name}{suffix}"')
    return json.loads(text)


def branch(name: str, tolerated: int) -> dict:
    state = {
        "Type": "Map",
        "ItemProcessor": processor(name),
        "ItemsPath": f"$.{name}",
        "ToleratedFailureCount": tolerated,
        "End": True,
    }
    return {"StartAt": name, "States": {name: state}}


def test_map_runs_in_parallel_branches_end_each_with_its_own_event(tmp_path):
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch("ok", 1), branch("bad", 0), branch("later", 0)],
                "End": True,
            }
        },
    }
    odd = [{"odd": True}]
    value = {"ok": odd, "bad": odd, "later": [{"odd": False}] * 3}
    result = api.run(
        tmp_path / "db",
        json.dumps(definition),
        value,
        state_machine_name="sm",
        name="p",
        start_micros=START,
        seed=3,
    )
    assert result["status"] == "FAILED"
    runs = {run["state"]: run for run in map_runs.map_runs(api.events(tmp_path / "db", "p"))}
    # MapRunSucceeded/MapRunFailed name no Map Run: each is the one up its chain of events
    assert runs["ok"]["status"] == "SUCCEEDED" and runs["bad"]["status"] == "FAILED"
    assert runs["later"]["status"] == "SUCCEEDED"  # it ended after "bad" (seed 3's schedule)
    assert all(run["stop"] is not None for run in runs.values())
    assert len({run["arn"] for run in runs.values()}) == 3


def test_a_map_run_still_running_when_its_execution_ends_is_aborted():
    events = [
        {"id": 1, "previousEventId": 0, "timestamp": 5, "type": "MapStateEntered",
         "stateEnteredEventDetails": {"name": "M"}},
        {"id": 2, "previousEventId": 1, "timestamp": 6, "type": "MapRunStarted",
         "mapRunStartedEventDetails": {"mapRunArn": "arn:r"}},
        {"id": 3, "previousEventId": 0, "timestamp": 9, "type": "ExecutionFailed"},
    ]  # fmt: skip
    (run,) = map_runs.map_runs(events)
    assert (run["arn"], run["state"], run["status"], run["start"], run["stop"]) == (
        "arn:r",
        "M",
        "ABORTED",
        6,
        9,
    )


def test_a_map_run_in_a_child_execution_is_found_in_that_childs_history(tmp_path):
    from tests.test_distributed_map import CHILD

    def distributed(label: str, processor: dict, **more) -> dict:
        config = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        return {
            "Type": "Map",
            "Label": label,
            "ItemProcessor": {"ProcessorConfig": config, **processor},
            "End": True,
            **more,
        }

    inner = distributed("In", CHILD, ItemsPath="$.xs")
    outer = {
        "StartAt": "O",
        "States": {"O": distributed("Out", {"StartAt": "I", "States": {"I": inner}})},
    }
    db = tmp_path / "db"
    result = api.run(db, json.dumps(outer), [{"xs": [{"n": 1}, {"n": 2}]}], state_machine_name="sm")
    assert result["status"] == "SUCCEEDED"
    docs = api.list_executions(db)
    (child,) = [d for d in docs if d["stateMachineName"] == "sm/Out"]
    (run,) = api.list_map_runs(db, child["executionArn"])  # the inner Map Run, started there
    described = api.describe_map_run(db, run["arn"])
    assert described["executionArn"] == child["executionArn"]  # not the root its children name
    assert described["status"] == "SUCCEEDED" and described["itemCounts"]["succeeded"] == 2
