"""Reading an execution's events from the log, branches included: a branch's events 1..N are
its parent's (read from the parent, never copied), its own start at N+1."""

from __future__ import annotations

from typing import Iterator

from store import EventLog

EXECUTIONS = "executions"


def execution_doc(log: EventLog, arn: str) -> dict | None:
    return log.get_doc(EXECUTIONS, arn)


def length(log: EventLog, doc: dict) -> int:
    """Number of events in the execution's full history."""
    return doc.get("forkAt", 0) + log.length(doc["executionArn"])


def read_events(
    log: EventLog, doc: dict, start: int = 1, stop: int | None = None
) -> Iterator[dict]:
    """Events start..stop (inclusive ids) of the full history."""
    fork = doc.get("forkAt", 0)
    end = length(log, doc) if stop is None else min(stop, length(log, doc))
    if start > end:
        return
    if fork and start <= fork:
        parent = execution_doc(log, doc["parent"])
        yield from read_events(log, parent, start, min(end, fork))
    if end > fork:
        yield from log.read(doc["executionArn"], max(start, fork + 1) - fork, end - fork)


STATE_MACHINES = "stateMachines"  # the state machines `serve` keeps, by ARN


def descendants(log: EventLog, arn: str) -> list[dict]:
    """The index docs of the child executions an execution's run writes: its Distributed Map
    and startExecution children, theirs, and so on (parents before their children)."""
    by_parent: dict[str, list[dict]] = {}
    for _, doc in log.docs(EXECUTIONS):
        parent = doc.get("parentExecution")
        if parent is not None:
            by_parent.setdefault(parent, []).append(doc)
    out: list[dict] = []
    pending = list(by_parent.get(arn, ()))
    while pending:
        doc = pending.pop(0)
        out.append(doc)
        pending.extend(by_parent.get(doc["executionArn"], ()))
    return out
