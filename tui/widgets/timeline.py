"""The timeline: one row per event (id, type, state, virtual time, delta, frame); failures,
retries, the fork point and a replay divergence stand out."""
from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from replay.api_views import Execution, is_failure
from tui.widgets.format import clock, delta

_RETRIED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")


def row_style(kind: str, retry: bool) -> str:
    if is_failure(kind):
        return "bold red"
    if retry:
        return "yellow"
    if kind.endswith("StateEntered"):
        return "bold"
    if kind.startswith("Execution") and kind.endswith("Succeeded"):
        return "bold green"
    return ""


class Timeline(DataTable, inherit_bindings=False):
    """The events of one execution. The screen owns the scrubbing keys; this table keeps only
    up/down and page keys of its own."""

    BINDINGS = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.marks: dict[int, str] = {}

    def load(self, execution: Execution) -> None:
        self.clear(columns=True)
        self.add_columns("id", "type", "state", "time", "delta", "frame")
        events, names = execution.events, execution.index.names
        previous_time = events[0]["timestamp"] if events else 0
        failed_frames: set[str] = set()
        rows = []
        for event, label, name in zip(events, execution.labels, names):
            kind = event["type"]
            retry = kind in _RETRIED and label in failed_frames
            if is_failure(kind):
                failed_frames.add(label)
            elif kind.endswith("StateEntered"):
                failed_frames.discard(label)
            style = row_style(kind, retry)
            mark = "fork" if event["id"] == execution.fork_at else ""
            rows.append((Text(f"{event['id']}{'⑂' if mark else ''}", style="bold magenta"
                              if mark else ""),
                         Text(kind + (" (retry)" if retry else ""), style=style),
                         name or "", clock(event["timestamp"]),
                         delta(event["timestamp"] - previous_time), label))
            previous_time = event["timestamp"]
        for i, row in enumerate(rows):
            self.add_row(*row, key=str(i + 1))

    def mark(self, event_id: int, note: str) -> None:
        """Mark a row (e.g. a replay divergence) in its id cell."""
        self.marks[event_id] = note
        self.update_cell(str(event_id), self.ordered_columns[0].key,
                         Text(f"{event_id} {note}", style="bold reverse red"))

    @property
    def event_id(self) -> int:
        return self.cursor_row + 1
