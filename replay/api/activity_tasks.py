"""Activities: CreateActivity, DescribeActivity, ListActivities, DeleteActivity, and
GetActivityTask, which hands a waiting activity task to a worker."""

from __future__ import annotations

import time
from pathlib import Path

from replay import activities, callbacks
from replay.api.continuing import continue_execution
from replay.api.records import last_moment, parse_time_option
from replay.history import EXECUTIONS, descendants, read_events
from replay.liveness import Busy, ExecutionLock
from replay.runner import RunError
from store import EventLog


def create_activity(
    db: str | Path,
    name: str,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
    tags: dict | None = None,
    now_micros: int | None = None,
) -> dict:
    """CreateActivity: the activity's record (`activityArn`, `name`, `creationDate` as ISO
    8601, `tags`); one of that name that exists is returned as it is (AWS: idempotent)."""
    now = time.time_ns() // 1000 if now_micros is None else now_micros
    with EventLog(db) as log:
        return activities.shown(activities.create(log, name, account, region, now, tags))


def describe_activity(db: str | Path, arn: str) -> dict:
    """DescribeActivity, or ActivityDoesNotExist."""
    with EventLog(db, readonly=True) as log:
        return activities.shown(activities.get(log, arn))


def list_activities(db: str | Path) -> list[dict]:
    with EventLog(db, readonly=True) as log:
        return [activities.shown(record) for record in activities.list_all(log)]


def delete_activity(db: str | Path, arn: str) -> bool:
    """DeleteActivity: whether there was one. Executions that started while it existed go on
    waiting for a worker (they record the activities they know)."""
    with EventLog(db) as log:
        return activities.delete(log, arn)


def get_activity_task(
    db: str | Path,
    arn: str,
    *,
    worker_name: str | None = None,
    at: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """GetActivityTask, without the long poll: `{"taskToken", "input"}` of the oldest task of
    the activity that waits for a worker, across the db's executions, started now: its
    execution records ActivityStarted (with `workerName`) at `at` (ISO 8601; default: the time
    it waits at; `now_micros`, the endpoint's clock, as for `send_task_*`) and goes on waiting
    for the answer (`send_task_*` with the token). `{}` when no task waits. A task whose
    TimeoutSeconds ends before then is not handed out: its execution goes on from its timeout."""
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        activities.get(log, arn)
        tried: set[tuple[str, str]] = set()
        too_early = None  # a task waits, but since after `at`
        while True:
            docs = [doc for _, doc in log.docs(EXECUTIONS)]
            found = [
                (doc, entry)
                for doc, entry in activities.unstarted(docs, arn)
                if (doc["executionArn"], entry["token"]) not in tried
            ]
            if not found and too_early is not None:
                raise RunError(f"{too_early}: no task of the activity waits by then")
            if not found:
                return {}
            doc, entry = found[0]
            tried.add((doc["executionArn"], entry["token"]))
            try:
                task = _start_activity_task(
                    log, doc, entry["token"], worker_name, at_micros, now_micros
                )
            except _TooEarly as exc:
                too_early = too_early or str(exc)
                continue
            if task:
                return task


class _TooEarly(RunError):
    """A worker asks for a task before the time its execution waits at."""


def _start_activity_task(
    log: EventLog,
    doc: dict,
    token: str,
    worker: str | None,
    at_micros: int | None,
    now_micros: int | None,
) -> dict | None:
    """Hand the task `token` of execution `doc` to a worker (None: it could not be; _TooEarly:
    `at_micros` is before the execution's last recorded moment)."""
    try:
        lock = ExecutionLock(log.path, doc["executionArn"]).__enter__()
    except Busy:
        return None  # another process goes on with it
    try:
        doc = log.get_doc(EXECUTIONS, doc["executionArn"])
        entries = [e for _, e in callbacks.waiting_for([doc], token) if "startedMicros" not in e]
        if not entries:
            return None
        try:
            when = callbacks.arrival(doc, last_moment(log, doc), at_micros)
        except ValueError as exc:
            raise _TooEarly(str(exc)) from None
        if at_micros is None and now_micros is not None:
            when = max(when, now_micros)
        beats = callbacks.heartbeats(doc)
        if callbacks.timed_out_before(entries[0], when):  # it times out first: never handed out
            continue_execution(log, doc, horizon=when, heartbeats=beats)
            return None
        starts = {token: (when, worker)}
        continue_execution(log, doc, horizon=when, heartbeats=beats, activity_starts=starts)
        doc = log.get_doc(EXECUTIONS, doc["executionArn"])
        events = [
            e for d in (doc, *descendants(log, doc["executionArn"])) for e in read_events(log, d)
        ]
        given = activities.task_input(events, token)  # None: it ended before (a branch failed)
        return None if given is None else {"taskToken": token, "input": given}
    finally:
        lock.__exit__(None, None, None)
