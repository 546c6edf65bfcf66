"""The deterministic scheduler: frames (the root, Parallel branches, Map iterations, Distributed
Map child executions) advanced one step at a time on a virtual clock.

Frames are generators (see `interpreter`). They yield `None` at a step boundary, `Sleep` to
wait virtual time, `WaitChildren` to wait for child frames, `CALL_OUT` just before they ask the
world, `AwaitToken` to wait for a task token's answer from outside the execution (parked: the
other frames go on; the engine pauses the execution when nothing else can happen before the
answer; a parked frame wakes only at its task's timeout, and is then sent the timeout's error).
Ready frames take turns, one step each (round robin, or in an order drawn from a seed),
so branches and iterations progress together as they do on AWS, and an execution is a pure
function of definition, input, world answers and seed.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Generator

from replay.rand import SeededRandom

SCHEDULES = ("round-robin", "random")


@dataclass(frozen=True, slots=True)
class Sleep:
    micros: int


@dataclass(frozen=True, slots=True)
class AwaitToken:
    """A `.waitForTaskToken` Task nothing answers yet, or an activity task waiting for a worker
    (`activity`; `started`: when a worker started it, virtual micros, and its `worker` name):
    what it waits for, since when, and when (if ever) it times out, on which error."""

    token: str
    state: str
    resource: str
    frame: str
    since: int  # virtual micros
    limits: tuple[tuple[str, int], ...]  # ("timeoutSeconds", 60), ("heartbeatSeconds", 10)
    deadline: int | None = None  # virtual micros
    error: str | None = None  # States.Timeout or States.HeartbeatTimeout, at the deadline
    activity: bool = False
    started: int | None = None
    worker: str | None = None


@dataclass(frozen=True, slots=True)
class WaitChildren:
    children: tuple["Frame", ...]


# Yielded by a frame just before it asks the world (which may call out of the process, e.g. a
# handler): a step boundary after which the same frame goes on at once, so the events recorded
# so far can be committed before the call without changing the order of events.
CALL_OUT = object()


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

    __slots__ = (
        "id",
        "body",
        "parent",
        "label",
        "last_event",
        "outcome",
        "waiter",
        "finished",
        "children",
        "cancelled",
        "variables",
        "sink",
        "reply",
    )

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
        self.sink: Any = parent.sink if parent else None
        self.reply: Any = None  # what the next step is sent (a parked task's timeout error)


class Scheduler:
    """Which frame steps next: the one that is calling out, else ready frames in turn (a
    queue) or in a seeded order (a heap), else the sleeper that wakes first."""

    __slots__ = (
        "_queue",
        "_ready",
        "_timers",
        "_shuffle",
        "_turn",
        "_timer_count",
        "_frame_count",
        "calling",
        "parked",
    )

    def __init__(self, schedule: str, seed: int) -> None:
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}: use one of {', '.join(SCHEDULES)}")
        # its own generator, so that varying the interleaving leaves the execution's values be
        self._shuffle = SeededRandom(seed ^ 0x5C4ED) if schedule == "random" else None
        self._queue: deque[Frame] = deque()
        self._ready: list[tuple[int, int, Frame]] = []
        self._timers: list[tuple[int, int, Frame]] = []
        self._turn = self._timer_count = self._frame_count = 0
        self.calling: Frame | None = None  # the frame that yielded CALL_OUT
        self.parked: dict[Frame, AwaitToken] = {}  # frames waiting for a task token

    def root(self, make: Callable[[Frame], FrameBody]) -> Frame:
        frame = Frame(0, None, None)
        frame.body = make(frame)
        self.make_ready(frame)
        return frame

    def spawn(
        self, parent: Frame | None, label: str | None, make: Callable[[Frame], FrameBody]
    ) -> Frame:
        self._frame_count += 1
        frame = Frame(self._frame_count, parent, label)
        frame.body = make(frame)
        if parent is not None:
            parent.children.append(frame)
        self.make_ready(frame)
        return frame

    def spawn_scoped(self, parent: Frame, label: str, make: Callable[[Frame], FrameBody]) -> Frame:
        """A child frame (Parallel branch, Map iteration) that reads its parent's variables;
        what it assigns stays in its own scope."""
        frame = self.spawn(parent, label, make)
        frame.variables = parent.variables
        return frame

    def make_ready(self, frame: Frame) -> None:
        """Queue a frame for its next step: in turn (round robin), or at a seeded random place
        (random), which explores another interleaving of branches and iterations per seed."""
        if self._shuffle is None:
            self._queue.append(frame)
            return
        self._turn += 1
        heapq.heappush(self._ready, (self._shuffle.next64(), self._turn, frame))

    def cancel(self, frames: list[Frame]) -> None:
        """Stop frames (and their descendants) that have not finished."""
        for frame in frames:
            if frame.outcome is None and not frame.cancelled:
                frame.cancelled = True
                self.parked.pop(frame, None)
                self.cancel(frame.children)
                if frame.body is not None:
                    frame.body.close()

    def pop(self) -> tuple[Frame, int | None]:
        """The frame to step next, with its wake-up time when it was sleeping."""
        if self.calling is not None:
            frame, self.calling = self.calling, None
            return frame, None
        if self._queue:
            return self._queue.popleft(), None
        if self._ready:
            return heapq.heappop(self._ready)[2], None
        wake, _, frame = heapq.heappop(self._timers)
        waiting = self.parked.pop(frame, None)
        if waiting is not None:  # its deadline: the task timed out before any answer
            frame.reply = waiting.error
        return frame, wake

    def idle_until(self, horizon: int) -> bool:
        """Whether nothing can happen up to virtual time `horizon`: no frame ready, and no
        sleeper waking by then."""
        if self.calling is not None or self._queue or self._ready:
            return False
        return not self._timers or self._timers[0][0] > horizon

    def advance(self, frame: Frame, now: int) -> None:
        """Run one step of `frame` and queue it according to what it yields."""
        send = None
        if frame.finished:
            send, frame.finished = frame.finished, []
        elif frame.reply is not None:
            send, frame.reply = frame.reply, None
        try:
            effect = frame.body.send(send)  # type: ignore[union-attr]
        except StopIteration as stop:
            self._finish(frame, stop.value)
            return
        if effect is None:
            self.make_ready(frame)
        elif effect is CALL_OUT:
            self.calling = frame
        elif isinstance(effect, Sleep):
            self._timer_count += 1
            heapq.heappush(self._timers, (now + effect.micros, self._timer_count, frame))
        elif isinstance(effect, AwaitToken):
            self.parked[frame] = effect
            if effect.deadline is not None:
                self._timer_count += 1
                heapq.heappush(self._timers, (effect.deadline, self._timer_count, frame))
        else:
            done = [child for child in effect.children if child.outcome is not None]
            for child in effect.children:
                if child.outcome is None:
                    child.waiter = frame
            if done:
                frame.finished = done
                self.make_ready(frame)

    def _finish(self, frame: Frame, outcome: Outcome) -> None:
        frame.outcome = outcome
        waiter = frame.waiter
        if waiter is not None and not waiter.cancelled:
            waiter.finished.append(frame)
            if len(waiter.finished) == 1:
                self.make_ready(waiter)
