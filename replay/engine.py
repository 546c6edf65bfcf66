"""The deterministic scheduler: frames (the root, Parallel branches, Map iterations) advanced
one step at a time on a virtual clock, each step's events handed out as one batch.

Frames are generators (see `interpreter`). They yield `None` at a step boundary, `Sleep` to
wait virtual time, `WaitChildren` to wait for child frames. Ready frames take turns, one step
each (round robin), so branches and iterations progress together as they do on AWS, and an
execution is a pure function of definition, input, world answers and seed.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any, Callable, Generator, Iterator

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.asl.model import Machine
from replay.children import ChildExecution
from replay.clock import MICROS, iso_context
from replay.events import EXTRA, details_key, payload_size, to_json_text
from replay.rand import SeededRandom
from replay.world import TaskRequest, World

MAX_EVENTS = 25_000
SCHEDULES = ("round-robin", "random")
MAX_PAYLOAD = 256 * 1024


@dataclass(frozen=True, slots=True)
class Sleep:
    micros: int


@dataclass(frozen=True, slots=True)
class WaitChildren:
    children: tuple["Frame", ...]


@dataclass(frozen=True, slots=True)
class Succeeded:
    output: Any


@dataclass(frozen=True, slots=True)
class Failed:
    error: str | None
    cause: str | None


Outcome = Succeeded | Failed
FrameBody = Generator[Any, Any, Outcome]


class Frame:
    """One thread of an execution: the root machine, a Parallel branch or a Map iteration."""

    __slots__ = ("id", "body", "parent", "label", "last_event", "outcome", "waiter",
                 "finished", "children", "cancelled", "variables", "sink")

    def __init__(self, fid: int, parent: "Frame | None", label: str | None) -> None:
        self.id = fid
        self.body: FrameBody | None = None
        self.parent = parent
        self.label = label
        self.last_event = parent.last_event if parent else 0
        self.outcome: Outcome | None = None
        self.waiter: Frame | None = None
        self.finished: list[Frame] = []
        self.children: list[Frame] = []
        self.cancelled = False
        self.variables: dict = {}
        # A frame of a Distributed Map child execution records into that execution.
        self.sink: ChildExecution | None = parent.sink if parent else None


@dataclass(frozen=True, slots=True)
class ExecutionInfo:
    execution_arn: str
    name: str
    state_machine_arn: str
    state_machine_name: str
    role_arn: str
    region: str
    account: str
    start_micros: int
    input: Any


class NoTaskAnswer(Exception):
    """Nothing in the world answers a Task; the run cannot go on."""

    def __init__(self, state: str, resource: str) -> None:
        super().__init__(f"no mock or handler answers Task state {state!r} (resource {resource})")
        self.state = state
        self.resource = resource


class EventLimitExceeded(Exception):
    pass


NO_OVERRIDE = object()


@dataclass
class Fork:
    """What changes once event `at` has been emitted (a branch continuing from event N)."""

    at: int
    world: World | None = None
    machine: Machine | None = None
    seed: int | None = None
    input_override: Any = NO_OVERRIDE
    info: "ExecutionInfo | None" = None


def machine_paths(root: Machine) -> dict[tuple, Machine]:
    """Every (nested) machine of a definition by its place: state names and branch indexes."""
    out: dict[tuple, Machine] = {(): root}

    def walk(machine: Machine, path: tuple) -> None:
        for name, state in machine.states.items():
            for index, branch in enumerate(getattr(state, "branches", ())):
                out[path + (name, index)] = branch
                walk(branch, path + (name, index))
            processor = getattr(state, "processor", None)
            if processor is not None:
                out[path + (name, "ItemProcessor")] = processor
                walk(processor, path + (name, "ItemProcessor"))

    walk(root, ())
    return out


class Engine:
    """Runs one execution; `steps()` yields the events of each step."""

    def __init__(
        self,
        machine: Machine,
        info: ExecutionInfo,
        world: World,
        seed: int,
        *,
        started_extra: dict | None = None,
        max_events: int = MAX_EVENTS,
        fork: Fork | None = None,
        schedule: str = "round-robin",
    ) -> None:
        self.machine = machine
        self.info = info
        self.world = world
        self.seed = seed
        self.rng = SeededRandom(seed)
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}: use one of {', '.join(SCHEDULES)}")
        self.schedule = schedule
        # its own generator, so that varying the interleaving leaves the execution's values be
        self._shuffle = SeededRandom(seed ^ 0x5C4ED) if schedule == "random" else None
        self.now = info.start_micros
        self.started_extra = started_extra or {}
        self.max_events = max_events
        self.last_id = 0
        self.batch: list[dict] = []
        self.invocations: dict[str, int] = {}
        self._ready: list[tuple[int, int, Frame]] = []
        self._turn = 0
        self.closing = False  # set when the execution itself ends: nothing more is recorded
        self._timers: list[tuple[int, int, Frame]] = []
        self._frame_count = 0
        self._timer_count = 0
        self.status = "RUNNING"
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.execution_context = {
            "Id": info.execution_arn,
            "Input": info.input,
            "StartTime": iso_context(info.start_micros),
            "Name": info.name,
            "RoleArn": info.role_arn,
            "RedriveCount": 0,
        }
        self.state_machine_context = {"Id": info.state_machine_arn, "Name": info.state_machine_name}
        self.fork = fork
        self.pending_input: Any = NO_OVERRIDE
        self.dirty_children: list[ChildExecution] = []
        self._last_encoded: tuple[Any, str] = (object(), "")
        self.s3 = None  # a local stand-in for S3 (ItemReader, ResultWriter), set by the runner
        self.facts: list[dict] = []  # what the world answered outside Tasks (a Distributed
        # Map's S3 reads and writes), recorded under EXTRA on the next event emitted
        self._replaced: dict[int, Machine] = {}

    # -- events -------------------------------------------------------------------------------
    def emit(self, frame: Frame, event_type: str, details: dict | None = None,
             previous: int | None = None, extra: dict | None = None) -> int:
        """Record an event in the frame's history; `extra` facts go under EXTRA."""
        if self.facts:
            extra, self.facts = {**(extra or {}), "s3": self.facts}, []
        if frame.sink is not None:
            return frame.sink.emit(frame, event_type, details, self.now, previous, extra)
        if self.last_id >= self.max_events:
            raise EventLimitExceeded()
        self.last_id += 1
        event = {
            "id": self.last_id,
            "previousEventId": frame.last_event if previous is None else previous,
            "timestamp": self.now,
            "type": event_type,
        }
        if details is not None:
            event[details_key(event_type)] = details
        if frame.label is not None:
            event[EXTRA] = {"frame": frame.label, **(extra or {})}
        elif extra:
            event[EXTRA] = extra
        frame.last_event = self.last_id
        self.batch.append(event)
        if self.fork is not None and self.last_id == self.fork.at:
            self._apply_fork(self.fork)
        return self.last_id

    def _apply_fork(self, fork: Fork) -> None:
        if fork.info is not None:
            self.info = fork.info
            self.execution_context = dict(self.execution_context, Id=fork.info.execution_arn,
                                          Name=fork.info.name)
        if fork.world is not None:
            self.world = fork.world
        if fork.seed is not None:
            self.rng = SeededRandom(fork.seed)
        self.pending_input = fork.input_override
        if fork.machine is not None:
            new = machine_paths(fork.machine)
            self._replaced = {id(old): new[path] for path, old in
                              machine_paths(self.machine).items() if path in new}

    def current(self, machine: Machine) -> Machine:
        """The machine to read states from: after a fork with a new definition, its twin."""
        if self._replaced:
            return self._replaced.get(id(machine), machine)
        return machine

    def entering_input(self, raw_input: Any) -> Any:
        """The input of a state being entered: a branch's override replaces the first one."""
        if self.pending_input is NO_OVERRIDE:
            return raw_input
        override, self.pending_input = self.pending_input, NO_OVERRIDE
        return override

    def json_text(self, value: Any, what: str) -> str:
        """JSON text of a payload, failing with States.DataLimitExceeded above 256 KiB.

        A state's output is usually the next state's input: the same object, never mutated
        (values are immutable here), so its text is reused."""
        if value is self._last_encoded[0]:
            text = self._last_encoded[1]
        else:
            text = to_json_text(value)
            self._last_encoded = (value, text)
        if len(text) > MAX_PAYLOAD // 4 and payload_size(text) > MAX_PAYLOAD:
            raise StatesError(
                errors.DATA_LIMIT_EXCEEDED,
                f"The state/task '{what}' returned a result with a size exceeding the maximum "
                "number of bytes service limit.",
            )
        return text

    # -- context and world ----------------------------------------------------------------
    def context(self, state_name: str, entered: int, retry_count: int | None = None,
                frame: Frame | None = None) -> dict:
        state: dict = {"Name": state_name, "EnteredTime": iso_context(entered)}
        if retry_count is not None:
            state["RetryCount"] = retry_count
        if frame is not None and frame.sink is not None:
            return dict(frame.sink.context, State=state)
        return {
            "Execution": self.execution_context,
            "StateMachine": self.state_machine_context,
            "State": state,
        }

    def take_child_events(self) -> dict[str, tuple[list[dict], dict]]:
        """Events of child executions recorded since the last call, with their index docs."""
        out = {}
        for child in self.dirty_children:
            out[child.arn] = (child.pending, child.doc())
            child.pending = []
        self.dirty_children.clear()  # the children hold this very list
        return out

    def ask_world(self, state_name: str, resource: str, value: Any, context: dict):
        invocation = self.invocations.get(state_name, 0)
        self.invocations[state_name] = invocation + 1
        answer = self.world.answer(TaskRequest(state_name, resource, value, invocation, context))
        if answer is None:
            raise NoTaskAnswer(state_name, resource)
        return answer

    # -- frames -------------------------------------------------------------------------------
    def spawn(self, parent: Frame | None, label: str | None, make: Callable[[Frame], FrameBody]):
        self._frame_count += 1
        frame = Frame(self._frame_count, parent, label)
        frame.body = make(frame)
        if parent is not None:
            parent.children.append(frame)
        self._make_ready(frame)
        return frame

    def spawn_scoped(self, parent: Frame, label: str, make: Callable[[Frame], FrameBody]):
        """A child frame (Parallel branch, Map iteration) that reads its parent's variables;
        what it assigns stays in its own scope."""
        frame = self.spawn(parent, label, make)
        frame.variables = parent.variables
        return frame

    def _make_ready(self, frame: Frame) -> None:
        """Queue a frame for its next step: in turn (round robin), or at a seeded random place
        (random), which explores another interleaving of branches and iterations per seed."""
        self._turn += 1
        key = self._turn if self._shuffle is None else self._shuffle.next64()
        heapq.heappush(self._ready, (key, self._turn, frame))

    def cancel(self, frames: list[Frame]) -> None:
        """Stop frames (and their descendants) that have not finished."""
        for frame in frames:
            if frame.outcome is None and not frame.cancelled:
                frame.cancelled = True
                self.cancel(frame.children)
                if frame.body is not None:
                    frame.body.close()

    def _finish(self, frame: Frame, outcome: Outcome) -> None:
        frame.outcome = outcome
        waiter = frame.waiter
        if waiter is not None and not waiter.cancelled:
            waiter.finished.append(frame)
            if len(waiter.finished) == 1:
                self._make_ready(waiter)

    def _advance(self, frame: Frame) -> None:
        send = None
        if frame.finished:
            send, frame.finished = frame.finished, []
        try:
            effect = frame.body.send(send)  # type: ignore[union-attr]
        except StopIteration as stop:
            self._finish(frame, stop.value)
            return
        if effect is None:
            self._make_ready(frame)
        elif isinstance(effect, Sleep):
            self._timer_count += 1
            heapq.heappush(self._timers, (self.now + effect.micros, self._timer_count, frame))
        else:
            done = [child for child in effect.children if child.outcome is not None]
            for child in effect.children:
                if child.outcome is None:
                    child.waiter = frame
            if done:
                frame.finished = done
                self._make_ready(frame)

    # -- the run ------------------------------------------------------------------------------
    def steps(self, make_root: Callable[["Engine", Frame], FrameBody]) -> Iterator[list[dict]]:
        """Run the execution, yielding each step's events; the last batch ends it."""
        root = Frame(0, None, None)
        self.emit_started(root)
        root.last_event = 0  # AWS links the first state to no event
        root.body = make_root(self, root)
        self._make_ready(root)
        deadline = None
        if self.machine.timeout_seconds:
            deadline = self.info.start_micros + int(self.machine.timeout_seconds * MICROS)
        try:
            while root.outcome is None:
                if not self._ready:
                    wake, _, frame = heapq.heappop(self._timers)
                    if deadline is not None and wake > deadline:
                        self.now = deadline
                        self.closing = True
                        self._end_timed_out(root)
                        break
                    self.now = max(self.now, wake)
                    if not frame.cancelled:
                        self._advance(frame)
                else:
                    *_, frame = heapq.heappop(self._ready)
                    if not frame.cancelled:
                        self._advance(frame)
                if (self.batch or self.dirty_children) and root.outcome is None:
                    yield self._take_batch()
            if root.outcome is not None:
                self._end(root, root.outcome)
        except EventLimitExceeded:
            self.closing = True
            self.cancel([root])
            self._end(root, Failed(
                errors.RUNTIME,
                f"The execution reached the maximum number of history events "
                f"({self.max_events}).",
            ), force=True)
        except NoTaskAnswer:
            if self.batch:
                yield self._take_batch()
            raise
        yield self._take_batch()

    def _take_batch(self) -> list[dict]:
        batch, self.batch = self.batch, []
        return batch

    def emit_started(self, root: Frame) -> None:
        event_details = {
            "input": to_json_text(self.info.input),
            "inputDetails": {"truncated": False},
            "roleArn": self.info.role_arn,
        }
        self.emit(root, "ExecutionStarted", event_details)
        self.batch[-1][EXTRA] = dict(self.started_extra, seed=self.seed, schedule=self.schedule)

    def _end(self, root: Frame, outcome: Outcome, *, force: bool = False) -> None:
        if force:  # the event that ends an execution over the quota is still recorded
            self.max_events += 1
        if isinstance(outcome, Succeeded):
            try:
                text = self.json_text(outcome.output, "execution")
            except StatesError as exc:
                outcome = Failed(exc.error, exc.cause)
            else:
                self.status, self.output = "SUCCEEDED", outcome.output
                self.emit(root, "ExecutionSucceeded",
                          {"output": text, "outputDetails": {"truncated": False}})
                return
        self.status, self.error, self.cause = "FAILED", outcome.error, outcome.cause
        failed: dict = {}
        if outcome.cause is not None:
            failed["cause"] = outcome.cause
        if outcome.error is not None:
            failed["error"] = outcome.error
        self.emit(root, "ExecutionFailed", failed)

    def _end_timed_out(self, root: Frame) -> None:
        self.cancel([root])
        self.status, self.error = "TIMED_OUT", errors.TIMEOUT
        self.emit(root, "ExecutionTimedOut", {"error": errors.TIMEOUT})
