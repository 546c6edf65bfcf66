"""Replays at the edges of a record: a Task aborted while its answer was still on the way (a
mock's Delay) is answered after the abort, as in the run; an execution still waiting for its
task token replays identically up to the wait."""

from __future__ import annotations

import json

from replay import api

DEFINITION = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Job",
                "States": {
                    "Job": {
                        "Type": "Task",
                        "Resource": "arn:aws:states:::batch:submitJob.sync",
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}
MOCKS = {
    "StateMachines": {"fan": {"TestCases": {"t": {"Job": "Slow"}}}},
    "MockedResponses": {"Slow": {"0": {"Return": {"Status": "SUCCEEDED"}, "Delay": 120}}},
}


def test_a_task_aborted_before_its_answer_replays_and_branches(tmp_path):
    db = tmp_path / "db"
    result = api.run(
        db,
        json.dumps(DEFINITION),
        {"items": [1, 2]},
        state_machine_name="fan",
        name="x",
        seed=1,
        start_micros=0,
        mocks=MOCKS,
        test_case="t",
        faults=[{"state": "Job", "error": "States.TaskFailed", "iteration": 1}],
    )
    assert result["status"] == "FAILED"
    types = [event["type"] for event in api.history(db, "x")]
    assert "TaskStateAborted" in types
    assert api.replay(db, "x") is None
    branch = api.branch(db, "x", -1, name="y")
    assert branch["status"] == "FAILED"


WAITS = {
    "StartAt": "W",
    "States": {
        "W": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def test_an_execution_waiting_for_its_task_token_replays_identically(tmp_path):
    db = tmp_path / "db"
    result = api.run(
        db, json.dumps(WAITS), {}, state_machine_name="w", name="w", seed=1, start_micros=0
    )
    assert result["status"] == "RUNNING"
    assert api.replay(db, "w") is None
    changed = json.loads(json.dumps(WAITS))
    changed["States"]["W"]["Parameters"]["QueueUrl"] = "another"
    assert api.replay(db, "w", json.dumps(changed)).event_id == 3
