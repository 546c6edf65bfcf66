"""What a run must do for a fault set to pass: the properties `explore` checks.

- `succeeds`: the execution SUCCEEDED.
- `handled`: the execution does not fail with an error an injected fault raised: every
  injected fault was retried or caught (a Fail state reached through a Catch is fine, and so
  is a failure the mocks or handlers raised on their own).
- `no-fail-state`: no Fail state is entered, anywhere (a Parallel branch or Map iteration
  included); other failures are left to `succeeds` and `handled`.
- `output-matches`: the execution SUCCEEDED and EXPR, a JSONata expression evaluated with the
  execution's output as its input (`$`), gives `true`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replay.explore.candidates import ExploreError

PROPERTIES = ("succeeds", "handled", "no-fail-state", "output-matches")


class Run:
    """What a property looks at: the run's status, error and output, its events (read only
    when asked) and the failure that ended it."""

    def __init__(self, status: str, error: str | None, output: Any, events: Callable) -> None:
        self.status, self.error, self.output = status, error, output
        self._events = events
        self._loaded: list[dict] | None = None

    @property
    def events(self) -> list[dict]:
        if self._loaded is None:
            self._loaded = list(self._events())
        return self._loaded


def check_property(name: str, expression: str | None) -> None:
    """ExploreError for an unknown property, or an expression that is missing, not wanted or
    does not parse."""
    if name not in PROPERTIES:
        raise ExploreError(f"--property must be one of {', '.join(PROPERTIES)}, not {name!r}")
    if name == "output-matches":
        if not expression:
            raise ExploreError("--property output-matches needs a JSONata expression (EXPR)")
        from replay.asl.jsonata import JsonataSyntaxError, check_jsonata_syntax

        try:
            check_jsonata_syntax(expression)
        except JsonataSyntaxError as exc:
            raise ExploreError(f"--expression {expression!r} does not parse: {exc}") from None
    elif expression is not None:
        raise ExploreError(f"--expression goes with --property output-matches, not {name}")


def checker(name: str, expression: str | None) -> Callable[[Run, Callable], str | None]:
    """The check of a property: `check(run, ending)` is None when it holds, else why not;
    `ending(run)` is the row of the failure that ended the run (replay.timetravel)."""
    if name == "succeeds":
        return lambda run, ending: None if run.status == "SUCCEEDED" else _ended(run)
    if name == "handled":
        return _handled
    if name == "no-fail-state":
        return lambda run, ending: (
            "a Fail state was entered"
            if any(e["type"] == "FailStateEntered" for e in run.events)
            else None
        )
    return _matches(expression or "")


def _ended(run: Run) -> str:
    return f"{run.status} with {run.error}" if run.error else run.status


def _handled(run: Run, ending: Callable) -> str | None:
    if run.status != "FAILED":
        return None
    row = ending(run)
    if row is not None and row.get("injected"):
        return f"an injected {row['error']} was neither retried nor caught"
    return None


def _matches(expression: str) -> Callable[[Run, Callable], str | None]:
    import jsonatapy

    from replay.asl.jsonata_functions import EVALUATION_TIMEOUT_MS

    program = jsonatapy.compile(expression, timeout=EVALUATION_TIMEOUT_MS)

    def check(run: Run, ending: Callable) -> str | None:
        if run.status != "SUCCEEDED":
            return f"no output: {_ended(run)}"
        try:
            value = program.evaluate(run.output, {})
        except (ValueError, TypeError) as exc:
            return f"the expression failed: {exc}"
        return (
            None if value is True else f"the output does not match (the expression gave {value!r})"
        )

    return check
