"""States.Format, StringSplit, StringToJson, JsonToString and JsonMerge."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from replay.asl.intrinsics.values import ArgumentError, boolean, java_string, obj, text
from replay.strict_json import loads as strict_loads

MAX_FORMAT_CHARS = 256 * 1024  # no payload can hold a longer string


def format_parts(parts: tuple[str, ...] | list[str], values: tuple) -> str:
    """Fill the gaps between `parts` (the template cut at each `{}`) with the values."""
    name = "States.Format"
    if len(parts) - 1 != len(values):
        raise ArgumentError(
            f"Invalid arguments in {name}: the template has {len(parts) - 1} placeholder(s) "
            f"but {len(values)} value(s) were given"
        )
    out = [parts[0]]
    size = len(parts[0])
    for value, part in zip(values, parts[1:]):
        piece = java_string(value)
        size += len(piece) + len(part)
        if size > MAX_FORMAT_CHARS:
            raise ArgumentError(
                f"Invalid arguments in {name}: the result would be longer than "
                f"{MAX_FORMAT_CHARS} characters (the 256 KiB payload quota)"
            )
        out.append(piece)
        out.append(part)
    return "".join(out)


def format_text(template: Any, *values: Any) -> str:
    """States.Format(template, v...) with a template computed at run time (a path)."""
    return format_parts(text("States.Format", 1, template).split("{}"), values)


@lru_cache(maxsize=256)
def _splitter(delimiters: str) -> re.Pattern:
    return re.compile("[" + "".join(re.escape(c) for c in delimiters) + "]")


def string_split(value: Any, delimiters: Any) -> list[str]:
    """States.StringSplit(text, chars): split at any of the chars, empty pieces dropped
    (Java's StringTokenizer)."""
    name = "States.StringSplit"
    value = text(name, 1, value)
    delimiters = text(name, 2, delimiters)
    if not delimiters:
        return [value] if value else []
    return [piece for piece in _splitter(delimiters).split(value) if piece]


def string_to_json(value: Any) -> Any:
    """States.StringToJson(text): the JSON value the text holds; text with no content at all
    (empty, or only whitespace) is null, as AWS records it."""
    name = "States.StringToJson"
    value = text(name, 1, value)
    if not value.strip(" \t\n\r"):  # JSON whitespace only
        return None
    try:
        return strict_loads(value)  # no NaN, no 1e400, at most 500 levels deep
    except ValueError:
        shown = value if len(value) <= 200 else value[:200] + "..."
        raise ArgumentError(
            f"Invalid arguments in {name}: the string is not valid JSON: {shown}"
        ) from None


def json_to_string(value: Any) -> str:
    """States.JsonToString(value): compact JSON text."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def json_merge(first: Any, second: Any, deep: Any) -> dict:
    """States.JsonMerge(a, b, false): a shallow merge, b's keys winning."""
    name = "States.JsonMerge"
    first = obj(name, 1, first)
    second = obj(name, 2, second)
    if boolean(name, 3, deep):
        raise ArgumentError(
            f"Invalid arguments in {name}: deep merging is not supported, "
            "the third argument must be false"
        )
    return {**first, **second}
