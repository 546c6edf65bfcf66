"""Modal forms: a one-line prompt, a picker, and the branch form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option


class Prompt(ModalScreen[str | None]):
    """One line of text; Enter returns it, Escape returns None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, value: str = "") -> None:
        super().__init__()
        self.title_text, self.value = title, value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text)
            yield Input(self.value, id="prompt")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class Picker(ModalScreen[str | None]):
    """Pick one of (label, value) pairs."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.choices = title, choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text)
            yield OptionList(*[Option(label, id=value) for label, value in self.choices])

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def json_problem(text: str) -> str | None:
    """None when `text` is valid JSON, else where and why it is not."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    return None


def _read_json_file(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {what} {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno}"
        ) from None


class BranchForm(ModalScreen[dict | None]):
    """Options for `api.branch` at the cursor. The input editor starts with the recorded input
    of the next state entered; the override applies only when the edited JSON differs from it.
    Faults are rules as on the command line, separated by `;`; they replace the parent's after
    the fork, `-` drops them, empty keeps them."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel"), Binding("ctrl+s", "submit", "Branch")]

    def __init__(
        self,
        at: int,
        next_input: str | None,
        next_state: str | None = None,
        parse_faults: Any = None,
    ) -> None:
        super().__init__()
        self.at, self.next_state, self.parse_faults = at, next_state, parse_faults
        original = json.loads(next_input) if next_input else {}
        self.original = original
        self.start_text = json.dumps(original, indent=2, ensure_ascii=False)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="branch-dialog"):
            yield Label(f"branch after event {self.at}  (ctrl+s: branch, esc: cancel)")
            yield Label(
                f"input of the next state entered ({self.next_state or 'none'} in the "
                "record); edit it to override"
            )
            yield TextArea(self.start_text, id="input-json", show_line_numbers=True)
            yield Label("valid JSON", id="json-status")
            yield Label("", id="form-error")
            yield Input(placeholder="definition file (optional)", id="definition")
            with Horizontal(classes="row"):
                yield Input(placeholder="mock config file (optional)", id="mocks")
                yield Input(placeholder="test case", id="test-case")
            yield Input(
                placeholder="inject faults: STATE:ERROR[:CAUSE][@ATTEMPTS]; ... "
                "(- drops the parent's)",
                id="faults",
            )
            with Horizontal(classes="row"):
                yield Input(placeholder="seed (optional)", id="seed")
                yield Input(placeholder="name (optional)", id="name")
            with Horizontal(classes="row"):
                yield Button("Branch", variant="primary", id="do-branch")
                yield Button("Cancel", id="cancel")

    @on(TextArea.Changed, "#input-json")
    def _validate(self, event: TextArea.Changed) -> None:
        problem = json_problem(event.text_area.text)
        status = self.query_one("#json-status", Label)
        status.update(problem or "valid JSON")
        status.set_class(problem is not None, "invalid")

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def options(self) -> dict:
        """The branch options, or ValueError naming what is wrong."""
        text = self.query_one("#input-json", TextArea).text
        problem = json_problem(text)
        if problem:
            raise ValueError(f"input: {problem}")
        options: dict[str, Any] = {}
        if json.loads(text) != self.original:
            options["input_override"] = json.loads(text)
        if self._value("definition"):
            try:
                options["definition_text"] = Path(self._value("definition")).read_text(
                    encoding="utf-8"
                )
            except OSError as exc:
                raise ValueError(
                    f"cannot read definition {self._value('definition')}: {exc.strerror}"
                ) from None
        if self._value("mocks"):
            if not self._value("test-case"):
                raise ValueError("a mock config needs a test case")
            options["mocks"] = _read_json_file(self._value("mocks"), "mock config")
            options["test_case"] = self._value("test-case")
        faults = self._value("faults")
        if faults == "-":
            options["faults"] = []
        elif faults and self.parse_faults is not None:
            options["faults"] = self.parse_faults(faults)  # ValueError naming the bad rule
        if self._value("seed"):
            try:
                options["seed"] = int(self._value("seed"))
            except ValueError:
                raise ValueError(f"seed must be an integer, not {self._value('seed')!r}") from None
        if self._value("name"):
            options["name"] = self._value("name")
        return options

    def action_submit(self) -> None:
        try:
            options = self.options()
        except ValueError as exc:
            self.query_one("#form-error", Label).update(str(exc))
            return
        self.dismiss(options)

    @on(Button.Pressed, "#do-branch")
    def _branch(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def action_dismiss_none(self) -> None:
        self.dismiss(None)
