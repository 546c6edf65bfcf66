"""The executions screen: every execution in the db, branches under their parents as a tree,
filtered with `/`, sorted with `s`, opened with Enter; reloaded every 2 s while one runs."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.seam import SeamError
from tui.widgets.format import duration, themed

STATUS_STYLE = {
    "SUCCEEDED": "$success",
    "FAILED": "bold $error",
    "TIMED_OUT": "bold $error",
    "ABORTED": "$primary",
    "RUNNING": "$warning",
}
COLUMNS = (
    "name",
    "state machine",
    "status",
    "events",
    "virtual start",
    "duration",
    "parent / fork",
    "injected faults",
)


def row_of(doc: dict, names: dict[str, str]) -> tuple:
    from replay.api_views import describe_rules
    from replay.clock import iso_aws

    stop = doc.get("stopMicros")
    parent = ""
    if doc.get("parent"):
        parent = f"{names.get(doc['parent'], doc['parent'])} @{doc.get('forkAt')}"
    return (
        doc["name"],
        doc["stateMachineName"],
        doc["status"],
        str(doc["events"]),
        iso_aws(doc["startMicros"])[:19].replace("T", " "),
        duration(stop - doc["startMicros"]) if stop is not None else "-",
        parent,
        describe_rules(doc.get("faults") or []),
    )


def tree_order(docs: list[dict]) -> list[tuple[int, dict]]:
    """(depth, doc): each branch right after its parent, by fork point then name."""
    children: dict[str | None, list[dict]] = {}
    arns = {doc["executionArn"] for doc in docs}
    for doc in docs:
        parent = doc.get("parent") if doc.get("parent") in arns else None
        children.setdefault(parent, []).append(doc)
    out: list[tuple[int, dict]] = []

    def visit(parent: str | None, depth: int) -> None:
        kids = children.get(parent, [])
        if parent is not None:
            kids = sorted(kids, key=lambda d: (d.get("forkAt") or 0, d["name"]))
        for doc in kids:
            out.append((depth, doc))
            visit(doc["executionArn"], depth + 1)

    visit(None, 0)
    return out


SORTS = (
    ("tree", None),
    ("name", lambda d: d["name"]),
    ("status", lambda d: d["status"]),
    ("events", lambda d: -d["events"]),
    ("start", lambda d: d["startMicros"]),
)


class ExecutionsScreen(Screen):
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("s", "sort", "Sort"),
        Binding("ctrl+r", "reload", "Reload"),
    ]
    HELP_KEYS = [Binding("enter", "", "Open the execution"), Binding("up,down", "", "Move")]
    RELOAD_EVERY = 2.0  # seconds between two looks at the db (others may be writing)

    def __init__(self) -> None:
        super().__init__()
        self.docs: list[dict] = []
        self.shown: list[dict] = []
        self.sort = 0
        self.needle = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="message")
        yield Input(
            placeholder="filter: text or status (Enter to apply, Esc to clear)", id="filter"
        )
        yield DataTable(cursor_type="row", id="executions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.action_reload()
        self.set_interval(self.RELOAD_EVERY, self.reload_live)

    def reload_live(self) -> None:
        """Another process may be writing: follow running executions, and new ones (an
        interrupted execution is not running: `resume` starts it again, as a new writer).
        The table is filled again only when something changed, and keeps the focus where
        it is (in the filter box while one types)."""
        if self.app.seam.busy or self.app.screen is not self:
            return
        if self.load():
            self.refill(self.needle)

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self.refill(self.needle)
        self.notify(f"sorted by {SORTS[self.sort][0]}", timeout=1.5)

    def action_reload(self) -> None:
        self.load()
        self.refill(self.needle)
        self.query_one("#executions", DataTable).focus()

    def load(self) -> bool:
        """Read the executions' index records again; whether they changed."""
        before = self.docs
        try:
            self.docs = self.app.seam.executions()
        except SeamError as exc:
            self.say(str(exc), error=True)
            self.docs = []
        else:
            self.say("" if self.docs else f"no executions in {self.app.seam.db}")
        return self.docs != before

    def say(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#message", Static)
        widget.update(Text(message, style="bold red" if error else "italic"))
        widget.display = bool(message)

    def ordered(self) -> list[tuple[int, dict]]:
        _, key = SORTS[self.sort]
        if key is None:
            return tree_order(self.docs)
        return [(0, doc) for doc in sorted(self.docs, key=key)]

    def refill(self, text: str = "") -> None:
        table = self.query_one("#executions", DataTable)
        selected = self.selected()
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        names = {doc["executionArn"]: doc["name"] for doc in self.docs}
        self.needle = needle = text.lower().strip()
        self.shown = []
        for depth, doc in self.ordered():
            row = row_of(doc, names)
            if needle and not any(needle in cell.lower() for cell in row):
                continue
            self.shown.append(doc)
            cells = list(row)
            cells[0] = ("  " * (depth - 1) + "└ " if depth else "") + row[0]
            cells[2] = Text(row[2], style=themed(self.app, STATUS_STYLE.get(row[2], "")))
            table.add_row(*cells, key=doc["executionArn"])
        arns = [doc["executionArn"] for doc in self.shown]
        if selected in arns:
            table.move_cursor(row=arns.index(selected))

    def selected(self) -> str | None:
        table = self.query_one("#executions", DataTable)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]["executionArn"]

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value, box.display = "", False
        self.refill()
        self.query_one("#executions", DataTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.refill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.query_one("#executions", DataTable).focus()

    @on(DataTable.RowSelected, "#executions")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.open_execution(event.row_key.value)
