"""Immutable, compiled models of a state machine and its states.

Every path, template and rule is compiled once, when the definition is loaded; the interpreter
only calls the compiled pieces. `io` is the state's query-language pipeline (JSONPath today;
JSONata plugs in as another implementation of the same protocol).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from replay.asl.env import Env

Evaluator = Callable[[Env], Any]


class StateIO(Protocol):
    """How a state turns its raw input into its effective input and its result into output."""

    def effective_input(self, raw_input: Any, env: Env) -> Any: ...

    def output(self, raw_input: Any, result: Any, env: Env) -> Any: ...

    def error_output(
        self, raw_input: Any, error_output: Any, catcher: "Catcher", env: Env
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter: str = "NONE"


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: Any = None  # compiled by the state's query language (see jsonpath_io)
    result_path_text: str | None = None
    assign: Any = None
    output: Any = None


@dataclass(frozen=True, slots=True)
class State:
    name: str
    type: str
    next: str | None
    end: bool
    io: StateIO
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    assign: Any = None
    language: str = "JSONPath"
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PassState(State):
    result: Any = None
    has_result: bool = False


@dataclass(frozen=True, slots=True)
class TaskState(State):
    resource: str = ""
    timeout_seconds: Evaluator | None = None
    heartbeat_seconds: Evaluator | None = None
    credentials: Any = None


@dataclass(frozen=True, slots=True)
class ChoiceRule:
    condition: Callable[[Env], bool]
    next: str
    assign: Any = None
    output: Any = None


@dataclass(frozen=True, slots=True)
class ChoiceState(State):
    choices: tuple[ChoiceRule, ...] = ()
    default: str | None = None


@dataclass(frozen=True, slots=True)
class WaitState(State):
    seconds: Evaluator | None = None  # returns the raw value; checked at run time
    timestamp: Evaluator | None = None
    seconds_field: str = "Seconds"
    timestamp_field: str = "Timestamp"


@dataclass(frozen=True, slots=True)
class SucceedState(State):
    pass


@dataclass(frozen=True, slots=True)
class FailState(State):
    error: Evaluator | None = None
    cause: Evaluator | None = None


@dataclass(frozen=True, slots=True)
class ParallelState(State):
    branches: tuple["Machine", ...] = ()


@dataclass(frozen=True, slots=True)
class MapState(State):
    items: Evaluator | None = None  # ItemsPath/Items; None means the effective input
    item_selector: Evaluator | None = None
    processor: "Machine | None" = None
    mode: str = "INLINE"
    execution_type: str = "STANDARD"
    max_concurrency: Evaluator | None = None
    tolerated_failure_count: Evaluator | None = None
    tolerated_failure_percentage: Evaluator | None = None
    label: str | None = None
    item_reader: Any = None  # the raw ItemReader (Resource, ReaderConfig)
    reader_arguments: Evaluator | None = None  # its Parameters / Arguments
    item_batcher: Any = None
    batch_input: Evaluator | None = None
    result_writer: Any = None
    writer_arguments: Evaluator | None = None


@dataclass(frozen=True, slots=True)
class Machine:
    start_at: str
    states: dict[str, State]
    query_language: str = "JSONPath"
    timeout_seconds: int | None = None
    comment: str | None = None
