"""Read-only views of an execution for the terminal UI and `graph`: its events with frame labels,
the folded state at any event (incremental, with in-memory checkpoints), what the inspector
shows, per-state visits and outcomes, and two histories aligned by event id.

Nothing here writes to the db.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay import api
from replay.events import EXTRA, details, from_json_text
from replay.faults import describe as describe_fault
from replay.faults import injected, parse_rule
from replay.fold import ROOT, active_frames, apply, fold, initial_state
from replay.history import read_events
from replay.timetravel import context_object
from replay.verify import comparable
from replay.worlds import recorded_definition
from store import EventLog

CHECKPOINT_EVERY = 256
FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")


def is_failure(event_type: str) -> bool:
    return event_type.endswith(FAILURE_SUFFIXES)


@dataclass
class Execution:
    """One execution loaded for viewing: its index doc, events, definition and frame labels."""

    doc: dict
    events: list[dict]
    definition: dict
    labels: list[str]
    index: StateIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = StateIndex(self.events, self.labels)

    @property
    def fork_at(self) -> int | None:
        return self.doc.get("forkAt")


def load(db: str | Path, execution: str) -> Execution:
    """Read an execution (by name or ARN) once, for viewing."""
    with EventLog(db) as log:
        doc = api.resolve(log, execution)
        events = list(read_events(log, doc))
        text = recorded_definition(log, doc)
    return Execution(doc, events, json.loads(text), frame_labels(events))


def frame_labels(events: list[dict]) -> list[str]:
    """The frame of each event ("" the root, "ShipItems#2" a Map iteration, ...): recorded in
    our own events, inferred by a fold for imported ones."""
    if events and EXTRA in events[0]:
        return [(e.get(EXTRA) or {}).get("frame", ROOT) for e in events]
    state, labels = initial_state(), []
    for event in events:
        apply(state, event)
        labels.append(state["eventFrames"].get(str(event["id"]), ROOT))
    return labels


class Cursor:
    """The folded state at any event, folding forward from the last position or from the
    nearest checkpoint (kept every CHECKPOINT_EVERY events), never from the start per move."""

    def __init__(self, events: list[dict]) -> None:
        self.events = events
        self.position = 0
        self.state = initial_state()
        self.checkpoints: dict[int, dict] = {0: fold([])}
        self.folded = 0  # events folded, to measure incrementality

    def at(self, n: int) -> dict:
        """The state after event n (1-based); the returned dict must not be modified."""
        n = max(0, min(n, len(self.events)))
        if n < self.position or n - self.position > CHECKPOINT_EVERY:
            start = max(k for k in self.checkpoints if k <= n)
            if n < self.position or start > self.position:
                self.position, self.state = start, fold([], self.checkpoints[start])
        while self.position < n:
            apply(self.state, self.events[self.position])
            self.position += 1
            self.folded += 1
            if self.position % CHECKPOINT_EVERY == 0 and self.position not in self.checkpoints:
                self.checkpoints[self.position] = fold([], self.state)
        return self.state


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


class StateIndex:
    """Per state name: the events that entered it and its outcomes over time, so that visits
    and outcome at any event are two binary searches."""

    def __init__(self, events: list[dict], labels: list[str]) -> None:
        self.entered: dict[str, list[int]] = {}
        self.outcomes: dict[str, tuple[list[int], list[str]]] = {}
        self.names: list[str | None] = []  # the state each event belongs to
        current: dict[str, str] = {}
        for event, label in zip(events, labels):
            kind, eid = event["type"], event["id"]
            if kind.endswith("StateEntered"):
                name = details(event).get("name")
                current[label] = name
                self.entered.setdefault(name, []).append(eid)
            outcome = _outcome(kind)
            name = current.get(label if not kind.startswith("Execution") else ROOT)
            self.names.append(None if kind.startswith("Execution") else name)
            if outcome and name:
                ids, values = self.outcomes.setdefault(name, ([], []))
                ids.append(eid)
                values.append(outcome)

    def visits(self, name: str, n: int) -> int:
        return bisect.bisect_right(self.entered.get(name, []), n)

    def outcome(self, name: str, n: int) -> str | None:
        ids, values = self.outcomes.get(name, ([], []))
        i = bisect.bisect_right(ids, n)
        return values[i - 1] if i else None

    def summary(self, n: int) -> dict[str, dict]:
        """{state name: {visits, outcome}} as of event n."""
        return {
            name: {"visits": self.visits(name, n), "outcome": self.outcome(name, n)}
            for name in self.entered
            if self.visits(name, n)
        }


def _outcome(kind: str) -> str | None:
    if kind.endswith("StateEntered") or kind in (
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
    ):
        return "running"
    if kind.endswith("StateExited"):
        return "succeeded"
    if kind.endswith("TimedOut"):
        return "timed out"
    if kind.endswith("Aborted"):
        return "aborted"
    if kind.endswith("Failed") and not kind.startswith(("MapIteration", "MapRun")):
        return "failed"
    return None


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
