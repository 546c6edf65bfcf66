"""Static checks of the expressions inside a definition: JSONPath paths, intrinsic calls,
`.$` payload templates and JSONata `{% ... %}` strings.

Path and intrinsic syntax belong to `replay.asl.jsonpath` and `replay.asl.intrinsics`; this
module only calls them and turns their errors into diagnostics. JSONata is only checked for
balanced brackets for now: `check_jsonata` is the hook a full parser will replace.
"""

from __future__ import annotations

import re
from typing import Any

from replay.asl.validate_report import Report, join, quote

try:
    from replay.asl.jsonpath import PathSyntaxError, check_path, parse_path
except ImportError:  # pragma: no cover - the module is part of the package
    PathSyntaxError = ValueError  # type: ignore[assignment,misc]
    check_path = parse_path = None  # type: ignore[assignment]

try:
    from replay.asl.intrinsics import IntrinsicSyntaxError, looks_like_intrinsic, parse_intrinsic
except ImportError:  # written concurrently: until it lands, intrinsic calls go unchecked
    IntrinsicSyntaxError = ValueError  # type: ignore[assignment,misc]
    parse_intrinsic = None  # type: ignore[assignment]

    def looks_like_intrinsic(text: str) -> bool:
        return text.startswith("States.")


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


from replay.asl.jsonata import JsonataSyntaxError, check_jsonata_syntax  # noqa: E402


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


def path_error(text: str) -> str | None:
    """Why `text` is not a path Step Functions accepts (`$...`, `$$...`, `$var...`), or None."""
    if check_path is None:
        return None
    try:
        check_path(text)
    except PathSyntaxError as exc:
        return _reason(exc)
    except Exception as exc:  # noqa: BLE001 - a bug in the checker must not crash validation
        return f"invalid path {quote(text)}: {_reason(exc)}"
    return None


def intrinsic_error(text: str) -> str | None:
    """Why `text` is not a well-formed intrinsic function call, or None."""
    if parse_intrinsic is None:
        return None
    try:
        parse_intrinsic(text)
    except IntrinsicSyntaxError as exc:
        return _reason(exc)
    except Exception as exc:  # noqa: BLE001
        return f"invalid intrinsic function call {quote(text)}: {_reason(exc)}"
    return None


def is_intrinsic(text: str) -> bool:
    try:
        return bool(looks_like_intrinsic(text))
    except Exception:  # noqa: BLE001
        return False


def check_path_field(
    value: Any, pointer: str, report: Report, *, nullable: bool = False, intrinsic: bool = False
) -> None:
    """A JSONPath-only field holding a path (or, where allowed, null or an intrinsic call)."""
    if value is None and nullable:
        return
    if not isinstance(value, str):
        kind = "a path or null" if nullable else "a path"
        report.add(pointer, f"must be {kind} (a string starting with '$'), not {quote(value)}")
        return
    if intrinsic and is_intrinsic(value):
        error = intrinsic_error(value)
    else:
        error = path_error(value)
    if error:
        report.add(pointer, error)


def check_result_path(value: Any, pointer: str, report: Report) -> None:
    """ResultPath: null, or a definite path on the state input (`$`, `$.a.b`, `$.a[0]`)."""
    if value is None:
        return
    check_path_field(value, pointer, report)
    if not isinstance(value, str) or parse_path is None or path_error(value):
        return
    try:
        parsed = parse_path(value)
        ok = parsed.root == "input" and parsed.definite
    except Exception:  # noqa: BLE001
        return
    if not ok:
        report.add(
            pointer, f"ResultPath must be a reference path on the state input: {quote(value)}"
        )


def check_expression_value(value: Any, pointer: str, report: Report) -> None:
    """The value of a `key.$` template field: a path or an intrinsic function call."""
    if not isinstance(value, str):
        report.add(
            pointer, f"the value of a field ending in '.$' must be a string, not {quote(value)}"
        )
        return
    error = intrinsic_error(value) if is_intrinsic(value) else path_error(value)
    if error:
        report.add(pointer, error)


def check_template(value: Any, pointer: str, report: Report) -> None:
    """A JSONPath payload template: every `key.$` value is a path or an intrinsic call."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.endswith(".$"):
                check_expression_value(item, join(pointer, key), report)
            else:
                check_template(item, join(pointer, key), report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_template(item, join(pointer, index), report)


def check_assign_names(value: Any, pointer: str, report: Report, *, jsonpath: bool) -> None:
    """Assign: an object whose keys (less a `.$` suffix in JSONPath) are variable names."""
    if not isinstance(value, dict):
        report.add(pointer, f"Assign must be an object, not {quote(value)}")
        return
    for key in value:
        name = key[:-2] if jsonpath and isinstance(key, str) and key.endswith(".$") else key
        if not isinstance(name, str) or not VARIABLE_NAME.match(name):
            report.add(join(pointer, key), f"invalid variable name {quote(name)}")


def check_jsonata(text: str) -> None:
    """Raise JsonataSyntaxError when the JSONata expression `text` (the part between `{%` and
    `%}`) does not parse."""
    check_jsonata_syntax(text)


def jsonata_error(value: str) -> str | None:
    """Why the string `value` is a malformed `{% ... %}` expression, or None (also for plain
    strings, which JSONata states take literally)."""
    if not value.startswith("{%"):
        return None
    if len(value) < 4 or not value.endswith("%}"):
        return "a JSONata expression must end with '%}'"
    try:
        check_jsonata(value[2:-2])
    except JsonataSyntaxError as exc:
        return f"invalid JSONata expression: {_reason(exc)}"
    except Exception as exc:  # noqa: BLE001
        return f"invalid JSONata expression: {_reason(exc)}"
    return None


def check_jsonata_value(value: Any, pointer: str, report: Report) -> None:
    """Every string inside `value` that is a `{% ... %}` expression must be well formed."""
    if isinstance(value, str):
        error = jsonata_error(value)
        if error:
            report.add(pointer, error)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_jsonata_value(item, join(pointer, key), report)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_jsonata_value(item, join(pointer, index), report)


def is_jsonata(value: Any) -> bool:
    """A string that JSONata states evaluate (`{% ... %}`)."""
    return isinstance(value, str) and value.startswith("{%")
