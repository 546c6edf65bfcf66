"""The executions screen: every execution in the db, filtered with `/`, opened with Enter."""
from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static

from tui.seam import SeamError
from tui.widgets.format import duration

STATUS_STYLE = {"SUCCEEDED": "green", "FAILED": "bold red", "TIMED_OUT": "bold red",
                "ABORTED": "magenta", "RUNNING": "yellow"}
COLUMNS = ("name", "state machine", "status", "events", "virtual start", "duration",
           "parent / fork")


def row_of(doc: dict, names: dict[str, str]) -> tuple:
    from replay.clock import iso_aws

    stop = doc.get("stopMicros")
    parent = ""
    if doc.get("parent"):
        parent = f"{names.get(doc['parent'], doc['parent'])} @{doc.get('forkAt')}"
    return (doc["name"], doc["stateMachineName"], doc["status"], str(doc["events"]),
            iso_aws(doc["startMicros"])[:19].replace("T", " "),
            duration(stop - doc["startMicros"]) if stop is not None else "-", parent)


class ExecutionsScreen(Screen):
    BINDINGS = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("ctrl+r", "reload", "Reload"),
    ]
    HELP_KEYS = [Binding("enter", "", "Open the execution"), Binding("up,down", "", "Move")]

    def __init__(self) -> None:
        super().__init__()
        self.docs: list[dict] = []
        self.shown: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="message")
        yield Input(placeholder="filter: text or status (Enter to apply, Esc to clear)",
                    id="filter")
        yield DataTable(cursor_type="row", id="executions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.action_reload()

    def action_reload(self) -> None:
        try:
            self.docs = self.app.seam.executions()
        except SeamError as exc:
            self.say(str(exc), error=True)
            self.docs = []
        else:
            self.say("" if self.docs else f"no executions in {self.app.seam.db}")
        self.refill()
        self.query_one("#executions", DataTable).focus()

    def say(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#message", Static)
        widget.update(Text(message, style="bold red" if error else "italic"))
        widget.display = bool(message)

    def refill(self, text: str = "") -> None:
        table = self.query_one("#executions", DataTable)
        table.clear(columns=True)
        table.add_columns(*COLUMNS)
        names = {doc["executionArn"]: doc["name"] for doc in self.docs}
        needle = text.lower().strip()
        self.shown = []
        for doc in self.docs:
            row = row_of(doc, names)
            if needle and not any(needle in cell.lower() for cell in row):
                continue
            self.shown.append(doc)
            cells = list(row)
            cells[2] = Text(row[2], style=STATUS_STYLE.get(row[2], ""))
            table.add_row(*cells, key=doc["executionArn"])

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
