"""Replay verification: re-run the interpreter against a recorded history, every Task answered
from the record, and report the first event where what it produces differs from the record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replay.compare import event_changes, shown
from replay.definition import Definition
from replay.engine import AwaitingToken, Engine, ExecutionInfo, NoTaskAnswer
from replay.events import EXTRA
from replay.fork import Fork
from replay.interpreter import run_machine
from replay.nested import NO_MACHINES, Machines
from replay.recorded import RecordedWorld
from replay.redrive import RedriveError, redrives_in
from replay.states.activity_task import recorded_starts


@dataclass(frozen=True)
class Divergence:
    event_id: int
    recorded: dict | None  # None: the record ended before the interpreter did
    produced: dict | None  # None: the interpreter ended (or stopped) before the record did
    reason: str = ""

    def changes(self) -> list[dict]:
        """What differs, field by field: `a` as recorded, `b` as produced now."""
        return event_changes(self.recorded, self.produced)

    def to_dict(self) -> dict:
        """The divergence as JSON: both events in AWS shape (ISO times) and what differs."""
        return {
            "event": self.event_id,
            "reason": self.reason,
            "recorded": shown(self.recorded),
            "produced": shown(self.produced),
            "changes": self.changes(),
        }


def comparable(event: dict, with_time: bool) -> dict:
    """What 'identical' compares: everything but our extra facts (and time, for imports)."""
    out = {k: v for k, v in event.items() if k != EXTRA}
    if not with_time:
        out.pop("timestamp", None)
    return out


def verify(
    definition: Definition,
    info: ExecutionInfo,
    seed: int,
    recorded: list[dict],
    *,
    with_time: bool = True,
    s3: Any = None,
    children: tuple = (),
    schedule: str = "round-robin",
    fork: Fork | None = None,
    partial: bool = False,
    activities: frozenset[str] = frozenset(),
    machines: Machines = NO_MACHINES,
) -> Divergence | None:
    """None when the interpreter reproduces `recorded` exactly; else the first divergence.

    `children` are the histories of its child executions (Distributed Map, startExecution),
    whose Tasks are answered from their own records; `machines`: the child state machines
    its startExecution Tasks started (`replay.child_machines`). `fork`: a branch's changes at
    its fork point. `partial`: the record stops before the execution's end (still running, or
    interrupted), so the interpreter going on past its last event is no divergence.
    `activities`: those registered when it started (recorded with it)."""
    world = RecordedWorld.from_events(recorded, *children)
    # StopExecution ended it from outside (ExecutionAborted): the interpreter is to reproduce
    # what came before, up to where it waited or was stopped
    aborted = bool(recorded) and recorded[-1]["type"] == "ExecutionAborted"
    if aborted:
        recorded = recorded[:-1]
    # up to the last recorded moment: a Task still waiting for its token then waits again
    horizon = recorded[-1]["timestamp"] if recorded else 0
    redrives, aborts = redrives_in(recorded)  # a redriven execution goes on as recorded
    engine = Engine(
        definition.machine,
        info,
        world,
        seed,
        schedule=schedule,
        fork=fork,
        horizon=horizon,
        redrives=redrives,
        aborts=aborts,
        activities=activities,
        activity_starts=recorded_starts(recorded, *children),
        machines=machines,
    )
    engine.s3 = s3
    position = 0
    try:
        for batch in engine.steps(
            lambda eng, root, resume=None: run_machine(
                eng, root, definition.machine, info.input, resume
            )
        ):
            for event in batch:
                if position >= len(recorded):
                    if partial or aborted:
                        return None  # the record stops here (running, or StopExecution)
                    return Divergence(
                        event["id"], None, comparable(event, with_time), "the record ends here"
                    )
                want = comparable(recorded[position], with_time)
                got = comparable(event, with_time)
                if want != got:
                    return Divergence(event["id"], want, got)
                position += 1
    except RedriveError as exc:  # the record goes on after a redrive the interpreter cannot
        want = recorded[position] if position < len(recorded) else None
        return Divergence(position + 1, want and comparable(want, with_time), None, str(exc))
    except NoTaskAnswer as missing:
        if position >= len(recorded) and (partial or isinstance(missing, AwaitingToken)):
            return None  # it stops (or waits for a task token) where the record ends
        want = recorded[position] if position < len(recorded) else None
        return Divergence(
            position + 1,
            want and comparable(want, with_time),
            None,
            f"the record has no answer for Task state {missing.state!r}",
        )
    if position < len(recorded):
        return Divergence(
            position + 1,
            comparable(recorded[position], with_time),
            None,
            "the interpreter ended here",
        )
    return None


def info_from_record(doc: dict, recorded: list[dict], input_value: Any) -> ExecutionInfo:
    """The ExecutionInfo a recorded execution ran with, rebuilt from its index doc."""
    arn = doc["executionArn"]
    region, account = arn.split(":")[3], arn.split(":")[4]
    started = recorded[0]["executionStartedEventDetails"]
    return ExecutionInfo(
        execution_arn=arn,
        name=doc["name"],
        state_machine_arn=doc["stateMachineArn"],
        state_machine_name=doc["stateMachineName"],
        role_arn=started.get("roleArn", f"arn:aws:iam::{account}:role/sfn-replay"),
        region=region,
        account=account,
        start_micros=recorded[0]["timestamp"],
        input=input_value,
        alias_arn=started.get("stateMachineAliasArn"),
        version_arn=started.get("stateMachineVersionArn"),
    )
