"""What an expression sees when it is evaluated: `$`, `$$`, variables and the seeded generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class Randomness(Protocol):
    """The execution's seeded random source (never the global `random`)."""

    def random(self) -> float: ...

    def randint(self, low: int, high: int) -> int: ...

    def uuid(self) -> str: ...


@dataclass(slots=True)
class Env:
    input: Any
    context: dict = field(default_factory=dict)
    variables: dict = field(default_factory=dict)
    rng: Randomness | None = None
