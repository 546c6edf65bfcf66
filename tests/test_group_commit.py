"""Group commit: pure steps share transactions, and what precedes a handler call is in the log
(readable by another process) when the handler runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from replay import api
from replay.definition import load_definition
from replay.engine import BATCH_EVENTS, Engine
from replay.interpreter import run_machine
from replay.runner import Names, execution_info
from replay.world import HandlerWorld
from store import EventLog
from tests.helpers import START

ROOT = Path(__file__).resolve().parent.parent
LOOP = {
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


def test_pure_steps_share_transactions(tmp_path, monkeypatch):
    commits = []
    real = EventLog.append_many

    def counting(self, *args, **kwargs):
        commits.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EventLog, "append_many", counting)
    result = api.run(
        tmp_path / "db",
        json.dumps(LOOP),
        {"i": 0},
        state_machine_name="sm",
        name="loop",
        seed=1,
        start_micros=START,
    )
    assert result["status"] == "SUCCEEDED"
    assert len(api.events(tmp_path / "db", "loop")) > 800  # 400 steps
    assert len(commits) <= 4  # the first step, the last, and a timed one on a slow machine


def test_what_precedes_a_handler_call_is_committed_when_it_runs(tmp_path):
    db = tmp_path / "db"
    seen = []

    def handler(value, context):  # another process reads the log while the handler runs
        out = subprocess.run(
            [sys.executable, "-m", "tui.cli", "history", "t", "--db", str(db), "--format", "aws"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        seen.append([event["type"] for event in json.loads(out.stdout)["events"]])
        return value

    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "End": True,
            },
        },
    }
    api.run(
        db,
        json.dumps(definition),
        {},
        state_machine_name="sm",
        name="t",
        seed=1,
        start_micros=START,
        handlers={"T": handler},
    )
    assert seen == [
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
        ]
    ]


def _batches(definition: dict, value: dict, world) -> list[list[dict]]:
    machine = load_definition(json.dumps(definition)).machine
    info = execution_info(Names("sm", "batches"), value, 1, START)
    engine = Engine(machine, info, world, 1)
    return list(engine.steps(lambda eng, root: run_machine(eng, root, machine, value)))


def test_pure_steps_hand_out_their_events_together():
    batches = _batches(LOOP, {"i": 0}, HandlerWorld({}))
    events = [event for batch in batches for event in batch]
    assert [event["id"] for event in events] == list(range(1, len(events) + 1))
    assert len(events) > 800  # 600 steps
    assert len(batches) <= len(events) // BATCH_EVENTS + 3


def test_a_call_to_the_world_ends_a_batch():
    handed_out = []  # events handed out when the handler runs
    batches: list[list[dict]] = []

    def handler(value, context):
        handed_out.append(sum(len(batch) for batch in batches))
        return {"i": value["i"] + 1}

    loop = json.loads(json.dumps(LOOP))
    loop["States"]["A"] = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Next": "B",
    }
    machine = load_definition(json.dumps(loop)).machine
    info = execution_info(Names("sm", "calls"), {"i": 0}, 1, START)
    engine = Engine(machine, info, HandlerWorld({"A": handler}), 1)
    for batch in engine.steps(lambda eng, root: run_machine(eng, root, machine, {"i": 0})):
        batches.append(batch)
    events = [event for batch in batches for event in batch]
    started = [event["id"] for event in events if event["type"] == "LambdaFunctionStarted"]
    assert handed_out == started  # each call comes right after the batch its Started ends
    assert len(started) == 200
