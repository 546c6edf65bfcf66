"""Folding events into the state of an execution at any event: pure, and msgpack-friendly so
that a folded state can be stored as a snapshot and folding resumed from it.

The state is a plain dict:
    event, time, status, input, output, error, cause   (execution level; JSON as text)
    frames: {label: frame}   one per thread: "" the root, "Map#2" an iteration, "P#0/M#1" nested
    invocations: {state name: Task invocations so far}   (what mocks count)
    lastFrame: the label of the frame of the last event folded
    seed, lastOutput, parallelStarts, lastOfFrame, inferFrames: what folding further needs
    eventFrames: {event id: label}   only when frames are inferred (imported histories): the
                                     last event of each frame, which later events point to
A frame is {state, type, input, output, enteredEvent, retries, status, parameters,
variables}; variables hold JSON text as recorded, a Parallel branch or Map iteration starting
with a copy of its parent's (it reads them; what it assigns stays its own).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from replay.events import EXTRA, details

ROOT = ""
TASK_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
TASK_FAILED = (
    "TaskFailed",
    "LambdaFunctionFailed",
    "ActivityFailed",
    "TaskTimedOut",
    "LambdaFunctionTimedOut",
    "ActivityTimedOut",
)
_END_STATUS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}


FOLD_VERSION = 2  # of the state's shape: snapshots of another shape are folded again


def initial_state() -> dict:
    """The state before the first event: every field of the shape the docstring describes."""
    return {
        "event": 0,
        "time": None,
        "status": "RUNNING",
        "input": None,
        "output": None,
        "error": None,
        "cause": None,
        "frames": {},
        "invocations": {},
        "eventFrames": {},
        "parallelStarts": {},
        "seed": None,
        "lastOutput": None,
        "lastFrame": ROOT,
        "lastOfFrame": {},
        "inferFrames": False,
    }


def to_snapshot(state: dict) -> dict:
    """A folded state as the store keeps it (msgpack-friendly as it is), with its shape's
    version."""
    return {"fold": FOLD_VERSION, "state": state}


def from_snapshot(value: object) -> dict | None:
    """The state a snapshot holds, or None when it was written for another shape of state."""
    if isinstance(value, dict) and value.get("fold") == FOLD_VERSION:
        return value["state"]
    return None


def fold(events: Iterable[dict], state: dict | None = None) -> dict:
    """Apply events in order to `state` (a fresh state when None); returns the new state.

    The given state is not modified.
    """
    state = _copy(state) if state is not None else initial_state()
    for event in events:
        apply(state, event)
    return state


def _copy(state: dict) -> dict:
    copy = dict(state)
    copy["frames"] = {label: dict(frame) for label, frame in state["frames"].items()}
    copy["invocations"] = dict(state["invocations"])
    copy["eventFrames"] = dict(state["eventFrames"])
    copy["parallelStarts"] = {k: dict(v) for k, v in state["parallelStarts"].items()}
    copy["lastOfFrame"] = dict(state["lastOfFrame"])
    return copy


# Events of a Map or Parallel state itself (not of its iterations or branches).
_CONTAINER_ENDS = frozenset(
    f"{kind}State{end}"
    for kind in ("Map", "Parallel")
    for end in ("Succeeded", "Failed", "Exited", "Aborted")
) | {"MapRunSucceeded", "MapRunFailed", "MapRunAborted"}
_CONTAINER_EVENTS = _CONTAINER_ENDS | {"MapStateStarted", "ParallelStateStarted", "MapRunStarted"}


def _outer(label: str) -> str:
    return label.rsplit("/", 1)[0] if "/" in label else ROOT


def _climb_to(state: dict, label: str, name: str) -> str:
    """From a frame inside a Map or Parallel named `name`, up to the frame running it."""
    while label and state["frames"].get(label, {}).get("state") != name:
        label = _outer(label)
    return label


def _inside(label: str, outer: str) -> bool:
    """Whether frame `label` is nested in frame `outer`."""
    return label.startswith(outer + "/") if outer else label != ROOT


def _child(parent: str, name: str, index: int) -> str:
    return f"{parent + '/' if parent else ''}{name}#{index}"


def _frame_label(state: dict, event: dict) -> str:
    """The frame an event belongs to: named in our own events, inferred for imported ones
    from `previousEventId` (a Map iteration or Parallel branch starts a new frame; the end
    of a Map or Parallel goes back to the frame that runs it)."""
    extra = event.get(EXTRA)
    if extra is not None and "frame" in extra:
        return extra["frame"]
    kind = event["type"]
    if kind == "ExecutionStarted":
        return ROOT
    previous = str(event["previousEventId"])
    parent = state["eventFrames"].get(previous, ROOT)
    if kind == "MapIterationStarted":
        d = details(event)
        return _child(_climb_to(state, parent, d["name"]), d["name"], d["index"])
    branching = state["parallelStarts"].get(previous)
    if branching is not None and kind.endswith("StateEntered"):
        branching["branches"] += 1
        return _child(branching["frame"], branching["name"], branching["branches"] - 1)
    if kind in _CONTAINER_EVENTS:
        want = "Map" if kind.startswith("Map") else "Parallel"
        label = parent
        while True:
            frame = state["frames"].get(label)
            if frame and frame["type"] == want and frame["status"] == "running":
                return label
            if not label:
                return parent
            label = _outer(label)
    return parent


def apply(state: dict, event: dict) -> None:
    """Apply one event to `state` in place."""
    kind = event["type"]
    d = details(event)
    label = _frame_label(state, event)
    if kind == "ExecutionStarted":
        # Our own histories name each event's frame; imported ones need it inferred.
        state["inferFrames"] = EXTRA not in event
    if state["inferFrames"]:
        if kind == "ParallelStateStarted":
            state["parallelStarts"][str(event["id"])] = {
                "frame": label,
                "name": state["frames"].get(label, {}).get("state"),
                "branches": 0,
            }
        inferred = state["eventFrames"]
        previous = state["lastOfFrame"].get(label)
        if previous is not None:
            inferred.pop(previous, None)
        inferred[str(event["id"])] = label
        state["lastOfFrame"][label] = str(event["id"])
    state["event"] = event["id"]
    state["time"] = event.get("timestamp")
    state["lastFrame"] = label
    frames = state["frames"]
    frame = frames.get(label)
    if frame is None:
        outer = frames.get(label.rsplit("/", 1)[0] if "/" in label else ROOT)
        frame = frames[label] = {
            "state": None,
            "type": None,
            "input": None,
            "output": None,
            "enteredEvent": None,
            "retries": 0,
            "status": "running",
            "parameters": None,
            "variables": dict(outer["variables"]) if outer else {},
        }
    if kind == "ExecutionStarted":
        state["input"] = d.get("input")
        extra = event.get(EXTRA) or {}
        state["seed"] = extra.get("seed")
        state["roleArn"] = d.get("roleArn")
    elif kind.endswith("StateEntered"):
        frame.update(
            state=d.get("name"),
            type=kind[: -len("StateEntered")],
            input=d.get("input"),
            output=None,
            enteredEvent=event["id"],
            retries=0,
            enteredTime=event.get("timestamp"),
            parameters=None,
            status="running",
            scheduled=False,
        )
    elif kind.endswith("StateExited"):
        if "assignedVariables" in d:
            frame["variables"] = {**frame["variables"], **d["assignedVariables"]}
        frame["output"] = d.get("output")
        frame["status"] = "exited"
        state["lastOutput"] = d.get("output")
    elif kind in TASK_SCHEDULED:
        name = frame["state"]
        if frame.get("scheduled"):
            frame["retries"] += 1
        frame["scheduled"] = True
        frame["parameters"] = d.get("parameters", d.get("input"))
        state["invocations"][name] = state["invocations"].get(name, 0) + 1
    elif kind in TASK_FAILED:
        frame["status"] = "task failed"
    elif kind.endswith("StateAborted") and kind not in _CONTAINER_ENDS:
        frame["status"] = "aborted"
    elif kind in _CONTAINER_ENDS:
        # its branches or iterations are over, failed ones included
        for other in [key for key in frames if _inside(key, label)]:
            del frames[other]
    elif kind in ("MapIterationSucceeded", "MapIterationFailed", "MapIterationAborted"):
        # A finished iteration is no longer part of the state: dropping it keeps snapshots
        # small however many items a Map has.
        for other in [key for key in frames if key == label or key.startswith(label + "/")]:
            del frames[other]
    elif kind == "ExecutionRedriven":  # it goes on: the frames it goes on in are running
        state.update(status="RUNNING", output=None, error=None, cause=None)
        state.update(redriveCount=d.get("redriveCount"), redriveTime=event.get("timestamp"))
        frames[ROOT]["status"] = "running"
        for key, restored in ((event.get(EXTRA) or {}).get("redrive") or {}).items():
            frames[key] = dict(frames.get(key) or frame, **_restored(restored))
    elif kind in _END_STATUS:
        state["status"] = _END_STATUS[kind]
        state["output"] = d.get("output")
        state["error"], state["cause"] = d.get("error"), d.get("cause")
        frames[ROOT]["status"] = state["status"].lower()


def _restored(restored: dict) -> dict:
    """A frame that a redrive goes on in, at the state it had entered (`replay.redrive`)."""
    return {
        "state": restored["state"],
        "type": restored["type"],
        "input": restored["input"],
        "output": None,
        "enteredEvent": restored["enteredEvent"],
        "enteredTime": restored["enteredTime"],
        "retries": 0,
        "status": "running",
        "parameters": None,
        "scheduled": False,
        "variables": dict(restored["variables"]),
    }


def active_frames(state: dict) -> dict[str, dict]:
    """Frames whose current state has not finished."""
    return {
        label: f
        for label, f in state["frames"].items()
        if f["status"] in ("running", "task failed")
    }


def is_failure(kind: str) -> bool:
    """Whether an event type is a failure: a Task, Lambda or activity failing or timing out
    (schedule, start and submit failures included), a state or iteration failing, a failed
    JSONata evaluation, a Map Run or the execution failing or timing out. Aborts are not."""
    return kind.endswith(("Failed", "TimedOut"))


def failures(events: Iterable[dict]) -> list[dict]:
    """The failures of a history, in order: each where an error arises, with the events that
    carry that error on grouped under it. An event carries an earlier failure's error on when
    its previous event is in that failure's group (a ParallelStateFailed after its branch's
    TaskFailed, the ExecutionFailed after it) or is that failure's own previous event (AWS
    points a MapStateFailed at the Fail state its MapIterationFailed points at).

    Each entry: `event` (where the error arose), `error` and `cause` (the first of the group
    that records them: AWS's MapStateFailed and ParallelStateFailed record none), `outcome`:
    'retried', 'caught', 'aborted' (another branch or iteration failed first), 'ended the
    execution', 'redriven' (it ended an attempt of an execution redriven since) or '' (a
    tolerated Map iteration, a history that stops there)."""
    groups: list[list[dict]] = []
    group_of: dict[int, int] = {}  # failure event id, or the previous event of a group's origin
    successor: dict[int, dict] = {}  # event id -> the first other event pointing at it
    failed_tasks: set[int] = set()
    for event in events:
        previous = event.get("previousEventId") or 0
        closing = event["type"] == "TaskStateAborted" and event["id"] == previous + 1
        if closing and previous in failed_tasks:
            continue  # a Parallel branch closing its failed Task: not what came of the failure
        if not is_failure(event["type"]):
            successor.setdefault(previous, event)
            continue
        if event["type"] in TASK_FAILED:
            failed_tasks.add(event["id"])
        index = group_of.get(previous)
        if index is None:
            index = len(groups)
            groups.append([])
            group_of[previous] = index
        groups[index].append(event)
        group_of[event["id"]] = index
    return [_failure(group, successor) for group in groups]


def _failure(group: list[dict], successor: dict[int, dict]) -> dict:
    recorded = [details(e) for e in group if details(e).get("error") is not None] or [{}]
    return {
        "event": group[0],
        "error": recorded[0].get("error"),
        "cause": recorded[0].get("cause"),
        "outcome": _outcome(group, successor),
    }


def _outcome(group: list[dict], successor: dict[int, dict]) -> str:
    ends = [event for event in group if event["type"] in _END_STATUS]
    if ends:  # unless the execution was redriven after it (see `replay.redrive`)
        after = successor.get(ends[0]["id"])
        redriven = after is not None and after["type"] == "ExecutionRedriven"
        return "redriven" if redriven else "ended the execution"
    after = [
        successor[i]
        for i in [*(e["id"] for e in group), group[0].get("previousEventId") or 0]
        if i in successor
    ]
    kind = after[0]["type"] if after else ""
    if kind.endswith(("Scheduled", "Started")):
        return "retried"
    if kind.endswith("StateExited"):
        return "caught"
    if kind.endswith("Aborted"):
        return "aborted"
    return ""


def ending_failure(found: list[dict]) -> int | None:
    """The index in `failures(...)` of the failure that ended the execution (whose error the
    ExecutionFailed or ExecutionTimedOut carries), or None when none did."""
    for index in range(len(found) - 1, -1, -1):
        if found[index]["outcome"] == "ended the execution":
            return index
    return None


def with_frames(events: Iterable[dict]) -> Iterator[tuple[dict, str, str | None]]:
    """Each event with the label of its frame ("" the root, `ShipItems#2` an iteration) and
    the state that frame is in after it: named in our events, inferred for imported ones."""
    state = initial_state()
    for event in events:
        apply(state, event)
        extra = event.get(EXTRA) or {}
        label = extra.get("frame")
        if label is None:
            label = state["eventFrames"].get(str(event["id"]), ROOT)
        frame = state["frames"].get(label) or {}
        yield event, label, frame.get("state")
