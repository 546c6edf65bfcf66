"""The timeline: one row per event (id, type, state, virtual time, delta, frame); failures (red),
retries (yellow, ↻), injected faults (⚡), the fork point (⑂) and a replay divergence (≠) stand
out. Only the rows on
screen are rendered, so a 25,000-event history opens as fast as a short one."""

from __future__ import annotations

from replay.api_views import Execution, is_failure, is_injected
from tui.widgets.format import clock, delta
from tui.widgets.table import VirtualTable

_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
COLUMNS = ("id", "type", "state", "time", "delta", "frame")


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


def retries(execution: Execution) -> set[int]:
    """Ids of the Task schedulings that follow a failure in the same frame."""
    out, failed = set(), set()
    for event, label in zip(execution.events, execution.labels):
        kind = event["type"]
        if kind in _SCHEDULED and label in failed:
            out.add(event["id"])
        if is_failure(kind):
            failed.add(label)
        elif kind.endswith("StateEntered"):
            failed.discard(label)
    return out


class Timeline(VirtualTable):
    Moved = VirtualTable.Moved

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.execution: Execution | None = None
        self.marks: dict[int, str] = {}
        self.retries: set[int] = set()

    def load(self, execution: Execution) -> None:
        self.execution = execution
        self.retries = retries(execution)
        names = {n for n in execution.index.names if n}
        total = len(execution.events)
        widths = [
            len(str(total)) + 1,
            max((len(e["type"]) for e in execution.events), default=4) + 4,
            min(24, max(map(len, names), default=5)),
            12,
            9,
            max(map(len, set(execution.labels)), default=5),
        ]
        self.set_shape(COLUMNS, widths, total)

    def row_cells(self, row: int) -> list[str]:
        execution = self.execution
        event = execution.events[row]
        eid, kind = event["id"], event["type"]
        previous = execution.events[row - 1]["timestamp"] if row else event["timestamp"]
        ident = str(eid) + ("⑂" if eid == execution.fork_at else "")
        if eid in self.marks:
            ident += f" {self.marks[eid]}"
        marks = (" ↻" if eid in self.retries else "") + (" ⚡" if is_injected(event) else "")
        return [
            ident,
            kind + marks,
            execution.index.names[row] or "",
            clock(event["timestamp"]),
            delta(event["timestamp"] - previous),
            execution.labels[row],
        ]

    def row_styles(self, row: int) -> list[str]:
        event = self.execution.events[row]
        main = row_style(event["type"], event["id"] in self.retries)
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
