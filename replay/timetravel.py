"""The state of an execution at any event: the nearest snapshot at or before it, then a fold of
at most SNAPSHOT_EVERY events. Snapshots are caches in the log's index, made on first use."""

from __future__ import annotations

import re

from replay.clock import iso_aws, iso_context
from replay.events import from_json_text
from replay.faults import injected
from replay.fold import (
    active_frames,
    apply,
    ending_failure,
    failures,
    fold,
    from_snapshot,
    initial_state,
    to_snapshot,
)
from replay.history import length, read_events
from store import EventLog

SNAPSHOT_EVERY = 256


class PositionError(ValueError):
    """An `--at` that names no event of this execution."""


POSITION_FORMS = (
    "N (an event id), -N (counted from the end: -1 is the last event), "
    "'failure' (the failure that ended the execution) or 'failure:K' "
    "(its K-th failure)"
)


def parse_position(at: int | str) -> tuple[str, int]:
    """('event', N or -N) or ('failure', K), K = 0 for the failure that ended the execution."""
    if isinstance(at, int) and not isinstance(at, bool):
        return "event", at
    text = str(at).strip()
    if text == "failure":
        return "failure", 0
    kind, _, number = text.partition(":")
    try:
        if kind == "failure" and number.isdigit() and int(number) >= 1:
            return "failure", int(number)
        if re.fullmatch(r"[+-]?[0-9]+", text):
            return "event", int(text)
    except ValueError:  # more digits than int() takes
        pass
    raise PositionError(f"--at takes {POSITION_FORMS}, not {str(at)[:40]!r}")


def resolve_position(log: EventLog, doc: dict, at: int | str) -> int:
    """The event id that `at` names (see parse_position for the forms)."""
    kind, n = parse_position(at)
    if kind == "failure":
        return find_failure(log, doc, n)["event"]["id"]
    total = length(log, doc)
    if n < 0:
        n = total + 1 + n
    if not 1 <= n <= total:
        raise PositionError(f"event {at} is out of range: {doc['name']} has {total} events")
    return n


def find_failure(log: EventLog, doc: dict, k: int) -> dict:
    """Failure K (1-based) of `failures`, or with k = 0 the one that ended the execution;
    the entry carries its `index` (K)."""
    found = failures(read_events(log, doc))
    for index, entry in enumerate(found, 1):
        entry["index"] = index
    if k > len(found):
        raise PositionError(f"failure:{k} is out of range: {doc['name']} has {_count(found)}")
    if k:
        return found[k - 1]
    ending = ending_failure(found)
    if ending is None:
        last = f" .. failure:{len(found)}" if len(found) > 1 else ""
        hint = f": --at failure:1{last}, or list them with --failures" if found else ""
        raise PositionError(
            f"no failure ended {doc['name']} (status {doc['status']}); it has {_count(found)}{hint}"
        )
    return found[ending]


def failure_at(log: EventLog, doc: dict, n: int) -> dict | None:
    """The entry of `failures` for event n, if an error arose there."""
    for index, entry in enumerate(failures(read_events(log, doc)), 1):
        if entry["event"]["id"] == n:
            return dict(entry, index=index)
    return None


def _count(found: list) -> str:
    return {0: "no failures", 1: "1 failure"}.get(len(found), f"{len(found)} failures")


def list_failures(log: EventLog, doc: dict) -> list[dict]:
    """Every failure where an error arose, in order (see fold.failures), for `--failures`."""
    events = list(read_events(log, doc))
    names = _state_names(events)
    return [
        dict(
            _failure_row(entry, index),
            state=names.get(entry["event"].get("previousEventId") or entry["event"]["id"]),
        )
        for index, entry in enumerate(failures(events), 1)
    ]


def _state_names(events: list[dict]) -> dict[int, str | None]:
    """For each event id, the state its frame was in (the failing state, for the event
    before a failure)."""
    state, names = initial_state(), {}
    for event in events:
        apply(state, event)
        frame = state["frames"].get(state["lastFrame"])
        names[event["id"]] = frame["state"] if frame else None
    return names


def _failure_row(entry: dict, index: int) -> dict:
    event = entry["event"]
    row = {
        "at": f"failure:{index}",
        "event": event["id"],
        "type": event["type"],
        "time": _iso(event.get("timestamp")),
        "error": entry["error"],
        "cause": entry["cause"],
        "outcome": entry["outcome"],
    }
    rules = injected(event)
    if rules:  # an injected fault made this failure
        row["injected"] = rules
    return row


def ensure_snapshots(log: EventLog, doc: dict) -> None:
    """Write the missing snapshots (every SNAPSHOT_EVERY events) of an execution."""
    arn, total = doc["executionArn"], length(log, doc)
    if log.length(arn) == 0:
        return  # a branch with no events of its own: nothing to key snapshots under
    position, state = _snapshot(log, arn, total)
    if total - position < SNAPSHOT_EVERY:
        return
    batch: list[dict] = []
    for event in read_events(log, doc, position + 1, total):
        batch.append(event)
        if event["id"] % SNAPSHOT_EVERY == 0:
            state = fold(batch, state)
            log.put_snapshot(arn, event["id"], to_snapshot(state))
            batch = []


def state_at(log: EventLog, doc: dict, n: int) -> dict:
    """The folded state after event n."""
    arn = doc["executionArn"]
    position, state = _snapshot(log, arn, n) if log.length(arn) else (0, None)
    return fold(read_events(log, doc, position + 1, n), state)


def _snapshot(log: EventLog, arn: str, n: int) -> tuple[int, dict | None]:
    """The newest usable snapshot at or before event n: (position, state), or (0, None)."""
    found = log.snapshot_at_or_before(arn, n)
    state = from_snapshot(found[1]) if found else None
    return (found[0], state) if state is not None else (0, None)


def context_object(doc: dict, state: dict, frame: dict) -> dict:
    """The Context object ($$) of a frame's current state, as the interpreter built it."""
    context_state = {"Name": frame["state"]}
    if frame.get("enteredTime") is not None:  # an imported history may not say
        context_state["EnteredTime"] = iso_context(frame["enteredTime"])
    if frame["type"] == "Task":
        context_state["RetryCount"] = frame["retries"]
    execution = {
        "Id": doc["executionArn"],
        "Input": from_json_text(state["input"]),
        "StartTime": iso_context(doc["startMicros"]),
        "Name": doc["name"],
        "RoleArn": state.get("roleArn"),
        "RedriveCount": state.get("redriveCount") or 0,
    }
    if state.get("redriveTime") is not None:  # redriven: when, as the interpreter has it
        execution["RedriveTime"] = iso_context(state["redriveTime"])
    return {
        "Execution": execution,
        "StateMachine": {"Id": doc["stateMachineArn"], "Name": doc["stateMachineName"]},
        "State": context_state,
    }


def describe_state(doc: dict, state: dict, event: dict) -> dict:
    """What a user sees at event n: status, active states with their input and context."""
    active = []
    for label, frame in sorted(active_frames(state).items()):
        if frame["state"] is None:
            continue
        active.append(
            {
                "frame": label or "(root)",
                "state": frame["state"],
                "type": frame["type"],
                "enteredEvent": frame["enteredEvent"],
                "enteredTime": _iso(frame.get("enteredTime")),
                "input": from_json_text(frame["input"]),
                "parameters": from_json_text(frame["parameters"]),
                "output": from_json_text(frame["output"]),
                "retries": frame["retries"],
                "context": context_object(doc, state, frame),
                "variables": {
                    name: from_json_text(text) for name, text in frame["variables"].items()
                },
            }
        )
    return {
        "executionArn": doc["executionArn"],
        "event": state["event"],
        "eventType": event["type"],
        "time": _iso(state["time"]),
        "status": state["status"],
        "active": active,
        "lastOutput": from_json_text(state["lastOutput"]),
        "output": from_json_text(state["output"]),
        "error": state["error"],
        "cause": state["cause"],
        "taskInvocations": state["invocations"],
    }


def describe_failure(log: EventLog, doc: dict, entry: dict) -> dict:
    """A failure event with the state it arose in: that state's input and Context object as
    of the event before the failure (a Fail state's, for an ExecutionFailed it ends with)."""
    event = entry["event"]
    row = _failure_row(entry, entry["index"])
    before = state_at(log, doc, event.get("previousEventId") or event["id"])
    label = before.get("lastFrame", "")
    frame = before["frames"].get(label)
    if frame is None or frame["state"] is None:
        return dict(
            row, frame=label or "(root)", state=None, stateType=None, input=None, context=None
        )
    return dict(
        row,
        frame=label or "(root)",
        state=frame["state"],
        stateType=frame["type"],
        input=from_json_text(frame["input"]),
        context=context_object(doc, before, frame),
    )


def _iso(micros: int | None) -> str | None:
    return iso_aws(micros) if micros is not None else None
