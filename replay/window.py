"""An execution's events for viewing, however long its history: read from the db by id range on
demand (History: a few chunks kept, never the whole history), and folded with what the views
show (Cursor: the state at any event from the nearest in-memory checkpoint, each event's frame,
state and retry mark by chunk, visits and outcomes per state, and a scout that folds ahead in
steps to find the failures). Memory stays flat in history length: checkpoints are thinned to
at most MAX_CHECKPOINTS, and the folded state drops finished Map iterations.

Pure: the events come from a `read(start, stop)` function the caller gives.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from replay.events import EXTRA
from replay.fold import ROOT, TASK_SCHEDULED, apply, fold, initial_state

CHUNK = 256  # events per read, and per cached block of row facts
KEEP_CHUNKS = 16  # chunks of events kept in memory (and of row facts)
CHECKPOINT_EVERY = 256
MAX_CHECKPOINTS = 64  # beyond, every other one is dropped and the interval doubles
FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")

Reader = Callable[[int, int], list[dict]]


def is_failure(event_type: str) -> bool:
    return event_type.endswith(FAILURE_SUFFIXES)


def is_entered(event_type: str) -> bool:
    return event_type.endswith("StateEntered")


class History(Sequence):
    """Events 1..total as a read-only sequence (index 0 is event 1), read CHUNK at a time
    through `read(first id, last id)`; the last KEEP_CHUNKS chunks read are kept."""

    def __init__(self, read: Reader, total: int) -> None:
        self.read, self.total = read, total
        self.chunks: OrderedDict[int, list[dict]] = OrderedDict()
        self.events_read = 0  # to measure that nothing is read twice needlessly

    def __len__(self) -> int:
        return self.total

    def chunk(self, k: int) -> list[dict]:
        """Events k*CHUNK+1 .. (k+1)*CHUNK (fewer in the last chunk)."""
        if k in self.chunks:
            self.chunks.move_to_end(k)
            return self.chunks[k]
        first, last = k * CHUNK + 1, min((k + 1) * CHUNK, self.total)
        events = self.read(first, last) if first <= last else []
        if len(events) != last - first + 1:
            raise LookupError(f"events {first}..{last}: {len(events)} read")
        self.events_read += len(events)
        self.chunks[k] = events
        while len(self.chunks) > KEEP_CHUNKS:
            self.chunks.popitem(last=False)
        return events

    def event(self, event_id: int) -> dict:
        if not 1 <= event_id <= self.total:
            raise IndexError(f"no event {event_id} (of {self.total})")
        return self.chunk((event_id - 1) // CHUNK)[(event_id - 1) % CHUNK]

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.total))]
        if index < 0:
            index += self.total
        return self.event(index + 1)

    def between(self, start: int, stop: int) -> Iterator[dict]:
        """Events start..stop (ids, inclusive), a chunk at a time."""
        start, stop = max(1, start), min(stop, self.total)
        while start <= stop:
            k = (start - 1) // CHUNK
            events = self.chunk(k)
            yield from events[start - 1 - k * CHUNK : stop - k * CHUNK]
            start = (k + 1) * CHUNK + 1

    def backwards(self, stop: int, start: int = 1) -> Iterator[dict]:
        """Events stop..start, newest first, a chunk at a time."""
        stop = min(stop, self.total)
        while stop >= max(1, start):
            k = (stop - 1) // CHUNK
            events = self.chunk(k)
            low = max(start, k * CHUNK + 1)
            yield from reversed(events[low - 1 - k * CHUNK : stop - k * CHUNK])
            stop = k * CHUNK

    def __iter__(self) -> Iterator[dict]:
        return self.between(1, self.total)

    def grow(self, total: int) -> None:
        """The execution has `total` events now (another process is writing it): a cached
        last chunk that was partial takes in its new events; nothing is read again."""
        if total < self.total:  # not an append: forget what was read
            self.chunks.clear()
        k = (self.total - 1) // CHUNK
        if total > self.total and self.total % CHUNK and k in self.chunks:
            last = min((k + 1) * CHUNK, total)
            new = self.read(self.total + 1, last)
            if len(new) != last - self.total:
                raise LookupError(f"events {self.total + 1}..{last}: {len(new)} read")
            self.events_read += len(new)
            self.chunks[k] = self.chunks[k] + new
        self.total = total


class Facts(NamedTuple):
    """What the timeline shows of an event beyond the event itself."""

    label: str  # its frame: "" the root, "ShipItems#2" a Map iteration, ...
    state: str | None  # the state its frame is in (None for the execution's own events)
    retry: bool  # a Task scheduled again in the same state: a retry


def new_view() -> dict:
    """A folded state plus, per state name, visits and the latest outcome so far."""
    return {"state": initial_state(), "visits": {}, "outcomes": {}}


def copy_view(view: dict) -> dict:
    return {
        "state": fold([], view["state"]),
        "visits": dict(view["visits"]),
        "outcomes": dict(view["outcomes"]),
    }


def step(view: dict, event: dict) -> Facts:
    """Fold one event into a view; what the timeline shows of it."""
    state, kind = view["state"], event["type"]
    before = None
    if kind.startswith("MapIteration"):  # a finished iteration's frame is gone after it
        label = (event.get(EXTRA) or {}).get("frame")
        if label is None:
            label = state["eventFrames"].get(str(event.get("previousEventId")), ROOT)
        before = (state["frames"].get(label) or {}).get("state")
    apply(state, event)
    label = state["lastFrame"]
    frame = state["frames"].get(label)
    name = frame["state"] if frame else before
    entered, execution_event, scheduled, outcome = _kind(kind)
    if entered:
        view["visits"][name] = view["visits"].get(name, 0) + 1
    if outcome:
        owner = (state["frames"].get(ROOT) or {}).get("state") if execution_event else name
        # a Parallel branch closes its failed Task with TaskStateAborted: it still failed
        if owner and not (outcome == "aborted" and view["outcomes"].get(owner) == "failed"):
            view["outcomes"][owner] = outcome
    retry = scheduled and frame is not None and frame["retries"] > 0
    return Facts(label, None if execution_event else name, retry)


_KINDS: dict[str, tuple[bool, bool, bool, str | None]] = {}


def _kind(kind: str) -> tuple[bool, bool, bool, str | None]:
    """(a StateEntered, an execution's own event, a Task scheduled, the outcome it means),
    worked out once per event type."""
    found = _KINDS.get(kind)
    if found is None:
        found = _KINDS[kind] = (
            is_entered(kind),
            kind.startswith("Execution"),
            kind in TASK_SCHEDULED,
            _outcome(kind),
        )
    return found


def _outcome(kind: str) -> str | None:
    if is_entered(kind) or kind in TASK_SCHEDULED:
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


def summary(view: dict) -> dict[str, dict]:
    """{state name: {visits, outcome}} of the states visited so far."""
    return {
        name: {"visits": visits, "outcome": view["outcomes"].get(name)}
        for name, visits in view["visits"].items()
    }


class Cursor:
    """The view at any event of `events`, folded forward from the last position or from the
    nearest checkpoint, never from the start per move; each event's Facts, by chunk."""

    def __init__(self, events: Sequence[dict]) -> None:
        self.events = events if isinstance(events, History) else _listed(events)
        self.position = 0
        self.view = new_view()
        self.every = CHECKPOINT_EVERY
        self.checkpoints: dict[int, dict] = {0: new_view()}
        self.folded = 0  # events folded, to measure incrementality
        self.facts_cache: OrderedDict[int, list[Facts]] = OrderedDict()
        self.scouted, self.scout_view = 0, new_view()
        self.failures = array("I")  # ids of the failure events the scout has passed

    @property
    def state(self) -> dict:
        return self.view["state"]

    def at(self, n: int) -> dict:
        """The folded state after event n (1-based); it must not be modified."""
        n = max(0, min(n, len(self.events)))
        if n < self.position or n - self.position > self.every:
            start = max(k for k in self.checkpoints if k <= n)
            if n < self.position or start > self.position:
                self.position, self.view = start, copy_view(self.checkpoints[start])
        try:
            self._fold(self.view, self.position, n)
        except BaseException:  # a read failed half-way: start again from a checkpoint
            self.position, self.view = 0, new_view()
            raise
        self.position = n
        return self.view["state"]

    def summary(self) -> dict[str, dict]:
        """Visits and outcomes per state as of the last `at`."""
        return summary(self.view)

    def _fold(self, view: dict, position: int, n: int, facts: list | None = None) -> None:
        """Fold events position+1..n into `view`, leaving checkpoints on the way; a fold that
        passes the scout does its work too (the failures), so that it need not go there."""
        scouting = position <= self.scouted < n
        failures = []
        for event in self.events.between(position + 1, n):
            found = step(view, event)
            self.folded += 1
            if facts is not None:
                facts.append(found)
            eid = event["id"]
            if scouting and eid > self.scouted and is_failure(event["type"]):
                failures.append(eid)
            if eid % self.every == 0 and eid not in self.checkpoints:
                self._checkpoint(eid, view)
        if scouting:  # all read: the scout takes it in at once
            self.failures.extend(failures)
            self.scouted, self.scout_view = n, copy_view(view)

    def _checkpoint(self, position: int, view: dict) -> None:
        self.checkpoints[position] = copy_view(view)
        if len(self.checkpoints) > MAX_CHECKPOINTS:  # thin out: twice the interval
            self.every *= 2
            for k in [k for k in self.checkpoints if k % self.every]:
                del self.checkpoints[k]

    def facts(self, event_id: int) -> Facts:
        """Frame, state and retry mark of an event, folded with its whole chunk."""
        k = (event_id - 1) // CHUNK
        block = self.facts_cache.get(k)
        if block is None or len(block) < min(CHUNK, len(self.events) - k * CHUNK):
            first = k * CHUNK
            start = max(p for p in self.checkpoints if p <= first)
            view = copy_view(self.checkpoints[start])
            self._fold(view, start, first)
            block = []
            self._fold(view, first, min(first + CHUNK, len(self.events)), block)
            self.facts_cache[k] = block
            while len(self.facts_cache) > KEEP_CHUNKS:
                self.facts_cache.popitem(last=False)
        self.facts_cache.move_to_end(k)
        return block[(event_id - 1) % CHUNK]

    def scout(self, budget: int) -> bool:
        """Fold up to `budget` events ahead of the scout (leaving checkpoints, noting
        failures); True when it has reached the end."""
        stop = min(len(self.events), self.scouted + budget)
        for event in self.events.between(self.scouted + 1, stop):
            step(self.scout_view, event)
            eid = self.scouted = event["id"]  # so that a failed read leaves it consistent
            if is_failure(event["type"]):
                self.failures.append(eid)
            if eid % self.every == 0 and eid not in self.checkpoints:
                self._checkpoint(eid, self.scout_view)
        return self.scouted >= len(self.events)

    @property
    def scouted_all(self) -> bool:
        return self.scouted >= len(self.events)


def _listed(events: Sequence[dict]) -> History:
    """A History over events already in memory (tests, small views)."""
    events = list(events)
    return History(lambda first, last: events[first - 1 : last], len(events))
