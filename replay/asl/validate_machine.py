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


def _is_terminal(state: Any) -> bool:
    if not isinstance(state, dict):
        return False
    return state.get("Type") in ("Succeed", "Fail") or (
        state.get("Type") != "Choice" and state.get("End") is True
    )


def _flow_known(state: Any) -> bool:
    """Whether all of a state's transitions can be read: when one cannot (a missing or
    malformed Next, Choices or Catch), reachability would only report follow-on noise."""
    if not isinstance(state, dict):
        return False
    state_type = state.get("Type")
    if state_type == "Choice":
        rules = state.get("Choices")
        if not isinstance(rules, list) or not rules:
            return False
        if not all(isinstance(r, dict) and isinstance(r.get("Next"), str) for r in rules):
            return False
    elif state_type not in ("Succeed", "Fail") and not (
        isinstance(state.get("Next"), str) or state.get("End") is True
    ):
        return False
    catchers = state.get("Catch", [])
    return isinstance(catchers, list) and all(
        isinstance(c, dict) and isinstance(c.get("Next"), str) for c in catchers
    )


def _reach(graph: dict[str, list[str]], starts: list[str], allowed: set[str]) -> list[str]:
    """The states reachable from `starts` within `allowed`, in the order first reached."""
    seen = dict.fromkeys(starts)
    queue = deque(starts)
    while queue:
        for target in graph[queue.popleft()]:
            if target in allowed and target not in seen:
                seen[target] = None
                queue.append(target)
    return list(seen)


def _report_unreachable(
    graph: dict, states: dict, reached: set, pointer: str, context: Context
) -> None:
    """One diagnostic per unreachable region, at the state that leads into it."""
    unreachable = [name for name in states if name not in reached]
    targeted = {t for name in unreachable for t in graph[name] if t != name}
    entries = [name for name in unreachable if name not in targeted] + unreachable
    covered: set[str] = set()
    for entry in entries:
        if entry in covered:
            continue
        region = _reach(graph, [entry], set(unreachable) - covered)
        covered.update(region)
        message = f"state {quote(entry)} is not reachable from StartAt"
        if len(region) > 1:
            message += (
                " (nor are the states it leads to: "
                + ", ".join(quote(name) for name in region[1:])
                + ")"
            )
        context.report.add(join(pointer, "States", entry), message)


def _check_graph(raw: dict, states: dict, pointer: str, context: Context) -> None:
    """Transition targets exist in this machine; every state is reachable from StartAt; some
    terminal state is reachable (AWS: MISSING_END_STATE). The last two only when every
    transition could be read, so that one mistake is reported once."""
    graph: dict[str, list[str]] = {}
    complete = all(_flow_known(state) for state in states.values())
    for name, state in states.items():
        graph[name] = []
        for target, where in transitions(state, join(pointer, "States", name)):
            if target in states:
                graph[name].append(target)
            else:
                complete = False
                context.report.add(where, f"state {quote(target)} does not exist")
    start = raw.get("StartAt")
    if not isinstance(start, str):
        return
    if start not in states:
        context.report.add(join(pointer, "StartAt"), f"state {quote(start)} does not exist")
        return
    if not complete:
        return
    reached = set(_reach(graph, [start], set(states)))
    if not any(_is_terminal(states[name]) for name in reached):
        context.report.add(
            join(pointer, "States"),
            'MISSING_END_STATE: no terminal state (Succeed, Fail or "End": true) can be '
            "reached from StartAt; every path loops forever",
        )
    _report_unreachable(graph, states, reached, pointer, context)


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
