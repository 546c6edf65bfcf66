"""Choice states: the Choices rules, their Next targets and Default.

JSONPath rules are checked by `replay.asl.choice.compile_rule`, the compiler the interpreter
uses, so the validator and the runtime agree on what a rule is. JSONata rules are
`{Condition, Next, Output?, Assign?}`.
"""

from __future__ import annotations

from typing import Any

from replay.asl.validate_context import StateView
from replay.asl.validate_expr import (
    check_assign_names,
    check_jsonata_value,
    check_template,
    is_jsonata,
)
from replay.asl.validate_fields import CHOICE_RULE_FIELDS_JSONATA
from replay.asl.validate_report import Report, join, quote

try:
    from replay.asl.choice import ChoiceRuleError, compile_rule
except Exception:  # noqa: BLE001 - until that module lands, rules go unchecked
    ChoiceRuleError = ValueError  # type: ignore[assignment,misc]
    compile_rule = None  # type: ignore[assignment]

try:
    from replay.asl.jsonpath import compile_path
except Exception:  # noqa: BLE001  # pragma: no cover
    compile_path = None  # type: ignore[assignment]

# Fields of a top-level rule that are about the transition, not the condition.
_TRANSITION_FIELDS = ("Next", "Assign", "Comment")


def rule_error(rule: dict) -> tuple[str, str] | None:
    """(pointer suffix, message) for a JSONPath rule `compile_rule` rejects, or None."""
    if compile_rule is None or compile_path is None:
        return None
    condition = {key: value for key, value in rule.items() if key not in _TRANSITION_FIELDS}
    try:
        compile_rule(condition, compile_path)
    except ChoiceRuleError as exc:
        suffix = getattr(exc, "pointer", "") or ""
        message = getattr(exc, "message", None) or str(exc)
        return (suffix if isinstance(suffix, str) else "", str(message))
    except RecursionError:
        return ("", "choice rule is nested too deeply")
    except Exception as exc:  # noqa: BLE001 - the rule cannot be compiled either way
        return ("", f"invalid choice rule: {exc or type(exc).__name__}")
    return None


def _check_jsonpath_rule(view: StateView, rule: dict, pointer: str) -> None:
    report = view.report
    if "Output" in rule:
        report.add(join(pointer, "Output"), 'field "Output" is only supported in JSONata states')
    if "Assign" in rule:
        check_assign_names(rule["Assign"], join(pointer, "Assign"), report, jsonpath=True)
        check_template(rule["Assign"], join(pointer, "Assign"), report)
    found = rule_error({key: value for key, value in rule.items() if key != "Output"})
    if found:
        suffix, message = found
        if suffix and not suffix.startswith("/"):
            suffix = "/" + suffix
        report.add(pointer + suffix, message)


def _check_jsonata_rule(view: StateView, rule: dict, pointer: str) -> None:
    report = view.report
    for key in rule:
        if key not in CHOICE_RULE_FIELDS_JSONATA:
            report.add(
                join(pointer, key), f'field "{key}" is not supported in a JSONata choice rule'
            )
    if "Condition" not in rule:
        report.add(pointer, 'missing required field "Condition"')
    else:
        condition = rule["Condition"]
        if not isinstance(condition, bool) and not is_jsonata(condition):
            report.add(
                join(pointer, "Condition"),
                "Condition must be a JSONata expression ({% ... %}) or a boolean, "
                f"not {quote(condition)}",
            )
    if "Assign" in rule:
        check_assign_names(rule["Assign"], join(pointer, "Assign"), report, jsonpath=False)
    for key in ("Condition", "Output", "Assign"):
        if key in rule:
            check_jsonata_value(rule[key], join(pointer, key), report)


def _check_next(rule: dict, pointer: str, report: Report) -> None:
    if "Next" not in rule:
        report.add(pointer, 'missing required field "Next"')
    elif not isinstance(rule["Next"], str):
        report.add(join(pointer, "Next"), f"Next must be a state name, not {quote(rule['Next'])}")


def check_choice(view: StateView) -> None:
    raw = view.raw
    if "Default" in raw and not isinstance(raw["Default"], str):
        view.add("Default", f"Default must be a state name, not {quote(raw['Default'])}")
    if "Choices" not in raw:
        view.add(None, 'missing required field "Choices"')
        return
    choices: Any = raw["Choices"]
    if not isinstance(choices, list) or not choices:
        view.add("Choices", f"Choices must be a non-empty list of rules, not {quote(choices)}")
        return
    for index, rule in enumerate(choices):
        pointer = view.at("Choices", index)
        if not isinstance(rule, dict):
            view.report.add(pointer, f"a choice rule must be an object, not {quote(rule)}")
            continue
        _check_next(rule, pointer, view.report)
        if view.jsonata:
            _check_jsonata_rule(view, rule, pointer)
        else:
            _check_jsonpath_rule(view, rule, pointer)
