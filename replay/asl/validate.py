"""Static validation of state machine definitions, with AWS-style diagnostics.

`validate_definition(parsed_json)` and `validate_text(json_text)` return a list of
`Diagnostic(pointer, message)`, empty when the definition is valid; `str(d)` reads
`/States/A/Next: state "Nowhere" does not exist`. Neither ever raises.

The checks live in `validate_*` modules: `validate_machine` (StartAt, States, names,
transitions, reachability), `validate_state` (Type, QueryLanguage, the field tables of
`validate_fields`, Next/End), `validate_simple`, `validate_choice`, `validate_map` and
`validate_errors` (per type, Retry/Catch) and `validate_expr` (paths, intrinsics, `.$`
templates, JSONata strings).
"""

from __future__ import annotations

import json
from typing import Any

from replay.asl.validate_context import Context
from replay.asl.validate_expr import check_jsonata
from replay.asl.validate_fields import JSONPATH
from replay.asl.validate_machine import check_machine
from replay.asl.validate_report import Diagnostic, Report, join, quote

__all__ = ["Diagnostic", "check_jsonata", "validate_definition", "validate_text"]


def validate_definition(definition: Any) -> list[Diagnostic]:
    """Every problem found in a parsed definition; [] when it is valid."""
    report = Report()
    context = Context(report=report, check_machine=check_machine)
    try:
        check_machine(definition, "", context, JSONPATH, "top")
    except RecursionError:
        report.add("", "the definition is nested too deeply to validate")
    except Exception as exc:  # noqa: BLE001 - a validator bug must never crash a caller
        report.add("", f"internal validator error: {type(exc).__name__}: {exc}")
    return list(report.items)


class _Object(dict):
    """A parsed JSON object that remembers the keys its text had more than once."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object()
    result.duplicates = []
    for key, value in pairs:
        if key in result and key not in result.duplicates:
            result.duplicates.append(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _duplicates(document: Any) -> list[Diagnostic]:
    """A diagnostic for each key repeated in an object of the parsed text (the parser keeps
    only the last value). Repeated keys of a `States` object are duplicate state names."""
    found: list[Diagnostic] = []
    stack: list[tuple[Any, str, Any]] = [(document, "", None)]
    while stack:
        value, pointer, parent_key = stack.pop()
        if isinstance(value, _Object):
            for key in value.duplicates:
                what = "state name" if parent_key == "States" else "field"
                found.append(Diagnostic(join(pointer, key), f"duplicate {what} {quote(key)}"))
            children = [
                (item, join(pointer, key), key)
                for key, item in value.items()
                if isinstance(item, (dict, list))
            ]
        elif isinstance(value, list):
            children = [
                (item, join(pointer, index), None)
                for index, item in enumerate(value)
                if isinstance(item, (dict, list))
            ]
        else:
            continue
        stack.extend(reversed(children))
    return found


def _parse(text: Any) -> tuple[Any, Diagnostic | None]:
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, Diagnostic("", f"not JSON: invalid UTF-8 at byte {exc.start}")
    if not isinstance(text, str):
        return None, Diagnostic("", f"not JSON: expected text, not {type(text).__name__}")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, Diagnostic("", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:
        return None, Diagnostic("", "not JSON: nested too deeply")
    except ValueError as exc:
        return None, Diagnostic("", f"not JSON: {exc}")


def validate_text(text: str) -> list[Diagnostic]:
    """Parse JSON text and validate it: 'not JSON' (with line and column), repeated keys such
    as duplicate state names, then everything `validate_definition` reports."""
    try:
        document, error = _parse(text)
        if error is not None:
            return [error]
        found = _duplicates(document)
    except Exception as exc:  # noqa: BLE001 - never raise, whatever the input
        return [Diagnostic("", f"internal validator error: {type(exc).__name__}: {exc}")]
    seen = set(found)
    return found + [d for d in validate_definition(document) if d not in seen]
