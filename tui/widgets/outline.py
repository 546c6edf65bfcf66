"""The workflow outline: states in flow order with Parallel branches and Map processors nested,
each with its visit count and outcome at the cursor; the active states highlighted."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from replay.graph import MARKS, Row, outline
from tui.widgets.format import themed

_OUTCOME_STYLE = {
    "succeeded": "$success",
    "failed": "bold $error",
    "running": "$warning",
    "aborted": "$primary",
    "timed out": "bold $error",
}


def render_rows(rows: list[Row], summary: dict, active: set[str], theme=lambda s: s) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    for row in rows:
        pad = "  " * row.depth
        if not row.is_state:
            text.append(f"{pad}[{row.name}]\n", style="dim")
            continue
        seen = summary.get(row.name)
        outcome = seen["outcome"] if seen else None
        mark = MARKS.get(outcome, "?") if seen else "·"
        style = theme(_OUTCOME_STYLE.get(outcome, "dim")) if seen else "dim"
        line = f"{pad}{mark} {row.name}"
        if seen:
            line += f" ×{seen['visits']}"
        text.append(line, style=style + (" reverse" if row.name in active else ""))
        text.append(f"  {row.type}\n", style="dim")
    text.rstrip()
    return text


class Outline(VerticalScroll):
    def __init__(self, machine: dict, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows = outline(machine)
        self.body = Static(id="outline-body")
        self.active: set[str] = set()
        self.summary: dict = {}

    def compose(self):
        yield self.body

    def show(self, summary: dict, active: set[str]) -> None:
        self.summary, self.active = summary, active
        self.body.update(
            render_rows(self.rows, summary, active, lambda style: themed(self.app, style))
        )
        lines = [i for i, row in enumerate(self.rows) if row.is_state and row.name in active]
        if lines and not (self.scroll_y <= lines[-1] < self.scroll_y + self.size.height):
            self.scroll_to(y=max(0, lines[-1] - self.size.height // 2), animate=False)
