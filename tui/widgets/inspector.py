"""The inspector: what the cursor event means, section by section, as pretty JSON; the long
sections (Context object, raw event) start folded."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Group
from rich.json import JSON
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

# Sections in the order they are shown, with their titles.
SECTIONS = (
    ("injected", "injected fault"),
    ("input", "input"),
    ("parameters", "parameters"),
    ("result", "result"),
    ("output", "output"),
    ("error", "error"),
    ("cause", "cause"),
    ("variables", "variables in scope"),
    ("context", "Context object ($$)"),
    ("raw", "raw event"),
)


SHOWN_CHARACTERS = 20_000  # a larger section is cut (highlighting it would slow every key)


def _json(value: Any) -> JSON | Text:
    text = json.dumps(value, ensure_ascii=False, default=str, indent=2)
    if len(text) > SHOWN_CHARACTERS:
        return Text(
            text[:SHOWN_CHARACTERS] + f"\n… {len(text) - SHOWN_CHARACTERS} more "
            "characters (y saves them all)",
            style="dim",
        )
    return JSON(text, indent=2)


FOLDABLE = frozenset({"context", "raw"})


def sections(shown: dict, folded: frozenset[str] = frozenset()) -> Group:
    title = Text(f"event {shown['event']}  {shown['type']}", style="bold")
    if shown.get("state"):
        title.append(f"\nstate {shown['state']} ({shown['stateType']})", style="bold cyan")
    title.append(f"  frame {shown['frame']}", style="dim")
    parts: list[Any] = [title]
    for key, heading in SECTIONS:
        if key not in shown or (shown[key] is None and key not in ("input", "output")):
            continue
        style = "bold red" if key in ("error", "cause", "injected") else "bold underline"
        if key in folded:
            parts.append(Text(f"\n▸ {heading} (f unfolds)", style="dim"))
            continue
        parts.append(Text(f"\n{heading}", style=style))
        parts.append(_json(shown[key]))
    return Group(*parts)


class Inspector(VerticalScroll):
    """Shows one `api_views.inspect` dict; `shown` keeps it for copying and for tests."""

    can_focus = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.shown: dict = {}
        self.folded: frozenset[str] = FOLDABLE
        self.body = Static(id="inspector-body")

    def compose(self):
        yield self.body

    def show(self, shown: dict) -> None:
        self.shown = shown
        self.body.update(sections(shown, self.folded))

    def toggle_folds(self) -> None:
        """Fold or unfold the long sections (the Context object and the raw event)."""
        self.folded = frozenset() if self.folded else FOLDABLE
        self.show(self.shown)

    def plain(self, width: int = 80) -> str:
        """What the inspector shows, as plain text."""
        from rich.console import Console

        console = Console(width=width, record=True, file=io.StringIO())
        console.print(sections(self.shown, self.folded))
        return console.export_text()

    def as_json(self) -> str:
        return json.dumps(self.shown, indent=2, ensure_ascii=False, default=str)
