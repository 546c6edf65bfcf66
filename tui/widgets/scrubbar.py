"""The scrub bar: position / total, virtual time, and a strip with failures and the fork
point marked (the failures found so far while the history is still being scouted: `failures
3+`)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from tui.widgets.format import clock, duration, themed


class ScrubBar(Widget):
    DEFAULT_CSS = "ScrubBar { height: 2; }"

    def __init__(
        self,
        total: int,
        failures: Sequence[int],
        fork_at: int | None = None,
        start: int = 0,
        complete: bool = True,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.total, self.failures, self.fork_at, self.start = total, failures, fork_at, start
        self.position, self.time, self.note = 1, start, ""
        self.complete = complete  # whether `failures` holds all of them yet

    def move(self, position: int, time: int, note: str = "") -> None:
        self.position, self.time, self.note = position, time, note
        self.refresh()

    def strip(self, width: int) -> Text:
        cells = ["─"] * width
        styles = ["dim"] * width

        def cell(event_id: int) -> int:
            return min(width - 1, (event_id - 1) * width // max(1, self.total))

        for event_id in self.failures:
            cells[cell(event_id)], styles[cell(event_id)] = "✗", themed(self.app, "bold $error")
        if self.fork_at:
            cells[cell(self.fork_at)] = "⑂"
            styles[cell(self.fork_at)] = themed(self.app, "bold $primary")
        here = cell(self.position)
        cells[here], styles[here] = "█", "bold reverse"
        text = Text()
        for char, style in zip(cells, styles):
            text.append(char, style=style)
        return text

    @property
    def label(self) -> str:
        return (
            f"event {self.position}/{self.total}  {clock(self.time)}  "
            f"T+{duration(self.time - self.start)}  failures {len(self.failures)}"
            + ("" if self.complete else "+")
            + (f"  {self.note}" if self.note else "")
        )

    def render(self) -> Text:
        width = max(10, self.size.width)
        return Text(self.label[:width] + "\n") + self.strip(width)
