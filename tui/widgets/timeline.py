"""The timeline: one row per event (id, type, state, virtual time, delta, frame); failures (red),
retries (yellow, ↻), the fork point (⑂) and a replay divergence (≠) stand out.

A line-API widget: it renders only the rows on screen, so a 25,000-event history opens as fast
as a short one."""
from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from replay.api_views import Execution, is_failure
from tui.widgets.format import clock, delta

_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
COLUMNS = ("id", "type", "state", "time", "delta", "frame")


def row_style(kind: str, retry: bool) -> str:
    if is_failure(kind):
        return "bold red"
    if retry:
        return "yellow"
    if kind.endswith("StateEntered"):
        return "bold"
    if kind == "ExecutionSucceeded":
        return "bold green"
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


class Timeline(ScrollView, can_focus=True, inherit_bindings=False):
    """The events of one execution. The screen owns the scrubbing keys; this widget keeps only
    up/down and the page keys."""

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
    ]
    COMPONENT_CLASSES = {"timeline--cursor", "timeline--header"}
    DEFAULT_CSS = """
    Timeline > .timeline--cursor { background: $accent 40%; text-style: bold; }
    Timeline:focus > .timeline--cursor { background: $accent; }
    Timeline > .timeline--header { text-style: bold; color: $text-muted; }
    """

    class Moved(Message):
        """The cursor is on another event."""

        def __init__(self, event_id: int) -> None:
            super().__init__()
            self.event_id = event_id

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Timeline.Moved)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.execution: Execution | None = None
        self.marks: dict[int, str] = {}
        self.retries: set[int] = set()
        self.widths: list[int] = []
        self.cursor = 0  # row index (event id - 1)

    @property
    def total(self) -> int:
        return len(self.execution.events) if self.execution else 0

    def load(self, execution: Execution) -> None:
        self.execution = execution
        self.retries = retries(execution)
        names = {n for n in execution.index.names if n}
        labels = set(execution.labels)
        self.widths = [len(str(self.total)) + 1,
                       max((len(e["type"]) for e in execution.events), default=4) + 2,
                       min(24, max(map(len, names), default=5)), 12, 9,
                       max(map(len, labels), default=5)]
        self.virtual_size = Size(sum(self.widths) + 2 * len(self.widths), self.total + 1)
        self.refresh()

    def row_cells(self, row: int) -> list[str]:
        """The text of each column of a row (0-based)."""
        execution = self.execution
        event = execution.events[row]
        eid, kind = event["id"], event["type"]
        previous = execution.events[row - 1]["timestamp"] if row else event["timestamp"]
        ident = str(eid) + ("⑂" if eid == execution.fork_at else "")
        if eid in self.marks:
            ident += f" {self.marks[eid]}"
        return [ident, kind + (" ↻" if eid in self.retries else ""),
                execution.index.names[row] or "", clock(event["timestamp"]),
                delta(event["timestamp"] - previous), execution.labels[row]]

    def _segments(self, cells: list[str], styles: list[Style]) -> list[Segment]:
        segments = []
        for text, width, style in zip(cells, self.widths, styles):
            segments.append(Segment(text[:width].ljust(width) + "  ", style))
        return segments

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y == 0:
            header = self.get_component_rich_style("timeline--header")
            strip = Strip(self._segments(list(COLUMNS), [header] * len(COLUMNS)))
            return strip.crop_extend(scroll_x, scroll_x + width, header)
        row = scroll_y + y - 1
        if self.execution is None or row >= self.total:
            return Strip.blank(width, self.rich_style)
        cells = self.row_cells(row)
        event = self.execution.events[row]
        base = self.rich_style
        main = base + Style.parse(row_style(event["type"], event["id"] in self.retries) or "none")
        ident = main
        if event["id"] in self.marks:
            ident = base + Style.parse("bold reverse red")
        elif event["id"] == self.execution.fork_at:
            ident = base + Style.parse("bold magenta")
        styles = [ident, main, base, base, base, base]
        if row == self.cursor:
            cursor = self.get_component_rich_style("timeline--cursor")
            styles = [style + cursor for style in styles]
            fill = base + cursor
        else:
            fill = base
        return Strip(self._segments(cells, styles)).crop_extend(scroll_x, scroll_x + width, fill)

    # -- the cursor ---------------------------------------------------------------------------

    @property
    def event_id(self) -> int:
        return self.cursor + 1

    def move_to(self, row: int) -> None:
        """Put the cursor on a row (0-based, clamped), scroll it into view, tell the screen."""
        row = max(0, min(row, self.total - 1))
        old, self.cursor = self.cursor, row
        top, visible = round(self.scroll_offset.y), max(1, self.size.height - 1)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        for changed in (old, row):
            self.refresh_line(changed)
        self.post_message(self.Moved(row + 1))

    def refresh_line(self, row: int) -> None:
        y = row - round(self.scroll_offset.y) + 1
        if 0 < y < self.size.height:
            self.refresh_lines(y)

    def mark(self, event_id: int, note: str) -> None:
        """Mark a row (e.g. a replay divergence) in its id cell."""
        self.marks[event_id] = note
        self.refresh()

    def action_move(self, by: int) -> None:
        self.move_to(self.cursor + by)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height - 2))

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_to(round(self.scroll_offset.y) + event.y - 1)
