"""Diagnostics of the validator: a JSON pointer into the definition and a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a definition, at a JSON pointer (RFC 6901) into it."""

    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}"


def escape(token: Any) -> str:
    """One JSON pointer reference token (`~` -> `~0`, `/` -> `~1`)."""
    text = str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def join(pointer: str, *tokens: Any) -> str:
    """`pointer` extended by `tokens`, each escaped."""
    for token in tokens:
        pointer = pointer + "/" + escape(token)
    return pointer


def quote(value: Any) -> str:
    """A value as messages show it: strings in double quotes, others in their JSON form."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    return type(value).__name__


@dataclass
class Report:
    """Collects diagnostics in the order they are found, without repeats."""

    items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set)

    def add(self, pointer: str, message: str) -> None:
        diagnostic = Diagnostic(pointer, message)
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.items.append(diagnostic)
