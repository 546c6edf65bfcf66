"""Help: every key of the screen it was opened from, read from that screen's bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

_KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "shift+left": "shift+←",
    "shift+right": "shift+→",
    "left": "←",
    "right": "→",
    "up": "↑",
    "down": "↓",
}


def entries(bindings: list[Binding]) -> list[tuple[str, str]]:
    """(keys as typed, what they do) for each binding."""
    return [
        (", ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in b.key.split(",")), b.description)
        for b in bindings
    ]


def key_table(rows: list[tuple[str, str]]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2))
    for keys, description in rows:
        table.add_row(f"[bold]{keys}[/]", description)
    return table


def bindings_of(*sources) -> list[Binding]:
    out: list[Binding] = []
    for source in sources:
        for binding in getattr(source, "BINDINGS", []):
            out.append(binding if isinstance(binding, Binding) else Binding(*binding))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        keys = bindings_of(self.for_screen, self.app) + list(
            getattr(self.for_screen, "HELP_KEYS", [])
        )
        self.entries = entries(keys)
        with VerticalScroll(classes="dialog", id="help"):
            yield Static(f"[bold]keys: {type(self.for_screen).__name__}[/]")
            yield Static(key_table(self.entries))
