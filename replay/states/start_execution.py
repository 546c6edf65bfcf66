"""`states:startExecution` Tasks that no mock or handler answers: the child is a real execution
of a state machine the run knows (`replay.nested`), run in the run's own scheduler as a frame
that records into a history of its own (a `ChildExecution`, as a Distributed Map's children).

- `.sync` / `.sync:2`: the Task waits for the child's end and returns its DescribeExecution
  (`Input`/`Output` JSON text, parsed in `.sync:2`); a child that fails, times out or is
  aborted fails the Task with States.TaskFailed, the cause that DescribeExecution as JSON text.
  The Task's TimeoutSeconds stops the child (ExecutionAborted) and times the Task out.
- plain: the Task returns {ExecutionArn, StartDate} at once; the child runs on to its end,
  also after its parent's (see `Engine.steps`).
- `.waitForTaskToken`: the child is started as plain, and the Task waits for its token.
A request StartExecution refuses (an unknown state machine, a bad name or input, a name
already used) fails the Task with AWS's error, before any TaskSubmitted.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from replay import express
from replay.asl import errors
from replay.asl.errors import StatesError
from replay.children import ChildExecution, record_end
from replay.clock import MICROS, iso_context
from replay.events import from_json_text, to_json_text
from replay.nested import NAME, ChildMachine
from replay.rand import SeededRandom
from replay.scheduler import Failed, Sleep, Succeeded, WaitChildren

_TRUNCATED = {"truncated": False}
_INCLUDED = {"Included": True}
_ARN = re.compile(r"^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:]+)$")


def _refused(step, code: str, message: str) -> StatesError:
    """StartExecution's error as a Task sees an AWS SDK error: StepFunctions.<Code>Exception,
    the message with the service's details (a request id drawn from the Task's place)."""
    place = f"{step.engine.info.execution_arn}|{step.entered_id}|{step.retry_count}"
    request_id = SeededRandom(zlib.crc32(place.encode())).uuid()
    return StatesError(
        f"StepFunctions.{code}Exception",
        f"{message} (Service: AWSStepFunctions; Status Code: 400; Error Code: {code}; "
        f"Request ID: {request_id}; Proxy: null)",
    )


def _request(step, value: Any, ran: str | None) -> tuple[ChildMachine, Any, str, str]:
    """The state machine, input (value and text) and execution ARN of a StartExecution
    (`ran`: the child execution a record says it started)."""
    engine = step.engine
    arn = value.get("StateMachineArn") if isinstance(value, dict) else None
    if not isinstance(arn, str):
        raise _refused(
            step,
            "Validation",
            "1 validation error detected: Value null at 'stateMachineArn' failed to "
            "satisfy constraint: Member must not be null",
        )
    parts = _ARN.match(arn)
    if parts is None:
        raise _refused(step, "InvalidArn", f"Invalid Arn: 'Resource type not valid: {arn}'")
    child = engine.machines.get(arn, ran)
    if child is None:
        raise _refused(step, "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    given = value.get("Input")
    if isinstance(given, str):
        text = given
        try:
            given = json.loads(given)
        except ValueError:
            raise _refused(
                step,
                "InvalidExecutionInput",
                f"Invalid State Machine Execution Input: '{given}'",
            ) from None
    else:
        given = {} if given is None else given
        text = to_json_text(given)
    name = value.get("Name")
    if name is None:
        name = _child_name(engine.info.execution_arn, engine.rng.uuid())
    elif not isinstance(name, str) or not NAME.match(name):
        raise _refused(step, "InvalidName", f"Invalid Name: '{name}'")
    region, account = parts.group(1), parts.group(2)
    execution = f"arn:aws:states:{region}:{account}:execution:{child.name}:{name}"
    if child.type == express.EXPRESS:  # `...:express:STATEMACHINE:NAME:UUID`
        uuid = _child_name(engine.info.execution_arn, f"express|{name}|{engine.now}")
        execution = express.execution_arn(region, account, child.name, name, uuid)
    if execution in engine.nested_arns or engine.machines.taken(execution):
        raise _refused(step, "ExecutionAlreadyExists", f"Execution Already Exists: '{execution}'")
    return child, given, text, execution


def _child_name(execution_arn: str, drawn: str) -> str:
    """A default name: drawn from the seed, and its parent's own (a branch re-runs its
    parent's generator, and must not start children under the parent's children's names)."""
    return SeededRandom(zlib.crc32(f"nested|{execution_arn}|{drawn}".encode())).uuid()


def _spawn(step, child: ChildMachine, value: Any, text: str, arn: str, detached: bool):
    """The child's frame, its ExecutionStarted recorded; a detached one (plain
    startExecution) is not stopped with the Task."""
    engine = step.engine
    owner = step.frame.sink  # a child execution starting one of its own
    parent_arn = owner.arn if owner is not None else engine.info.execution_arn
    root = (owner.setup.get("rootExecution") or owner.parent_arn) if owner is not None else None
    role = child.role_arn or engine.info.role_arn
    name = arn.split(":")[7] if express.is_express(arn) else arn.rsplit(":", 1)[1]
    context = {
        "Execution": {
            "Id": arn,
            "Input": value,
            "StartTime": iso_context(engine.now),
            "Name": name,
            "RoleArn": role,
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": child.arn, "Name": child.name},
    }
    if child.type == express.EXPRESS:  # Express executions cannot be redriven
        del context["Execution"]["RedriveCount"]
    sink = ChildExecution(
        arn,
        name,
        child.arn,
        None,
        parent_arn,
        context,
        engine.now,
        engine.children.dirty,
        engine.last_id,
        setup={"definition": child.digest, "rootExecution": root},
    )
    frame = engine.spawn(
        None if detached else step.frame,
        None,
        lambda f: _body(step, f, child, value),
    )
    frame.sink, frame.last_event = sink, 0
    engine.emit(
        frame,
        "ExecutionStarted",
        {"input": text, "inputDetails": _TRUNCATED, "roleArn": role},
    )
    frame.last_event = 0  # as in every history, the first state links to no event
    engine.nested_arns.add(arn)
    if detached:
        engine.detached.append(frame)
    return frame


def _body(step, frame, child: ChildMachine, value: Any):
    """A child execution: its machine run (within its TimeoutSeconds), then its end."""
    engine, sink = step.engine, frame.sink
    try:
        outcome = yield from _run(step, frame, child, value)
    except GeneratorExit:  # its Task was stopped (timed out, a failed branch): AWS stops it
        if sink.status == "RUNNING":
            sink.status, sink.stop = "ABORTED", engine.now
            engine.emit(frame, "ExecutionAborted")
        raise
    if outcome is None:
        sink.status, sink.stop = "TIMED_OUT", engine.now
        engine.emit(frame, "ExecutionTimedOut", {"error": errors.TIMEOUT})
        return Failed(errors.TIMEOUT, None)
    text = None
    if isinstance(outcome, Succeeded):
        try:
            text = engine.json_text(outcome.output, "execution")
        except StatesError as exc:  # over the payload quota: the child fails
            outcome = Failed(exc.error, exc.cause)
    record_end(engine, frame, outcome, text)
    return outcome


def _run(step, frame, child: ChildMachine, value: Any):
    """The child's machine; None when its own TimeoutSeconds (for an Express child, at most
    five minutes) ends it first."""
    engine, seconds = step.engine, child.machine.timeout_seconds
    if child.type == express.EXPRESS:
        seconds = min(seconds or express.MAX_DURATION_SECONDS, express.MAX_DURATION_SECONDS)
    if not seconds:
        return (yield from step.run_machine(frame, child.machine, value))
    inner = engine.spawn(frame, None, lambda f: step.run_machine(f, child.machine, value))
    dog = _watchdog(engine, frame, seconds)
    yield WaitChildren((inner, dog))
    frame.last_event = inner.last_event
    if inner.outcome is not None:
        engine.cancel([dog])
        return inner.outcome
    frame.sink.closing = True  # timed out: its states record no aborts
    engine.cancel([inner])
    return None


def _watchdog(engine, parent, seconds: float):
    """A frame that only sleeps: whichever of it and another frame ends first wins."""

    def body(frame):
        yield Sleep(int(seconds * MICROS))
        return Succeeded(None)

    return engine.spawn(parent, parent.label, body)


def _millis(micros: int) -> int:
    return micros // 1000


def _started(sink: ChildExecution) -> dict:
    return {"ExecutionArn": sink.arn, "StartDate": _millis(sink.start)}


def _described(sink: ChildExecution, outcome, text: str, parsed: bool) -> dict:
    """The child's DescribeExecution as the Task returns it (keys in AWS's order)."""
    out: dict[str, Any] = {
        "ExecutionArn": sink.arn,
        "Input": from_json_text(text) if parsed else text,
        "InputDetails": _INCLUDED,
        "Name": sink.name,
        "StartDate": _millis(sink.start),
        "StateMachineArn": sink.state_machine_arn,
        "Status": sink.status,
        "StopDate": _millis(sink.stop),
    }
    if isinstance(outcome, Succeeded):
        out["Output"] = outcome.output if parsed else to_json_text(outcome.output)
        out["OutputDetails"] = _INCLUDED
    else:
        if outcome.error is not None:
            out["Error"] = outcome.error
        if outcome.cause is not None:
            out["Cause"] = outcome.cause
    return dict(sorted(out.items()))


def start(step, value: Any, events, *, detached: bool, ran: str | None = None):
    """Start the child (or fail the Task as StartExecution refuses); its frame."""
    try:
        child, given, text, arn = _request(step, value, ran)
    except StatesError as refused:
        events.failed(refused.error, refused.cause)
        raise
    return _spawn(step, child, given, text, arn, detached), text


def start_for_token(task, value: Any, ran: str | None) -> None:
    """`.waitForTaskToken` (`task`: a TaskRun): start the child (which runs on by itself) and
    submit."""
    events = task.events
    frame, _ = start(task.step, value, events, detached=True, ran=ran)
    events.submitted(to_json_text(_started(frame.sink)), {"execution": frame.sink.arn})


def run_start_execution(task, value: Any, ran: str | None):
    """The Task's result (`task`: a TaskRun): the child's DescribeExecution (.sync, .sync:2)
    or its start."""
    step, kind, events, timeout = task.step, task.kind, task.events, task.timeout
    engine = step.engine
    sync = kind.waits and not kind.callback
    frame, text = start(step, value, events, detached=not sync, ran=ran)
    sink = frame.sink
    marker = {"execution": sink.arn}
    if not sync:
        result = _started(sink)
        events.succeeded(to_json_text(result), marker)
        return result
    events.submitted(to_json_text(_started(sink)), marker)
    outcome = yield from _wait(engine, step.frame, frame, timeout)
    if outcome is None:
        events.timed_out(errors.TIMEOUT)
        raise StatesError(errors.TIMEOUT, None)
    described = _described(sink, outcome, text, kind.resource.endswith(".sync:2"))
    if isinstance(outcome, Succeeded):
        try:
            result_text = engine.json_text(described, kind.resource_type)
        except StatesError as too_big:
            events.failed(too_big.error, too_big.cause)
            raise
        events.succeeded(result_text)
        return described
    cause = to_json_text(described)
    events.failed(errors.TASK_FAILED, cause)
    raise StatesError(errors.TASK_FAILED, cause)


def _wait(engine, parent, child, timeout: int | None):
    """The child's outcome; None when the Task's TimeoutSeconds comes first (the child is
    then stopped)."""
    if timeout is None:
        yield WaitChildren((child,))
        return child.outcome
    dog = _watchdog(engine, parent, timeout)
    yield WaitChildren((child, dog))
    if child.outcome is None:
        engine.cancel([child])
        return None
    engine.cancel([dog])
    return child.outcome
