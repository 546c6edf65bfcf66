"""A world that answers Tasks from a recorded history: the n-th invocation of state S gets the
outcome the record holds for the n-th time S was scheduled. Replay and branching use it, so the
world is never asked again for what already happened."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import ClassVar, Iterable

from replay.clock import MICROS
from replay.events import EXTRA, details, from_json_text
from replay.fold import TASK_FAILED, TASK_SCHEDULED, _frame_label, apply, initial_state
from replay.world import TaskAnswer, TaskRequest

_SUCCEEDED = ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded")


@dataclass
class RecordedWorld:
    answers: dict[str, dict[int, TaskAnswer | None]]
    leaves_process: ClassVar[bool] = False

    @classmethod
    def from_events(cls, *histories: Iterable[dict]) -> "RecordedWorld":
        """The answers recorded in one or more histories (an execution and its Distributed Map
        children). Our own events carry each Task's invocation number; for imported ones the
        order of scheduling gives it."""
        answers: dict[str, dict[int, TaskAnswer | None]] = {}
        for events in histories:
            _collect(events, answers)
        return cls(answers)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        return self.answers.get(request.state_name, {}).get(request.invocation)


def _collect(events: Iterable[dict], answers: dict[str, dict[int, TaskAnswer | None]]) -> None:
    state = initial_state()
    # label -> (state, invocation, since, submitted)
    pending: dict[str, tuple[str, int, int | None, bool]] = {}
    for event in events:
        label = _frame_label(state, event)
        apply(state, event)
        kind = event["type"]
        if kind in TASK_SCHEDULED:
            name = state["frames"][label]["state"]
            known = answers.setdefault(name, {})
            ours = (event.get(EXTRA) or {}).get("invocation")
            invocation = len(known) if ours is None else ours
            known[invocation] = None
            # our own histories: the time the answer took is part of it (a mock's Delay)
            since = None if ours is None else event["timestamp"]
            pending[label] = (name, invocation, since, False)
        elif kind == "TaskSubmitted" and label in pending:
            name, invocation, since, _ = pending[label]
            pending[label] = (name, invocation, since, True)
            _nested(event, answers[name], invocation)
        elif (kind in _SUCCEEDED or kind in TASK_FAILED) and label in pending:
            name, invocation, since, submitted = pending.pop(label)
            answer = _answer(event, since, not submitted)
            _keep(answers[name], invocation, answer)
            _nested(event, answers[name], invocation)
        elif kind == "TaskStateAborted" and label in pending:
            name, invocation, since, _ = pending.pop(label)
            if since is not None:  # it was still running: its answer comes after the abort
                late = exact_seconds(event["timestamp"] - since) + 1.0
                _keep(answers[name], invocation, TaskAnswer(output=None, delay_seconds=late))


def _keep(known: dict[int, TaskAnswer | None], invocation: int, answer: TaskAnswer) -> None:
    """The outcome of an invocation (still naming the child execution it started)."""
    started = known[invocation]
    known[invocation] = answer if started is None else replace(answer, nested=started.nested)


def _nested(event: dict, known: dict[int, TaskAnswer | None], invocation: int) -> None:
    """A Task that started a child execution (its ARN under our key): the child is started
    again, not answered from the record (a `.waitForTaskToken` one's token answer is)."""
    child = (event.get(EXTRA) or {}).get("execution")
    if child is not None:
        answer = known[invocation]
        known[invocation] = (
            TaskAnswer(nested=child, pending=True)
            if answer is None
            else replace(answer, nested=child)
        )


def _answer(event: dict, since: int | None, unsubmitted: bool = False) -> TaskAnswer:
    """The answer an outcome event records (`since`: when its Task was scheduled, for our own
    histories: the time the answer took is part of it, a mock's Delay or a callback's wait;
    `unsubmitted`: no TaskSubmitted came before it)."""
    d, kind = details(event), event["type"]
    delay = exact_seconds(event["timestamp"] - since) if since is not None else 0.0
    beats = tuple((event.get(EXTRA) or {}).get("heartbeats") or ())
    if kind in _SUCCEEDED:
        output = from_json_text(d.get("output"))
        return TaskAnswer(output=output, delay_seconds=delay, heartbeats=beats)
    if "TimedOut" in kind:  # when it timed out (a timeout injected on a Task with a shorter
        error = d.get("error", "States.Timeout")  # heartbeat too, a callback's late answer)
        return TaskAnswer(
            failed=True,
            error=error,
            cause=d.get("cause"),
            timed_out=error,
            delay_seconds=delay,
            heartbeats=beats,
        )
    return TaskAnswer(
        failed=True,
        error=d.get("error"),
        cause=d.get("cause"),
        delay_seconds=delay,
        heartbeats=beats,
        unsubmitted=unsubmitted,
    )


def exact_seconds(micros: int) -> float:
    """Seconds that the Task state turns back into exactly `micros` (int(s * 1e6))."""
    seconds = micros / MICROS
    while int(seconds * MICROS) < micros:
        seconds = math.nextafter(seconds, math.inf)
    return seconds
