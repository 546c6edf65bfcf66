"""The small AST of an intrinsic function call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, `true`, `false` or `null`."""

    value: Any


@dataclass(frozen=True, slots=True)
class String:
    """A quoted string literal.

    `value` is the decoded text. `parts` is the text split at its unescaped `{}` placeholders
    (so `len(parts) - 1` placeholders), which is what States.Format reads; escaped braces are
    plain text there. `bad_escape` holds an open escape (a backslash before any other
    character): AWS accepts the definition and fails when the call is evaluated.
    """

    value: str
    parts: tuple[str, ...]
    bad_escape: str | None = None


@dataclass(frozen=True, slots=True)
class Path:
    """A JSONPath (`$...`, `$$...`) or a variable reference (`$name...`)."""

    text: str


@dataclass(frozen=True, slots=True)
class Call:
    """`States.Name(args...)`; `start` is the offset of `States.` in the text."""

    name: str
    args: tuple[Arg, ...]
    start: int = 0


Arg = Literal | String | Path | Call
