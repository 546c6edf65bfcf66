"""What the other parts of the API share: finding an execution's record, describing it
(DescribeExecution), holding its lock while it is written, reading its recorded run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from replay import child_machines, express
from replay.clock import iso_aws, parse_iso
from replay.events import EXTRA, details
from replay.history import EXECUTIONS, descendants, read_events
from replay.history import length as history_length
from replay.liveness import Busy, ExecutionLock
from replay.redrive import MAX_HISTORY
from replay.runner import RunError
from store import EventLog

if TYPE_CHECKING:
    from replay.faults import Fault


class ExecutionNotFound(RunError):
    pass


def describe(doc: dict, events_tail: list[dict]) -> dict:
    """A DescribeExecution-shaped record from the index doc and the final event."""
    out: dict[str, Any] = {
        "executionArn": doc["executionArn"],
        "stateMachineArn": doc["stateMachineArn"],
        "name": doc["name"],
        "status": doc["status"],
        "startDate": iso_aws(doc["startMicros"]),
        "stopDate": iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else None,
        "input": None,
        "output": None,
        "error": None,
        "cause": None,
    }
    if doc.get("waiting"):  # our extra: the task token it waits for
        out["waiting"] = doc["waiting"]
    if doc.get("redriveCount"):  # a redriven execution says so (all of it: `redrive_fields`)
        out.update(redrive_fields(doc))
    for event in events_tail:
        d = details(event)
        if event["type"] == "ExecutionStarted":
            out["input"] = d.get("input")
            for key in ("stateMachineVersionArn", "stateMachineAliasArn"):
                if d.get(key):  # started through a version or an alias (serve)
                    out[key] = d[key]
        elif event["type"] == "ExecutionSucceeded":
            out["output"] = d.get("output")
        elif event["type"] in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            out["error"], out["cause"] = d.get("error"), d.get("cause")
    return out


def redrive_fields(doc: dict) -> dict:
    """DescribeExecution's redriveCount, redriveDate, redriveStatus and its reason."""
    out: dict[str, Any] = {"redriveCount": doc.get("redriveCount", 0)}
    if doc.get("redriveMicros") is not None:
        out["redriveDate"] = iso_aws(doc["redriveMicros"])
    status, reason = doc["status"], None
    if status in ("RUNNING", "SUCCEEDED"):
        reason = f"Execution is {status} and cannot be redriven"
    elif (doc.get("events") or 0) >= MAX_HISTORY:
        reason = "Execution history event limit exceeded"
    redrivable = reason is None and not doc.get("parentExecution") and not doc.get("imported")
    redrivable = redrivable and not express.is_express(doc.get("executionArn", ""))
    out["redriveStatus"] = "REDRIVABLE" if redrivable else "NOT_REDRIVABLE"
    if reason is not None:
        out["redriveStatusReason"] = reason
    return out


def description(log: EventLog, doc: dict) -> dict:
    total = history_length(log, doc)
    first = list(read_events(log, doc, 1, 1))
    last = list(read_events(log, doc, total, total)) if total > 1 else []
    return describe(doc, first + last)


def resolve(log: EventLog, execution: str) -> dict:
    """The index doc of an execution given by ARN or by a name unique in the db."""
    if execution.startswith("arn:"):
        doc = log.get_doc(EXECUTIONS, execution)
        if doc is None:
            raise ExecutionNotFound(f"no execution {execution} in the db")
        return doc
    matches = [doc for _, doc in log.docs(EXECUTIONS) if doc["name"] == execution]
    if not matches:
        raise ExecutionNotFound(f"no execution named {execution!r} in the db")
    if len(matches) > 1:
        arns = ", ".join(doc["executionArn"] for doc in matches)
        raise RunError(f"several executions are named {execution!r}; give the ARN: {arns}")
    return matches[0]


def parse_start_time(text: str) -> int:
    return parse_time_option(text, "--start-time")


def parse_time_option(text: str, option: str) -> int:
    """Microseconds since the epoch of an ISO 8601 time given to `option`."""
    try:
        return parse_iso(text)
    except ValueError:
        raise RunError(f"{option} {text!r} is not an ISO 8601 time with an offset") from None


Faults = list["Fault | str | dict"]  # (replay.faults loads when a run has some)


@contextmanager
def writing(log: EventLog, doc: dict, busy: str) -> Iterator[dict]:
    """Hold the lock of `doc`'s execution while the block writes it (RunError saying it `busy`
    when another process holds it); yields its record as of now that it is held."""
    try:
        lock = ExecutionLock(log.path, doc["executionArn"]).__enter__()
    except Busy:
        raise RunError(f"execution {doc['name']} {busy}") from None
    try:
        yield log.get_doc(EXECUTIONS, doc["executionArn"])
    finally:
        lock.__exit__(None, None, None)


def is_imported(log: EventLog, doc: dict) -> bool:
    """Whether the history (or the prefix it shares) was recorded elsewhere."""
    while doc.get("parent") and not doc.get("imported"):
        doc = log.get_doc(EXECUTIONS, doc["parent"])
    return bool(doc.get("imported"))


def is_started_child(doc: dict) -> bool:
    """Whether an execution was started by a startExecution Task of another."""
    return bool(doc.get("parentExecution")) and not doc.get("mapRunArn")


def recorded_schedule(recorded: list[dict]) -> str:
    return (recorded[0].get(EXTRA) or {}).get("schedule", "round-robin")


def recorded_run(log: EventLog, doc: dict) -> tuple[list[dict], Any, int]:
    recorded = list(read_events(log, doc))
    started = recorded[0]
    input_value = json.loads(started["executionStartedEventDetails"]["input"])
    seed = (started.get(EXTRA) or {}).get("seed", 0)
    return recorded, input_value, seed


def children_events(log: EventLog, doc: dict, only: set[str] | None = None) -> list[list[dict]]:
    """The histories of the child executions an execution's run writes (Distributed Map and
    startExecution children, and theirs); `only`: of the startExecution ones, those."""
    return [
        list(read_events(log, child))
        for child in descendants(log, doc["executionArn"])
        if only is None or child.get("mapRunArn") or child["executionArn"] in only
    ]


def started_children(log: EventLog, events: list[dict]) -> set[str]:
    """The ARNs of the child executions that startExecution Tasks started in `events`, and
    of theirs."""
    started = {(event.get(EXTRA) or {}).get("execution") for event in events} - {None}
    for arn in list(started):
        started.update(child["executionArn"] for child in descendants(log, arn))
    return started  # type: ignore[return-value]


def named_machines(log: EventLog, doc: dict, texts: dict[str, str] | None) -> dict[str, dict]:
    """Child definitions named for a branch or a resume, in the account and region of `doc`,
    stored: {ARN: entry}."""
    child_machines.check_named(texts or {})
    parts = doc["executionArn"].split(":")
    return child_machines.named(log, texts or {}, parts[4], parts[3])


WORLD_KEYS = ("mocks", "testCase", "handlers", "faults")


def last_moment(log: EventLog, doc: dict) -> int:
    """The time of the last event an execution's run recorded: its own, or one of its child
    executions' (a child may have gone on later than its parent, which waits for it)."""
    moments = []
    for each in (doc, *descendants(log, doc["executionArn"])):
        if each.get("events"):
            (last,) = read_events(log, each, each["events"], each["events"])
            moments.append(last["timestamp"])
    return max(moments)
