"""What an imported history must look like before anything is stored: the links and fields
the fold, replay and the table rely on. Each problem is one HistoryFormatError naming the
event; nothing is written when one is found."""

from __future__ import annotations

import json
import re
from typing import Any

from replay.strict_json import JsonValueError, loads

_TYPE = re.compile(r"^[A-Z][A-Za-z]{2,80}$")
_MIN_MICROS = -62_135_596_800_000_000  # 0001-01-01T00:00:00Z
_MAX_MICROS = 253_402_300_799_999_999  # 9999-12-31T23:59:59.999999Z
_EXECUTION_TEXT_FIELDS = ("name", "executionArn", "mocks", "testCase", "handlers", "s3Root")


class HistoryFormatError(ValueError):
    """A file that is not a GetExecutionHistory JSON document."""


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_raw_event(raw: Any, where: str) -> None:
    """One event as a page holds it, before it is converted."""
    if not isinstance(raw, dict) or not {"id", "type", "timestamp"} <= set(raw):
        raise HistoryFormatError(f"{where}: needs id, type and timestamp")
    if not _integer(raw["id"]) or raw["id"] < 1:
        raise HistoryFormatError(f"{where}: id {raw['id']!r} is not a positive integer")
    if not isinstance(raw["type"], str) or not _TYPE.match(raw["type"]):
        raise HistoryFormatError(f"{where}: type {str(raw['type'])[:80]!r} is not an event type")
    previous = raw.get("previousEventId", 0)
    if not _integer(previous) or not 0 <= previous < raw["id"]:
        raise HistoryFormatError(
            f"event {raw['id']}: previousEventId {str(previous)[:40]!r} points to no earlier event"
        )
    for key, value in raw.items():
        if key.endswith("EventDetails") and not isinstance(value, dict):
            raise HistoryFormatError(f"event {raw['id']}: {key} is not an object")
        if key.endswith("EventDetails"):
            _check_texts(raw["id"], key, value)


def _check_texts(event_id: int, key: str, details: dict) -> None:
    for field in ("input", "output", "parameters", "name", "error", "cause", "resource"):
        value = details.get(field)
        if value is not None and not isinstance(value, str):
            raise HistoryFormatError(
                f"event {event_id}: {key}.{field} must be text (JSON "
                "text for input, output and parameters)"
            )
    assigned = details.get("assignedVariables")
    if assigned is not None and not isinstance(assigned, dict):
        raise HistoryFormatError(f"event {event_id}: {key}.assignedVariables must be an object")
    if key.startswith("mapIteration") and not (
        isinstance(details.get("name"), str) and _integer(details.get("index"))
    ):
        raise HistoryFormatError(
            f"event {event_id}: {key} needs the Map state's name and the iteration's index"
        )


def check_timestamp(micros: int, where: str) -> int:
    if not _MIN_MICROS <= micros <= _MAX_MICROS:
        raise HistoryFormatError(f"{where}: timestamp is outside the years 1-9999")
    return micros


def check_history(events: list[dict]) -> None:
    """The whole history, ids in order: one ExecutionStarted, first, with JSON text input."""
    if not events or events[0]["type"] != "ExecutionStarted":
        raise HistoryFormatError("the history must start with an ExecutionStarted event")
    if any(event["type"] == "ExecutionStarted" for event in events[1:]):
        raise HistoryFormatError("the history has more than one ExecutionStarted event")
    started = events[0].get("executionStartedEventDetails")
    if not isinstance(started, dict) or not isinstance(started.get("input"), str):
        raise HistoryFormatError(
            "event 1: ExecutionStarted needs the execution's input "
            "(executionStartedEventDetails.input, JSON text)"
        )
    try:
        loads(started["input"])
    except (JsonValueError, json.JSONDecodeError) as exc:
        raise HistoryFormatError(
            f"event 1: the execution's input is not JSON text: {exc}"
        ) from None
    if started.get("roleArn") is not None and not isinstance(started["roleArn"], str):
        raise HistoryFormatError("event 1: roleArn must be text")


def check_ours(ours: Any, count: int) -> None:
    """Our own facts (the `sfnReplay` key an export adds), as import reads them back."""
    if ours is None:
        return
    if not isinstance(ours, dict):
        raise HistoryFormatError("sfnReplay must be an object (as sfn-replay export writes it)")
    execution = ours.get("execution") or {}
    extras = ours.get("eventExtras") or {}
    if not isinstance(execution, dict) or not isinstance(extras, dict):
        raise HistoryFormatError("sfnReplay.execution and sfnReplay.eventExtras must be objects")
    for field in _EXECUTION_TEXT_FIELDS:
        if execution.get(field) is not None and not isinstance(execution[field], str):
            raise HistoryFormatError(f"sfnReplay.execution.{field} must be text")
    for key, extra in extras.items():
        if not key.isdigit() or not 1 <= int(key) <= count or not isinstance(extra, dict):
            raise HistoryFormatError(
                f"sfnReplay.eventExtras[{key[:20]!r}] names no event "
                "of the history, or is not an object"
            )
        if "frame" in extra and not isinstance(extra["frame"], str):
            raise HistoryFormatError(f"sfnReplay.eventExtras[{key!r}].frame must be text")
        for field in ("seed", "invocation"):
            if field in extra and not _integer(extra[field]):
                raise HistoryFormatError(
                    f"sfnReplay.eventExtras[{key!r}].{field} must be an integer"
                )
        if extra.get("schedule", "round-robin") not in ("round-robin", "random"):
            raise HistoryFormatError(
                f"sfnReplay.eventExtras[{key!r}].schedule must be round-robin or random"
            )
