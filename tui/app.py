"""The Textual app: the executions list, then one screen per opened execution. All data comes
through `tui.seam.Seam`; nothing a user does raises out of the app."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tui.screens.compare import CompareScreen
from tui.screens.execution import ExecutionScreen
from tui.screens.executions import ExecutionsScreen
from tui.screens.help import HelpScreen
from tui.seam import Seam, SeamError

THEMES = ("textual-dark", "textual-light")


class ReplayApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "sfn-replay"
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, db: str | Path, execution: str | None = None) -> None:
        super().__init__()
        self.seam = Seam(db)
        self.initial = execution

    def on_mount(self) -> None:
        self.push_screen(ExecutionsScreen())
        if self.initial:  # after the list is mounted, so that an error can be shown there
            self.call_after_refresh(self.open_execution, self.initial)

    def open_execution(self, execution: str) -> None:
        """Open an execution (name or ARN); a message instead when it cannot be read."""
        try:
            loaded = self.seam.open(execution)
            if not loaded.events:
                self.notify(f"{execution} has no events yet", severity="warning")
                return
            screen = ExecutionScreen(loaded)  # reads its first events
        except SeamError as exc:
            self.notify(str(exc), title="cannot open execution", severity="error", timeout=10)
            self._say(str(exc))
            return
        self.push_screen(screen)

    def open_compare(self, a: str, b: str) -> None:
        try:
            aligned = self.seam.compare(a, b)
        except SeamError as exc:
            self.notify(str(exc), title="cannot compare", severity="error", timeout=10)
            return
        self.push_screen(CompareScreen(aligned, a.rsplit(":", 1)[-1], b.rsplit(":", 1)[-1]))

    def _say(self, message: str) -> None:
        if isinstance(self.screen, ExecutionsScreen):
            self.screen.say(message, error=True)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette (ctrl+p) offers every action of the current screen too."""
        yield from super().get_system_commands(screen)
        for binding in getattr(screen, "BINDINGS", []):
            key = binding.key.split(",")[0]

            async def run(action: str = binding.action) -> None:
                await screen.run_action(action)

            yield SystemCommand(binding.description, f"key: {key}", run)

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]
