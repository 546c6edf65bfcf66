"""The state of an execution at any event: the nearest snapshot at or before it, then a fold of
at most SNAPSHOT_EVERY events. Snapshots are caches in the log's index, made on first use."""
from __future__ import annotations

import json
from typing import Any

from replay.clock import iso_aws, iso_context
from replay.fold import active_frames, first_failure, fold
from replay.history import length, read_events
from store import EventLog

SNAPSHOT_EVERY = 256


class PositionError(ValueError):
    """An `--at` that names no event of this execution."""


def resolve_position(log: EventLog, doc: dict, at: int | str) -> int:
    """An event id from N (1-based), -N (from the end) or 'failure' (the first failure)."""
    total = length(log, doc)
    if at == "failure":
        found = first_failure(read_events(log, doc))
        if found is None:
            raise PositionError(f"{doc['name']} has no failure event")
        return found
    try:
        n = int(at)
    except (TypeError, ValueError):
        raise PositionError(f"--at must be an event number, a negative number or 'failure', "
                            f"not {at!r}") from None
    if n < 0:
        n = total + 1 + n
    if not 1 <= n <= total:
        raise PositionError(f"event {at} is out of range: {doc['name']} has {total} events")
    return n


def ensure_snapshots(log: EventLog, doc: dict) -> None:
    """Write the missing snapshots (every SNAPSHOT_EVERY events) of an execution."""
    arn, total = doc["executionArn"], length(log, doc)
    if log.length(arn) == 0:
        return  # a branch with no events of its own: nothing to key snapshots under
    found = log.snapshot_at_or_before(arn, total)
    position, state = found if found else (0, None)
    if total - position < SNAPSHOT_EVERY:
        return
    batch: list[dict] = []
    for event in read_events(log, doc, position + 1, total):
        batch.append(event)
        if event["id"] % SNAPSHOT_EVERY == 0:
            state = fold(batch, state)
            log.put_snapshot(arn, event["id"], state)
            batch = []


def state_at(log: EventLog, doc: dict, n: int) -> dict:
    """The folded state after event n."""
    found = log.snapshot_at_or_before(doc["executionArn"], n) if log.length(
        doc["executionArn"]) else None
    position, state = found if found else (0, None)
    return fold(read_events(log, doc, position + 1, n), state)


def _decode(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def describe_state(doc: dict, state: dict, event: dict) -> dict:
    """What a user sees at event n: status, active states with their input and context."""
    execution = {
        "Id": doc["executionArn"], "Input": _decode(state["input"]),
        "StartTime": iso_context(doc["startMicros"]), "Name": doc["name"],
        "RoleArn": state.get("roleArn"), "RedriveCount": 0,
    }
    active = []
    for label, frame in sorted(active_frames(state).items()):
        if frame["state"] is None:
            continue
        context_state = {"Name": frame["state"], "EnteredTime": iso_context(frame["enteredTime"])}
        if frame["type"] == "Task":
            context_state["RetryCount"] = frame["retries"]
        active.append({
            "frame": label or "(root)",
            "state": frame["state"],
            "type": frame["type"],
            "enteredEvent": frame["enteredEvent"],
            "input": _decode(frame["input"]),
            "parameters": _decode(frame["parameters"]),
            "output": _decode(frame["output"]),
            "retries": frame["retries"],
            "context": {
                "Execution": execution,
                "StateMachine": {"Id": doc["stateMachineArn"], "Name": doc["stateMachineName"]},
                "State": context_state,
            },
            "variables": {name: _decode(text) for name, text in frame["variables"].items()},
        })
    return {
        "executionArn": doc["executionArn"],
        "event": state["event"],
        "eventType": event["type"],
        "time": iso_aws(state["time"]) if state["time"] is not None else None,
        "status": state["status"],
        "active": active,
        "lastOutput": _decode(state["lastOutput"]),
        "output": _decode(state["output"]),
        "error": state["error"],
        "cause": state["cause"],
        "taskInvocations": state["invocations"],
    }
