"""Task tokens: what `send-task-success`, `send-task-failure` and `send-task-heartbeat` do to an
execution that waits for one.

An execution that reaches a `.waitForTaskToken` Task nothing answers records TaskSubmitted and
waits; its record says for which token, in which state, since when (`waiting`). An answer is a
`Callback`: the outcome, and the virtual time it arrives (`--at`, by default the time the
execution waits at). The execution then goes on from its log with a `CallbackWorld` that
answers that Task, `Delay` being the time between the task's start and the answer. So the
Task's TimeoutSeconds and HeartbeatSeconds fire as on AWS: an answer that comes after them
finds the task timed out, and the execution went on from the timeout. Heartbeats are kept in the
record until the answer comes, then on its event (replay times the task out alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from replay.clock import MICROS
from replay.recorded import exact_seconds
from replay.runner import RunError
from replay.states.task_state import timeouts
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


def waiting_records(docs: list[dict], token: str) -> list[dict]:
    """The executions (index records) that wait for `token`."""
    return [
        doc
        for doc in docs
        if doc.get("status") == "RUNNING" and (doc.get("waiting") or {}).get("token") == token
    ]


def arrival(waiting: dict, last_event_micros: int, at_micros: int | None) -> int:
    """When an answer arrives: `at`, else when the execution started waiting (or its last
    heartbeat); never before what is already recorded."""
    since = waiting["sinceMicros"]
    beats = waiting.get("heartbeats") or []
    earliest = max(last_event_micros, since + (beats[-1] if beats else 0))
    if at_micros is None:
        return earliest
    if at_micros < earliest:
        raise ValueError(f"--at is before the execution's last recorded moment ({earliest} µs)")
    return at_micros


def reply(waiting: dict, at: int, **outcome: Any) -> TaskAnswer:
    """The answer `outcome` (output=..., or failed=True with error and cause) arriving at
    `at`, with the heartbeats sent before it."""
    beats = tuple(waiting.get("heartbeats") or ())
    delay = exact_seconds(at - waiting["sinceMicros"])
    return TaskAnswer(delay_seconds=delay, heartbeats=beats, **outcome)


def timed_out_before(waiting: dict, answer: TaskAnswer) -> tuple[int, str] | None:
    """(micros after the task started, error) when the task timed out before `answer`."""
    delay = int(answer.delay_seconds * MICROS)
    found = timeouts(answer, delay, waiting.get("timeoutSeconds"), waiting.get("heartbeatSeconds"))
    return min(found) if found else None


def with_heartbeat(waiting: dict, at: int) -> dict:
    """The waiting record once a heartbeat arrived at `at`."""
    beats = [*(waiting.get("heartbeats") or []), at - waiting["sinceMicros"]]
    return dict(waiting, heartbeats=beats)
