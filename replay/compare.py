"""Two histories side by side, aligned by event id: every event that differs and, field by field,
what differs (type, previous event, time since the execution's start, each key of the details,
JSON text compared as the JSON it holds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from replay.clock import MICROS, iso_aws
from replay.events import EXTRA

_ABSENT = object()


def compare_histories(a: list[dict], b: list[dict]) -> list[dict]:
    """[{event, a, b, changes: [{field, a, b, ...}]}] for every event id where a and b differ.

    Times are compared as time since each execution's start, so that two runs of the same
    thing started at different moments are identical; `a`/`b` show the events in AWS shape
    (None where a history has no such event)."""
    start_a, start_b = _start(a), _start(b)
    out = []
    for index in range(max(len(a), len(b))):
        x = a[index] if index < len(a) else None
        y = b[index] if index < len(b) else None
        changes = event_changes(x, y, start_a, start_b)
        if changes:
            out.append({"event": index + 1, "a": shown(x), "b": shown(y), "changes": changes})
    return out


def _start(events: list[dict]) -> int:
    return (events[0].get("timestamp") or 0) if events else 0


def event_changes(
    x: dict | None, y: dict | None, start_a: int | None = None, start_b: int | None = None
) -> list[dict]:
    """What differs between two events with the same id; with the executions' start times,
    times are compared as time since the start."""
    if x is None or y is None:
        return [{"field": "event", "a": x and x["type"], "b": y and y["type"]}]
    changes = []
    for field in ("type", "previousEventId"):
        if x[field] != y[field]:
            changes.append({"field": field, "a": x[field], "b": y[field]})
    changes.extend(_time_change(x, y, start_a, start_b))
    key_a, key_b = _details_key(x), _details_key(y)
    details_a = x[key_a] if key_a else None
    details_b = y[key_b] if key_b else None
    if key_a != key_b:  # events of other types: their details as a whole
        changes.append({"field": "details", "a": details_a, "b": details_b})
    else:
        changes.extend(
            {"field": field, **values}
            for field, values in _walk(key_a or "details", details_a, details_b)
        )
    return changes


def _time_change(x: dict, y: dict, start_a: int | None, start_b: int | None) -> list[dict]:
    ta, tb = x.get("timestamp"), y.get("timestamp")
    if ta is None or tb is None:
        return []
    if start_a is None or start_b is None:
        if ta == tb:
            return []
        return [
            {
                "field": "timestamp",
                "a": iso_aws(ta),
                "b": iso_aws(tb),
                "deltaSeconds": (tb - ta) / MICROS,
            }
        ]
    if ta - start_a == tb - start_b:
        return []
    return [
        {
            "field": "timestamp",
            "a": iso_aws(ta),
            "b": iso_aws(tb),
            "aSinceStart": (ta - start_a) / MICROS,
            "bSinceStart": (tb - start_b) / MICROS,
            "deltaSeconds": ((tb - start_b) - (ta - start_a)) / MICROS,
        }
    ]


def _details_key(event: dict) -> str | None:
    return next((key for key in event if key.endswith("EventDetails")), None)


def _walk(path: str, a: Any, b: Any) -> Iterator[tuple[str, dict]]:
    """(path, {a, b}) for each leaf that differs; an absent side has no key."""
    if a == b:
        return
    a, b = _as_json(a), _as_json(b)
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            yield from _walk(f"{path}.{key}", a.get(key, _ABSENT), b.get(key, _ABSENT))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            yield from _walk(f"{path}[{index}]", x, y)
    elif a != b:
        yield path, {side: value for side, value in (("a", a), ("b", b)) if value is not _ABSENT}


def _as_json(value: Any) -> Any:
    """The JSON that a JSON text field (input, output, parameters...) holds."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def shown(event: dict | None) -> dict | None:
    """An event as `history --format aws` prints it: ISO time, no facts of ours."""
    if event is None:
        return None
    out = {key: value for key, value in event.items() if key != EXTRA}
    if out.get("timestamp") is not None:
        out["timestamp"] = iso_aws(out["timestamp"])
    return out
