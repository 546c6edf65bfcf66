"""When a run's events reach the disk: steps committed in groups, the log synced on a timer.

A step's events are never split across transactions, but several steps may share one (group
commit): they wait in memory until the engine is about to ask a world that may leave the
process (a user's handler), until `MAX_PENDING` events wait, until `MAX_WAIT` seconds have
passed since the last commit (so that a reader follows a live run), and at the run's end. The
first commit also takes the execution's name (in its transaction; the run holds the
execution's lock meanwhile). A `kill -9` loses only pure steps not yet committed, which
`resume` derives again. Committed data is synced (fsync) at most a second later, also while
a slow handler runs, and soon after the end of the run (`store.late_sync`).
"""

from __future__ import annotations

import _thread
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from replay.world import TaskAnswer, TaskRequest, World
from store import EventLog, StoreError
from store.env import SYNC_INTERVAL

MAX_PENDING = 2048  # events
MAX_WAIT = 0.2  # seconds


class GroupCommit:
    """Steps' events (and index records) waiting to be committed together."""

    def __init__(self, log: EventLog, syncer: "SyncTimer") -> None:
        self.log, self.syncer = log, syncer
        self.streams: dict[str, list[dict]] = {}
        self.docs: dict[tuple[str, str], Any] = {}
        self.new_streams: list[str] = []  # streams and docs that must not exist yet
        self.new_docs: list[tuple[str, str]] = []
        self.blobs: list[bytes] = []  # content-addressed data the records name (a definition)
        self.count = 0
        self.last = time.monotonic()

    def add(
        self,
        streams: dict[str, list[dict]],
        docs: dict[tuple[str, str], Any],
        *,
        new_streams: Sequence[str] = (),
        new_docs: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Events of several streams and index records; `new_*` must not exist yet when they
        are committed (the name check and the first write are one transaction)."""
        self.new_streams.extend(new_streams)
        self.new_docs.extend(new_docs)
        for stream, events in streams.items():
            self.add_events(stream, events)
        self.docs.update(docs)

    def add_events(self, stream: str, events: list[dict]) -> None:
        """The common step: events of one stream, nothing else."""
        pending = self.streams.get(stream)
        if pending is None:
            self.streams[stream] = pending = []
        pending.extend(events)
        self.count += len(events)

    def _take(self) -> tuple[dict, dict, list, list, list]:
        taken = self.streams, self.docs, self.new_streams, self.new_docs, self.blobs
        self.streams, self.docs, self.new_streams, self.new_docs, self.blobs = {}, {}, [], [], []
        self.count = 0
        return taken

    def due(self, calling_out: bool) -> bool:
        """Whether to commit now, before the engine goes on (`calling_out`: it is about to ask
        a world that may leave the process)."""
        return calling_out or self.count >= MAX_PENDING or time.monotonic() - self.last >= MAX_WAIT

    def flush(self) -> None:
        """Commit what waits, in one transaction (StoreConflictError when a stream or doc
        that must be new exists: then nothing is written, and nothing waits any more)."""
        if self.streams or self.docs:
            streams, docs, new_streams, new_docs, blobs = self._take()
            self.log.append_many(
                streams, docs=docs, new_streams=new_streams, new_docs=new_docs, blobs=blobs
            )
            self.syncer.dirty = True
        self.last = time.monotonic()


class CallOut:
    """The world as a run sees it: a Task's answer may come from outside the interpreter (a
    handler), so from the first one on the log is synced while the run waits (see SyncTimer).
    Runs that never ask (Pass, Choice, Map...) start no thread."""

    def __init__(self, world: World, syncer: SyncTimer) -> None:
        self.world, self.syncer = world, syncer
        # read once: the runner asks before every call, and a world's answer never changes
        # (ChainWorld's is a property over its worlds)
        self.leaves_process: bool = getattr(world, "leaves_process", True)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        self.syncer.start()
        self.answer = self.world.answer  # type: ignore[method-assign]  # later calls: direct
        return self.world.answer(request)


class SyncTimer:
    """Syncs the log at most `INTERVAL` seconds after a commit, also while the run waits on a
    slow handler (the store syncs on commits only). Started by a run's first Task (CallOut).
    One daemon thread per process serves every run: started on first use, it stops once no run
    needs it (a thread per run would cost a context switch)."""

    INTERVAL = SYNC_INTERVAL / 2
    _guard = threading.Lock()  # held while the thread syncs, and to register or unregister
    _active: ClassVar[set[SyncTimer]] = set()
    _thread_pid = 0  # the process whose thread runs (a forked child has none)

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.dirty = False  # set after each commit (a plain store: nothing on the hot path)
        self.started = False

    def start(self) -> None:
        """Sync this run's log from now on until it ends."""
        cls = type(self)
        if self.started:
            return
        with cls._guard:
            self.started = True
            cls._active.add(self)
            if cls._thread_pid != os.getpid():
                cls._thread_pid = os.getpid()
                _thread.start_new_thread(cls._run, ())  # without waiting for it to start

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.started:
            with type(self)._guard:  # never while the thread syncs this log
                type(self)._active.discard(self)
        # what is not synced yet is synced when the log closes (store.late_sync)

    @classmethod
    def _run(cls) -> None:
        while True:
            time.sleep(cls.INTERVAL)
            with cls._guard:
                if not cls._active:
                    cls._thread_pid = 0
                    return
                for timer in cls._active:
                    if timer.dirty:
                        timer.dirty = False  # a commit after this line is synced next time
                        try:
                            timer.log.sync()
                        except StoreError:
                            pass
