"""A Distributed Map's S3 calls answered from the record, as Tasks are by `RecordedWorld`.

Every ItemReader read and ResultWriter write is a fact recorded under the EXTRA key `s3` of the
next event (never in the AWS-shaped details): `{"at": [op, frame label, StateEntered id,
attempt], "request": {...}, "value": ...}` or `{..., "error", "cause"}`. `replay` and the
shared prefix of a `branch` answer from these facts, so edited or deleted files change nothing
and nothing is written; what the record lacks (a branch after its fork, a record older than the
facts, a request a new definition changed) goes to `live`, a `LocalS3` (which, for a replay,
writes nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from replay.events import EXTRA

FACTS = "s3"  # the EXTRA key of the facts


def fact_key(at: Iterable[Any]) -> tuple:
    return tuple(at)


@dataclass(frozen=True)
class RecordedS3:
    facts: dict[tuple, dict]
    live: Any = None  # a LocalS3 for calls the record does not hold, or None

    @classmethod
    def from_events(cls, *histories: Iterable[dict], live: Any = None) -> RecordedS3:
        """The facts of one or more histories (an execution and its child executions)."""
        facts: dict[tuple, dict] = {}
        for events in histories:
            for event in events:
                for fact in (event.get(EXTRA) or {}).get(FACTS, ()):
                    facts[fact_key(fact["at"])] = fact
        return cls(facts, live)

    def recorded(self, at: Iterable[Any]) -> dict | None:
        return self.facts.get(fact_key(at))
