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
