"""The JSON a user may hand us (inputs, mocks, imports, handler results), checked once at the
door so that nothing deeper in the code meets a value it cannot store or print.

The rules, as AWS's JSON parser (Jackson) applies them or stricter where Python needs a bound:

* `NaN`, `Infinity` and `-Infinity` are not JSON: rejected (AWS rejects them as invalid JSON).
* A number must be finite: `1e400` (which would become Infinity) is rejected.
* Integers are kept exactly (Jackson keeps big ones as BigInteger) up to `MAX_INT_DIGITS`
  digits, Python's own limit for printing an integer; longer ones are rejected.
* Strings are Unicode text: an escaped unpaired surrogate (`"\\ud800"`) is rejected.
* Values nest at most `MAX_DEPTH` levels (arrays and objects); deeper ones are rejected, so
  that every later step (encoding, storing, folding, replaying) stays within its limits.
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any

import orjson

MAX_DEPTH = 500
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


class JsonValueError(ValueError):
    """Text or a value that breaks the rules above; the message says what and where."""


def _constant(name: str) -> Any:
    raise JsonValueError(f"{name} is not a JSON value")


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise JsonValueError(
            f"an integer of {digits} digits is too long (at most {MAX_INT_DIGITS} digits)"
        )
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonValueError(
            f"the number {text[:20]}{'...' if len(text) > 20 else ''} is out "
            "of range (beyond a double)"
        )
    return value


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects in `value` nest more than `limit` levels (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend(
            (child, depth + 1) for child in children if isinstance(child, (dict, list, tuple))
        )
    return False


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_unicode(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise JsonValueError(
            f"a string holds an unpaired surrogate "
            f"(\\u{ord(exc.object[exc.start]):04x}), which is not text"
        ) from None


def loads(text: str) -> Any:
    """Parse JSON text by the rules above; JsonValueError (or json.JSONDecodeError) if not."""
    try:
        value = json.loads(text, parse_constant=_constant, parse_int=_integer, parse_float=_float)
    except RecursionError:
        raise JsonValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    if too_deep(value):
        raise JsonValueError(f"nested more than {MAX_DEPTH} levels deep")
    if _SURROGATE.search(text):  # rare: only then look for unpaired ones
        _check_unicode(value)
    return value


_BIG_INT_BITS = 14_000  # below MAX_INT_DIGITS digits (4300 digits need ~14,284 bits)


def _text(value: str) -> bool:
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate
        return False
    return True


def is_plain_json(value: Any) -> bool:
    """Whether `value` already is JSON data by the rules above (exact types, str keys, finite
    floats, nesting within MAX_DEPTH): a quick check that copies nothing. False may also mean
    "needs a closer look" (a very long integer, a tuple, deep nesting): see `to_json_value`."""
    try:
        return _plain(value, 0)
    except RecursionError:
        return False


def _plain(value: Any, depth: int) -> bool:
    kind = type(value)
    if kind is str:
        return _text(value)
    if value is None or kind is bool:
        return True
    if kind is int:
        return value.bit_length() <= _BIG_INT_BITS
    if kind is float:
        return math.isfinite(value)
    if depth >= MAX_DEPTH:
        return False
    if kind is dict:
        return all(
            type(key) is str and _text(key) and _plain(item, depth + 1)
            for key, item in value.items()
        )
    if kind is list:
        return all(_plain(item, depth + 1) for item in value)
    return False


class _NotJson(Exception):
    def __init__(self, value: Any) -> None:
        super().__init__(type(value).__name__)
        self.type_name = type(value).__name__


def _refuse(value: Any) -> Any:
    raise _NotJson(value)


_ENCODER = json.JSONEncoder(allow_nan=False, default=_refuse, separators=(",", ":"))


def to_json_value(value: Any) -> Any:
    """`value` as plain JSON data (tuples become lists), or JsonValueError naming the problem:
    a type JSON has no place for (a set, an object), NaN or Infinity, an integer too long,
    keys that are not strings, nesting too deep."""
    try:  # the common case, ten times faster: orjson refuses what is not JSON but NaN and
        fast = orjson.dumps(value)  # Infinity, which it writes as null (then: the slow path)
    except (orjson.JSONEncodeError, TypeError):
        pass
    else:
        if b"null" not in fast:
            return orjson.loads(fast)
    try:
        text = _ENCODER.encode(value)
    except _NotJson as exc:
        article = "an" if exc.type_name[:1] in "aeiouAEIOU" else "a"
        raise JsonValueError(f"{article} {exc.type_name} is not a JSON value") from None
    except RecursionError:
        raise JsonValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if "digits" in message:
            message = f"an integer is too long (at most {MAX_INT_DIGITS} digits)"
        elif message.startswith("Out of range float"):
            message = "NaN and Infinity are not JSON values"
        raise JsonValueError(message) from None
    return loads(text)
