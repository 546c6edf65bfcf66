"""One execution run by the deterministic scheduler: its history, its virtual clock, its seeded
generator, its world, its end; its steps' events handed out in batches of whole steps.

The parts with a job of their own live beside it: `scheduler` (frames and turns), `recorder`
(events), `context` (the Context object), `payloads` (JSON text and its quota), `fork` (what a
branch changes), `children` (Distributed Map child executions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.asl.model import Machine
from replay.children import ChildOutbox
from replay.clock import MICROS
from replay.context import ContextObjects
from replay.events import to_json_text
from replay.express import MAX_DURATION_SECONDS, is_express
from replay.fork import Fork, ForkedDefinition
from replay.nested import NO_MACHINES, Machines
from replay.payloads import PayloadText
from replay.rand import SeededRandom
from replay.recorder import Recorder
from replay.redrive import plan, restored_frames
from replay.scheduler import (
    AwaitToken,
    Failed,
    Frame,
    FrameBody,
    Outcome,
    Scheduler,
    Succeeded,
)
from replay.timeouts import timeouts
from replay.world import TaskAnswer, TaskRequest, World

MAX_EVENTS = 25_000
# Steps that call nothing out of the interpreter hand out their events together, up to about
# this many: the runner handles one batch for them (it commits in groups anyway). Events are
# handed out at once before a call to the world (the runner commits them first), with child
# executions' events, and before the execution's end or pause.
BATCH_EVENTS = 64


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
    alias_arn: str | None = None  # started through a version or an alias of the state machine
    version_arn: str | None = None


class NoTaskAnswer(Exception):
    """Nothing in the world answers a Task; the run cannot go on."""

    def __init__(self, state: str, resource: str) -> None:
        super().__init__(f"no mock or handler answers Task state {state!r} (resource {resource})")
        self.state = state
        self.resource = resource


class AwaitingToken(NoTaskAnswer):
    """The execution waits: every frame that can go on before an answer has, and `waiting`
    Tasks (`.waitForTaskToken`, nothing answered) wait for `send-task-*` with their tokens."""

    def __init__(self, waiting: list[AwaitToken]) -> None:
        super().__init__(waiting[0].state, waiting[0].resource)
        states = ", ".join(sorted({w.state for w in waiting}))
        self.args = (f"execution waits for task tokens of {states}",)
        self.waiting = waiting


_NEVER = 1 << 62  # micros: an answer that never comes


class EventLimitExceeded(Exception):
    pass


class Engine:
    """Runs one execution; `steps()` yields its events, in batches of whole steps."""

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
        horizon: int = 0,
        heartbeats: dict[str, tuple[int, ...]] | None = None,
        redrives: list[int] | None = None,
        aborts: dict[int, dict] | None = None,
        activities: frozenset[str] = frozenset(),
        activity_starts: dict[str, tuple[int, str]] | None = None,
        machines: Machines = NO_MACHINES,
    ) -> None:
        self.machine = machine
        # Redrives (virtual micros, in order): each time the execution ends, the next one
        # makes it go on (`replay.redrive`); `aborts`: StopExecution's ExecutionAborted events
        # by id, reproduced where they were (a redrive may follow them).
        self.redrives = list(redrives or [])
        self.aborts = dict(aborts or {})
        self.redrive_count = 0
        self.redrive_micros: int | None = None
        self.kept: list[dict] | None = [] if self.redrives else None  # what a redrive reads
        self.run_start = info.start_micros  # TimeoutSeconds counts from here
        # Distributed Map runs by (frame label, StateEntered id): their ARN and child frames
        # by item index, what a redrive of the Map Run goes on from
        self.map_runs: dict[tuple[str, int], dict] = {}
        # the child state machines `states:startExecution` Tasks may start (replay.nested),
        # the child executions started so far, and those that run on by themselves
        self.machines = machines
        self.nested_arns: set[str] = set()
        self.detached: list[Frame] = []
        # While a Task waits for its token, the execution goes on up to `horizon` (virtual
        # micros: the time of the answer being delivered) and then pauses; `heartbeats`: those
        # each waiting token received, microseconds after its task started.
        self.horizon = horizon
        self.heartbeats = heartbeats or {}
        # The activities registered when the execution started (an activity Task nothing
        # answers waits for a worker, else does not exist), and when, by which worker, the
        # activity tasks were started (by task token; see `replay.activities`).
        self.activities = activities
        self.activity_starts = activity_starts or {}
        self.info = info
        self.world = world
        self.seed = seed
        self.rng = SeededRandom(seed)
        self.schedule = schedule
        self.scheduler = Scheduler(schedule, seed)
        self.now = info.start_micros
        self.started_extra = started_extra or {}
        self.max_events = max_events
        self.history = Recorder()  # the execution's own events (children have their own)
        self.children = ChildOutbox()
        self.invocations: dict[str, int] = {}  # Task invocations so far, by state name
        self.closing = False  # set when the execution itself ends: nothing more is recorded
        self.calling_out = False  # the batch just handed out precedes a call to the world
        self.status = "RUNNING"
        self.stop_micros: int | None = None  # when the execution itself ended
        self.output: Any = None
        self.error: str | None = None
        self.cause: str | None = None
        self.contexts = ContextObjects(info)
        self.fork = fork
        self.forked = ForkedDefinition()
        self.s3 = None  # a local stand-in for S3 (ItemReader, ResultWriter), set by the runner
        self.facts: list[dict] = []  # what the world answered outside Tasks (a Distributed
        # Map's S3 reads and writes), recorded under EXTRA on the next event emitted
        # What states call on the hot path, bound once.
        self.json_text = PayloadText().text
        self.context = self.contexts.for_state
        self.current = self.forked.current
        self.entering_input = self.forked.entering_input
        self.spawn = self.scheduler.spawn
        self.spawn_scoped = self.scheduler.spawn_scoped
        self.cancel = self.scheduler.cancel

    @property
    def last_id(self) -> int:
        return self.history.last_id

    def quiet(self, frame: Frame) -> bool:
        """Whether a frame being stopped records no abort: its execution itself has ended."""
        return self.closing or (frame.sink is not None and frame.sink.closing)

    @property
    def detached_running(self) -> bool:
        """Whether child executions started by plain startExecution Tasks still run."""
        return any(frame.outcome is None and not frame.cancelled for frame in self.detached)

    # -- events -------------------------------------------------------------------------------
    def emit(
        self,
        frame: Frame,
        event_type: str,
        details: dict | None = None,
        previous: int | None = None,
        extra: dict | None = None,
    ) -> int:
        """Record an event in the history the frame records into; `extra` facts go under
        EXTRA, with the frame's label (Parallel branch, Map iteration) in the execution's own."""
        if self.facts:
            extra, self.facts = {**(extra or {}), "s3": self.facts}, []
        if frame.sink is not None:
            return frame.sink.record(frame, event_type, details, self.now, previous, extra)
        history = self.history
        if history.last_id >= self.max_events:
            raise EventLimitExceeded()
        if frame.label is not None:
            extra = {"frame": frame.label, **(extra or {})}
        event_id = history.record(frame, event_type, details, self.now, previous, extra)
        if self.fork is not None and event_id == self.fork.at:
            self._apply_fork(self.fork)
        return event_id

    def _apply_fork(self, fork: Fork) -> None:
        if fork.info is not None:
            self.info = fork.info
            self.contexts.rename(fork.info)
        if fork.world is not None:
            self.world = fork.world
        if fork.seed is not None:
            self.rng = SeededRandom(fork.seed)
        self.forked.apply(fork, self.machine)

    def take_child_events(self) -> dict[str, tuple[list[dict], dict]]:
        """Events of child executions recorded since the last call, with their index docs."""
        return self.children.take()

    def ask_world(
        self,
        state_name: str,
        resource: str,
        value: Any,
        context: dict,
        *,
        attempt: int = 0,
        frame: str = "",
        optional: bool = False,
    ) -> TaskAnswer | None:
        """The world's answer; None when nothing answers and `optional` (a callback the
        execution will wait for), else NoTaskAnswer."""
        invocation = self.invocations.get(state_name, 0)
        self.invocations[state_name] = invocation + 1
        answer = self.world.answer(
            TaskRequest(state_name, resource, value, invocation, context, attempt, frame)
        )
        if answer is not None and answer.pending and answer.nested is None:
            answer = None  # a record says only that the job was submitted: nothing answers
        if answer is None and not optional:
            raise NoTaskAnswer(state_name, resource)
        return answer

    def await_token(
        self,
        token: str,
        state: str,
        resource: str,
        frame: str,
        limits: dict[str, int | None],
        *,
        since: int | None = None,
        activity: bool = False,
        started: tuple[int, str] | None = None,
    ) -> AwaitToken:
        """What a Task yields to wait for its token from now on (`since`: when it was
        scheduled, if earlier); it times out (is woken with the error) at the first of its
        limits, counting the heartbeats the token received. An activity task counts its
        HeartbeatSeconds from when a worker `started` it (at, worker), not before."""
        since = self.now if since is None else since
        beats = self.heartbeats.get(token, ())
        given = tuple((key, value) for key, value in limits.items() if value is not None)
        heartbeat = limits.get("heartbeatSeconds")
        if activity and started is None:
            heartbeat = None
        start = started[0] - since if started else 0
        never = TaskAnswer(heartbeats=beats)
        ends = timeouts(never, _NEVER, limits.get("timeoutSeconds"), heartbeat, start)
        offset, error = min(ends) if ends else (None, None)
        deadline = None if offset is None else since + offset
        at, worker = started if started else (None, None)
        return AwaitToken(
            token, state, resource, frame, since, given, deadline, error, activity, at, worker
        )

    # -- the run ------------------------------------------------------------------------------
    def steps(self, make_root: Callable[..., FrameBody]) -> Iterator[list[dict]]:
        """Run the execution, yielding its events in batches of whole steps (BATCH_EVENTS);
        the last batch ends it.
        `make_root(engine, frame)` is the root frame's body; after a redrive,
        `make_root(engine, frame, resume)` (`resume`: where the execution goes on)."""
        root = self.scheduler.root(lambda frame: make_root(self, frame))
        self._emit_started(root)
        root.last_event = 0  # AWS links the first state to no event
        while True:
            yield from self._attempt(root)
            if not self.redrives or self.status == "SUCCEEDED":  # (a replay that diverged)
                break
            if self.detached_running:  # they run on up to the redrive, as they did
                yield self._take()
                yield from self._run_detached(self.redrives[0])
            root = self._redrive(make_root)
        yield self._take()
        if self.detached_running:
            yield from self._run_detached()

    def _take(self) -> list[dict]:
        events = self.history.take()
        if self.kept is not None:
            self.kept.extend(events)
        return events

    def _attempt(self, root: Frame) -> Iterator[list[dict]]:
        """Run until the execution ends (its end event recorded, not yet handed out); the
        steps' events are handed out in batches (see BATCH_EVENTS)."""
        scheduler, history, children = self.scheduler, self.history, self.children
        deadline = self._deadline()
        aborts = self.aborts  # (StopExecution's, by the event id they came after: rare)
        try:
            while root.outcome is None:
                if aborts and history.last_id + 1 in aborts:
                    yield from self._hand_out()
                    self._abort(root, aborts.pop(history.last_id + 1))
                    return
                if scheduler.parked and scheduler.idle_until(self.horizon):
                    yield from self._hand_out()
                    if deadline is None or deadline > self.horizon:
                        raise AwaitingToken(list(scheduler.parked.values()))
                    self.now = deadline  # it times out before any answer comes
                    self.closing = True
                    self._end_timed_out(root)
                    break
                frame, wake = scheduler.pop()
                if frame.cancelled:  # stopped while it slept: gone, its timer moves nothing
                    continue
                if wake is not None:
                    if deadline is not None and wake > deadline:
                        yield from self._hand_out()
                        self.now = deadline
                        self.closing = True
                        self._end_timed_out(root)
                        break
                    self.now = max(self.now, wake)
                scheduler.advance(frame, self.now)
                if root.outcome is None and (
                    scheduler.calling is not None
                    or children.dirty
                    or len(history.pending) >= BATCH_EVENTS
                ):
                    self.calling_out = scheduler.calling is not None
                    yield self._take()
            if root.outcome is not None:
                yield from self._hand_out()
                self._end(root, root.outcome)
        except EventLimitExceeded:
            self.closing = True
            self.cancel([root])
            self._end(
                root,
                Failed(
                    errors.RUNTIME,
                    f"The execution reached the maximum number of history events "
                    f"({self.max_events}).",
                ),
                force=True,
            )
        except NoTaskAnswer:
            if history.pending:
                yield self._take()
            raise

    def _hand_out(self) -> Iterator[list[dict]]:
        """The events of the steps run so far, not yet handed out (none precedes a call)."""
        if self.history.pending:
            self.calling_out = False
            yield self._take()

    def _abort(self, root: Frame, event: dict) -> None:
        """StopExecution, where the record has it: nothing runs on, nothing else recorded."""
        self.closing = True
        self.cancel([root])
        self.now = max(self.now, event["timestamp"])
        self.status, self.stop_micros = "ABORTED", self.now
        reason = event.get("executionAbortedEventDetails")
        self.emit(root, "ExecutionAborted", reason, previous=self.history.last_id)

    def _redrive(self, make_root: Callable) -> Frame:
        """The execution goes on from its unsuccessful states (`replay.redrive`)."""
        resume = plan(self.kept + self.history.pending, self.machine, self.current)
        self.now = max(self.now, self.redrives.pop(0))
        self.redrive_count += 1
        self.redrive_micros = self.run_start = self.now
        self.status, self.output, self.error, self.cause = "RUNNING", None, None, None
        self.closing, self.stop_micros = False, None
        self.contexts.redriven(self.redrive_count, self.now)
        # the same scheduler: fire-and-forget child executions go on beside it (what the
        # attempt stopped is cancelled, and a cancelled frame's timer moves no clock)
        root = self.scheduler.root(lambda frame: make_root(self, frame, resume))
        self.emit(
            root,
            "ExecutionRedriven",
            {"redriveCount": self.redrive_count},
            previous=self.history.last_id,
            extra={"redrive": restored_frames(resume)},
        )
        return root

    def _run_detached(self, until: int = _NEVER) -> Iterator[list[dict]]:
        """After its end, the execution's fire-and-forget child executions run on to theirs
        (up to a Task that waits for a token: they are left waiting, not resumable), or up to
        `until` (the moment of a redrive: then they go on beside the redriven execution)."""
        scheduler, children = self.scheduler, self.children
        while self.detached_running and not scheduler.idle_until(until):
            if scheduler.parked and scheduler.idle_until(self.horizon):
                return
            frame, wake = scheduler.pop()
            if frame.cancelled:
                continue
            if wake is not None:
                self.now = max(self.now, wake)
            scheduler.advance(frame, self.now)
            if children.dirty:
                self.calling_out = scheduler.calling is not None
                yield []

    def _deadline(self) -> int | None:
        """When the execution (this attempt, after a redrive) times out: its TimeoutSeconds,
        and five minutes for Express."""
        limits = [self.machine.timeout_seconds] if self.machine.timeout_seconds else []
        if is_express(self.info.execution_arn):
            limits.append(MAX_DURATION_SECONDS)
        return self.run_start + int(min(limits) * MICROS) if limits else None

    def _emit_started(self, root: Frame) -> None:
        event_details = {
            "input": to_json_text(self.info.input),
            "inputDetails": {"truncated": False},
            "roleArn": self.info.role_arn,
        }
        if self.info.alias_arn is not None:
            event_details["stateMachineAliasArn"] = self.info.alias_arn
        if self.info.version_arn is not None:
            event_details["stateMachineVersionArn"] = self.info.version_arn
        self.emit(
            root,
            "ExecutionStarted",
            event_details,
            extra=dict(self.started_extra, seed=self.seed, schedule=self.schedule),
        )

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
                self.stop_micros = self.now
                self.emit(
                    root,
                    "ExecutionSucceeded",
                    {"output": text, "outputDetails": {"truncated": False}},
                )
                return
        self.status, self.error, self.cause = "FAILED", outcome.error, outcome.cause
        self.stop_micros = self.now
        failed: dict = {}
        if outcome.cause is not None:
            failed["cause"] = outcome.cause
        if outcome.error is not None:
            failed["error"] = outcome.error
        self.emit(root, "ExecutionFailed", failed)

    def _end_timed_out(self, root: Frame) -> None:
        self.cancel([root])
        self.status, self.error = "TIMED_OUT", errors.TIMEOUT
        self.stop_micros = self.now
        self.emit(root, "ExecutionTimedOut", {"error": errors.TIMEOUT})
