"""The comparison operators of JSONPath Choice rules: operand checks and value tests.

AWS semantics: a value of the wrong type makes a comparison false, never an error (booleans
are not numbers). Strings order by UTF-16 code units, as Java's `String.compareTo` does.
Timestamps are parsed the way AWS's Java runtime parses them (`ISO_OFFSET_DATE_TIME`, the
"ISO-8601 extended offset date-time format" its error messages name) and compared as instants,
to the nanosecond; a string that does not parse is simply not a timestamp.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

Test = Callable[[Any], bool]
PairTest = Callable[[Any, Any], bool]

_NUMBER = (int, float)  # `type(v) in _NUMBER` leaves bool out
_RELATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")

# operator name -> (kind, relation); `StringMatches` has relation "Matches", no Path form.
COMPARISONS: dict[str, tuple[str, str]] = {
    kind + relation: (kind, relation)
    for kind in _KINDS
    for relation in _RELATIONS
    if kind != "Boolean" or relation == "Equals"
}
COMPARISONS["StringMatches"] = ("String", "Matches")
PATH_COMPARISONS: dict[str, tuple[str, str]] = {
    name + "Path": spec for name, spec in COMPARISONS.items() if spec[1] != "Matches"
}

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)",
    re.ASCII,
)


@lru_cache(maxsize=4096)
def parse_timestamp(text: str) -> tuple[int, int] | None:
    """(epoch seconds, nanoseconds) of an ISO 8601 offset date-time, or None if it is not one."""
    m = _TIMESTAMP.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute = (int(g) for g in m.group(1, 2, 3, 4, 5))
    second = int(m.group(6) or 0)
    try:
        ordinal = date(year, month, day).toordinal()
    except ValueError:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    if m.group(8) is None:
        oh, om, os_ = int(m.group(10)), int(m.group(11)), int(m.group(12) or 0)
        offset = oh * 3600 + om * 60 + os_
        if om > 59 or os_ > 59 or offset > 18 * 3600:
            return None
        if m.group(9) == "-":
            offset = -offset
    seconds = (ordinal - _EPOCH_ORDINAL) * 86400 + hour * 3600 + minute * 60 + second - offset
    return seconds, int((m.group(7) or "0").ljust(9, "0"))


def _utf16(text: str) -> bytes:
    """Big-endian UTF-16: its bytes order like Java's UTF-16 code units."""
    return text.encode("utf-16-be", "surrogatepass")


def _string_relation(relation: Callable[[Any, Any], bool]) -> PairTest:
    if relation is operator.eq:
        return lambda a, b: type(a) is str and type(b) is str and a == b

    def compare(a: Any, b: Any) -> bool:
        if type(a) is not str or type(b) is not str:
            return False
        if a.isascii() and b.isascii():
            return relation(a, b)
        return relation(_utf16(a), _utf16(b))

    return compare


def _timestamp_relation(relation: Callable[[Any, Any], bool]) -> PairTest:
    def compare(a: Any, b: Any) -> bool:
        if type(a) is not str or type(b) is not str:
            return False
        left, right = parse_timestamp(a), parse_timestamp(b)
        return left is not None and right is not None and relation(left, right)

    return compare


def pair_test(kind: str, relation: str) -> PairTest:
    """`test(value, other)` for a `...Path` operator: both values come from the input."""
    rel = _RELATIONS[relation]
    if kind == "String":
        return _string_relation(rel)
    if kind == "Numeric":
        return lambda a, b: type(a) in _NUMBER and type(b) in _NUMBER and rel(a, b)
    if kind == "Boolean":
        return lambda a, b: type(a) is bool and type(b) is bool and a == b
    return _timestamp_relation(rel)


def literal_test(kind: str, relation: str, literal: Any) -> Test:
    """`test(value)` against a literal operand already checked by `operand_error`."""
    if relation == "Matches":
        match = wildcard_matcher(literal)
        return lambda v: type(v) is str and match(v)
    rel = _RELATIONS[relation]
    if kind == "Numeric":
        return lambda v: type(v) in _NUMBER and rel(v, literal)
    if kind == "Boolean":
        return lambda v: type(v) is bool and v == literal
    if kind == "Timestamp":
        instant = parse_timestamp(literal)

        def compare_instant(v: Any) -> bool:
            if type(v) is not str:
                return False
            parsed = parse_timestamp(v)
            return parsed is not None and rel(parsed, instant)

        return compare_instant
    if rel is operator.eq:
        return lambda v: type(v) is str and v == literal
    ascii_literal, wide_literal = literal.isascii(), _utf16(literal)

    def compare_string(v: Any) -> bool:
        if type(v) is not str:
            return False
        if ascii_literal and v.isascii():
            return rel(v, literal)
        return rel(_utf16(v), wide_literal)

    return compare_string


def wildcard_matcher(pattern: str) -> Callable[[str], bool]:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal.

    Matched segment by segment (the first anchored at the start, the last at the end, each one
    between at its leftmost place), so the time is linear in the text, never exponential."""
    segments = _glob_segments(pattern)
    if len(segments) == 1:
        return lambda text: text == segments[0]
    head, *middle, tail = segments
    least = len(head) + len(tail) + sum(len(s) for s in middle)

    def matches(text: str) -> bool:
        if len(text) < least or not text.startswith(head) or not text.endswith(tail):
            return False
        position, end = len(head), len(text) - len(tail)
        for segment in middle:
            found = text.find(segment, position, end)
            if found < 0:
                return False
            position = found + len(segment)
        return True

    return matches


def _glob_segments(pattern: str) -> list[str]:
    """The literal runs between unescaped `*`s (a backslash makes the next character literal;
    a trailing backslash is itself)."""
    segments: list[str] = []
    literal: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "*":
            segments.append("".join(literal))
            literal = []
        elif char == "\\":
            literal.append(next(chars, "\\"))
        else:
            literal.append(char)
    segments.append("".join(literal))
    return segments


def operand_error(kind: str, name: str, value: Any) -> str | None:
    """Why `value` cannot be the literal operand of `name`, or None."""
    if kind == "String":
        ok = isinstance(value, str)
        wanted = "a string"
    elif kind == "Numeric":
        ok = type(value) in _NUMBER
        wanted = "a number"
    elif kind == "Boolean":
        ok = isinstance(value, bool)
        wanted = "true or false"
    else:
        ok = isinstance(value, str) and parse_timestamp(value) is not None
        wanted = "an ISO 8601 timestamp with an offset (e.g. 2016-03-14T01:59:00Z)"
    return None if ok else f'"{name}" must be {wanted}, not {show(value)}'


def show(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _is_timestamp(value: Any) -> bool:
    return type(value) is str and parse_timestamp(value) is not None


# Type tests: `IsNull` ... `IsTimestamp` (IsPresent is handled by the rule compiler).
TYPE_TESTS: dict[str, Test] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": lambda v: type(v) in _NUMBER,
    "IsString": lambda v: type(v) is str,
    "IsBoolean": lambda v: type(v) is bool,
    "IsTimestamp": _is_timestamp,
}
