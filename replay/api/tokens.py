"""Task tokens: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat, each of which goes on
with the execution that waits for the token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replay import callbacks
from replay.api.continuing import continue_execution
from replay.api.records import description, last_moment, parse_time_option, resolve, writing
from replay.clock import iso_aws
from replay.history import EXECUTIONS
from replay.runner import RunError
from replay.world import ChainWorld
from replay.worlds import recorded_world
from store import EventLog


def send_task_success(
    db: str | Path,
    token: str,
    output: Any,
    *,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskSuccess: the Task waiting for `token` returns `output`, at virtual time `at`
    (ISO 8601; default: the time the execution waits at), and the execution goes on. Returns
    its DescribeExecution record (`taskTimedOut` when the task had timed out before).

    `now_micros` (the endpoint's wall clock, without `at`): the answer arrives then, or at the
    execution's latest moment when that is later. Likewise for the failure and the heartbeat."""
    return _answer_token(db, token, at, execution, now_micros, output=output)


def send_task_failure(
    db: str | Path,
    token: str,
    *,
    error: str | None = None,
    cause: str | None = None,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskFailure: the Task waiting for `token` fails with `error` and `cause`."""
    return _answer_token(
        db, token, at, execution, now_micros, failed=True, error=error, cause=cause
    )


def send_task_heartbeat(
    db: str | Path,
    token: str,
    *,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskHeartbeat: the Task waiting for `token` is alive at `at`. A heartbeat after the
    task's HeartbeatSeconds (or TimeoutSeconds) finds it timed out: the execution goes on."""
    return _answer_token(db, token, at, execution, now_micros, heartbeat=True)


def _answer_token(
    db: str | Path,
    token: str,
    at: str | None,
    execution: str | None,
    now_micros: int | None = None,
    **outcome: Any,
) -> dict:
    heartbeat = outcome.pop("heartbeat", False)
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        doc, _ = _waiting_for(log, token, execution)
        with writing(log, doc, "is running in another process") as doc:
            found = callbacks.waiting_for([doc], token)
            if not found:
                raise callbacks.TaskDoesNotExist(
                    f"TaskDoesNotExist: {doc['name']} no longer waits for task token {token}"
                )
            entry = found[0][1]
            if entry.get("activity") and "startedMicros" not in entry:
                raise callbacks.TaskDoesNotExist(
                    f"TaskDoesNotExist: the activity task of {entry['state']} in {doc['name']} "
                    "was not handed to a worker (get-activity-task) yet"
                )
            try:
                when = callbacks.arrival(doc, last_moment(log, doc), at_micros)
            except ValueError as exc:
                raise RunError(str(exc)) from None
            if at_micros is None and now_micros is not None:
                when = max(when, now_micros)
            late = callbacks.timed_out_before(entry, when)
            if heartbeat and late is None:
                doc = callbacks.with_heartbeat(doc, token, when)
                if not callbacks.any_timed_out(doc, when):  # nothing happens: keep the beat
                    log.put_doc(EXECUTIONS, doc["executionArn"], doc)
                    return description(log, log.get_doc(EXECUTIONS, doc["executionArn"]))
            answers = (
                []
                if heartbeat
                else [callbacks.CallbackWorld(token, callbacks.reply(entry, when, **outcome))]
            )
            world = ChainWorld.of([*answers, recorded_world(log, doc)])
            result = continue_execution(
                log, doc, after=world, horizon=when, heartbeats=callbacks.heartbeats(doc)
            )
            if late is not None:
                result["taskTimedOut"] = {"error": late[1], "at": iso_aws(late[0])}
            return result


def _waiting_for(log: EventLog, token: str, execution: str | None) -> tuple[dict, dict]:
    docs = [resolve(log, execution)] if execution else [doc for _, doc in log.docs(EXECUTIONS)]
    found = callbacks.waiting_for(docs, token)
    if not found:
        raise callbacks.TaskDoesNotExist(
            f"TaskDoesNotExist: no execution in the db waits for task token {token}"
        )
    if len(found) > 1:
        names = ", ".join(sorted(doc["name"] for doc, _ in found))
        raise RunError(
            f"{len(found)} executions wait for task token {token} ({names}): name one "
            "with --execution"
        )
    return found[0]
