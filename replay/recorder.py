"""The one place history events are made: an execution's event ids, the links between events,
and the events not yet handed to the runner."""

from __future__ import annotations

from typing import Any

from replay.events import DETAILS_KEY, EXTRA, details_key


class Recorder:
    """One execution's history as it is being recorded (the root's, or a child execution's)."""

    __slots__ = ("last_id", "pending")

    def __init__(self) -> None:
        self.last_id = 0
        self.pending: list[dict] = []  # recorded, not yet handed to the runner

    def record(
        self,
        frame: Any,
        event_type: str,
        details: dict | None,
        now: int,
        previous: int | None,
        extra: dict | None,
    ) -> int:
        """Append an event linked to the frame's last one (or to `previous`); return its id."""
        self.last_id = event_id = self.last_id + 1
        event = {
            "id": event_id,
            "previousEventId": frame.last_event if previous is None else previous,
            "timestamp": now,
            "type": event_type,
        }
        if details is not None:
            event[DETAILS_KEY.get(event_type) or details_key(event_type)] = details
        if extra:
            event[EXTRA] = extra
        frame.last_event = event_id
        self.pending.append(event)
        return event_id

    def take(self) -> list[dict]:
        """The events recorded since the last call."""
        events, self.pending = self.pending, []
        return events
