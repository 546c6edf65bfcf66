"""An activity Task: answered by a mock or handler standing in for the worker, else, when the
activity is registered, waiting for a worker (`get-activity-task`, then `send-task-*`); an
activity that is not registered does not exist (States.Runtime, before any event, as AWS
records it). See `replay.activities`."""

from __future__ import annotations

import hashlib
from typing import Any, Iterable

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.clock import MICROS
from replay.events import EXTRA
from replay.scheduler import Sleep


def task_token(execution_arn: str, frame: str, state: str, invocation: int) -> str:
    """The task token of an activity task: the same in every re-run of the execution."""
    key = f"{execution_arn}\x00{frame}\x00{state}\x00{invocation}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def recorded_starts(*histories: Iterable[dict]) -> dict[str, tuple[int, str | None]]:
    """When, and by which worker, each activity task of the histories was started: the
    ActivityStarted events with a token under our key (those `get-activity-task` recorded)."""
    starts = {}
    for events in histories:
        for event in events:
            if event["type"] == "ActivityStarted":
                token = (event.get(EXTRA) or {}).get("token")
                if token is not None:
                    worker = event["activityStartedEventDetails"].get("workerName")
                    starts[token] = (event["timestamp"], worker)
    return starts


def run_activity(task, value: Any, context: dict, invocation: int):
    """The frame body of an activity Task from its world call on (`task`: a TaskRun)."""
    step, events = task.step, task.events
    engine, state = step.engine, step.state
    label = step.frame.label or ""
    token = task_token(engine.info.execution_arn, label, state.name, invocation)
    answer = yield from task.ask(value, dict(context, Task={"Token": token}))
    start = engine.activity_starts.get(token)
    if answer is None and start is None and state.resource not in engine.activities:
        name = state.resource.rsplit(":", 1)[-1]
        raise StatesError(errors.RUNTIME, f"The activity {name} does not exist.")
    events.scheduled(value, task.timeout, task.heartbeat, invocation)
    if start is None and answer is not None:  # a mock or handler stands in for the worker
        if not answer.unstarted:  # (the record of a task that ended before a worker took it)
            events.started(answer.worker)  # `sfn-replay`, or the worker a record names
        return (yield from task.finish(answer))
    wait = (token, state.name, state.resource, label, task.limits)
    if start is None:  # it waits for a worker (the execution pauses when all else does)
        error = yield engine.await_token(*wait, activity=True)
        events.timed_out(error)  # woken only by its deadline
        raise StatesError(error, None)
    since, (at, worker) = engine.now, start
    if task.timeout is not None and at - since >= task.timeout * MICROS:  # never handed out
        yield Sleep(task.timeout * MICROS)
        events.timed_out(errors.TIMEOUT)
        raise StatesError(errors.TIMEOUT, None)
    yield Sleep(at - since)
    events.started(worker, token)
    if answer is None:  # started: it waits for the worker's answer
        error = yield engine.await_token(*wait, since=since, activity=True, started=start)
        events.timed_out(error)
        raise StatesError(error, None)
    return (yield from task.finish(answer, at - since))
