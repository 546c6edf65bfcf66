"""Read-only views of an execution for the terminal UI and `graph`: an execution opened for
viewing (its events read by range, see replay.window: the folded state at any event, frame
labels, per-state visits and outcomes), what the inspector shows, and two histories aligned by
event id.

Nothing here writes to the db.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay import api
from replay.events import details, from_json_text
from replay.faults import describe as describe_fault
from replay.faults import injected, parse_rule
from replay.fold import ROOT, active_frames
from replay.history import length, read_events
from replay.timetravel import context_object
from replay.verify import comparable
from replay.window import CHUNK, Cursor, History, is_entered, is_failure

# What the UI uses of replay.window, which it reaches only through this module.
__all__ = ["CHUNK", "Cursor", "History", "is_entered", "is_failure"]
from replay.worlds import recorded_definition
from store import EventLog


@dataclass
class Execution:
    """One execution opened for viewing: its index doc, definition, and its events as a
    History, read by range when shown (never all at once)."""

    doc: dict
    events: History
    definition: dict

    @property
    def fork_at(self) -> int | None:
        return self.doc.get("forkAt")


Guard = Callable[..., Any]


def _direct(fn: Callable[..., Any], *args: Any) -> Any:
    return fn(*args)


def load(db: str | Path, execution: str, guard: Guard = _direct) -> Execution:
    """Open an execution (by name or ARN) for viewing: its doc, length and definition now,
    its events later, by range. Every read, now and later, runs as `guard(fn, *args)` (the
    UI passes the one through which it reaches the db)."""
    doc, total, definition = guard(_head, db, execution)
    arn = doc["executionArn"]
    return Execution(
        doc, History(lambda first, last: guard(read_range, db, arn, first, last), total), definition
    )


def _head(db: str | Path, execution: str) -> tuple[dict, int, dict]:
    with EventLog(db, readonly=True) as log:
        doc = api.resolve(log, execution)
        return doc, length(log, doc), json.loads(recorded_definition(log, doc))


def read_range(db: str | Path, arn: str, first: int, last: int) -> list[dict]:
    """Events first..last (ids, inclusive) of an execution, its parent's included."""
    with EventLog(db, readonly=True) as log:
        events = list(read_events(log, api.resolve(log, arn), first, last))
    if len(events) != last - first + 1:
        raise api.RunError(f"events {first}..{last} of {arn}: only {len(events)} in the db")
    return events


def refresh(db: str | Path, execution: Execution, guard: Guard = _direct) -> bool:
    """Take in what another process wrote since: the doc (its status) and the new events'
    count; True if either changed. Nothing already read is read again."""
    doc, total = guard(_doc_and_length, db, execution.doc["executionArn"])
    changed = doc != execution.doc or total != len(execution.events)
    execution.doc = doc
    execution.events.grow(total)
    return changed


def _doc_and_length(db: str | Path, arn: str) -> tuple[dict, int]:
    with EventLog(db, readonly=True) as log:
        doc = api.resolve(log, arn)
        return doc, length(log, doc)


def recorded_setup(db: str | Path, execution: str) -> dict:
    """How an execution was run, as keyword arguments of a new run of the same workflow: its
    definition text, input, state machine name, mocks and test case, handlers file, local S3
    root, seed and virtual start (what an exploration of its faults starts from)."""
    with EventLog(db, readonly=True) as log:
        doc = api.resolve(log, execution)
        first = next(read_events(log, doc, 1, 1))
        mocks = log.get_blob(doc["mocks"]) if doc.get("mocks") else None
        return {
            "definition_text": recorded_definition(log, doc),
            "input_value": from_json_text(first["executionStartedEventDetails"]["input"]),
            "state_machine_name": doc["stateMachineName"],
            "mocks": json.loads(mocks) if mocks else None,
            "test_case": doc.get("testCase"),
            "handlers_file": Path(doc["handlers"]) if doc.get("handlers") else None,
            "s3_root": Path(doc["s3Root"]) if doc.get("s3Root") else None,
            "seed": doc.get("seed", 0),
            "start_micros": doc["startMicros"],
        }


def summary_at_end(execution: Execution) -> dict[str, dict]:
    """Visits and outcome per state at the last event (for `graph`)."""
    cursor = Cursor(execution.events)
    cursor.at(len(execution.events))
    return cursor.summary()


def _event_frame(state: dict, label: str) -> tuple[str, dict | None]:
    """The frame of an event, or the nearest enclosing one still in the state."""
    while True:
        if label in state["frames"]:
            return label, state["frames"][label]
        if not label:
            return label, None
        label = label.rsplit("/", 1)[0] if "/" in label else ROOT


def inspect(doc: dict, state: dict, event: dict, label: str) -> dict:
    """What the inspector shows at an event: its state's input, parameters, result, output,
    Context object, variables in scope, error and cause, and the raw event."""
    d = details(event)
    label, frame = _event_frame(state, label)
    out: dict[str, Any] = {"event": event["id"], "type": event["type"], "frame": label or "(root)"}
    if frame is not None and frame["state"] is not None:
        out.update(
            state=frame["state"],
            stateType=frame["type"],
            input=from_json_text(frame["input"]),
            parameters=from_json_text(frame["parameters"]),
        )
        if event["type"].endswith("Succeeded") and "output" in d:
            out["result"] = from_json_text(d["output"])
        out["output"] = from_json_text(frame["output"])
        out["context"] = context_object(doc, state, frame)
        out["variables"] = {name: from_json_text(text) for name, text in frame["variables"].items()}
    else:  # an execution-level event: its own input and output
        for key in ("input", "output"):
            if key in d:
                out[key] = from_json_text(d[key])
    if "error" in d or "cause" in d:
        out["error"], out["cause"] = d.get("error"), from_json_text(d.get("cause"))
    if injected(event):
        out["injected"] = [describe_fault(rule) for rule in injected(event)]
    out["raw"] = event
    return out


def is_injected(event: dict) -> bool:
    return bool(injected(event))


def fault_rules(text: str) -> list[dict]:
    """Fault rules written as on the command line, separated by `;` (FaultError if one is
    bad), in their object form."""
    return [parse_rule(part.strip()).to_dict() for part in text.split(";") if part.strip()]


def describe_rules(rules: list[dict]) -> str:
    return "; ".join(describe_fault(rule) for rule in rules)


def active_states(state: dict) -> set[str]:
    return {f["state"] for f in active_frames(state).values() if f["state"]}


@dataclass(frozen=True)
class Aligned:
    """Two histories side by side by event id; `differs` holds the ids that differ."""

    a: list[dict]
    b: list[dict]
    differs: list[int]

    @property
    def first(self) -> int | None:
        return self.differs[0] if self.differs else None


def align(a: list[dict], b: list[dict]) -> Aligned:
    differs = [
        i + 1
        for i in range(max(len(a), len(b)))
        if i >= len(a) or i >= len(b) or comparable(a[i], False) != comparable(b[i], False)
    ]
    return Aligned(a, b, differs)
