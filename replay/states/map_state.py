"""Map: one child frame per item, at most MaxConcurrency at a time; the failure tolerance
that Distributed Map applies (`Tolerance`) is defined here too."""

from __future__ import annotations

from typing import Any

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import PathNotFound, StatesError, evaluation_error
from replay.events import to_json_text
from replay.redrive import Done
from replay.scheduler import Failed, Succeeded, WaitChildren
from replay.states.parallel_state import ChildFailed, child_label


def _runtime(cause: str) -> StatesError:
    return StatesError(errors.RUNTIME, cause)


def number_field(state, env, key: str, kind: str) -> Any:
    """Evaluate `Key`/`KeyPath`; Path values must be numbers of the given kind."""
    evaluator = getattr(state, _FIELDS[key])
    if evaluator is None:
        return None
    path = state.raw.get(key + "Path")
    try:
        value = evaluator(env)
    except PathNotFound:
        raise _runtime(
            f"The {key}Path field refers to a path that does not exist: {path}"
        ) from None
    if path is None:
        return value
    if isinstance(value, str):  # AWS also accepts a number written as a string
        try:
            value = int(value) if kind == "integer" else float(value)
        except ValueError:
            pass
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if kind == "integer":
        ok = ok and value == int(value)
    if not ok:
        shown = value if isinstance(value, str) else to_json_text(value)
        raise _runtime(
            f'The {key}Path field refers to value "{shown}" which is not a valid {kind}: {path}'
        )
    return int(value) if kind == "integer" else value


_FIELDS = {
    "MaxConcurrency": "max_concurrency",
    "ToleratedFailureCount": "tolerated_failure_count",
    "ToleratedFailurePercentage": "tolerated_failure_percentage",
}


class Tolerance:
    def __init__(self, state, env, total: int) -> None:
        self.count = number_field(state, env, "ToleratedFailureCount", "integer")
        if self.count is not None and self.count < 0:
            raise _runtime("ToleratedFailureCount cannot be negative.")
        self.percentage = number_field(state, env, "ToleratedFailurePercentage", "float")
        if self.percentage is not None and not 0 <= self.percentage <= 100:
            raise _runtime("ToleratedFailurePercentage must be between 0 and 100.")
        self.total = total
        self.failures = 0

    @property
    def configured(self) -> bool:
        return bool(self.count) or bool(self.percentage)

    def exceeded(self) -> bool:
        self.failures += 1
        if not self.configured:
            return True
        if self.count is not None and self.failures <= self.count:
            return False
        if self.percentage is not None and self.failures * 100 <= self.percentage * self.total:
            return False
        return True


def map_items(state, step, env) -> list:
    if state.items is None:
        items = env.input
    else:
        items = state.items(env)
    if not isinstance(items, list):
        cause = f"Map state input must be an array but was: {to_json_text(items)}"
        raise evaluation_error(cause) if state.language == "JSONata" else _runtime(cause)
    return items


def run_iteration(engine, frame, state, index: int, item: Any, selected: Any, step, plan=None):
    """One iteration; `plan`: where a redriven one goes on (`replay.redrive.Resume`)."""
    if plan is None:
        engine.emit(frame, "MapIterationStarted", {"index": index, "name": state.name})
    elif plan.state is None:  # it had started, and entered no state: from its start again
        frame.variables, frame.last_event, plan = plan.variables, plan.last_event, None
    value = item
    if plan is None and state.item_selector is not None:
        context = dict(step.context(), Map={"Item": {"Index": index, "Value": item}})
        try:
            value = state.item_selector(Env(selected, context, frame.variables, engine.rng))
        except StatesError as exc:
            engine.emit(frame, "MapIterationFailed", {"index": index, "name": state.name})
            return Failed(exc.error, exc.cause)
    try:
        outcome = yield from step.run_machine(frame, state.processor, value, plan)
    except GeneratorExit:  # stopped because another iteration failed
        if not engine.quiet(frame):
            engine.emit(frame, "MapIterationAborted", {"index": index, "name": state.name})
        raise
    kind = "MapIterationSucceeded" if isinstance(outcome, Succeeded) else "MapIterationFailed"
    engine.emit(frame, kind, {"index": index, "name": state.name})
    return outcome


def kept_outputs(plans: dict, results: list) -> list[int]:
    """The outputs a redrive keeps (`Done`), put in `results`; the indexes to run."""
    todo = []
    for index in range(len(results)):
        if isinstance(plans.get(index), Done):
            results[index] = plans[index].output
        else:
            todo.append(index)
    return todo


def run_map(step):
    if step.state.mode == "DISTRIBUTED":
        from replay.states.distributed_map import run_distributed

        return (yield from run_distributed(step))
    state, engine, frame = step.state, step.engine, step.frame
    env = step.env(None)
    selected = state.io.selected_input(step.raw_input, env)
    env.input = selected
    items = map_items(state, step, env)
    limit = number_field(state, env, "MaxConcurrency", "integer") or 0
    redo = step.redrive  # a redrive: the iterations that succeeded keep their outputs
    if redo is None:
        step.emit("MapStateStarted", {"length": len(items)})
    # Evaluated (a bad value is still an error) but not applied: failure tolerance is a
    # Distributed Map feature; an inline Map fails with its first failed iteration.
    Tolerance(state, env, len(items))
    results: list[Any] = [None] * len(items)
    plans = redo.children if redo is not None else {}
    todo = kept_outputs(plans, results)
    active: dict = {}
    next_index = 0
    while next_index < len(todo) or active:
        while next_index < len(todo) and (limit <= 0 or len(active) < limit):
            index = todo[next_index]
            child = engine.spawn_scoped(
                frame,
                child_label(frame, state.name, index),
                lambda f, i=index: run_iteration(
                    engine, f, state, i, items[i], selected, step, plans.get(i)
                ),
            )
            active[child] = index
            next_index += 1
        finished = yield WaitChildren(tuple(active))
        for child in finished:
            index = active.pop(child)
            frame.last_event = max(frame.last_event, child.last_event)
            if isinstance(child.outcome, Failed):
                engine.cancel(list(active))
                raise ChildFailed(child.outcome.error, child.outcome.cause)
            else:
                results[index] = child.outcome.output
    step.emit("MapStateSucceeded")
    step.assign(state.assign, results)
    return state.next, state.io.output(step.raw_input, results, env)
