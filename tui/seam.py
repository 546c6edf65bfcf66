"""The one narrow adapter between the terminal UI and the replay API: every read and every
branch the UI makes goes through here, and every error comes back as a SeamError whose
message the UI shows (never a traceback)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from replay import api, api_views
from replay.verify import Divergence

T = TypeVar("T")


class SeamError(Exception):
    """Something the user should read: a missing db, an unknown execution, a failed branch."""


class Seam:
    def __init__(self, db: str | Path) -> None:
        from replay.asl.jsonata import load_engine

        load_engine()  # on the main thread: the UI's worker threads run JSONata (see there)
        self.db = Path(db)
        self._lock = threading.Lock()  # LMDB: one open environment per process at a time

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if not (self.db / "data.mdb").is_file():
            raise SeamError(
                f"no event store at {self.db} (run an execution first, or pass --db DIR)"
            )
        if not self._lock.acquire(blocking=False):
            raise SeamError("busy: a branch or replay is running; try again when it ends")
        try:
            return fn(*args, **kwargs)
        except api.EXPECTED_ERRORS as exc:
            raise SeamError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 (a damaged db or a bug: a message, not a traceback)
            raise SeamError(f"{type(exc).__name__}: {exc}") from None
        finally:
            self._lock.release()

    def executions(self) -> list[dict]:
        rows = self._call(api.list_executions, self.db)
        return sorted(rows, key=lambda doc: (doc["startMicros"], doc["name"]))

    def open(self, execution: str) -> api_views.Execution:
        """An execution opened for viewing; its events are read later, by range, each read
        through here (a SeamError when the db is busy or gone)."""
        return api_views.load(self.db, execution, self._call)

    def refresh(self, execution: api_views.Execution) -> bool:
        """Take in the new events and status of an execution another process is writing."""
        return api_views.refresh(self.db, execution, self._call)

    def branch(self, execution: str, at: int, **options: Any) -> dict:
        return self._call(api.branch, self.db, execution, at, **options)

    def replay(self, execution: str, definition_text: str | None = None) -> Divergence | None:
        return self._call(api.replay, self.db, execution, definition_text)

    def fault_rules(self, text: str) -> list[dict]:
        """Rules as typed (`STATE:ERROR[:CAUSE][@ATTEMPTS]; ...`), checked; no db involved."""
        try:
            return api_views.fault_rules(text)
        except api.EXPECTED_ERRORS as exc:
            raise SeamError(str(exc)) from None

    def explore(self, execution: str, state: str) -> dict:
        """The fault exploration of one state of an execution's workflow, run as the execution
        was (definition, input, mocks, handlers, seed, virtual start): explore's report,
        `{"runs", "property", "failures": [{"faults", "status", "error", "state",
        "execution"}, ...]}`, the failing runs kept in the db."""
        setup = self._call(api_views.recorded_setup, self.db, execution)
        definition, input_value = setup.pop("definition_text"), setup.pop("input_value")
        return self._call(api.explore, self.db, definition, input_value, states=[state], **setup)

    def compare(self, a: str, b: str) -> api_views.Aligned:
        return api_views.align(self.open(a).events, self.open(b).events)
