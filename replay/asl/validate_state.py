"""One state: its Type, query language, allowed and required fields, Next/End, and the
fields every state type shares; then the checks particular to its type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replay.asl.validate_choice import check_choice
from replay.asl.validate_context import Context, StateView
from replay.asl.validate_errors import check_retry_catch
from replay.asl.validate_expr import (
    check_assign_names,
    check_jsonata_value,
    check_path_field,
    check_result_path,
    check_template,
)
from replay.asl.validate_fields import (
    JSONATA,
    JSONPATH,
    QUERY_LANGUAGES,
    STATE_TYPES,
    allowed_fields,
    unknown_field_message,
)
from replay.asl.validate_map import check_map, check_parallel
from replay.asl.validate_report import Report, join, quote
from replay.asl.validate_simple import check_fail, check_pass, check_succeed, check_task, check_wait

TYPE_CHECKS: dict[str, Callable[[StateView], None]] = {
    "Pass": check_pass,
    "Task": check_task,
    "Choice": check_choice,
    "Wait": check_wait,
    "Succeed": check_succeed,
    "Fail": check_fail,
    "Parallel": check_parallel,
    "Map": check_map,
}
TERMINAL_OR_CHOICE = ("Choice", "Succeed", "Fail")
WITH_ERROR_HANDLING = ("Task", "Parallel", "Map")

# JSONata states evaluate `{% %}` strings in these fields (Choices and Catch are done apart).
JSONATA_FIELDS = (
    "Arguments",
    "Output",
    "Assign",
    "Items",
    "ItemSelector",
    "Seconds",
    "Timestamp",
    "TimeoutSeconds",
    "HeartbeatSeconds",
    "MaxConcurrency",
    "ToleratedFailureCount",
    "ToleratedFailurePercentage",
    "Error",
    "Cause",
    "Credentials",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
)
TEMPLATE_FIELDS = ("Parameters", "ResultSelector")


def query_language(raw: dict, pointer: str, report: Report, inherited: str) -> str:
    """The QueryLanguage `raw` declares (checked against the inherited one), else the inherited."""
    if "QueryLanguage" not in raw:
        return inherited
    declared = raw["QueryLanguage"]
    here = join(pointer, "QueryLanguage")
    if declared not in QUERY_LANGUAGES:
        report.add(here, f'QueryLanguage must be "JSONPath" or "JSONata", not {quote(declared)}')
        return inherited
    if declared == JSONPATH and inherited == JSONATA:  # AWS's words, at the state
        message = (
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine"
        )
        report.add(pointer, message)
    return declared


def _check_flow(view: StateView) -> None:
    """Exactly one of Next and `End: true` for the states that have them."""
    raw = view.raw
    if "End" in raw and not isinstance(raw["End"], bool):
        view.add("End", f"End must be true or false, not {quote(raw['End'])}")
    if "Next" in raw and not isinstance(raw["Next"], str):
        view.add("Next", f"Next must be a state name, not {quote(raw['Next'])}")
    ends = raw.get("End") is True
    if "Next" in raw and ends:
        view.add(None, 'only one of "Next" and "End" may be set')
    elif "Next" not in raw and not ends:
        view.add(None, 'one of "Next" or "End": true is required')


def _check_common(view: StateView) -> None:
    raw = view.raw
    view.check_string("Comment")
    if "Assign" in raw:
        check_assign_names(raw["Assign"], view.at("Assign"), view.report, jsonpath=not view.jsonata)
    if view.jsonata:
        for key in JSONATA_FIELDS:
            if key in raw:
                check_jsonata_value(raw[key], view.at(key), view.report)
        return
    for key in ("InputPath", "OutputPath"):
        if key in raw:
            check_path_field(raw[key], view.at(key), view.report, nullable=True)
    if "ResultPath" in raw:
        check_result_path(raw["ResultPath"], view.at("ResultPath"), view.report)
    for key in (*TEMPLATE_FIELDS, "Assign"):
        if key in raw:
            check_template(raw[key], view.at(key), view.report)


def check_state(name: str, raw: Any, pointer: str, context: Context, inherited: str) -> None:
    """Every check of one state, nested state machines included."""
    report = context.report
    if not isinstance(raw, dict):
        report.add(pointer, f"a state must be an object, not {quote(raw)}")
        return
    if "Type" not in raw:
        report.add(pointer, 'missing required field "Type"')
        return
    state_type = raw["Type"]
    if state_type not in STATE_TYPES:
        report.add(join(pointer, "Type"), f"unknown state type {quote(state_type)}")
        return
    language = query_language(raw, pointer, report, inherited)
    allowed = allowed_fields(state_type, language)
    for key in raw:
        if key not in allowed:
            report.add(join(pointer, key), unknown_field_message(state_type, language, key))
    view = StateView(name, raw, pointer, language, context)
    if state_type not in TERMINAL_OR_CHOICE:
        _check_flow(view)
    _check_common(view)
    TYPE_CHECKS[state_type](view)
    if state_type in WITH_ERROR_HANDLING:
        check_retry_catch(view)


def transitions(raw: Any, pointer: str) -> list[tuple[str, str]]:
    """(target state name, pointer of the field naming it) for every transition of a state."""
    if not isinstance(raw, dict):
        return []
    edges: list[tuple[str, str]] = []
    state_type = raw.get("Type")
    if state_type not in TERMINAL_OR_CHOICE and isinstance(raw.get("Next"), str):
        edges.append((raw["Next"], join(pointer, "Next")))
    if state_type == "Choice":
        choices = raw.get("Choices")
        for index, rule in enumerate(choices if isinstance(choices, list) else []):
            if isinstance(rule, dict) and isinstance(rule.get("Next"), str):
                edges.append((rule["Next"], join(pointer, "Choices", index, "Next")))
        if isinstance(raw.get("Default"), str):
            edges.append((raw["Default"], join(pointer, "Default")))
    if state_type in WITH_ERROR_HANDLING:
        catchers = raw.get("Catch")
        for index, catcher in enumerate(catchers if isinstance(catchers, list) else []):
            if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
                edges.append((catcher["Next"], join(pointer, "Catch", index, "Next")))
    return edges
