"""Import and export of histories in the shape `aws stepfunctions get-execution-history` prints.

Export adds our own facts (the index record and each event's extras) under the one top-level
key `sfnReplay`, which AWS tools ignore and import reads back, so export -> import is the
identity.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from replay.clock import from_datetime
from replay.events import EXTRA, to_aws_event
from replay.import_check import (
    HistoryFormatError,
    check_history,
    check_ours,
    check_raw_event,
    check_timestamp,
)

EXPORT_KEY = "sfnReplay"
__all__ = ["EXPORT_KEY", "HistoryFormatError", "export_history", "parse_pages"]


def export_history(doc: dict, events: list[dict]) -> dict:
    extras = {str(e["id"]): e[EXTRA] for e in events if EXTRA in e}
    return {
        "events": [to_aws_event(e) for e in events],
        EXPORT_KEY: {"execution": doc, "eventExtras": extras},
    }


def _timestamp(value: Any, where: str) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not -1e14 < value < 1e14:  # also NaN
            raise HistoryFormatError(f"{where}: timestamp {value!r} is out of range")
        return check_timestamp(int(value * 1_000_000), where)  # epoch seconds, as some print
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return check_timestamp(from_datetime(moment), where)
    raise HistoryFormatError(f"{where}: timestamp {value!r} is not an ISO 8601 time with offset")


def parse_pages(pages: list[Any]) -> tuple[list[dict], dict | None]:
    """Events of one or more GetExecutionHistory pages, in our stored form, and our extras."""
    events: list[dict] = []
    ours = None
    for number, page in enumerate(pages, 1):
        if not isinstance(page, dict) or not isinstance(page.get("events"), list):
            raise HistoryFormatError(f"page {number}: expected an object with an 'events' list")
        ours = page.get(EXPORT_KEY, ours)
        for index, raw in enumerate(page["events"]):
            where = f"page {number} event {index}"
            check_raw_event(raw, where)
            event = {
                "id": raw["id"],
                "previousEventId": raw.get("previousEventId", 0),
                "timestamp": _timestamp(raw["timestamp"], where),
                "type": raw["type"],
            }
            for key, value in raw.items():
                if key.endswith("EventDetails"):
                    event[key] = value
            events.append(event)
    events.sort(key=lambda e: e["id"])
    if events and events[0]["id"] != 1:
        raise HistoryFormatError(
            f"the history has no event 1 (ExecutionStarted): it starts at "
            f"event {events[0]['id']}; is a page missing?"
        )
    for expected, event in enumerate(events, 1):
        if event["id"] != expected:
            raise HistoryFormatError(
                f"event ids must run 1, 2, 3...: found {event['id']} where {expected} was expected"
            )
    check_history(events)
    check_ours(ours, len(events))
    if ours:
        for key, extra in (ours.get("eventExtras") or {}).items():
            events[int(key) - 1][EXTRA] = extra
    return events, ours
