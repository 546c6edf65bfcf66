"""Running a machine inside a frame: states in sequence, each entered, run, retried or caught,
and exited, with the events AWS records for each."""

from __future__ import annotations

from typing import Any

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import StatesError
from replay.asl.model import Catcher, Machine, Retrier, State
from replay.clock import BEYOND_TIMESTAMPS, MAX_MICROS, MICROS, MIN_MICROS, beyond_timestamps
from replay.engine import Engine
from replay.events import to_json_text
from replay.redrive import Resume
from replay.scheduler import Failed, Frame, FrameBody, Sleep, Succeeded
from replay.states import HANDLERS
from replay.states.choice_state import run_choice
from replay.states.parallel_state import ChildFailed

LOCATED_ERRORS = frozenset({errors.RUNTIME, errors.QUERY_EVALUATION_ERROR})
_TRUNCATED = {"truncated": False}


class Step:
    """One state being run in one frame: what its handler needs to see and to record."""

    __slots__ = (
        "engine",
        "frame",
        "state",
        "raw_input",
        "entered_id",
        "entered_at",
        "retry_count",
        "assigned",
        "entered_link",
        "redrive",
        "_context",
    )

    def __init__(
        self, engine: Engine, frame: Frame, state: State, raw_input: Any, entered_id: int
    ) -> None:
        self.engine = engine
        self.frame = frame
        self.state = state
        self.raw_input = raw_input
        self.entered_id = entered_id
        self.entered_at = engine.now
        self.retry_count = 0
        self.assigned: dict | None = None
        self.entered_link = 0
        self.redrive: Resume | None = None  # a redriven Map or Parallel: what it keeps
        self._context: tuple[int, dict] | None = None  # (retry count, context) of this step

    def assign(self, assign, value: Any) -> None:
        """Evaluate an Assign template on `value` with the variables as they were before the
        state; the assignments take effect when the state exits."""
        if assign is None:
            return
        env = Env(self.raw_input, self.context(), self.frame.variables, self.engine.rng)
        result = assign(env, value)
        _check_sizes(result)
        self.assigned = {**(self.assigned or {}), **result}

    def context(self) -> dict:
        """The Context object (`$$`) of this state; shared, so callers must not change it."""
        cached = self._context
        if cached is None or cached[0] != self.retry_count:
            retry = self.retry_count if self.state.type == "Task" else None
            cached = self._context = (
                self.retry_count,
                self.engine.context(self.state.name, self.entered_at, retry, self.frame),
            )
        return cached[1]

    def env(self, value: Any) -> Env:
        return Env(value, self.context(), self.frame.variables, self.engine.rng)

    def emit(self, event_type: str, details: dict | None = None) -> int:
        return self.engine.emit(self.frame, event_type, details)

    def run_machine(
        self,
        frame: Frame,
        machine: Machine,
        value: Any,
        resume: Resume | None = None,
        in_branch: bool = False,
    ) -> FrameBody:
        """The body of a child frame (a Parallel branch, a Map iteration, a Distributed Map
        child execution) that runs `machine` on `value` (or goes on where `resume` says).
        `in_branch`: a Parallel branch (see `run_machine`)."""
        return run_machine(self.engine, frame, machine, value, resume, in_branch)


MAX_VARIABLES = 256 * 1024  # bytes, for one variable and for one Assign field (AWS quotas)


def _check_sizes(assigned: dict) -> None:
    total = 0
    for name, value in assigned.items():
        size = len(to_json_text(value).encode("utf-8"))
        if size > MAX_VARIABLES:
            raise StatesError(
                errors.RUNTIME,
                f"The variable '{name}' is {size} bytes, over the "
                f"limit of {MAX_VARIABLES} bytes for a variable.",
            )
        total += size
    if total > MAX_VARIABLES:
        raise StatesError(
            errors.RUNTIME,
            f"The variables assigned by this state total {total} "
            f"bytes, over the limit of {MAX_VARIABLES} bytes for one Assign.",
        )


def run_machine(
    engine: Engine,
    frame: Frame,
    machine: Machine,
    value: Any,
    resume: Resume | None = None,
    in_branch: bool = False,
) -> FrameBody:
    """Run `machine` from its StartAt on `value`; returns the frame's outcome. A redriven
    frame goes on where `resume` says (`replay.redrive`). In a Parallel branch (`in_branch`),
    a Task that fails it records TaskStateAborted after its failure, as AWS does: the state
    never exited."""
    name = machine.start_at
    again = None  # a redriven state run again without a new StateEntered
    if resume is not None:
        frame.variables = resume.variables
        frame.last_event = resume.last_event
        name, value = resume.state, resume.input
        again = resume if resume.entered is not None else None
        if resume.decided is not None:  # after a Choice: the state it names, afresh
            name, value, frame.variables = _decide(engine, frame, machine, resume)
    while True:
        state = engine.current(machine).states.get(name) or machine.states[name]
        try:
            result = yield from run_state(engine, frame, state, value, again)
            again = None
        except GeneratorExit:  # stopped by a failed sibling branch or iteration
            if not engine.quiet(frame):
                engine.emit(frame, state.type + "StateAborted")
            raise
        if isinstance(result, Failed):
            if in_branch and state.type == "Task" and not engine.quiet(frame):
                failed_at = frame.last_event  # what comes next links to the failure, not this
                engine.emit(frame, "TaskStateAborted")
                frame.last_event = failed_at
            return result
        name, value = result
        if name is None:
            return Succeeded(value)
        yield None


def _decide(engine: Engine, frame: Frame, machine: Machine, resume: Resume):
    """The state a Choice that had exited names (nothing recorded: it was), its output, and
    the variables after it."""
    state = engine.current(machine).states[resume.state]
    step = Step(engine, frame, state, resume.input, resume.last_event)
    step.entered_at = resume.entered_time
    following, _ = run_choice(step)
    output, variables = resume.decided
    return following, output, variables


def _entered(engine: Engine, frame: Frame, state: State, raw_input: Any) -> int:
    text = engine.json_text(raw_input, state.name)
    return engine.emit(
        frame,
        state.type + "StateEntered",
        {"name": state.name, "input": text, "inputDetails": _TRUNCATED},
    )


def run_state(
    engine: Engine, frame: Frame, state: State, raw_input: Any, again: Resume | None = None
):
    """Enter, run (with Retry and Catch) and exit one state; returns (next, output) or Failed.

    A frame stopped while the state runs (a failed sibling branch or iteration) records
    `<Type>StateAborted` (see `run_machine`), as AWS does. `again`: a redrive runs the state
    again as it was entered (its StateEntered, input and entered time), retries anew."""
    if again is None:
        raw_input = engine.entering_input(raw_input)
        linked_to = frame.last_event  # what the StateEntered event will point to
        try:
            entered_id = _entered(engine, frame, state, raw_input)
        except StatesError as exc:
            return Failed(exc.error, exc.cause)
        step = Step(engine, frame, state, raw_input, entered_id)
        step.entered_link = linked_to
    else:
        step = Step(engine, frame, state, raw_input, again.entered)
        step.entered_at, step.entered_link, step.redrive = again.entered_time, again.entered, again
    handler, is_generator = HANDLERS[state.type]
    attempts = [0] * len(state.retry)
    while True:
        try:
            if is_generator:
                next_name, output = yield from handler(step)
            else:
                next_name, output = handler(step)
            if state.type != "Fail":
                _exited(step, output)
            return next_name, output
        except StatesError as exc:
            failure = _locate(exc, step)
            # a failed branch or iteration recorded its own EvaluationFailed already
            if failure.error == errors.QUERY_EVALUATION_ERROR and not isinstance(
                failure, ChildFailed
            ):
                _evaluation_failed(step, failure, getattr(exc, "location", None))
        delay = _retry_delay(state.retry, attempts, failure, engine)
        if delay is not None and beyond_timestamps(engine.now, delay):
            failure = _locate(
                StatesError(errors.RUNTIME, f"Cannot retry {failure.error}: {BEYOND_TIMESTAMPS}"),
                step,
            )
            delay = None
        if delay is not None:
            step.retry_count += 1
            yield Sleep(delay)
            continue
        if isinstance(failure, ChildFailed):
            step.emit(state.type + "StateFailed")
        catcher = _matching_catcher(state.catch, failure)
        if catcher is None:
            return Failed(failure.error, failure.cause)
        error_output = {"Error": failure.error, "Cause": failure.cause}
        try:
            step.assigned = None
            step.assign(catcher.assign, error_output)
            output = state.io.error_output(raw_input, error_output, catcher, step.env(None))
            _exited(step, output)
        except StatesError as exc:
            failure = _locate(exc, step)
            return Failed(failure.error, failure.cause)
        return catcher.next, output


def _evaluation_failed(step: Step, failure: StatesError, location: str | None) -> None:
    """AWS links a failed evaluation to what the state's StateEntered links to; a Wait's
    (evaluated later, when the wait starts) to the StateEntered itself."""
    details = {"cause": failure.cause, "error": failure.error, "state": step.state.name}
    if location is not None:
        details["location"] = location
    previous = step.entered_id if step.state.type == "Wait" else step.entered_link
    step.engine.emit(step.frame, "EvaluationFailed", details, previous=previous)
    if step.state.type in ("Map", "Parallel"):
        step.emit(step.state.type + "StateFailed")


def _exited(step: Step, output: Any) -> None:
    text = step.engine.json_text(output, step.state.name)
    details = {"name": step.state.name, "output": text, "outputDetails": _TRUNCATED}
    if step.assigned:  # AWS records nothing for an empty Assign
        details["assignedVariables"] = {
            name: step.engine.json_text(value, step.state.name)
            for name, value in sorted(step.assigned.items())
        }
        details["assignedVariablesDetails"] = _TRUNCATED
        step.frame.variables = {**step.frame.variables, **step.assigned}
    step.emit(step.state.type + "StateExited", details)


def _locate(exc: StatesError, step: Step) -> StatesError:
    """Prefix runtime errors with the state and event they happened in, as AWS does."""
    if exc.error in LOCATED_ERRORS and not getattr(exc, "located", False):
        located = StatesError(
            exc.error,
            f"An error occurred while executing the state '{step.state.name}' "
            f"(entered at the event id #{step.entered_id}). {exc.cause}",
        )
        located.located = True  # type: ignore[attr-defined]
        return located
    return exc


def error_matches(names: tuple[str, ...], error: str | None) -> bool:
    """Whether an ErrorEquals list covers `error`, by the Developer Guide's rules: States.ALL
    matches any error but States.Runtime; States.Timeout also names a heartbeat timeout;
    States.TaskFailed matches any error but the timeouts and States.Runtime."""
    for name in names:
        if name == error:
            return True
        if name == errors.ALL and error not in errors.NOT_MATCHED_BY_ALL:
            return True
        if name == errors.TIMEOUT and error == errors.HEARTBEAT_TIMEOUT:
            return True
        if (
            name == errors.TASK_FAILED
            and error is not None
            and error not in (errors.TIMEOUT, errors.HEARTBEAT_TIMEOUT, errors.RUNTIME)
        ):
            return True
    return False


_LONGEST_SECONDS = (MAX_MICROS - MIN_MICROS) // MICROS + 1  # longer than any possible wait


def _retry_delay(
    retriers: tuple[Retrier, ...], attempts: list[int], failure: StatesError, engine: Engine
) -> int | None:
    """Microseconds to wait before the next attempt, or None when no retrier applies.
    States.Runtime is never retried, even when a retrier names it (Developer Guide)."""
    if failure.error == errors.RUNTIME:
        return None
    for index, retrier in enumerate(retriers):
        if not error_matches(retrier.error_equals, failure.error):
            continue
        done = attempts[index]
        if done >= retrier.max_attempts:
            return None
        attempts[index] = done + 1
        try:
            seconds = retrier.interval_seconds * retrier.backoff_rate**done
        except OverflowError:  # a float past 1e308: longer than any virtual time can go
            seconds = _LONGEST_SECONDS
        seconds = min(seconds, _LONGEST_SECONDS)
        if retrier.max_delay_seconds is not None:
            seconds = min(seconds, retrier.max_delay_seconds)
        if retrier.jitter == "FULL":
            seconds = engine.rng.random() * seconds
        return int(seconds * MICROS)
    return None


def _matching_catcher(catchers: tuple[Catcher, ...], failure: StatesError) -> Catcher | None:
    """States.Runtime always fails the execution: no catcher takes it, not even one naming it
    (AWS records an explicit States.Runtime catcher passing over an OutputPath failure)."""
    if failure.error == errors.RUNTIME:
        return None
    for catcher in catchers:
        if error_matches(catcher.error_equals, failure.error):
            return catcher
    return None
