"""Redrive (AWS's RedriveExecution): where an unsuccessful execution goes on, read from its own
history, and which executions may be redriven.

The execution goes on in the same history: an `ExecutionRedriven` event after its end event,
then each frame (the root, a Parallel branch, a Map iteration) from its unsuccessful state,
with the input that state had: a state entered and not exited is run again without a new
StateEntered (a Task is scheduled again, its retries starting over); a Parallel or Map runs
again only its branches and iterations that did not succeed, keeping the others' outputs.
The engine applies it (`Engine.redrives`), so `replay` and `resume` do the same from the
recorded `ExecutionRedriven` events. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from replay.asl.model import Machine
from replay.events import details, from_json_text

REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
MAX_HISTORY = 24_999  # AWS: the history must hold the ExecutionRedriven event and one more
WINDOW_MICROS = 14 * 86_400 * 1_000_000  # redrivable for 14 days after the execution ends
MAX_OPEN_MICROS = 365 * 86_400 * 1_000_000  # and within its maximum open time of one year


class RedriveError(ValueError):
    """The execution cannot be redriven (AWS's ExecutionNotRedrivable): exit 2."""


@dataclass(frozen=True)
class Done:
    """A branch or iteration that succeeded: its output is kept, it is not run again."""

    output: Any


@dataclass
class Resume:
    """Where one frame goes on. `entered` is the StateEntered of `state` when it is run again
    without a new one; None when `state` is entered afresh (the frame was between states).
    `state` None: a Map iteration that had started but entered no state yet."""

    state: str | None
    input: Any
    variables: dict
    last_event: int
    entered: int | None = None
    entered_time: int = 0
    children: dict[int, "Resume | Done"] = field(default_factory=dict)
    restore: dict | None = None  # what `fold` restores of the frame (see `restored_frames`)
    # a Choice that had exited (the frame stopped right after it): `state` is decided again on
    # `input` with `variables`, and the state it names is entered with `output`, `after` the
    # variables it assigned
    decided: tuple[Any, dict] | None = None


def redrives_in(events: Iterable[dict]) -> tuple[list[int], dict[int, dict]]:
    """The times of the ExecutionRedriven events of a history, and its ExecutionAborted events
    by id (an abort is an event from outside that the engine must reproduce where it was)."""
    times, aborts = [], {}
    for event in events:
        if event["type"] == "ExecutionRedriven":
            times.append(event["timestamp"])
        elif event["type"] == "ExecutionAborted":
            aborts[event["id"]] = event
    return times, aborts


def check_redrivable(doc: dict, events: int, when: int, express: bool = False) -> None:
    """Refuse what AWS refuses, with AWS's reason."""
    name, status = doc["name"], doc["status"]
    if express:
        raise RedriveError(f"redrive: {name} is an EXPRESS execution; only STANDARD ones redrive")
    parent = doc.get("parentExecution")
    if parent and doc.get("mapRunArn"):
        raise RedriveError(
            f"redrive: {name} is a child execution of a Distributed Map: redrive its parent "
            f"{parent}"
        )
    if parent:  # its parent's run writes it (replay.nested): it cannot go on by itself
        raise RedriveError(
            f"redrive: {name} was started by execution {parent} (a startExecution Task) and "
            "is not redriven on its own here; redrive the parent to run that Task again (it "
            "starts a new child execution)"
        )
    if doc.get("imported"):
        raise RedriveError(f"redrive: {name} was imported (recorded elsewhere): not redrivable")
    if status not in REDRIVABLE:
        raise RedriveError(
            f"redrive: execution {name} {status}; only FAILED, TIMED_OUT or ABORTED "
            "executions can be redriven"
        )
    if events >= MAX_HISTORY:
        raise RedriveError(
            f"redrive: execution {name} has {events} events: Execution history event limit "
            f"exceeded (a redrive needs fewer than {MAX_HISTORY})"
        )
    stop = doc.get("stopMicros") or doc["startMicros"]
    if when - stop > WINDOW_MICROS:
        raise RedriveError(
            f"redrive: execution {name}: Execution redrivable period exceeded (14 days after "
            "it ended)"
        )
    if when - doc["startMicros"] > MAX_OPEN_MICROS:
        raise RedriveError(
            f"redrive: execution {name}: Execution has exceeded the max execution time (a year)"
        )


# -- the plan ---------------------------------------------------------------------------------


def _new_frame(variables: dict) -> dict:
    return {
        "state": None,
        "type": None,
        "input": None,
        "entered": None,
        "enteredTime": 0,
        "exited": False,
        "output": None,
        "last": 0,
        "before": dict(variables),  # the variables the current state was entered with
        "variables": dict(variables),
        "iteration": None,
    }


def _parent(label: str) -> str:
    return label.rsplit("/", 1)[0] if "/" in label else ""


def _frames(events: Iterable[dict]) -> dict[str, dict]:
    """Every frame of the history by label, as of its last event (frames of a container's
    branches and iterations are kept after it ends; entering the container again resets
    them)."""
    from replay.fold import _frame_label, apply, initial_state  # runs never redriven skip it

    frames: dict[str, dict] = {"": _new_frame({})}
    labels = initial_state()  # our events name their frames; a child execution's are inferred
    for event in events:
        label = _frame_label(labels, event)
        apply(labels, event)
        frame = frames.get(label)
        if frame is None:
            frame = frames[label] = _new_frame(frames[_parent(label)]["variables"])
        kind, d = event["type"], details(event)
        frame["last"] = event["id"]
        if kind.endswith("StateEntered"):
            if kind in ("MapStateEntered", "ParallelStateEntered"):
                prefix = f"{label}/{d['name']}#" if label else f"{d['name']}#"
                for other in [key for key in frames if key.startswith(prefix)]:
                    del frames[other]
            frame.update(
                state=d["name"],
                type=kind[: -len("StateEntered")],
                input=d.get("input"),
                entered=event["id"],
                enteredTime=event["timestamp"],
                exited=False,
                before=frame["variables"],
            )
        elif kind.endswith("StateExited"):
            frame["variables"] = {**frame["variables"], **(d.get("assignedVariables") or {})}
            frame.update(exited=True, output=d.get("output"))
        elif kind.startswith("MapIteration"):
            frame["iteration"] = kind[len("MapIteration") :].lower()
    return frames


def _decoded(variables: dict) -> dict:
    return {name: from_json_text(text) for name, text in variables.items()}


def plan(events: list[dict], machine: Machine, current: Callable[[Machine], Machine]) -> Resume:
    """Where the root frame goes on (its branches and iterations nested in it). `current`
    maps a machine to the one in use (a branch's new definition)."""
    frames = _frames(events)
    result = _frame_plan(frames, "", machine, current)
    if isinstance(result, Done):
        raise RedriveError("redrive: the execution has no unsuccessful state to go on from")
    return result


def _frame_plan(frames: dict, label: str, machine: Machine, current: Callable) -> Resume | Done:
    f = frames[label]
    machine = current(machine)
    if f["state"] is None:  # a Map iteration that entered no state
        return Resume(None, None, _decoded(f["variables"]), f["last"])
    state = machine.states.get(f["state"])
    if state is None:  # a replay with another definition
        raise RedriveError(f"redrive: state {f['state']!r} is not in the definition")
    if f["exited"] and state.type == "Choice":  # its next state is decided again
        before = _decoded(f["before"])
        decided = (from_json_text(f["output"]), _decoded(f["variables"]))
        return Resume(
            state.name,
            from_json_text(f["input"]),
            before,
            f["last"],
            entered_time=f["enteredTime"],
            decided=decided,
        )
    if not f["exited"]:
        resume = _again(f)
        if state.type in ("Map", "Parallel"):
            resume.children = _children(frames, label, state, current)
        return resume
    output = from_json_text(f["output"])
    following = getattr(state, "next", None)
    if state.type in ("Succeed", "Fail") or following is None:
        return Done(output)
    return Resume(following, output, _decoded(f["variables"]), f["last"])


def _children(frames: dict, label: str, state: Any, current: Callable) -> dict:
    if state.type == "Map" and state.mode == "DISTRIBUTED":
        return {}  # its child executions have histories of their own: see distributed_map
    prefix = f"{label}/{state.name}#" if label else f"{state.name}#"
    out: dict[int, Resume | Done] = {}
    for key, child in frames.items():
        index = key[len(prefix) :]
        if not key.startswith(prefix) or not index.isdigit():
            continue
        if state.type == "Parallel":
            out[int(index)] = _frame_plan(frames, key, state.branches[int(index)], current)
        elif child["iteration"] == "succeeded":
            out[int(index)] = Done(from_json_text(child["output"]))
        else:
            found = _frame_plan(frames, key, state.processor, current)
            # an iteration that failed at its end runs its last state again
            out[int(index)] = found if isinstance(found, Resume) else _again(child)
    return out


def _again(frame: dict) -> Resume:
    """The frame's current state, run again without a new StateEntered."""
    restore = {
        "state": frame["state"],
        "type": frame["type"],
        "enteredEvent": frame["entered"],
        "enteredTime": frame["enteredTime"],
        "input": frame["input"],
        "variables": frame["before"],
    }
    return Resume(
        frame["state"],
        from_json_text(frame["input"]),
        _decoded(frame["before"]),
        frame["entered"],
        entered=frame["entered"],
        entered_time=frame["enteredTime"],
        restore=restore,
    )


def restored_frames(resume: Resume, label: str = "") -> dict[str, dict]:
    """What `fold` needs to know again of the frames going on at a state they had entered
    (kept under EXTRA on the ExecutionRedriven event: fold drops the frames of a container's
    branches and iterations when it ends), by frame label."""
    out: dict[str, dict] = {}
    if resume.restore is not None:
        out[label] = resume.restore
    for index, child in resume.children.items():
        if isinstance(child, Resume):
            name = f"{resume.state}#{index}"
            out.update(restored_frames(child, f"{label}/{name}" if label else name))
    return out
