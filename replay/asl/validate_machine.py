"""A state machine (the definition itself, a Parallel branch or a Map processor): its fields,
its states and their names, transition targets, and which states StartAt can reach."""

from __future__ import annotations

from collections import deque
from typing import Any

from replay.asl.validate_context import Context, is_int
from replay.asl.validate_fields import BRANCH_FIELDS, MACHINE_FIELDS, PROCESSOR_FIELDS
from replay.asl.validate_report import join, quote
from replay.asl.validate_state import check_state, query_language, transitions

MAX_NAME_LENGTH = 80

_KINDS = {
    "top": (MACHINE_FIELDS, "the state machine"),
    "branch": (BRANCH_FIELDS, "a Parallel branch"),
    "processor": (PROCESSOR_FIELDS, "a Map processor"),
}


def _check_fields(raw: dict, pointer: str, context: Context, kind: str) -> None:
    report = context.report
    allowed, where = _KINDS[kind]
    for key in raw:
        if key not in allowed:
            report.add(join(pointer, key), f'field "{key}" is not supported in {where}')
    for key in ("Comment", "Version"):
        if key in raw and not isinstance(raw[key], str):
            report.add(join(pointer, key), f"{key} must be a string, not {quote(raw[key])}")
    if kind == "top" and "TimeoutSeconds" in raw:
        timeout = raw["TimeoutSeconds"]
        if not is_int(timeout) or timeout < 1:
            report.add(
                join(pointer, "TimeoutSeconds"),
                f"TimeoutSeconds must be a positive integer, not {quote(timeout)}",
            )


def _states(raw: dict, pointer: str, context: Context) -> dict | None:
    report = context.report
    if "StartAt" not in raw:
        report.add(pointer, 'missing required field "StartAt"')
    elif not isinstance(raw["StartAt"], str):
        report.add(
            join(pointer, "StartAt"), f"StartAt must be a state name, not {quote(raw['StartAt'])}"
        )
    if "States" not in raw:
        report.add(pointer, 'missing required field "States"')
        return None
    states = raw["States"]
    if not isinstance(states, dict):
        report.add(join(pointer, "States"), f"States must be an object, not {quote(states)}")
        return None
    if not states:
        report.add(join(pointer, "States"), "States must contain at least one state")
    return states


def _check_name(name: Any, pointer: str, context: Context) -> None:
    if not isinstance(name, str):
        context.report.add(pointer, f"a state name must be a string, not {quote(name)}")
        return
    if not name:
        context.report.add(pointer, "a state name must not be empty")
    elif len(name) > MAX_NAME_LENGTH:
        context.report.add(
            pointer, f"state name is longer than {MAX_NAME_LENGTH} characters ({len(name)})"
        )
    first = context.names.setdefault(name, pointer)
    if first != pointer:
        context.report.add(pointer, f"duplicate state name {quote(name)} (also defined at {first})")


def _check_graph(raw: dict, states: dict, pointer: str, context: Context) -> None:
    """Transition targets exist in this machine; every state is reachable from StartAt."""
    graph: dict[str, list[str]] = {}
    for name, state in states.items():
        graph[name] = []
        for target, where in transitions(state, join(pointer, "States", name)):
            if target in states:
                graph[name].append(target)
            else:
                context.report.add(where, f"state {quote(target)} does not exist")
    start = raw.get("StartAt")
    if not isinstance(start, str):
        return
    if start not in states:
        context.report.add(join(pointer, "StartAt"), f"state {quote(start)} does not exist")
        return
    reached = {start}
    queue = deque([start])
    while queue:
        for target in graph[queue.popleft()]:
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for name in states:
        if name not in reached:
            context.report.add(
                join(pointer, "States", name), f"state {quote(name)} is not reachable from StartAt"
            )


def check_machine(raw: Any, pointer: str, context: Context, language: str, kind: str) -> None:
    """Every check of a state machine, its states and nested machines included."""
    if not isinstance(raw, dict):
        what = "the definition" if kind == "top" else _KINDS[kind][1]
        context.report.add(pointer, f"{what} must be a JSON object, not {quote(raw)}")
        return
    _check_fields(raw, pointer, context, kind)
    language = query_language(raw, pointer, context.report, language)
    states = _states(raw, pointer, context)
    if states is None:
        return
    for name, state in states.items():
        state_pointer = join(pointer, "States", name)
        _check_name(name, state_pointer, context)
        check_state(name, state, state_pointer, context, language)
    _check_graph(raw, states, pointer, context)
