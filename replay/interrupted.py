"""What a signal raises through a run: kept apart so that the CLI can catch it without
importing the interpreter (start-up time)."""

from __future__ import annotations


class Interrupted(BaseException):
    """A signal (SIGINT, SIGTERM) stopped the process; the CLI raises it from its handlers.

    Passing through a run, it learns which execution stopped and at which committed event
    (`execution`, `db`, `event`: None when nothing was recorded yet)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.execution: str | None = None
        self.db: str | None = None
        self.event: int | None = None
