"""The timeline: one row per event (id, type, state, virtual time, delta, frame); failures (red),
retries (yellow, ↻), injected faults (⚡), the fork point (⑂) and a replay divergence (≠) stand
out. Only the rows on screen are rendered, their events read by range and their frames and
states folded a chunk at a time (replay.window), so a 100,000-event history opens as fast as a
short one and never sits in memory whole."""

from __future__ import annotations

from replay.api_views import CHUNK, Cursor, Execution, is_failure, is_injected
from tui.seam import SeamError
from tui.widgets.format import clock, delta
from tui.widgets.table import VirtualTable

COLUMNS = ("id", "type", "state", "time", "delta", "frame")
STATE_WIDTH = 24  # at most


def row_style(kind: str, retry: bool) -> str:
    if is_failure(kind):
        return "bold $error"
    if retry:
        return "$warning"
    if kind.endswith("StateEntered"):
        return "bold"
    if kind == "ExecutionSucceeded":
        return "bold $success"
    return ""


class Timeline(VirtualTable):
    Moved = VirtualTable.Moved

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.execution: Execution | None = None
        self.folds: Cursor | None = None
        self.marks: dict[int, str] = {}
        self.fitted: set[int] = set()  # chunks whose rows the column widths fit
        self.redraw_soon = False  # rows could not be read: drawn again in a moment

    def load(self, execution: Execution, cursor: Cursor) -> None:
        self.execution, self.folds = execution, cursor
        self.fitted = set()
        self.set_shape(COLUMNS, [len(str(len(execution.events))) + 1, 0, 0, 12, 9, 0], 0)
        self.grow()

    def grow(self) -> None:
        """The history is longer now (a running execution): more rows, nothing re-read."""
        total = len(self.execution.events)
        self.fitted.discard((total - 1) // CHUNK)  # the last chunk may have more rows now
        self.fitted.discard((self.row_count - 1) // CHUNK)
        widths = list(self.widths)
        widths[0] = max(widths[0], len(str(total)) + 1)
        self.set_shape(COLUMNS, widths, total)

    def _fit(self, k: int) -> None:
        """Widen the columns to the rows of chunk k (widths only grow, so nothing jumps)."""
        self.fitted.add(k)
        widths = list(self.widths)
        first = k * CHUNK + 1
        for event in self.execution.events.between(first, first + CHUNK - 1):
            facts = self.folds.facts(event["id"])
            widths[1] = max(widths[1], len(event["type"]) + 4)
            widths[2] = max(widths[2], min(STATE_WIDTH, len(facts.state or "")))
            widths[5] = max(widths[5], len(facts.label))
        if widths != self.widths:
            self.set_shape(COLUMNS, widths, self.row_count)

    def row_cells(self, row: int) -> list[str]:
        try:
            return self._cells(row)
        except SeamError:  # busy (a branch runs) or gone for a moment: drawn again soon
            if not self.redraw_soon:
                self.redraw_soon = True
                self.set_timer(0.5, self._redraw)
            return ["…"] + [""] * (len(COLUMNS) - 1)

    def _redraw(self) -> None:
        self.redraw_soon = False
        self.refresh()

    def _cells(self, row: int) -> list[str]:
        execution = self.execution
        if row // CHUNK not in self.fitted:
            self._fit(row // CHUNK)
        event = execution.events[row]
        facts = self.folds.facts(row + 1)
        eid, kind = event["id"], event["type"]
        previous = execution.events[row - 1]["timestamp"] if row else event["timestamp"]
        ident = str(eid) + ("⑂" if eid == execution.fork_at else "")
        if eid in self.marks:
            ident += f" {self.marks[eid]}"
        marks = (" ↻" if facts.retry else "") + (" ⚡" if is_injected(event) else "")
        return [
            ident,
            kind + marks,
            facts.state or "",
            clock(event["timestamp"]),
            delta(event["timestamp"] - previous),
            facts.label,
        ]

    def row_styles(self, row: int) -> list[str]:
        try:
            event, facts = self.execution.events[row], self.folds.facts(row + 1)
        except SeamError:
            return [""] * len(COLUMNS)
        main = row_style(event["type"], facts.retry)
        if is_injected(event):
            main = "bold reverse $error"
        ident = main
        if event["id"] in self.marks:
            ident = "bold reverse $error"
        elif event["id"] == self.execution.fork_at:
            ident = "bold $primary"
        return [ident, main, "", "", "", ""]

    def mark(self, event_id: int, note: str) -> None:
        """Mark a row (e.g. a replay divergence) in its id cell."""
        self.marks[event_id] = note
        self.refresh()
