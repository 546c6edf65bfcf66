"""Child executions that outlive their parent: a plain `startExecution` child runs on after its
parent's end, written by its parent's run. When that run stops (killed, a Task nothing answers)
the parent's record is final and the child's is not: `resume` goes on with the parent's run for
it (see `api.resume`). Reads the executions index only."""

from __future__ import annotations

from replay.history import EXECUTIONS, descendants
from store import EventLog


def writer_of(log: EventLog, doc: dict) -> dict | None:
    """The execution whose run writes `doc` (its root), or None for a top-level one."""
    arn = doc.get("rootExecution") or doc.get("parentExecution")
    return log.get_doc(EXECUTIONS, arn) if arn else None


def unfinished(log: EventLog, doc: dict) -> list[dict]:
    """The child executions of `doc`'s run that have not ended (parents before children)."""
    return [
        child for child in descendants(log, doc["executionArn"]) if child["status"] == "RUNNING"
    ]


def goes_on(log: EventLog, doc: dict) -> bool:
    """Whether the run of `doc` has more to write: it, or a child outliving it, is unfinished."""
    return doc["status"] == "RUNNING" or bool(unfinished(log, doc))
