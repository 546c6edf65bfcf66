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

__all__ = [
    "Diagnostic",
    "check_jsonata",
    "parse_definition",
    "validate_definition",
    "validate_text",
]


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


def _object_hook(repeating: list[_Object]) -> Any:
    """An object_pairs_hook making plain dicts, or an `_Object` (also added to `repeating`)
    where the text repeats a key: rare, and found by length alone."""

    def make(pairs: list[tuple[str, Any]]) -> dict:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        marked = _Object(result)
        marked.duplicates = []
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen and key not in marked.duplicates:
                marked.duplicates.append(key)
            seen.add(key)
        repeating.append(marked)
        return marked

    return make


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _duplicates(document: Any) -> list[Diagnostic]:
    """A diagnostic for each key repeated in an object of the parsed text (the parser keeps
    only the last value). Repeated keys of a `States` object are duplicate state names."""
    found: list[Diagnostic] = []
    stack: list[tuple[Any, str, Any]] = [(document, "", None)]
    while stack:
        value, pointer, parent_key = stack.pop()
        if isinstance(value, dict):
            for key in getattr(value, "duplicates", ()):
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


def _parse(text: Any) -> tuple[Any, Diagnostic | None, bool]:
    """The document, or the reason it is not JSON; and whether it repeats a key somewhere."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, Diagnostic("", f"not JSON: invalid UTF-8 at byte {exc.start}"), False
    if not isinstance(text, str):
        return None, Diagnostic("", f"not JSON: expected text, not {type(text).__name__}"), False
    repeating: list[_Object] = []
    hook = _object_hook(repeating)
    try:
        document = json.loads(text, object_pairs_hook=hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"at line {exc.lineno} column {exc.colno}"
        return None, Diagnostic("", f"not JSON: {exc.msg} {where}"), False
    except RecursionError:
        return None, Diagnostic("", "not JSON: nested too deeply"), False
    except ValueError as exc:
        return None, Diagnostic("", f"not JSON: {exc}"), False
    return document, None, bool(repeating)


def validate_text(text: str) -> list[Diagnostic]:
    """Parse JSON text and validate it: 'not JSON' (with line and column), repeated keys such
    as duplicate state names, then everything `validate_definition` reports."""
    return parse_definition(text)[1]


def parse_definition(text: str) -> tuple[Any, list[Diagnostic]]:
    """The parsed definition and what `validate_text` reports about it (the document is None
    when the text is not JSON)."""
    try:
        document, error, repeats = _parse(text)
        if error is not None:
            return None, [error]
        found = _duplicates(document) if repeats else []
    except Exception as exc:  # noqa: BLE001 - never raise, whatever the input
        return None, [Diagnostic("", f"internal validator error: {type(exc).__name__}: {exc}")]
    seen = set(found)
    return document, found + [d for d in validate_definition(document) if d not in seen]
