"""Activities: the db's registry of them (a docs table, `activities`, by ARN) and what a worker
does to the executions that wait for one.

An activity Task that no mock or handler answers, and whose activity is registered (the ARNs
registered when the execution started are recorded with it: replay, resume and branch see the
same set, even after `delete-activity`), records ActivityScheduled and waits, as a
`.waitForTaskToken` Task does, for a worker: `get-activity-task` hands the oldest such task of
the activity to one, recording ActivityStarted (its `workerName`, at the virtual time it asks),
and the worker answers with `send-task-*`. The task token is a pure function of where the task
runs (execution, frame, state, invocation), so a re-run finds the same one; ActivityStarted
carries it under our extra key, which tells a re-run when, and by whom, the task was started.
"""

from __future__ import annotations

from typing import Iterable

from replay.clock import iso_aws
from replay.events import EXTRA
from replay.runner import RunError, check_name

TABLE = "activities"


class ActivityDoesNotExist(RunError):
    """No activity with this ARN in the db (AWS's error name)."""


def activity_arn(name: str, account: str, region: str) -> str:
    return f"arn:aws:states:{region}:{account}:activity:{name}"


def check_arn(arn: str) -> None:
    parts = arn.split(":")
    if (
        len(parts) != 7
        or parts[:3] != ["arn", "aws", "states"]
        or parts[5] != "activity"
        or not all(parts[3:7])
    ):
        raise RunError(f"invalid activity ARN {arn!r}: arn:aws:states:REGION:ACCOUNT:activity:NAME")


def create(
    log, name: str, account: str, region: str, now_micros: int, tags: dict | None = None
) -> dict:
    """The activity's record, created unless one of that name exists (AWS: CreateActivity is
    idempotent on the name; the tags of a later request are ignored)."""
    check_name("activity", name)
    arn = activity_arn(name, account, region)
    record = log.get_doc(TABLE, arn)
    if record is None:
        record = {
            "activityArn": arn,
            "name": name,
            "creationDate": now_micros,
            "tags": dict(tags or {}),
        }
        log.put_doc(TABLE, arn, record)
    return record


def get(log, arn: str) -> dict:
    check_arn(arn)
    record = log.get_doc(TABLE, arn)
    if record is None:
        raise ActivityDoesNotExist(f"ActivityDoesNotExist: no activity {arn} in the db")
    return record


def list_all(log) -> list[dict]:
    """Every activity of the db, by name then ARN."""
    return sorted((r for _, r in log.docs(TABLE)), key=lambda r: (r["name"], r["activityArn"]))


def delete(log, arn: str) -> bool:
    """Whether there was one (AWS: deleting one that is gone is no error)."""
    check_arn(arn)
    return log.delete_doc(TABLE, arn)


def used_by(log, definition_text: str) -> list[str]:
    """The registered activities a definition names: what an execution of it records."""
    return sorted(arn for arn, _ in log.docs(TABLE) if arn in definition_text)


def unstarted(docs: Iterable[dict], arn: str) -> list[tuple[dict, dict]]:
    """(execution record, waiting entry) of each task of the activity `arn` that waits for a
    worker, oldest first (scheduled earliest, then execution start, name, token)."""
    found = [
        (doc, entry)
        for doc in docs
        if doc.get("status") == "RUNNING"
        for entry in doc.get("waiting") or ()
        if entry.get("activity") and entry["resource"] == arn and "startedMicros" not in entry
    ]
    return sorted(
        found,
        key=lambda f: (f[1]["sinceMicros"], f[0]["startMicros"], f[0]["name"], f[1]["token"]),
    )


def shown(record: dict) -> dict:
    """A record as the API returns it (the creation date as ISO 8601)."""
    return dict(record, creationDate=iso_aws(record["creationDate"]))


def task_input(events: list[dict], token: str) -> str | None:
    """The input (JSON text) of the activity task `token`: its ActivityScheduled event's, the
    one its ActivityStarted follows."""
    by_id = {event["id"]: event for event in events}
    for event in reversed(events):
        if event["type"] == "ActivityStarted" and (event.get(EXTRA) or {}).get("token") == token:
            scheduled = by_id.get(event["previousEventId"]) or {}
            return (scheduled.get("activityScheduledEventDetails") or {}).get("input")
    return None
