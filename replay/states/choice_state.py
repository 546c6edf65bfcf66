"""Choice: the first rule that holds names the next state, else Default."""

from __future__ import annotations

from typing import Any

from replay.asl import errors
from replay.asl.errors import StatesError


def run_choice(step) -> tuple[str | None, Any]:
    state = step.state
    env = step.env(None)
    value = state.io.effective_input(step.raw_input, env)
    env.input = value
    step.assign(state.assign, value)
    for rule in state.choices:
        if rule.condition(env):
            step.assign(rule.assign, value)
            if rule.output is not None:
                env.input = step.raw_input
                return rule.next, rule.output(env, result=value)
            return rule.next, state.io.output(step.raw_input, value, env)
    if state.default is None:
        raise StatesError(errors.NO_CHOICE_MATCHED, "No Matches!")
    return state.default, state.io.output(step.raw_input, value, env)
