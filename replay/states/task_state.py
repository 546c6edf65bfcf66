"""Task: asks the world, recording the events AWS records for the kind of resource."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import PathNotFound, StatesError
from replay.asl.jsonpath import not_found_text
from replay.clock import BEYOND_TIMESTAMPS, MICROS, beyond_timestamps
from replay.events import from_json_text, to_json_text
from replay.scheduler import CALL_OUT, Sleep
from replay.states.activity_task import run_activity
from replay.states.start_execution import (
    run_start_execution,
    start_for_token,
)
from replay.sync_jobs import JobCall, action_of, submit_output, task_rng
from replay.timeouts import timeouts

_TRUNCATED = {"truncated": False}


@dataclass(frozen=True, slots=True)
class ResourceKind:
    family: str  # "lambda", "activity" or "service"
    resource_type: str = ""
    resource: str = ""
    waits: bool = False  # .sync and .waitForTaskToken record a TaskSubmitted event
    callback: bool = False  # .waitForTaskToken: the answer is a send-task-* with the token
    starts: bool = False  # states:startExecution: with no answer, a child execution runs

    @property
    def optional(self) -> bool:
        """Whether the world may leave it unanswered (a callback, an activity or a started
        execution then waits or runs), rather than the run stopping."""
        return self.callback or self.starts or self.family == "activity"


@lru_cache(maxsize=256)
def classify(arn: str) -> ResourceKind:
    parts = arn.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return ResourceKind("lambda")
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return ResourceKind("activity")
    if len(parts) >= 7 and parts[2] == "states" and parts[3] == "" and parts[4] == "":
        service = parts[5:]
        if service[0] == "aws-sdk" and len(service) >= 3:
            resource_type, action = "aws-sdk:" + service[1], ":".join(service[2:])
        else:
            resource_type, action = service[0], ":".join(service[1:])
        callback = action.endswith(".waitForTaskToken")
        waits = callback or action.endswith(".sync") or ".sync:" in action
        starts = resource_type == "states" and action.split(".", 1)[0] == "startExecution"
        return ResourceKind("service", resource_type, action, waits, callback, starts)
    return ResourceKind("service", "unknown", arn)


def _seconds(step, evaluator, field: str) -> int | None:
    if evaluator is None:
        return None
    try:
        value = evaluator(step.env(step.raw_input))
    except PathNotFound as missing:
        raise StatesError(
            errors.RUNTIME,
            f"Invalid path '{missing.path}' : {not_found_text(missing.path, missing)}",
        ) from None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise StatesError(errors.RUNTIME, f"The {field} field must be a positive integer: {value}")
    return value


class _Events:
    """The event names and detail shapes of one resource family."""

    def __init__(self, step, kind: ResourceKind) -> None:
        self.step, self.kind = step, kind
        self.prefix = {"lambda": "LambdaFunction", "activity": "Activity"}.get(kind.family, "Task")

    def _service(self, details: dict) -> dict:
        if self.kind.family == "service":
            return {
                "resourceType": self.kind.resource_type,
                "resource": self.kind.resource,
                **details,
            }
        return details

    def scheduled(
        self, value: Any, timeout: int | None, heartbeat: int | None, invocation: int
    ) -> None:
        step = self.step
        text = step.engine.json_text(value, step.state.name)
        if self.kind.family == "service":
            details = self._service({"region": step.engine.info.region, "parameters": text})
        else:
            details = {"resource": step.state.resource, "input": text, "inputDetails": _TRUNCATED}
        if timeout is not None:
            details["timeoutInSeconds"] = timeout
        if heartbeat is not None and self.kind.family != "lambda":  # AWS's Lambda event has
            details["heartbeatInSeconds"] = heartbeat  # no such field
        # which invocation of this state it is: replay answers it from the record by that number
        step.engine.emit(
            step.frame, self.prefix + "Scheduled", details, extra={"invocation": invocation}
        )

    def started(self, worker: str | None = "sfn-replay", token: str | None = None) -> None:
        if self.kind.family == "lambda":
            self.step.emit("LambdaFunctionStarted")
        elif self.kind.family == "activity":  # a worker's start carries its token (our key)
            extra = {"token": token} if token is not None else None
            step = self.step
            details = {"workerName": worker} if worker is not None else {}
            step.engine.emit(step.frame, "ActivityStarted", details, extra=extra)
        else:
            self.step.emit("TaskStarted", self._service({}))

    def submitted(self, output: str = "{}", extra: dict | None = None) -> None:
        step = self.step
        details = self._service({"output": output, "outputDetails": _TRUNCATED})
        step.engine.emit(step.frame, "TaskSubmitted", details, extra=extra)

    def _outcome(self, suffix: str, details: dict, extra: dict | None) -> None:
        step = self.step
        step.engine.emit(step.frame, self.prefix + suffix, self._service(details), extra=extra)

    def succeeded(self, text: str, extra: dict | None = None) -> None:
        self._outcome("Succeeded", {"output": text, "outputDetails": _TRUNCATED}, extra)

    def failed(self, error: str | None, cause: str | None, extra: dict | None = None) -> None:
        details: dict = {}
        if error is not None:
            details["error"] = error
        if cause is not None:
            details["cause"] = cause
        self._outcome("Failed", details, extra)

    def timed_out(self, error: str, extra: dict | None = None) -> None:
        self._outcome("TimedOut", {"error": error}, extra)


def _ask(step, kind: ResourceKind, value: Any, context: dict):
    """The world's answer (None: nothing answers a callback, an activity or a StartExecution,
    which starts a child execution then), after a step boundary at which what is recorded so
    far can be committed (the call may leave the process)."""
    yield CALL_OUT
    return step.engine.ask_world(
        step.state.name,
        step.state.resource,
        value,
        context,
        attempt=step.retry_count,
        frame=step.frame.label or "",
        optional=kind.optional,
    )


def _marker(answer) -> dict | None:
    """Our facts on the event that records a Task's outcome: the fault rules that made it
    (injected), and the heartbeats a callback sent (replay needs them to time it out alike)."""
    marker = {}
    if answer.injected:
        marker["injected"] = list(answer.injected)
    if answer.heartbeats:
        marker["heartbeats"] = list(answer.heartbeats)
    return marker or None


def run_task(step):
    state, engine = step.state, step.engine
    kind = classify(state.resource)
    context = step.context()
    if kind.waits and "Task" not in context:  # TestState may give the Task's token
        context = dict(context, Task={"Token": engine.rng.uuid()})
    env = Env(None, context, step.frame.variables, engine.rng)
    value = state.io.effective_input(step.raw_input, env)
    timeout = _seconds(step, state.timeout_seconds, "TimeoutSeconds")
    heartbeat = _seconds(step, state.heartbeat_seconds, "HeartbeatSeconds")
    events = _Events(step, kind)
    invocation = engine.invocations.get(state.name, 0)
    token = context["Task"]["Token"] if kind.waits else ""
    task = TaskRun(step, kind, events, env, timeout, heartbeat, value, token)
    if kind.family == "activity":
        return (yield from run_activity(task, value, context, invocation))
    events.scheduled(value, timeout, heartbeat, invocation)
    events.started()
    answer = yield from _ask(step, kind, value, context)
    if kind.starts and (answer is None or answer.nested):
        ran = answer and answer.nested  # the child a record says it started
        if not kind.callback:  # a child execution of the run answers it
            return task.result((yield from run_start_execution(task, value, ran)))
        start_for_token(task, value, ran)  # then the token is waited for
        answer = None if answer is None or answer.pending else answer
    elif kind.callback:  # the token is sent: the answer comes later (or now, from a mock)
        events.submitted(task.submit_text(answer))
    if answer is None:  # nothing answers yet: wait (the execution pauses when all else does)
        token, label = context["Task"]["Token"], step.frame.label or ""
        error = yield engine.await_token(token, state.name, state.resource, label, task.limits)
        events.timed_out(error)  # woken only by its deadline
        raise StatesError(error, None)
    return (yield from task.finish(answer))


@dataclass(slots=True)  # not frozen: made for every Task invocation, and frozen costs
class TaskRun:
    """One invocation of a Task state: what its end needs."""

    step: Any
    kind: ResourceKind
    events: _Events
    env: Env
    timeout: int | None
    heartbeat: int | None
    value: Any = None  # the effective parameters
    token: str = ""  # the task token (a .sync or callback Task's)

    def ask(self, value: Any, context: dict):
        return _ask(self.step, self.kind, value, context)

    @property
    def limits(self) -> dict[str, int | None]:
        return {"timeoutSeconds": self.timeout, "heartbeatSeconds": self.heartbeat}

    def finish(self, answer, start: int | None = None):
        """The Task's end once the world answered: its outcome after the answer's delay, or its
        timeout. `start`: micros after it was scheduled that a worker started it (an activity;
        the task is that far already, and its heartbeats count from then)."""
        step, kind, events = self.step, self.kind, self.events
        state, engine = step.state, step.engine
        marker = _marker(answer)
        delay = int(min(answer.delay_seconds, 1e300) * MICROS)  # a mock's Delay may be inf
        elapsed = start or 0
        limits = timeouts(answer, delay, self.timeout, self.heartbeat, elapsed)
        sleep = min(limits)[0] if limits else delay
        if beyond_timestamps(engine.now, sleep - elapsed):
            raise StatesError(errors.RUNTIME, f"The task cannot end: {BEYOND_TIMESTAMPS}")
        if kind.waits and not kind.callback and not answer.unstarted:  # a .sync job (a
            # record's job refused before it was submitted has no TaskSubmitted)
            elapsed = yield from self._submit(answer, min(answer.submitted_after, sleep))
            if limits or delay > elapsed:
                yield Sleep(sleep - elapsed)
        elif limits or delay or kind.callback or start is not None:  # an answer from outside
            yield Sleep(sleep - elapsed)  # comes after what can happen meanwhile
        if limits:
            error = min(limits)[1]
            events.timed_out(error, marker)
            raise StatesError(error, None)
        if answer.failed:
            events.failed(answer.error, answer.cause, marker)
            raise StatesError(answer.error, answer.cause)
        try:
            text = engine.json_text(answer.output, kind.resource_type or state.resource)
        except StatesError as too_big:
            events.failed(too_big.error, too_big.cause, marker)
            raise
        events.succeeded(text, marker)
        return self.result(answer.output)

    def _submit(self, answer, after: int):
        """Record the job's TaskSubmitted `after` micros from the Task's start (a record's
        time; a job is submitted at once): the record's output, else the start call's
        response made from the answer. The micros elapsed."""
        if after > 0:
            yield Sleep(after)
        self.events.submitted(self.submit_text(answer))
        return max(after, 0)

    def submit_text(self, answer) -> str:
        """TaskSubmitted's output: the record's, else the call's response (made from the
        answer, if any)."""
        if answer is not None and answer.submitted is not None:
            return answer.submitted
        return to_json_text(self._start_response(answer))

    def _start_response(self, answer) -> Any:
        engine, kind = self.step.engine, self.kind
        result = None
        if answer is not None:
            result = answer.output if not answer.failed else from_json_text(answer.cause)
        call = JobCall(
            kind.resource_type,
            action_of(kind.resource),
            self.value,
            result,
            engine.info.region,
            engine.info.account,
            engine.now,
            task_rng(self.token),
        )
        response = submit_output(call)
        return {} if response is None else response

    def result(self, output: Any) -> tuple:
        """The state's end with the Task's result: its Assign, then (next state, output)."""
        step, state = self.step, self.step.state
        step.assign(state.assign, output)
        return state.next, state.io.output(step.raw_input, output, self.env)
