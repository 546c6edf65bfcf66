"""Loading a definition: JSON text -> validated, compiled Machine, or a clear error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replay.asl.compile import compile_machine
from replay.asl.model import Machine
from replay.asl.validate import Diagnostic, parse_definition


class InvalidDefinition(ValueError):
    """The definition does not validate; `diagnostics` lists every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        first = str(diagnostics[0])
        more = f" (and {len(diagnostics) - 1} more)" if len(diagnostics) > 1 else ""
        super().__init__(f"invalid definition: {first}{more}")
        self.diagnostics = diagnostics


@dataclass(frozen=True)
class Definition:
    text: str
    raw: Any
    machine: Machine


def load_definition(text: str) -> Definition:
    """Validate and compile; raises InvalidDefinition."""
    raw, diagnostics = parse_definition(text)
    if diagnostics:
        raise InvalidDefinition(diagnostics)
    try:
        machine = compile_machine(raw)
    except Exception as exc:  # the validator should have caught it; never crash the user
        raise InvalidDefinition([Diagnostic("", f"cannot compile: {exc}")]) from None
    return Definition(text, raw, machine)
