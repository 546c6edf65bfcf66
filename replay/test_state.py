"""TestState: run one state on an input, once, and say what it did, as AWS's TestState API does.

The state runs on the real interpreter (its handler, in an engine of its own that records
nothing anywhere), its data flow traced step by step: InputPath, Parameters (or JSONata
Arguments), the result, ResultSelector, ResultPath, the output. Then AWS's verdict: SUCCEEDED
(with the next state), FAILED, RETRIABLE (a Retry would try again: which one, after how long)
or CAUGHT_ERROR (a Catch takes it: its output and next state). A Task is answered by `mock`
(AWS's shape: `{"result": JSON}` or `{"errorOutput": {"error", "cause"}}`) or by the world given
(mocks, handlers); Map and Parallel need `mock`, as on AWS. Nothing waits: a Wait, a retry or a
mocked Delay costs no time. At TRACE, an HTTP Task also shows its HTTP request and response
(`replay.http_task`), an EventBridge connection's data only when secrets are revealed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from replay.asl.env import Env
from replay.asl.errors import StatesError
from replay.asl.model import State
from replay.definition import load_definition
from replay.engine import Engine, ExecutionInfo, NoTaskAnswer
from replay.events import to_json_text
from replay.http_task import BadConnection, exchange, is_http_task, parse_connections
from replay.interpreter import Step, error_matches
from replay.scheduler import AwaitToken, Frame, WaitChildren
from replay.states import HANDLERS
from replay.states.map_state import Tolerance, map_items, number_field
from replay.test_state_checks import MockAnswer, TestStateError, check_context, the_mock
from replay.world import ChainWorld, World

LEVELS = ("INFO", "DEBUG", "TRACE")
_PLACEHOLDER = {"Type": "Succeed"}  # stands for the states a lone state's transitions name


@dataclass
class Trace:
    """The steps of a state's data flow, as they happen (AWS's inspectionData), and which
    Retry or Catch took its error."""

    steps: dict[str, Any] = field(default_factory=dict)
    error_details: dict[str, int] = field(default_factory=dict)
    numbers: dict[str, int | float] = field(default_factory=dict)  # a Map's settings


@dataclass(frozen=True)
class TracedIO:
    """A state's input/output pipeline that notes each step in `trace`."""

    inner: Any
    trace: Trace
    language: str

    def selected_input(self, raw_input: Any, env: Env) -> Any:
        value = self.inner.selected_input(raw_input, env)
        if self.language != "JSONata":
            self.trace.steps["afterInputPath"] = value
        return value

    def effective_input(self, raw_input: Any, env: Env) -> Any:
        if self.language == "JSONata":
            self.trace.steps["afterArguments"] = value = self.inner.effective_input(raw_input, env)
            return value
        self.selected_input(raw_input, env)
        self.trace.steps["afterParameters"] = value = self.inner.effective_input(raw_input, env)
        return value

    def output(self, raw_input: Any, result: Any, env: Env) -> Any:
        steps = self.trace.steps
        steps["result"] = result
        if self.language == "JSONata":
            return self.inner.output(raw_input, result, env)
        selected, combined, out = self.inner.output_stages(raw_input, result, env)
        steps["afterResultSelector"], steps["afterResultPath"] = selected, combined
        return out

    def error_output(self, raw_input: Any, error_output: Any, catcher: Any, env: Env) -> Any:
        return self.inner.error_output(raw_input, error_output, catcher, env)


def test_state(
    definition_text: str,
    input_value: Any = None,
    *,
    state_name: str | None = None,
    inspection_level: str = "INFO",
    mock: Any = None,
    variables: dict | None = None,
    context: dict | None = None,
    retrier_retry_count: int = 0,
    world: World | None = None,
    start_micros: int = 0,
    reveal_secrets: bool = False,
    connections: Any = None,
    role_arn: str | None = None,
) -> dict:
    """Run one state once, at virtual time `start_micros`; AWS's TestState response (`output`,
    `error`, `cause`, `status`, `nextState`, and `inspectionData` at DEBUG and TRACE; at TRACE
    an HTTP Task's `request` and `response` too). `connections`: EventBridge connections by
    ARN, whose data the HTTP request shows when `reveal_secrets`."""
    if inspection_level not in LEVELS:
        raise TestStateError(f"--inspection-level must be one of {', '.join(LEVELS)}")
    if retrier_retry_count < 0:
        raise TestStateError("--retrier-retry-count must be 0 or more")
    try:
        known = parse_connections(connections) if connections is not None else None
    except BadConnection as exc:
        raise TestStateError(f"--connections: {exc}") from None
    state = _the_state(definition_text, state_name)
    trace = Trace()
    state = replace(state, io=TracedIO(state.io, trace, state.language))
    answers = the_mock(state, mock, reveal_secrets)
    raw_input = {} if input_value is None else input_value
    if context is not None:
        check_context(state, context)
    world = ChainWorld.of([answers, world])
    step = _step(state, raw_input, world, variables, start_micros, role_arn)
    step.retry_count = retrier_retry_count
    step._context = (retrier_retry_count, _context(step, context))
    response = _verdict(step, answers, trace)
    if inspection_level != "INFO":
        response["inspectionData"] = _inspection(raw_input, step, trace, variables or {})
    if inspection_level == "TRACE" and is_http_task(getattr(state, "resource", "")):
        response["inspectionData"].update(_http(step, trace, response, known, reveal_secrets))
    return response


def _the_state(definition_text: str, state_name: str | None) -> State:
    """The state to test: `state_name` of a whole machine, or a lone state's definition
    (its transitions point at placeholders, so that it validates as a machine)."""
    try:
        raw = json.loads(definition_text)
    except json.JSONDecodeError as exc:
        raise TestStateError(f"the definition is not JSON: {exc.msg}") from None
    if not isinstance(raw, dict):
        raise TestStateError("the definition must be a JSON object")
    if "States" in raw:
        if state_name is None:
            raise TestStateError("a whole state machine needs --state NAME")
        if state_name not in raw.get("States", {}):
            known = ", ".join(sorted(raw.get("States", {})))
            hint = f" ({state_name!r}; states: {known})"
            raise TestStateError("State not found in definition", hint=hint)
        machine = load_definition(definition_text).machine
        return machine.states[state_name]
    name = state_name or "TestState"
    states = {target: _PLACEHOLDER for target in _targets(raw)} | {name: raw}
    text = json.dumps({"StartAt": name, "States": states})
    return load_definition(text).machine.states[name]


def _targets(raw: dict) -> set[str]:
    names = {raw.get("Next"), raw.get("Default")}
    names |= {rule.get("Next") for rule in raw.get("Choices", ()) if isinstance(rule, dict)}
    names |= {rule.get("Next") for rule in raw.get("Catch", ()) if isinstance(rule, dict)}
    return {name for name in names if isinstance(name, str)}


def _step(
    state: State,
    raw_input: Any,
    world: World,
    variables: dict | None,
    start_micros: int,
    role_arn: str | None,
) -> Step:
    """The state's step, in an Express execution `test` (as AWS runs TestState: no
    RedriveCount) of a state machine `TestState`, with the request's role (None: null)."""
    info = ExecutionInfo(
        execution_arn="arn:aws:states:us-east-1:123456789012:express:TestState:test",
        name="test",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:TestState",
        state_machine_name="TestState",
        role_arn=role_arn,  # type: ignore[arg-type]
        region="us-east-1",
        account="123456789012",
        start_micros=start_micros,
        input=raw_input,
    )
    engine = Engine(None, info, world, 0, machines=_NoChildren())  # type: ignore[arg-type]
    engine.now = start_micros
    frame = Frame(0, None, None)
    frame.variables = dict(variables or {})
    return Step(engine, frame, state, raw_input, 0)


def _context(step: Step, given: dict | None) -> dict:
    """The Context object: the one given, as it is; else AWS's for TestState, whose state is
    always named `StateName` and has a RetryCount when it can be retried."""
    if given is not None:
        return given
    context = dict(step.engine.context("StateName", step.entered_at))
    if step.state.type in ("Task", "Map", "Parallel"):
        context["State"] = {**context["State"], "RetryCount": step.retry_count}
    return context


class _NoChildren:
    """TestState starts no child execution: a startExecution Task needs its answer mocked."""

    def get(self, arn: str, execution: str | None = None) -> None:
        raise TestStateError(
            f"a states:startExecution Task needs --mock (its answer): TestState starts no "
            f"child execution of {arn}"
        )

    def taken(self, arn: str) -> bool:
        return False


def _verdict(step: Step, answers: MockAnswer | None, trace: Trace) -> dict:
    state = step.state
    try:
        if answers is not None and state.type in ("Map", "Parallel"):
            next_name, output = _mocked_children(step, answers, trace)
        else:
            next_name, output = _run_handler(step)
    except StatesError as failure:
        return _failed(step, failure, trace)
    if state.type == "Fail":  # pragma: no cover - a Fail state always raises
        raise AssertionError
    response = {"output": to_json_text(output), "status": "SUCCEEDED"}
    if next_name is not None:
        response["nextState"] = next_name
    return response


def _run_handler(step: Step) -> tuple[str | None, Any]:
    handler, is_generator = HANDLERS[step.state.type]
    if not is_generator:
        return handler(step)
    body = handler(step)
    try:
        effect = next(body)
        while True:  # nothing waits here: every sleep ends at once
            if isinstance(effect, AwaitToken):
                raise TestStateError("a .waitForTaskToken Task needs --mock (its answer)")
            if isinstance(effect, WaitChildren):  # pragma: no cover - Map/Parallel are mocked
                raise TestStateError(f"testing a {step.state.type} state needs --mock")
            effect = body.send(None)
    except StopIteration as stop:
        return stop.value
    except NoTaskAnswer as missing:
        raise TestStateError(f"{missing}: give --mock, --mock-config or --handlers") from None


def _mocked_children(step: Step, answers: MockAnswer, trace: Trace) -> tuple[str | None, Any]:
    """A Map or Parallel whose result is mocked: its input steps, the result, its output."""
    state, env = step.state, step.env(None)
    if state.type == "Parallel":  # its Parameters make the branches' input
        state.io.effective_input(step.raw_input, env)
    else:  # a Map's items come after InputPath
        _map_settings(step, env, trace)
    answer = answers.reply
    if answer.failed:
        raise StatesError(answer.error, answer.cause)
    step.assign(state.assign, answer.output)
    return state.next, state.io.output(step.raw_input, answer.output, env)


def _map_settings(step: Step, env: Env, trace: Trace) -> None:
    """A Map's input steps (InputPath, then its items) and the settings it would run with:
    MaxConcurrency (0: no limit), and the tolerated failures when it has them."""
    state = step.state
    env.input = state.io.selected_input(step.raw_input, env)
    items = map_items(state, step, env)
    if state.language != "JSONata":
        trace.steps["afterItemsPath"] = items
    trace.numbers["maxConcurrency"] = number_field(state, env, "MaxConcurrency", "integer") or 0
    tolerance = Tolerance(state, env, len(items))
    if tolerance.count is not None:
        trace.numbers["toleratedFailureCount"] = tolerance.count
    if tolerance.percentage is not None:
        trace.numbers["toleratedFailurePercentage"] = float(tolerance.percentage)


def _failed(step: Step, failure: StatesError, trace: Trace) -> dict:
    """RETRIABLE when a Retry would try again, else CAUGHT_ERROR when a Catch takes the
    error, else FAILED."""
    state = step.state
    response: dict[str, Any] = {"error": failure.error}
    if failure.cause is not None:
        response["cause"] = failure.cause
    for index, retrier in enumerate(state.retry):
        if not error_matches(retrier.error_equals, failure.error):
            continue
        if step.retry_count < retrier.max_attempts and failure.error != "States.Runtime":
            seconds = retrier.interval_seconds * retrier.backoff_rate**step.retry_count
            if retrier.max_delay_seconds is not None:
                seconds = min(seconds, retrier.max_delay_seconds)
            trace.error_details = {"retryIndex": index, "retryBackoffIntervalSeconds": int(seconds)}
            return {**response, "status": "RETRIABLE"}
        break  # the first matching retrier decides; once spent, on to the catchers
    for index, catcher in enumerate(state.catch):
        if error_matches(catcher.error_equals, failure.error):
            error_output = {"Error": failure.error, "Cause": failure.cause}
            step.assigned = None
            step.assign(catcher.assign, error_output)
            output = state.io.error_output(step.raw_input, error_output, catcher, step.env(None))
            trace.error_details = {"catchIndex": index}
            return {
                **response,
                "output": to_json_text(output),
                "status": "CAUGHT_ERROR",
                "nextState": catcher.next,
            }
    return {**response, "status": "FAILED"}


def _http(step: Step, trace: Trace, response: dict, connections: Any, reveal: bool) -> dict:
    """The HTTP request the Task's Parameters (Arguments) make, and the response: its result,
    or the status its failure names."""
    key = "afterArguments" if step.state.language == "JSONata" else "afterParameters"
    steps = trace.steps
    outcome = {"result": steps["result"]} if "result" in steps else response
    region = step.engine.info.region
    return exchange(steps.get(key), outcome, region, connections, reveal)


# The data-flow steps AWS's inspectionData shows per kind of state (None: all of them).
_JSONPATH_SHOWN: dict[str, tuple[str, ...] | None] = {
    "Task": None,
    "Parallel": None,
    "Pass": ("afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"),
    "Map": ("afterInputPath", "afterItemsPath", "afterResultSelector", "afterResultPath"),
}
_PASS_RESULT_SHOWN = ("result", "afterResultSelector", "afterResultPath")
_JSONATA_SHOWN: dict[str, tuple[str, ...] | None] = {
    "Task": ("afterArguments", "result"),
    "Parallel": None,
}


def _shown_steps(state: State, steps: dict[str, Any]) -> dict[str, Any]:
    """The steps AWS shows: a Task's all; a Pass with a `Result` from the result on (its input
    steps are not used), without one all but the result (its input is the result); a Map its
    input and items, not the (mocked) result; the other states their input path (JSONPath)."""
    if state.language == "JSONata":
        keys = _JSONATA_SHOWN.get(state.type, ())
    elif state.type == "Pass" and getattr(state, "has_result", False):
        keys = _PASS_RESULT_SHOWN
    else:
        keys = _JSONPATH_SHOWN.get(state.type, ("afterInputPath",))
    if keys is None:
        return steps
    return {key: value for key, value in steps.items() if key in keys}


def _inspection(raw_input: Any, step: Step, trace: Trace, variables: dict) -> dict:
    data: dict[str, Any] = {"input": to_json_text(raw_input)}
    steps = _shown_steps(step.state, trace.steps)
    if step.state.type == "Fail" and step.state.language != "JSONata":
        steps = {"afterInputPath": raw_input}  # a Fail state has no InputPath: its input
    data.update({key: to_json_text(value) for key, value in steps.items()})
    data.update(trace.numbers)
    if step.assigned or variables:
        data["variables"] = to_json_text({**variables, **(step.assigned or {})})
    if trace.error_details:
        data["errorDetails"] = trace.error_details
    return data
