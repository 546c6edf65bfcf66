"""The failing fault sets an exploration found for a state (x in the execution view): one row
per set (its faults, the outcome, the failing state and error, the run kept in the db); Enter
opens that run."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from replay.api_views import describe_rules

COLUMNS = ("faults", "status", "state", "error", "execution")


def summary(state: str, report: dict) -> str:
    failing = len(report["failures"])
    verdict = (
        f"{failing} failing fault set{'s' * (failing > 1)}" if failing else "no fault set fails"
    )
    return (
        f"explore {state}: {report['runs']} runs, {verdict} "
        f"(property {report.get('property', 'succeeds')})"
    )


class ExploreScreen(Screen):
    BINDINGS = [Binding("escape", "back", "Back")]
    HELP_KEYS = [Binding("enter", "", "Open the run of the fault set")]

    def __init__(self, state: str, report: dict) -> None:
        super().__init__()
        self.state, self.report = state, report

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(summary(self.state, self.report), id="explore-summary")
        yield DataTable(cursor_type="row", id="explored")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        for i, failure in enumerate(self.report["failures"]):
            table.add_row(
                describe_rules(failure["faults"]),
                failure.get("status") or "",
                failure.get("state") or "",
                failure.get("error") or "",
                failure.get("execution") or "",
                key=str(i),
            )
        table.focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        name = self.report["failures"][int(event.row_key.value)].get("execution")
        if name:
            self.app.open_execution(name)
        else:
            self.notify("this fault set's run was not kept", severity="warning")

    def action_back(self) -> None:
        self.app.pop_screen()
