"""Argument checks and value rendering shared by the intrinsic functions.

Step Functions runs on the JVM, and intrinsics show it: integer arguments are rounded with
`Math.round` (half up), and States.Format renders objects and arrays with Java's
`Map.toString` / `List.toString` (`{a=1, b=[x, y]}`), numbers with `Double.toString`.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from replay.asl.json_types import type_name

INT_MIN, INT_MAX = -(2**31), 2**31 - 1


class ArgumentError(Exception):
    """An intrinsic was given an argument it cannot use (becomes States.IntrinsicFailure)."""


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def java_round(value: float) -> int:
    """Java's `Math.round`: to the nearest integer, halves up (-1.5 -> -1, 2.5 -> 3)."""
    if not math.isfinite(value):
        raise ArgumentError(f"{value} is not a finite number")
    floor = math.floor(value)
    return floor + 1 if value - floor >= 0.5 else floor


def want(function: str, position: int, value: Any, expected: str) -> ArgumentError:
    """The error for argument `position` (1-based) of `function` not being `expected`."""
    shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return ArgumentError(
        f"Invalid arguments in {function}: argument {position} must be {expected}, "
        f"but was {type_name(value)} {shown!s}"[:1000]
    )


def integer(
    function: str, position: int, value: Any, low: int = INT_MIN, high: int = INT_MAX
) -> int:
    """An integer argument: numbers are rounded half up, then must lie in [low, high]."""
    if type(value) is not int:
        if not is_number(value):
            raise want(function, position, value, "an integer")
        value = java_round(value)
    if not low <= value <= high:
        raise ArgumentError(
            f"Invalid arguments in {function}: argument {position} must be an integer "
            f"between {low} and {high}, but was {value}"
        )
    return value


def text(function: str, position: int, value: Any) -> str:
    if not isinstance(value, str):
        raise want(function, position, value, "a string")
    return value


def array(function: str, position: int, value: Any) -> list:
    if not isinstance(value, list):
        raise want(function, position, value, "an array")
    return value


def obj(function: str, position: int, value: Any) -> dict:
    if not isinstance(value, dict):
        raise want(function, position, value, "a JSON object")
    return value


def boolean(function: str, position: int, value: Any) -> bool:
    if not isinstance(value, bool):
        raise want(function, position, value, "a boolean")
    return value


def java_double(value: float) -> str:
    """Java's `Double.toString`: plain between 1e-3 and 1e7, else `d.dddE±n`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits_tuple, exponent = Decimal(repr(abs(value))).normalize().as_tuple()[1:]
    digits = "".join(map(str, digits_tuple))
    power = len(digits) - 1 + exponent  # scientific exponent of the first digit
    if 1e-3 <= abs(value) < 1e7:
        if power >= 0:
            whole = digits[: power + 1].ljust(power + 1, "0")
            frac = digits[power + 1 :] or "0"
        else:
            whole, frac = "0", "0" * (-power - 1) + digits
        return f"{sign}{whole}.{frac}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{power}"


def java_string(value: Any) -> str:
    """How States.Format shows a value: strings raw, containers as Java's toString."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, list):
        return "[" + ", ".join(java_string(item) for item in value) + "]"
    return "{" + ", ".join(f"{key}={java_string(item)}" for key, item in value.items()) + "}"


def json_key(value: Any) -> Any:
    """A hashable key under which equal JSON values (1 == 1.0, never true == 1) coincide."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("a", tuple(json_key(item) for item in value))
    return ("o", frozenset((key, json_key(item)) for key, item in value.items()))
