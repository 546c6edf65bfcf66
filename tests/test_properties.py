"""Invariants the design promises, checked on generated inputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay import api
from replay.definition import load_definition
from replay.engine import Engine, ExecutionInfo
from replay.interpreter import run_machine
from replay.world import TaskAnswer

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "order-pipeline"
BASE = json.loads((SCENARIO / "definition.json").read_text())

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


class AnswerEverything:
    """A world that answers every Task with its input, or fails every other time."""

    def answer(self, request):
        if request.invocation % 2:
            return TaskAnswer(failed=True, error="Payment.Throttled", cause="busy")
        return TaskAnswer(output={"Payload": {"valid": True, "total": 5}, "echo": request.input})


INFO = ExecutionInfo(
    "arn:aws:states:us-east-1:1:execution:sm:e",
    "e",
    "arn:aws:states:us-east-1:1:stateMachine:sm",
    "sm",
    "arn:aws:iam::1:role/r",
    "us-east-1",
    "1",
    0,
    None,
)


def run_in_memory(definition, input_value, seed):
    from dataclasses import replace

    engine = Engine(definition.machine, replace(INFO, input=input_value), AnswerEverything(), seed)
    events = []
    for batch in engine.steps(
        lambda e, root: run_machine(e, root, definition.machine, input_value)
    ):
        events.extend(batch)
    return engine, events


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), input_value=json_values)
def test_same_seed_same_events(seed, input_value):
    definition = load_definition(json.dumps(BASE))
    _, first = run_in_memory(definition, input_value, seed)
    _, second = run_in_memory(definition, input_value, seed)
    assert first == second


def _mutate(data, value, path_choice):
    """Replace or delete one member somewhere in the definition."""
    mutated = copy.deepcopy(BASE)
    nodes = []

    def walk(node):
        if isinstance(node, dict):
            for key in node:
                nodes.append((node, key))
                walk(node[key])
        elif isinstance(node, list):
            for index in range(len(node)):
                nodes.append((node, index))
                walk(node[index])

    walk(mutated)
    parent, key = nodes[path_choice % len(nodes)]
    if data == "delete" and isinstance(parent, dict):
        del parent[key]
    else:
        parent[key] = value
    return mutated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    action=st.sampled_from(["delete", "replace"]),
    value=json_values,
    where=st.integers(0, 10**6),
    input_value=json_values,
)
def test_no_definition_however_malformed_crashes_the_interpreter(action, value, where, input_value):
    mutated = _mutate(action, value, where)
    try:
        definition = load_definition(json.dumps(mutated))
    except api.EXPECTED_ERRORS:
        return
    engine, events = run_in_memory(definition, input_value, 1)
    assert engine.status in ("SUCCEEDED", "FAILED", "TIMED_OUT")
    assert events[-1]["type"].startswith("Execution")


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_no_text_crashes_the_loader(text):
    try:
        load_definition(text)
    except api.EXPECTED_ERRORS:
        pass
