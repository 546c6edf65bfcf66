"""Parallel: one child frame per branch, all on the same effective input."""

from __future__ import annotations

from replay.asl.errors import StatesError
from replay.redrive import Done
from replay.scheduler import Failed, WaitChildren


class ChildFailed(StatesError):
    """A branch or iteration failed; its error is the state's (already located)."""

    located = True


def child_label(frame, state_name: str, index: int) -> str:
    prefix = frame.label + "/" if frame.label else ""
    return f"{prefix}{state_name}#{index}"


def wait_all(engine, frame, children):
    """Wait for every child; on the first failure stop the others and raise it."""
    pending = list(children)
    while pending:
        finished = yield WaitChildren(tuple(pending))
        for child in finished:
            pending.remove(child)
            frame.last_event = max(frame.last_event, child.last_event)
            if isinstance(child.outcome, Failed):
                engine.cancel(pending)
                raise ChildFailed(child.outcome.error, child.outcome.cause)


def run_parallel(step):
    state, engine, frame = step.state, step.engine, step.frame
    env = step.env(None)
    value = state.io.effective_input(step.raw_input, env)
    redo = step.redrive  # a redrive: the branches that succeeded keep their outputs
    if redo is None:
        step.emit("ParallelStateStarted")
    result: list = [None] * len(state.branches)
    children = []
    for index, branch in enumerate(state.branches):
        plan = redo.children.get(index) if redo is not None else None
        if isinstance(plan, Done):
            result[index] = plan.output
            continue
        child = engine.spawn_scoped(
            frame,
            child_label(frame, state.name, index),
            lambda child, branch=branch, plan=plan: step.run_machine(
                child, branch, value, plan, in_branch=True
            ),
        )
        children.append((index, child))
    yield from wait_all(engine, frame, [child for _, child in children])
    # AWS emits it; the conformance recordings lost it (README, Conformance).
    step.emit("ParallelStateSucceeded")
    for index, child in children:
        result[index] = child.outcome.output
    step.assign(state.assign, result)
    return state.next, state.io.output(step.raw_input, result, env)
