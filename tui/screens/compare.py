"""Compare two executions side by side, aligned by event id; the first divergence and every
later difference marked; n/p move between differences."""
from __future__ import annotations

import bisect

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from replay.api_views import Aligned
from replay.events import details


def cell(event: dict | None) -> str:
    if event is None:
        return "—"
    name = details(event).get("name") or details(event).get("error") or ""
    return f"{event['type']} {name}".strip()


class CompareScreen(Screen):
    BINDINGS = [
        Binding("n", "difference(1)", "Next difference"),
        Binding("p", "difference(-1)", "Prev difference"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, aligned: Aligned, a_name: str, b_name: str) -> None:
        super().__init__()
        self.aligned, self.a_name, self.b_name = aligned, a_name, b_name

    def compose(self) -> ComposeResult:
        yield Header()
        first = self.aligned.first
        summary = (f"{self.a_name} vs {self.b_name}: " +
                   (f"first divergence at event {first}, {len(self.aligned.differs)} "
                    f"differing events" if first else "identical histories"))
        yield Static(summary, id="compare-summary")
        yield DataTable(cursor_type="row", id="compare")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", self.a_name[:30], self.b_name[:30])
        a, b, differs = self.aligned.a, self.aligned.b, set(self.aligned.differs)
        for i in range(max(len(a), len(b))):
            left = a[i] if i < len(a) else None
            right = b[i] if i < len(b) else None
            mark = ""
            style = ""
            if i + 1 == self.aligned.first:
                mark, style = " ◆ first", "bold red"
            elif i + 1 in differs:
                mark, style = " ≠", "yellow"
            table.add_row(Text(f"{i + 1}{mark}", style=style), Text(cell(left), style=style),
                          Text(cell(right), style=style), key=str(i + 1))
        if self.aligned.first:
            table.move_cursor(row=self.aligned.first - 1)
        table.focus()

    def action_difference(self, direction: int) -> None:
        table = self.query_one(DataTable)
        here, ids = table.cursor_row + 1, self.aligned.differs
        i = bisect.bisect_right(ids, here) if direction > 0 else bisect.bisect_left(ids, here) - 1
        if 0 <= i < len(ids):
            table.move_cursor(row=ids[i] - 1)

    def action_back(self) -> None:
        self.app.pop_screen()
