"""Compare two executions side by side, aligned by event id; the first divergence and every
later difference marked; n/p move between differences."""

from __future__ import annotations

import bisect

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from replay.api_views import Aligned
from replay.events import details
from tui.widgets.table import VirtualTable


def cell(event: dict | None) -> str:
    if event is None:
        return "—"
    name = details(event).get("name") or details(event).get("error") or ""
    return f"{event['type']} {name}".strip()


class AlignedTable(VirtualTable):
    """Two histories by event id; differing rows marked ≠, the first one ◆."""

    def __init__(self, aligned: Aligned, a_name: str, b_name: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.aligned = aligned
        self.differs = set(aligned.differs)
        rows = max(len(aligned.a), len(aligned.b))
        self.set_shape(("id", a_name, b_name), [len(str(rows)) + 8, 40, 40], rows)

    def row_cells(self, row: int) -> list[str]:
        a, b = self.aligned.a, self.aligned.b
        mark = (
            " ◆ first"
            if row + 1 == self.aligned.first
            else (" ≠" if row + 1 in self.differs else "")
        )
        return [
            f"{row + 1}{mark}",
            cell(a[row] if row < len(a) else None),
            cell(b[row] if row < len(b) else None),
        ]

    def row_styles(self, row: int) -> list[str]:
        if row + 1 == self.aligned.first:
            return ["bold $error"] * 3
        return ["$warning"] * 3 if row + 1 in self.differs else [""] * 3


class CompareScreen(Screen):
    BINDINGS = [
        Binding("n", "difference(1)", "Next difference"),
        Binding("p", "difference(-1)", "Prev difference"),
        Binding("escape", "back", "Back"),
    ]
    HELP_KEYS = VirtualTable.BINDINGS

    def __init__(self, aligned: Aligned, a_name: str, b_name: str) -> None:
        super().__init__()
        self.aligned, self.a_name, self.b_name = aligned, a_name, b_name

    def compose(self) -> ComposeResult:
        yield Header()
        first = self.aligned.first
        summary = f"{self.a_name} vs {self.b_name}: " + (
            f"first divergence at event {first}, {len(self.aligned.differs)} differing events"
            if first
            else "identical histories"
        )
        yield Static(summary, id="compare-summary")
        yield AlignedTable(self.aligned, self.a_name, self.b_name, id="compare")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(AlignedTable)
        if self.aligned.first:
            table.move_to(self.aligned.first - 1)
        table.focus()

    def action_difference(self, direction: int) -> None:
        table = self.query_one(AlignedTable)
        here, ids = table.event_id, self.aligned.differs
        i = bisect.bisect_right(ids, here) if direction > 0 else bisect.bisect_left(ids, here) - 1
        if 0 <= i < len(ids):
            table.move_to(ids[i] - 1)

    def action_back(self) -> None:
        self.app.pop_screen()
