"""Reading executions: their histories, list, state at any event (time travel), failures,
branch trees, diffs, export, CloudWatch Logs entries, and the db's own check."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from replay.api.records import description, is_started_child, resolve
from replay.compare import compare_histories
from replay.events import to_aws_event
from replay.faults import injected
from replay.fold import is_failure
from replay.history import EXECUTIONS, read_events
from replay.history import length as history_length
from replay.liveness import is_running
from replay.record import check_record
from replay.runner import RunError
from replay.timetravel import (
    describe_failure,
    describe_state,
    ensure_snapshots,
    failure_at,
    find_failure,
    list_failures,
    parse_position,
    resolve_position,
    state_at,
)
from replay.transfer import export_history
from store import EventLog

if TYPE_CHECKING:
    from store.check import CheckReport


def events(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as stored (AWS shape plus our extra facts)."""
    with EventLog(db, readonly=True) as log:
        return list(read_events(log, resolve(log, execution)))


def history(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as GetExecutionHistory returns them."""
    return [to_aws_event(event) for event in events(db, execution)]


def execution_logs(
    db: str | Path, execution: str, level: str = "ALL", include_execution_data: bool = False
) -> list[dict]:
    """The log events Step Functions would send to CloudWatch Logs for the execution, at log
    `level` (ALL, ERROR, FATAL or OFF), with or without its data (see replay.cloudwatch_logs)."""
    from replay.cloudwatch_logs import check_level, log_events

    try:
        level = check_level(level)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        return list(
            log_events(read_events(log, doc), doc["executionArn"], level, include_execution_data)
        )


def list_executions(db: str | Path) -> list[dict]:
    """The index records of every execution, with `status` INTERRUPTED (and `stopReason`)
    for one that says RUNNING but that no process is running any more."""
    with EventLog(db, readonly=True) as log:
        out = []
        for _, doc in log.docs(EXECUTIONS):
            if doc["status"] == "RUNNING" and not is_running(log.path, doc):
                doc = interrupted_record(log, doc)
            out.append(dict(doc, events=history_length(log, doc)))
        return out


def interrupted_record(log: EventLog, doc: dict) -> dict:
    fresh = log.get_doc(EXECUTIONS, doc["executionArn"]) or doc  # it may have just ended
    if fresh["status"] != "RUNNING" or fresh.get("waiting"):  # waiting is not stopped
        return fresh
    writer = log.get_doc(
        EXECUTIONS,
        fresh.get("rootExecution") or fresh.get("parentExecution") or fresh["executionArn"],
    )
    if writer is not None and writer.get("waiting"):  # a child waits with the run writing it
        return fresh
    reason = (writer or fresh).get("stopReason") or "killed"
    return dict(fresh, status="INTERRUPTED", stopReason=reason)


def state(db: str | Path, execution: str, at: int | str = -1) -> dict:
    """The state of an execution as of event `at`: N, -N from the end, 'failure' (the failure
    that ended the execution) or 'failure:K' (its K-th failure, see `failures`). At a failure
    the result also has `failure`: the event's error and cause, the state it arose in, that
    state's input and Context object."""
    with EventLog.open_existing(db) as log:  # snapshots are a cache: written when it can
        doc = resolve(log, execution)
        kind, k = parse_position(at)
        entry = find_failure(log, doc, k) if kind == "failure" else None
        n = entry["event"]["id"] if entry else resolve_position(log, doc, at)
        if not log.readonly:
            ensure_snapshots(log, doc)
        folded = state_at(log, doc, n)
        event = next(read_events(log, doc, n, n))
        shown = describe_state(doc, folded, event)
        if injected(event):
            shown["injected"] = injected(event)
        if entry is None and is_failure(event["type"]):
            entry = failure_at(log, doc, n)
        if entry is not None:
            shown["failure"] = describe_failure(log, doc, entry)
        return shown


def failures(db: str | Path, execution: str) -> list[dict]:
    """Every failure where an error arose (retried, caught or final), in order: `at`
    (`failure:K`), event id, type, time, error, cause, outcome."""
    with EventLog(db, readonly=True) as log:
        return list_failures(log, resolve(log, execution))


def tree(db: str | Path, execution: str) -> dict:
    """The branch tree that `execution` belongs to, from its root: {doc, children: [...]}."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        while doc.get("parent") or is_started_child(doc):
            doc = log.get_doc(EXECUTIONS, doc.get("parent") or doc["parentExecution"])
        docs = [d for _, d in log.docs(EXECUTIONS)]

        def node(d: dict) -> dict:
            arn = d["executionArn"]
            branches = sorted(
                (k for k in docs if k.get("parent") == arn),
                key=lambda k: (k["forkAt"], k["name"]),
            )
            started = sorted(
                (k for k in docs if k.get("parentExecution") == arn and is_started_child(k)),
                key=lambda k: (k["startMicros"], k["name"]),
            )
            return {"execution": d, "children": [node(k) for k in started + branches]}

        return node(doc)


def diff(db: str | Path, a: str, b: str) -> dict:
    """Every difference between two executions' histories, aligned by event id.

    {a, b: their DescribeExecution records, identical: bool, firstDifference: the first
    entry of differences or None, differences: [{event, a, b, changes}]} (see
    replay.compare: times are compared as time since each execution's start)."""
    with EventLog(db, readonly=True) as log:
        doc_a, doc_b = resolve(log, a), resolve(log, b)
        differences = compare_histories(
            list(read_events(log, doc_a)), list(read_events(log, doc_b))
        )
        return {
            "a": description(log, doc_a),
            "b": description(log, doc_b),
            "identical": not differences,
            "firstDifference": differences[0] if differences else None,
            "differences": differences,
        }


def export(db: str | Path, execution: str) -> dict:
    """The GetExecutionHistory JSON of an execution, with our facts under `sfnReplay`."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        return export_history(doc, list(read_events(log, doc)))


def check(db: str | Path) -> CheckReport:
    """Verify every record and index of the db, then that executions and their events agree.

    A list of problems, one line each (empty: the db is sound), with `.counts` of what was
    checked. Raises StoreError when the db cannot be opened at all."""
    from store.check import check_store

    report = check_store(db)
    if report:
        return report  # the store's own damage first: reading executions may fail on it
    with EventLog(db, readonly=True) as log:
        docs = dict(log.docs(EXECUTIONS))
        for stream in log.streams():
            if stream not in docs:
                report.add(
                    f"{stream}: events without an execution record (a half-written "
                    "execution, e.g. an import interrupted by an older version)"
                )
        for arn, doc in docs.items():
            damage = check_record(doc)
            if damage:
                report.add(f"{arn}: its execution record is damaged: {'; '.join(damage)}")
                continue
            if doc.get("parent") and doc["parent"] not in docs:
                report.add(f"{arn}: its parent {doc['parent']} is not in the db")
            elif not doc.get("forkAt") and not log.length(arn):
                report.add(f"{arn}: an execution record without events")
            elif (
                doc.get("status") not in (None, "RUNNING")
                and doc.get("events") is not None
                and doc["events"] != history_length(log, doc)
            ):
                report.add(
                    f"{arn}: {history_length(log, doc)} events, its record says {doc['events']}"
                )
            if doc.get("definition") and log.get_blob(doc["definition"]) is None:
                report.add(f"{arn}: its definition {doc['definition']} is not in the db")
    return report
