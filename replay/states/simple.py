"""Pass, Succeed and Fail: states that finish within one step."""

from __future__ import annotations

from typing import Any

from replay.asl.errors import StatesError


def run_pass(step) -> tuple[str | None, Any]:
    state = step.state
    env = step.env(None)
    value = state.io.effective_input(step.raw_input, env)
    result = state.result if state.has_result else value
    step.assign(state.assign, result)
    return state.next, state.io.output(step.raw_input, result, env)


def run_succeed(step) -> tuple[str | None, Any]:
    state = step.state
    env = step.env(None)
    value = state.io.effective_input(step.raw_input, env)
    step.assign(state.assign, value)
    return None, state.io.output(step.raw_input, value, env)


def run_fail(step) -> tuple[str | None, Any]:
    state = step.state
    env = step.env(step.raw_input)
    error = state.error(env) if state.error else None
    cause = state.cause(env) if state.cause else None
    raise StatesError(error, cause)
