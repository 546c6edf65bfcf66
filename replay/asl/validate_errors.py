"""Retry and Catch: retriers, catchers and their ErrorEquals lists."""

from __future__ import annotations

from replay.asl.validate_context import StateView, is_int, is_number
from replay.asl.validate_expr import (
    check_assign_names,
    check_jsonata_value,
    check_result_path,
    check_template,
)
from replay.asl.validate_fields import CATCHER_FIELDS, RETRIER_FIELDS
from replay.asl.validate_report import Report, join, quote

STATES_ALL = "States.ALL"
JITTER_STRATEGIES = ("FULL", "NONE")


def check_error_equals(owner: dict, pointer: str, report: Report, is_last: bool) -> None:
    """ErrorEquals: a non-empty list of error names; States.ALL alone, in the last entry."""
    if "ErrorEquals" not in owner:
        report.add(pointer, 'missing required field "ErrorEquals"')
        return
    names = owner["ErrorEquals"]
    here = join(pointer, "ErrorEquals")
    if not isinstance(names, list) or not names:
        report.add(here, f"ErrorEquals must be a non-empty list of error names, not {quote(names)}")
        return
    for index, name in enumerate(names):
        if not isinstance(name, str):
            report.add(join(here, index), f"an error name must be a string, not {quote(name)}")
    if STATES_ALL in names:
        if len(names) > 1:
            report.add(here, f'"{STATES_ALL}" must appear alone in ErrorEquals')
        if not is_last:
            report.add(here, f'"{STATES_ALL}" must appear only in the last entry')


def _unknown(entry: dict, allowed: frozenset[str], pointer: str, report: Report, what: str) -> None:
    for key in entry:
        if key not in allowed:
            report.add(join(pointer, key), f'field "{key}" is not supported in a {what}')


def _check_retrier(retrier: dict, pointer: str, report: Report, is_last: bool) -> None:
    _unknown(retrier, RETRIER_FIELDS, pointer, report, "retrier")
    check_error_equals(retrier, pointer, report, is_last)
    rules = (
        ("IntervalSeconds", 1, "a positive integer"),
        ("MaxAttempts", 0, "a non-negative integer"),
        ("MaxDelaySeconds", 1, "a positive integer"),
    )
    for key, minimum, label in rules:
        value = retrier.get(key, minimum)
        if not is_int(value) or value < minimum:
            report.add(join(pointer, key), f"{key} must be {label}, not {quote(value)}")
    backoff = retrier.get("BackoffRate", 1.0)
    if not is_number(backoff) or backoff < 1.0:
        report.add(
            join(pointer, "BackoffRate"),
            f"BackoffRate must be a number >= 1.0, not {quote(backoff)}",
        )
    jitter = retrier.get("JitterStrategy", "NONE")
    if jitter not in JITTER_STRATEGIES:
        report.add(
            join(pointer, "JitterStrategy"),
            f'JitterStrategy must be "FULL" or "NONE", not {quote(jitter)}',
        )
    comment = retrier.get("Comment", "")
    if not isinstance(comment, str):
        report.add(join(pointer, "Comment"), f"Comment must be a string, not {quote(comment)}")


def _check_catcher(view: StateView, catcher: dict, pointer: str, is_last: bool) -> None:
    report = view.report
    _unknown(catcher, CATCHER_FIELDS[view.language], pointer, report, f"{view.language} catcher")
    check_error_equals(catcher, pointer, report, is_last)
    if "Next" not in catcher:
        report.add(pointer, 'missing required field "Next"')
    elif not isinstance(catcher["Next"], str):
        report.add(
            join(pointer, "Next"), f"Next must be a state name, not {quote(catcher['Next'])}"
        )
    if "Assign" in catcher:
        check_assign_names(
            catcher["Assign"], join(pointer, "Assign"), report, jsonpath=not view.jsonata
        )
    if view.jsonata:
        for key in ("Output", "Assign"):
            if key in catcher:
                check_jsonata_value(catcher[key], join(pointer, key), report)
        return
    if "ResultPath" in catcher:
        check_result_path(catcher["ResultPath"], join(pointer, "ResultPath"), report)
    if "Assign" in catcher:
        check_template(catcher["Assign"], join(pointer, "Assign"), report)


def check_retry_catch(view: StateView) -> None:
    """The Retry and Catch fields of a Task, Parallel or Map state."""
    for key in ("Retry", "Catch"):
        if key not in view.raw:
            continue
        entries = view.raw[key]
        if not isinstance(entries, list):
            view.add(key, f"{key} must be a list, not {quote(entries)}")
            continue
        for index, entry in enumerate(entries):
            pointer = view.at(key, index)
            is_last = index == len(entries) - 1
            if not isinstance(entry, dict):
                view.report.add(pointer, f"a {key} entry must be an object, not {quote(entry)}")
            elif key == "Retry":
                _check_retrier(entry, pointer, view.report, is_last)
            else:
                _check_catcher(view, entry, pointer, is_last)
