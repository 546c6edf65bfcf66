"""History events in AWS's shape (GetExecutionHistory), and the JSON text inside them.

An event is a plain dict: `id`, `previousEventId`, `timestamp` (virtual, integer microseconds
since the epoch), `type`, and one `<x>EventDetails` member whose `input`/`output`/`parameters`
/`cause` are JSON text, as AWS returns them. Facts of our own (the frame an event belongs to,
the seed, an injected fault) live under the one key `EXTRA`, which the AWS projection drops.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

EXTRA = "sfnReplay"

# Event types whose details member is not named after the event type.
_STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
DETAILS_KEY: dict[str, str] = {}
for _t in _STATE_TYPES:
    DETAILS_KEY[f"{_t}StateEntered"] = "stateEnteredEventDetails"
    DETAILS_KEY[f"{_t}StateExited"] = "stateExitedEventDetails"


def details_key(event_type: str) -> str:
    """The name of the `...EventDetails` member of an event type."""
    key = DETAILS_KEY.get(event_type)
    if key is None:
        key = event_type[0].lower() + event_type[1:] + "EventDetails"
        DETAILS_KEY[event_type] = key
    return key


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def to_json_text(value: Any) -> str:
    """Compact JSON text, as AWS writes payloads (non-ASCII kept as is).

    orjson writes it ten times faster than the json module (payload text is made for nearly
    every event); the json module takes over for what orjson refuses (integers beyond 64 bits).
    Exponents print without `+` (`1e16`), which is still the same JSON number."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return _ENCODER.encode(value)


def from_json_text(text: Any) -> Any:
    """JSON text as recorded, decoded (anything that is not JSON text is left as it is)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def payload_size(text: str) -> int:
    """Size in bytes that AWS counts against its 256 KiB payload quota."""
    return len(text.encode("utf-8")) if not text.isascii() else len(text)


def details(event: dict) -> dict:
    """The `...EventDetails` member of an event ({} when the type has none)."""
    for key, value in event.items():
        if key.endswith("EventDetails"):
            return value
    return {}


def to_aws_event(event: dict) -> dict:
    """The event as `aws stepfunctions get-execution-history` prints it (ISO timestamp)."""
    from replay.clock import iso_aws

    out: dict = {
        "timestamp": iso_aws(event["timestamp"]),
        "type": event["type"],
        "id": event["id"],
        "previousEventId": event["previousEventId"],
    }
    for key, value in event.items():
        if key.endswith("EventDetails"):
            out[key] = value
    return out
