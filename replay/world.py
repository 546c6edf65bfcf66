"""The world answers Task states: mocks (Step Functions Local MockConfigFile), Python handlers,
or a chain of both. The interpreter passes the invocation number, so mocks stay stateless."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, ClassVar, Iterable, Protocol

from replay.strict_json import JsonValueError, is_plain_json, to_json_value


# TaskRequest and TaskAnswer are made for every Task call (the engine's request, a handler's
# answer): not frozen, which would set each field through object.__setattr__ (~1.8 us a call
# for the pair). Worlds and states treat them as values all the same: never change one, make
# a new one (dataclasses.replace).
@dataclass(slots=True)
class TaskRequest:
    state_name: str
    resource: str
    input: Any
    invocation: int  # 0-based count of this state's earlier invocations in this execution
    context: dict = field(default_factory=dict)
    attempt: int = 0  # retries of this entry of the state so far (0: its first attempt)
    frame: str = ""  # the frame's label: `Map#3/Par#1` in a Map iteration in a Parallel branch


@dataclass(slots=True)
class TaskAnswer:
    output: Any = None
    failed: bool = False
    error: str | None = None
    cause: str | None = None
    delay_seconds: float = 0.0
    timed_out: str | None = None  # States.Timeout or States.HeartbeatTimeout, after its limit
    injected: tuple = ()  # the fault rules (object form) that made this answer
    heartbeats: tuple[int, ...] = ()  # a callback's heartbeats, microseconds after it started
    # (recorded) it ends the task before it got under way: an activity task before any worker
    # started it (no ActivityStarted), a .sync job refused before it was submitted (no
    # TaskSubmitted: a StartExecution that failed)
    unstarted: bool = False
    worker: str | None = "sfn-replay"  # who started an activity task (recorded: its workerName)
    # (recorded) the Task started a child execution (its ARN: start it again; `pending`: no
    # outcome recorded with it)
    nested: str | None = None
    pending: bool = False
    # a .sync job's TaskSubmitted output (JSON text), when given (a record's: replayed as is),
    # and when it was submitted (recorded: micros after the Task was scheduled)
    submitted: str | None = None
    submitted_after: int = 0


class World(Protocol):
    # Whether an answer may come from outside the interpreter (a user's handler): what precedes
    # such a call is committed to the log first.
    leaves_process: bool

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        """The task's outcome, or None when this world has nothing for it."""


class MockConfigError(ValueError):
    """A MockConfigFile that cannot be used: the message says where and why."""


@dataclass(frozen=True)
class MockWorld:
    """Answers from one test case of a MockConfigFile; after the last numbered response of a
    state, the last response repeats."""

    responses: dict[str, list[tuple[int, int, TaskAnswer]]]
    # the same test case of the file's other state machines: for the Tasks of nested child
    # executions of those (told by the Context object's state machine name)
    machines: dict[str, dict[str, list[tuple[int, int, TaskAnswer]]]] = field(default_factory=dict)
    leaves_process: ClassVar[bool] = False

    @classmethod
    def from_config(cls, config: Any, machine: str, test_case: str) -> "MockWorld":
        """The test case of a MockConfigFile (parsed by `replay.mock_config`, imported here
        only when mocks are used: its pydantic models cost tens of milliseconds to load)."""
        from replay.mock_config import case_responses, other_machines

        return cls(
            case_responses(config, machine, test_case),
            other_machines(config, machine, test_case),
        )

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        responses = self.responses
        if self.machines:
            machine = (request.context.get("StateMachine") or {}).get("Name")
            responses = self.machines.get(machine, responses)
        ranges = responses.get(request.state_name)
        if not ranges:
            return None
        for low, high, answer in ranges:
            if low <= request.invocation <= high:
                return answer
        return ranges[-1][2]


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
class FailUnanswered:
    """The last world of an execution started by `serve`, where no terminal waits for a
    `resume`: a Task nothing else answers fails with States.TaskFailed, its cause naming the
    state and resource. A `.waitForTaskToken` Task is left to wait for its token, an activity
    Task for a worker (or to find its activity does not exist), and a `states:startExecution`
    Task starts its child execution (see `replay.nested`)."""

    leaves_process: ClassVar[bool] = False

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        from replay.states.task_state import classify  # the core's reading of a resource ARN

        if classify(request.resource).optional:
            return None
        return TaskAnswer(
            failed=True,
            error="States.TaskFailed",
            cause=f"sfn-replay: nothing answers Task state {request.state_name!r} (resource "
            f"{request.resource}): give the server a mock (--mock-config, and start the "
            "execution with stateMachineArn#TestCase) or a handler (--handlers)",
        )


@dataclass(frozen=True)
class ChainWorld:
    """Asks each world in turn; the first answer wins (mocks before handlers). A record's
    `pending` answer (a child execution started or a job submitted, no outcome yet) lets the
    next worlds answer (a callback's token, the job's end), still naming the child and keeping
    the job's submit as recorded."""

    worlds: tuple[World, ...]

    @classmethod
    def of(cls, worlds: Iterable[World | None]) -> "ChainWorld":
        return cls(tuple(w for w in worlds if w is not None))

    @property
    def leaves_process(self) -> bool:
        return any(getattr(world, "leaves_process", True) for world in self.worlds)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        started = None  # a record that says only that the Task started a child execution
        for world in self.worlds:
            answer = world.answer(request)
            if answer is None:
                continue
            if answer.pending:
                started = started or answer
                continue
            return answer if started is None else _going_on(answer, started)
        return started


def _going_on(answer: TaskAnswer, started: TaskAnswer) -> TaskAnswer:
    """The answer to a Task the record says was under way: the child execution it started, its
    job's TaskSubmitted as recorded."""
    if started.submitted is None:
        return replace(answer, nested=started.nested)
    return replace(
        answer,
        nested=started.nested,
        submitted=started.submitted,
        submitted_after=started.submitted_after,
    )
