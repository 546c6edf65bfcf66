"""What the validator's checks share: the report, the state names seen so far, and a view of
one state with helpers for its typed fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from replay.asl.validate_expr import is_jsonata
from replay.asl.validate_fields import JSONATA
from replay.asl.validate_report import Report, join, quote

# check_machine(raw, pointer, context, language, kind): kind is "top", "branch" or "processor"
MachineChecker = Callable[[Any, str, "Context", str, str], None]


@dataclass
class Context:
    """The state of one validation run."""

    report: Report
    check_machine: MachineChecker
    names: dict[str, str] = field(default_factory=dict)  # state name -> pointer of its first use


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class StateView:
    """One state's raw object, where it is, and the query language it is read in."""

    name: str
    raw: dict
    pointer: str
    language: str
    context: Context

    @property
    def report(self) -> Report:
        return self.context.report

    @property
    def jsonata(self) -> bool:
        return self.language == JSONATA

    def at(self, *tokens: Any) -> str:
        return join(self.pointer, *tokens)

    def add(self, key: str | None, message: str) -> None:
        self.report.add(self.at(key) if key is not None else self.pointer, message)

    def present(self, *keys: str) -> list[str]:
        return [key for key in keys if key in self.raw]

    def exclusive(self, *keys: str) -> None:
        """At most one of `keys` may be set."""
        found = self.present(*keys)
        if len(found) > 1:
            names = " and ".join(f'"{key}"' for key in keys)
            self.add(found[1], f"only one of {names} may be set")

    def check_int(self, key: str, minimum: int, *, maximum: float | None = None) -> None:
        """`key`, when present, is an integer >= minimum (or, in JSONata, an expression)."""
        if key not in self.raw:
            return
        value = self.raw[key]
        if self.jsonata and is_jsonata(value):
            return
        if is_int(value) and value >= minimum and (maximum is None or value <= maximum):
            return
        self.add(key, f"{key} must be {integer_range(minimum, maximum)}, not {quote(value)}")

    def check_string(self, key: str) -> None:
        if key in self.raw and not isinstance(self.raw[key], str):
            self.add(key, f"{key} must be a string, not {quote(self.raw[key])}")


def integer_range(minimum: int, maximum: float | None = None) -> str:
    """'a positive integer', 'a non-negative integer' or 'an integer from A to B'."""
    if maximum is not None:
        return f"an integer from {minimum} to {int(maximum)}"
    if minimum == 1:
        return "a positive integer"
    if minimum == 0:
        return "a non-negative integer"
    return f"an integer >= {minimum}"
