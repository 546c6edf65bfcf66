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
# the tasks that get under way after they are scheduled (ActivityStarted, TaskSubmitted)
_UNDER_WAY_LATER = ("ActivityScheduled", "TaskScheduled")


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


@dataclass(frozen=True)
class SharedChildren:
    """Answers the Tasks of some child executions (by `$$.Execution.Id`) from their records,
    whatever world answers the rest: a branch shares the children its prefix started as they
    were recorded (their events are its parent's), also where their Tasks come after the fork
    point (the parent waiting for a child)."""

    world: RecordedWorld
    executions: frozenset[str]
    leaves_process: ClassVar[bool] = False

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        if (request.context.get("Execution") or {}).get("Id") not in self.executions:
            return None
        return self.world.answer(request)


def _collect(events: Iterable[dict], answers: dict[str, dict[int, TaskAnswer | None]]) -> None:
    state = initial_state()
    pending: dict[str, tuple[str, int, int | None]] = {}  # label -> (state, invocation, since)
    # labels of tasks not under way yet: an activity task no worker started, a job not submitted
    unstarted: set[str] = set()
    workers: dict[str, str | None] = {}  # label -> the worker that started its activity task
    submits: dict[str, TaskAnswer] = {}  # label -> its job's TaskSubmitted (output and time)
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
            pending[label] = (name, invocation, None if ours is None else event["timestamp"])
            workers.pop(label, None)
            submits.pop(label, None)
            if kind in _UNDER_WAY_LATER:
                unstarted.add(label)
        elif kind == "ActivityStarted":
            unstarted.discard(label)
            workers[label] = details(event).get("workerName")
        elif kind == "TaskSubmitted" and label in pending:
            unstarted.discard(label)
            name, invocation, since = pending[label]
            _nested(event, answers[name], invocation)
            submits[label] = _submitted(event, since)
        elif (kind in _SUCCEEDED or kind in TASK_FAILED) and label in pending:
            name, invocation, since = pending.pop(label)
            answer = _answer(event, since)
            if label in workers:
                answer = replace(answer, worker=workers.pop(label))
            answer = _with_submit(answer, submits.pop(label, None))
            _keep(answers[name], invocation, _unstarted(answer, label, unstarted))
            _nested(event, answers[name], invocation)
        elif kind == "TaskStateAborted" and label in pending:
            name, invocation, since = pending.pop(label)
            submit = submits.pop(label, None)
            if since is not None:  # it was still running: its answer comes after the abort
                late = exact_seconds(event["timestamp"] - since) + 1.0
                answer = _with_submit(TaskAnswer(output=None, delay_seconds=late), submit)
                _keep(answers[name], invocation, _unstarted(answer, label, unstarted))
    for label, submit in submits.items():  # jobs still running at the record's end: their
        name, invocation, _ = pending[label]  # answer comes from the next worlds, the submit
        _keep_submit(answers[name], invocation, submit)  # stays as recorded


def _submitted(event: dict, since: int | None) -> TaskAnswer:
    """A job's TaskSubmitted: its output as recorded (an older record's `{}` is replayed as
    such), and how long after its Task was scheduled (0 for imports, whose times replay does
    not compare)."""
    after = event["timestamp"] - since if since is not None else 0
    return TaskAnswer(submitted=details(event).get("output"), submitted_after=max(after, 0))


def _keep_submit(known: dict[int, TaskAnswer | None], invocation: int, submit: TaskAnswer) -> None:
    """A job submitted and not ended in the record: a `pending` answer that only says so."""
    answer = known[invocation]
    known[invocation] = _with_submit(answer or TaskAnswer(pending=True), submit)


def _with_submit(answer: TaskAnswer, submit: TaskAnswer | None) -> TaskAnswer:
    if submit is None:
        return answer
    return replace(answer, submitted=submit.submitted, submitted_after=submit.submitted_after)


def _unstarted(answer: TaskAnswer, label: str, unstarted: set[str]) -> TaskAnswer:
    """The answer, saying so when it ends a task before it got under way: an activity task no
    worker started (timed out while it waited for one, or aborted: no ActivityStarted), a job
    refused before it was submitted (no TaskSubmitted; read for `.sync` Tasks only)."""
    if label not in unstarted:
        return answer
    unstarted.discard(label)
    return replace(answer, unstarted=True)


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


def _answer(event: dict, since: int | None) -> TaskAnswer:
    """The answer an outcome event records (`since`: when its Task was scheduled, for our own
    histories: the time the answer took is part of it, a mock's Delay or a callback's wait)."""
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
    )


def exact_seconds(micros: int) -> float:
    """Seconds that the Task state turns back into exactly `micros` (int(s * 1e6))."""
    seconds = micros / MICROS
    while int(seconds * MICROS) < micros:
        seconds = math.nextafter(seconds, math.inf)
    return seconds
