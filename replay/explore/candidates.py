"""The faults worth injecting into a definition: per Task state, the errors its Retry and
Catch name, States.TaskFailed, the timeouts it can have, and its service's usual transient
errors, each on one attempt (the first, and the retries a Retry would make for that error)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from replay.asl import errors
from replay.asl.model import Machine, State
from replay.faults import FaultError
from replay.interpreter import error_matches
from replay.states.task_state import classify

# The transient errors each service integration raises (throttling, service faults), as Step
# Functions names them. Keys are the resource type of `arn:aws:states:::TYPE:action` (and of
# `aws-sdk:TYPE`); plain Lambda function ARNs are "lambda".
TRANSIENT: dict[str, tuple[str, ...]] = {
    "lambda": (
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
    ),
    "dynamodb": (
        "DynamoDB.ProvisionedThroughputExceededException",
        "DynamoDB.ThrottlingException",
        "DynamoDB.InternalServerErrorException",
    ),
    "sqs": ("SQS.AmazonSQSException", "SQS.SdkClientException"),
    "sns": ("SNS.AmazonSNSException", "SNS.SdkClientException"),
    "batch": ("Batch.AWSBatchException", "Batch.ServerException"),
    "ecs": ("ECS.AmazonECSException", "ECS.ServerException"),
    "glue": ("Glue.AWSGlueException",),
    "states": ("StepFunctions.AWSStepFunctionsException",),
    "events": ("EventBridge.AmazonEventBridgeException",),
    "redshiftdata": ("RedshiftData.ThrottlingException", "RedshiftData.InternalServerException"),
}
ITERATIONS = 3  # Map iterations that get faults of their own (a poisoned item), the first ones
_WILDCARDS = (errors.ALL, errors.TASK_FAILED)
_EFFECTS = {errors.TIMEOUT: "timeout", errors.HEARTBEAT_TIMEOUT: "heartbeat-timeout"}


class ExploreError(FaultError):
    """Bad input to an exploration (an unknown state, a bad property): exit 2."""


def task_states(machine: Machine) -> Iterator[tuple[State, bool]]:
    """Every Task state of a machine, nested ones (Parallel branches, Map processors) too, in
    the order of the definition, each name once; with whether it runs in a Map."""
    seen: set[str] = set()

    def walk(m: Machine, in_map: bool) -> Iterator[tuple[State, bool]]:
        for state in m.states.values():
            if state.type == "Task" and state.name not in seen:
                seen.add(state.name)
                yield state, in_map
            for branch in getattr(state, "branches", ()):
                yield from walk(branch, in_map)
            processor = getattr(state, "processor", None)
            if processor is not None:
                yield from walk(processor, True)

    return walk(machine, False)


def service(state: State) -> str:
    kind = classify(state.resource)
    if kind.family == "lambda":
        return "lambda"
    return (kind.resource_type or "").removeprefix("aws-sdk:")


def errors_of(state: State) -> list[str]:
    """The errors to inject into a Task, in a stable order: States.TaskFailed, the errors its
    Retry and Catch name (not the wildcards), the timeouts it has, its service's transient
    errors."""
    out = [errors.TASK_FAILED]
    named = [n for rule in (*state.retry, *state.catch) for n in rule.error_equals]
    out += [n for n in named if n not in _WILDCARDS and n not in _EFFECTS]
    if state.timeout_seconds is not None:
        out.append(errors.TIMEOUT)
    if state.heartbeat_seconds is not None:
        out.append(errors.HEARTBEAT_TIMEOUT)
    out += TRANSIENT.get(service(state), ())
    return list(dict.fromkeys(out))


def retries_of(state: State, error: str) -> int:
    """How many retries the state's Retry makes for `error` (its first matching retrier)."""
    for retrier in state.retry:
        if error_matches(retrier.error_equals, error):
            return retrier.max_attempts
    return 0


def rule(state: str, error: str, attempt: int, iteration: int | None = None) -> dict:
    """A candidate as a rule object (the form fault plans and the record use)."""
    effect = _EFFECTS.get(error, "throw")
    out = {"state": state, "effect": effect, "error": error, "attempts": str(attempt)}
    if iteration is not None:
        out["iteration"] = iteration
    return out


def candidates(
    machine: Machine, states: Iterable[str] | None = None, reached: Iterable[tuple] = ()
) -> list[dict]:
    """Every candidate fault of the definition (of the named Task states only, if given).
    A Task in a Map gets its faults on every iteration, then on each of the first
    ITERATIONS iterations that `reached` (a fault-free run's Task attempts: (state, attempt,
    iteration)) shows, one at a time."""
    tasks = [(state, in_map) for state, in_map in task_states(machine)]
    chosen = _chosen([state for state, _ in tasks], states)
    iterations: dict[str, set[int]] = {}
    for state, _, iteration in reached:
        if iteration >= 0:
            iterations.setdefault(state, set()).add(iteration)
    out = []
    for state, in_map in tasks:
        if chosen is not None and state.name not in chosen:
            continue
        each = sorted(iterations.get(state.name, ()))[:ITERATIONS] if in_map else []
        for iteration in [None, *each]:
            for error in errors_of(state):
                for attempt in range(retries_of(state, error) + 1):
                    out.append(rule(state.name, error, attempt, iteration))
    return out


def _chosen(tasks: list[State], states: Iterable[str] | None) -> set[str] | None:
    if states is None:
        return None
    names = {state.name for state in tasks}
    chosen = set(states)
    for name in sorted(chosen - names):
        close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.5)
        hint = (
            f"did you mean {', '.join(map(repr, close))}?"
            if close
            else (f"its Task states: {', '.join(sorted(names)) or 'none'}")
        )
        raise ExploreError(f"--state {name!r}: no Task state of that name ({hint})")
    return chosen


def target(rule: dict) -> tuple[str, int, int]:
    """The Task attempt a candidate fault hits: (state, attempt, Map iteration or -1)."""
    iteration = rule.get("iteration")
    return rule["state"], int(rule["attempts"]), -1 if iteration is None else iteration
