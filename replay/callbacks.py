"""Task tokens: what `send-task-success`, `send-task-failure` and `send-task-heartbeat` do to an
execution that waits for one.

A `.waitForTaskToken` Task nothing answers records TaskSubmitted and waits (its frame parks, see
`replay.scheduler`); once nothing else can happen the execution pauses, its record saying which
tokens it waits for, in which states, since when (`waiting`). An answer is an outcome and the
virtual time it arrives (`--at`, by default the latest moment the execution knows of). The
execution then goes on from its log up to that time, a `CallbackWorld` answering that Task with
the time between the task's start and the answer as its delay. So TimeoutSeconds and
HeartbeatSeconds fire as on AWS: an answer that comes after them finds the task timed out, and
the execution went on from the timeout. Heartbeats are kept in the record until the answer
comes, then on its event (replay times the task out alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from replay.clock import iso_aws
from replay.recorded import exact_seconds
from replay.runner import RunError
from replay.timeouts import timeouts
from replay.world import TaskAnswer, TaskRequest


class TaskDoesNotExist(RunError):
    """No execution in the db waits for this token (AWS's error name)."""


@dataclass(frozen=True)
class CallbackWorld:
    """Answers the Task that waits for `token` with `reply`; nothing else."""

    token: str
    reply: TaskAnswer
    leaves_process: ClassVar[bool] = False

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        task = request.context.get("Task") or {}
        return self.reply if task.get("Token") == self.token else None


def waiting_for(docs: list[dict], token: str) -> list[tuple[dict, dict]]:
    """(index record, waiting entry) of each execution that waits for `token`."""
    return [
        (doc, entry)
        for doc in docs
        if doc.get("status") == "RUNNING"
        for entry in doc.get("waiting") or ()
        if entry["token"] == token
    ]


def arrival(doc: dict, last_event_micros: int, at_micros: int | None) -> int:
    """When an answer arrives: `at`, else the latest moment the execution knows of (its last
    event, or a heartbeat since); never before that."""
    earliest = max(
        [last_event_micros]
        + [e["sinceMicros"] + beat for e in doc["waiting"] for beat in e.get("heartbeats", ())]
    )
    if at_micros is None:
        return earliest
    if at_micros < earliest:
        raise ValueError(
            f"--at is before the execution's last recorded moment ({iso_aws(earliest)})"
        )
    return at_micros


def reply(entry: dict, at: int, **outcome: Any) -> TaskAnswer:
    """The answer `outcome` (output=..., or failed=True with error and cause) to the waiting
    `entry`, arriving at `at`, with the heartbeats sent before it."""
    beats = tuple(entry.get("heartbeats") or ())
    delay = exact_seconds(at - entry["sinceMicros"])
    return TaskAnswer(delay_seconds=delay, heartbeats=beats, **outcome)


def timed_out_before(entry: dict, at: int) -> tuple[int, str] | None:
    """(virtual micros, error) when the waiting `entry` times out before `at`. An activity
    task counts its HeartbeatSeconds from when a worker started it, not before."""
    beats = tuple(entry.get("heartbeats") or ())
    since, started = entry["sinceMicros"], entry.get("startedMicros")
    heartbeat = entry.get("heartbeatSeconds")
    if entry.get("activity") and started is None:
        heartbeat = None
    found = timeouts(
        TaskAnswer(heartbeats=beats),
        at - since,
        entry.get("timeoutSeconds"),
        heartbeat,
        0 if started is None else started - since,
    )
    return (since + min(found)[0], min(found)[1]) if found else None


def any_timed_out(doc: dict, at: int) -> bool:
    """Whether a task the execution waits for times out before `at` (then it goes on)."""
    return any(timed_out_before(entry, at) for entry in doc["waiting"])


def with_heartbeat(doc: dict, token: str, at: int) -> dict:
    """The execution's record once a heartbeat for `token` arrived at `at`."""
    waiting = [
        dict(entry, heartbeats=[*entry.get("heartbeats", ()), at - entry["sinceMicros"]])
        if entry["token"] == token
        else entry
        for entry in doc["waiting"]
    ]
    return dict(doc, waiting=waiting)


def heartbeats(doc: dict) -> dict[str, tuple[int, ...]]:
    """The heartbeats each waiting token received (the engine times the tasks out by them)."""
    return {e["token"]: tuple(e["heartbeats"]) for e in doc["waiting"] if e.get("heartbeats")}
