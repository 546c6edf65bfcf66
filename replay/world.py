"""The world answers Task states: mocks (Step Functions Local MockConfigFile), Python handlers,
or a chain of both. The interpreter passes the invocation number, so mocks stay stateless."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from replay.events import to_json_text
from replay.strict_json import JsonValueError, is_plain_json, to_json_value


@dataclass(frozen=True, slots=True)
class TaskRequest:
    state_name: str
    resource: str
    input: Any
    invocation: int  # 0-based count of this state's earlier invocations in this execution
    context: dict = field(default_factory=dict)
    attempt: int = 0  # retries of this entry of the state so far (0: its first attempt)
    frame: str = ""  # the frame's label: `Map#3/Par#1` in a Map iteration in a Parallel branch


@dataclass(frozen=True, slots=True)
class TaskAnswer:
    output: Any = None
    failed: bool = False
    error: str | None = None
    cause: str | None = None
    delay_seconds: float = 0.0
    timed_out: str | None = None  # States.Timeout or States.HeartbeatTimeout, after its limit
    injected: tuple = ()  # the fault rules (object form) that made this answer


class World(Protocol):
    # Whether an answer may come from outside the interpreter (a user's handler): what precedes
    # such a call is committed to the log first.
    leaves_process: bool

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        """The task's outcome, or None when this world has nothing for it."""


class MockConfigError(ValueError):
    """A MockConfigFile that cannot be used: the message says where and why."""


class _Throw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    Error: str | None = None
    Cause: Any = None


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")
    Return: Any = None
    Throw: _Throw | None = None
    Delay: float | None = Field(default=None, ge=0, le=31_536_000)  # at most a year


class _TestCases(BaseModel):
    TestCases: dict[str, dict[str, str]]


class _MockConfig(BaseModel):
    StateMachines: dict[str, _TestCases]
    MockedResponses: dict[str, dict[str, dict[str, Any]]] = {}


_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class MockWorld:
    """Answers from one test case of a MockConfigFile; after the last numbered response of a
    state, the last response repeats."""

    responses: dict[str, list[tuple[int, int, TaskAnswer]]]
    leaves_process: ClassVar[bool] = False

    @classmethod
    def from_config(cls, config: Any, machine: str, test_case: str) -> "MockWorld":
        try:
            parsed = _MockConfig.model_validate(config)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = "/".join(str(p) for p in first["loc"])
            raise MockConfigError(f"mock config: {where}: {first['msg']}") from None
        machines = parsed.StateMachines
        if machine not in machines:
            if len(machines) != 1:
                names = ", ".join(sorted(machines)) or "none"
                raise MockConfigError(
                    f"mock config has no state machine {machine!r} (it has: {names})"
                )
            machine = next(iter(machines))
        cases = machines[machine].TestCases
        if test_case not in cases:
            names = ", ".join(sorted(cases)) or "none"
            raise MockConfigError(
                f"mock config: state machine {machine!r} has no test case {test_case!r} "
                f"(it has: {names})"
            )
        table: dict[str, list[tuple[int, int, TaskAnswer]]] = {}
        for state, response_name in cases[test_case].items():
            if response_name not in parsed.MockedResponses:
                raise MockConfigError(
                    f"mock config: test case {test_case!r} maps state {state!r} to "
                    f"{response_name!r}, which is not in MockedResponses"
                )
            table[state] = _parse_responses(response_name, parsed.MockedResponses[response_name])
        return cls(table)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        ranges = self.responses.get(request.state_name)
        if not ranges:
            return None
        for low, high, answer in ranges:
            if low <= request.invocation <= high:
                return answer
        return ranges[-1][2]


def _parse_responses(name: str, raw: dict[str, dict]) -> list[tuple[int, int, TaskAnswer]]:
    out = []
    for key, body in raw.items():
        m = _RANGE.match(key)
        if not m:
            raise MockConfigError(f"mock config: MockedResponses/{name}: bad key {key!r}")
        try:
            response = _Response.model_validate(body)
        except ValidationError as exc:
            raise MockConfigError(
                f"mock config: MockedResponses/{name}/{key}: {exc.errors()[0]['msg']}"
            ) from None
        if (response.Throw is None) == ("Return" not in body):
            raise MockConfigError(
                f"mock config: MockedResponses/{name}/{key}: needs exactly one of Return, Throw"
            )
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        if response.Throw is not None:
            cause = response.Throw.Cause
            answer = TaskAnswer(
                failed=True,
                error=response.Throw.Error,
                cause=cause if cause is None or isinstance(cause, str) else to_json_text(cause),
                delay_seconds=response.Delay or 0.0,
            )
        else:
            answer = TaskAnswer(output=response.Return, delay_seconds=response.Delay or 0.0)
        out.append((low, high, answer))
    out.sort(key=lambda r: r[0])
    return out


Handler = Callable[[Any, dict], Any]


class HandlerError(ValueError):
    """A handler that broke the contract (a result that is not JSON, `sys.exit`): exit 2."""


def handler_result(state_name: str, value: Any) -> Any:
    """A handler's return value as JSON data, or HandlerError naming the state and the problem
    (a set or an object, NaN, an integer too long, nesting too deep)."""
    if is_plain_json(value):
        return value  # the common case, without a round trip
    try:
        return to_json_value(value)
    except JsonValueError as exc:
        raise HandlerError(
            f"the handler of state {state_name!r} returned a value that is not JSON: {exc}"
        ) from None


@dataclass(frozen=True)
class HandlerWorld:
    """Answers from Python callables keyed by state name (preferred) or resource ARN.

    A handler returns the task result, or raises: the exception's `error` attribute (or its
    class name) is the error, its message the cause.
    """

    handlers: dict[str, Handler]
    leaves_process: ClassVar[bool] = True

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        handler = self.handlers.get(request.state_name) or self.handlers.get(request.resource)
        if handler is None:
            return None
        try:
            output = handler(request.input, request.context)
        except SystemExit as exc:
            raise HandlerError(
                f"the handler of state {request.state_name!r} called sys.exit "
                f"({exc.code!r}); raise an exception to fail the task"
            ) from None
        except Exception as exc:  # the handler's failure is the task's failure
            error = getattr(exc, "error", None) or type(exc).__name__
            return TaskAnswer(failed=True, error=str(error), cause=str(exc) or None)
        return TaskAnswer(output=handler_result(request.state_name, output))


@dataclass(frozen=True)
class ChainWorld:
    """Asks each world in turn; the first answer wins (mocks before handlers)."""

    worlds: tuple[World, ...]

    @classmethod
    def of(cls, worlds: Iterable[World | None]) -> "ChainWorld":
        return cls(tuple(w for w in worlds if w is not None))

    @property
    def leaves_process(self) -> bool:
        return any(getattr(world, "leaves_process", True) for world in self.worlds)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        for world in self.worlds:
            answer = world.answer(request)
            if answer is not None:
                return answer
        return None
