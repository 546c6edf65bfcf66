"""The one loop that does I/O: runs an engine and appends its steps' events to the log."""

from __future__ import annotations

import signal
from dataclasses import dataclass, replace
from typing import Any

from replay import detached, express
from replay.commits import CallOut, GroupCommit, SyncTimer
from replay.definition import Definition
from replay.engine import AwaitingToken, Engine, ExecutionInfo, NoTaskAnswer
from replay.fork import Fork
from replay.history import EXECUTIONS
from replay.history import length as history_length
from replay.interpreter import run_machine
from replay.interrupted import Interrupted
from replay.liveness import Busy, ExecutionLock
from replay.nested import NAME, NO_MACHINES, Machines
from replay.rand import SeededRandom
from replay.record import execution_record
from replay.scheduler import AwaitToken
from replay.states.activity_task import recorded_starts
from replay.world import World
from store import EventLog, StoreConflictError, StoreError
from store.log import blob_digest


class RunError(ValueError):
    """Bad input to a run (a name, an existing execution...): exit 2."""


def check_name(kind: str, name: str) -> None:
    if not NAME.match(name):
        raise RunError(
            f"invalid {kind} name {name!r}: 1-80 characters, no whitespace and none of "
            '< > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /'
        )


@dataclass(frozen=True)
class Names:
    state_machine: str
    execution: str | None = None
    account: str = "123456789012"
    region: str = "us-east-1"
    type: str = express.STANDARD  # EXPRESS: executions get Express ARNs

    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine}"

    def execution_arn(self, execution: str, uuid: str = "") -> str:
        """A Standard execution's ARN, or an Express one's (ending with `uuid`)."""
        if self.type == express.EXPRESS:
            return express.execution_arn(
                self.region, self.account, self.state_machine, execution, uuid
            )
        return (
            f"arn:aws:states:{self.region}:{self.account}:execution:"
            f"{self.state_machine}:{execution}"
        )


def default_execution_name(seed: int) -> str:
    """A UUID drawn from the seed, without touching the execution's own random stream."""
    return SeededRandom(seed ^ 0x5EED_0F_A11_5A17).uuid()


def execution_info(names: Names, input_value: Any, seed: int, start_micros: int) -> ExecutionInfo:
    name = names.execution or default_execution_name(seed)
    check_name("state machine", names.state_machine)
    check_name("execution", name)
    uuid = express.run_id(seed, start_micros, name) if names.type == express.EXPRESS else ""
    return ExecutionInfo(
        execution_arn=names.execution_arn(name, uuid),
        name=name,
        state_machine_arn=names.state_machine_arn(),
        state_machine_name=names.state_machine,
        role_arn=f"arn:aws:iam::{names.account}:role/sfn-replay",
        region=names.region,
        account=names.account,
        start_micros=start_micros,
        input=input_value,
    )


def summary(info: ExecutionInfo, engine: Engine, **extra: Any) -> dict:
    """The execution's index record as of the engine's last step (`extra`: its setup)."""
    return execution_record(
        arn=info.execution_arn,
        name=info.name,
        state_machine_arn=info.state_machine_arn,
        state_machine_name=info.state_machine_name,
        status=engine.status,
        start=info.start_micros,
        stop=engine.stop_micros if engine.status != "RUNNING" else None,
        events=engine.last_id,
        seed=engine.seed,
        redrive_count=engine.redrive_count,
        redrive_micros=engine.redrive_micros,
        **_with_machines(extra, engine),
    )


def _with_machines(extra: dict, engine: Engine) -> dict:
    """The setup with the child state machines the run used so far (`replay.child_machines`),
    recorded so that replay, branch and resume find the same ones."""
    used = getattr(engine.machines, "used", None)
    if not used:
        return extra
    return {**extra, "stateMachines": {**extra.get("stateMachines", {}), **used}}


class BranchDiverged(RunError):
    """Re-running the parent up to the fork point did not reproduce the parent's events."""


class TaskUnanswered(NoTaskAnswer, RunError):
    """The run stopped at a Task nothing answers; what came before stays in the log."""

    def __init__(self, missing: NoTaskAnswer, name: str, db: str, event: int) -> None:
        super().__init__(missing.state, missing.resource)
        message = (
            f"{missing}: execution {name} stops at event {event}; give one and "
            f"continue with: sfn-replay resume {name} --db {db} --mock-config F "
            "--test-case T (or --handlers F.py)"
        )
        self.args = (message,)


@dataclass(frozen=True)
class Committed:
    """An execution's events already in the log (a resumed run): the re-run must reproduce
    them, writes none of them, and appends what follows to the same streams."""

    events: list[dict]
    children: dict[str, list[dict]]  # its Distributed Map children's, by ARN


def run_execution(
    log: EventLog,
    definition: Definition,
    info: ExecutionInfo,
    world: World,
    seed: int,
    *,
    setup: dict | None = None,
    fork: Fork | None = None,
    parent_events: list[dict] | None = None,
    strict_prefix: bool = True,
    s3: Any = None,
    schedule: str = "round-robin",
    committed: Committed | None = None,
    horizon: int = 0,
    heartbeats: dict[str, tuple[int, ...]] | None = None,
    redrives: list[int] | None = None,
    aborts: dict[int, dict] | None = None,
    activity_starts: dict[str, tuple[int, str]] | None = None,
    machines: Machines | None = None,
) -> Engine:
    """Run to the end, steps committed in groups (`replay.commits`); returns the engine.

    With a `fork`, the engine re-runs the parent (`info`, `world` and `definition` are the
    parent's) and events up to `fork.at` must equal `parent_events`; only later events are
    written, to the branch's own stream (`fork.info`). For histories recorded elsewhere
    (imports), whose details our interpreter need not reproduce, only event types must match.
    With `committed`, the execution exists and goes on from its last committed event.
    A Task waiting for its token pauses the run once nothing else can happen by `horizon`
    (virtual micros; see `Engine`): the execution's record then lists what it waits for.
    The activities it knows are those its `setup` records; `activity_starts`: activity tasks
    a worker starts now, besides those the events it re-runs say were started.
    While it runs, the process holds the execution's lock (see `liveness`). `redrives` and
    `aborts`: see `Engine` (a redriven execution, or one being redriven).
    """
    own = fork.info if fork is not None and fork.info is not None else info
    try:
        lock = ExecutionLock(log.path, own.execution_arn).__enter__()
    except Busy:
        raise RunError(
            f"execution {own.name!r} is running in another process"
            if committed is not None
            else f"ExecutionAlreadyExists: an execution named {own.name!r} of state machine "
            f"{own.state_machine_name!r} is being started by another process"
        ) from None
    try:
        arn = own.execution_arn
        exists = log.get_doc(EXECUTIONS, arn) is not None
        if committed is None and (exists or log.length(arn)):  # early, cheap; the first write
            # checks again, in its transaction
            raise already_exists(arn, own.name, own.state_machine_name, half=not exists)
        extra = dict(setup or {})
        if "definition" not in extra:  # stored with the first commit, which names it
            text = definition.text.encode("utf-8")
            extra["definition"] = blob_digest(text)
            blobs = [text]
        else:
            blobs = []
        started = {"definition": extra["definition"], "startMicros": info.start_micros}
        syncer = SyncTimer(log)
        if fork is not None and fork.world is not None:
            fork = replace(fork, world=CallOut(fork.world, syncer))
        engine = Engine(
            definition.machine,
            info,
            CallOut(world, syncer),
            seed,
            started_extra=started,
            fork=fork,
            schedule=schedule,
            horizon=horizon,
            heartbeats=heartbeats,
            redrives=redrives,
            aborts=aborts,
            activities=frozenset(extra.get("activities", ())),
            activity_starts=_starts(committed, fork, parent_events, activity_starts),
            machines=NO_MACHINES if machines is None else machines,
        )
        engine.s3 = s3
        if committed is not None:
            parent_events = committed.events
        shared = len(parent_events or ()) if committed else (fork.at if fork else 0)
        with syncer:
            commits = GroupCommit(log, syncer)
            commits.blobs.extend(blobs)
            try:
                _loop(
                    log,
                    engine,
                    definition,
                    info,
                    own,
                    extra,
                    commits,
                    shared,
                    parent_events or [],
                    strict_prefix,
                    committed,
                )
            except AwaitingToken as waiting:  # not a stop: the execution waits, recorded
                commits.flush()
                _record_waiting(log, own, engine, waiting)
            except StoreConflictError as exc:  # another process took the name first
                taken = exc.stream or exc.doc[1]  # type: ignore[index]
                raise already_exists(
                    taken,
                    own.name if taken == arn else taken.rsplit(":", 1)[-1],
                    own.state_machine_name,
                    half=exc.stream is not None,
                ) from exc
            except BaseException as exc:
                _keep_whole_steps(commits)
                _stopped(log, own, exc)
                raise
    finally:
        lock.__exit__(None, None, None)
    return engine


def _starts(
    committed: Committed | None,
    fork: Fork | None,
    parent_events: list[dict] | None,
    new: dict[str, tuple[int, str]] | None,
) -> dict[str, tuple[int, str]]:
    """The activity tasks workers started: as the events re-run say (a branch: up to its fork
    point), and `new` ones."""
    if committed is not None:
        known = recorded_starts(committed.events, *committed.children.values())
    elif fork is not None:
        known = recorded_starts((parent_events or [])[: fork.at])
    else:
        known = {}
    return {**known, **(new or {})}


def _loop(
    log: EventLog,
    engine: Engine,
    definition: Definition,
    info: ExecutionInfo,
    own: ExecutionInfo,
    extra: dict,
    commits: GroupCommit,
    shared: int,
    parent_events: list[dict],
    strict_prefix: bool,
    committed: Committed | None,
) -> None:
    arn = own.execution_arn
    first = True
    # streams this run creates: the name check and their first write are one transaction
    written: set[str] = {arn, *committed.children} if committed is not None else set()
    try:
        for batch in engine.steps(
            lambda eng, root, resume=None: run_machine(
                eng, root, definition.machine, info.input, resume
            )
        ):
            if shared:
                _check_shared(batch, parent_events, shared, strict_prefix)
                batch = [event for event in batch if event["id"] > shared]
            children = engine.take_child_events() if engine.children.dirty else {}
            if committed is not None and children:
                children = _new_child_events(children, committed.children)
            elif shared and children:
                children = _branch_children(
                    children, engine.children.born, shared, engine.last_id <= shared
                )
            if batch and not (children or first or engine.status != "RUNNING"):
                commits.add_events(arn, batch)  # the common batch: events of the execution only
            elif batch or children:
                docs = {}
                ending = engine.status != "RUNNING"
                if first or ending:
                    docs[(EXECUTIONS, arn)] = summary(own, engine, **extra)
                streams = {arn: batch} if batch else {}
                for child_arn, (events, doc) in children.items():
                    streams[child_arn] = events
                    docs[(EXECUTIONS, child_arn)] = {"definition": extra["definition"], **doc}
                new = [s for s in (arn, *children) if s not in written]
                written.update(new)
                commits.add(streams, docs, new_streams=new, new_docs=[(EXECUTIONS, s) for s in new])
                if ending and not engine.detached_running:
                    commits.flush()
                first = False
            if commits.count and commits.due(engine.calling_out and engine.world.leaves_process):
                commits.flush()
    except AwaitingToken:  # the execution waits: it has a record even with no events of its own
        if first and committed is None:
            commits.add({}, {(EXECUTIONS, arn): summary(own, engine, **extra)})
        raise
    if first and committed is None:  # a branch at the last event: no events of its own
        commits.add({}, {(EXECUTIONS, arn): summary(own, engine, **extra)})
    commits.flush()
    if shared and engine.last_id < shared:
        raise BranchDiverged(
            f"re-running the execution ends at event {engine.last_id}, "
            f"before the {shared} events of the record"
        )


def _keep_whole_steps(commits: GroupCommit) -> None:
    """A run that stops early commits the whole steps it holds (what the store refuses, a full
    disk say, stays lost: `resume` derives it again)."""
    try:
        commits.flush()
    except StoreError:
        pass


def _branch_children(children: dict, born: dict[str, int], shared: int, in_prefix: bool) -> dict:
    """The child executions a branch writes: those started in its shared prefix are its
    parent's (read, never written again); one of those going on after the fork cannot be
    (a Distributed Map's, or a startExecution's)."""
    out = {}
    for arn, events in children.items():
        if born[arn] >= shared:
            out[arn] = events
        elif not in_prefix and "/" in arn.split(":")[6]:  # a Map Run's: STATE_MACHINE/LABEL
            raise RunError(
                f"cannot branch inside a Distributed Map run: child execution {arn} started "
                "before the fork point and goes on after it; branch before the MapRunStarted "
                "event or after the Map Run ends"
            )
        elif not in_prefix:
            raise RunError(
                f"cannot branch while a child execution runs: {arn}, started by a "
                "startExecution Task before the fork point, goes on after it; branch before "
                "its TaskSubmitted event (or the Task's TaskSucceeded, for a plain "
                "startExecution) or after it ends"
            )
    return out


def _new_child_events(children: dict, recorded: dict[str, list[dict]]) -> dict:
    """Of the child executions' events a resumed re-run produces, the ones not yet in the log
    (the others must equal the record)."""
    out = {}
    for child_arn, (events, doc) in children.items():
        have = recorded.get(child_arn, [])
        _check_shared(events, have, len(have), True)
        events = [event for event in events if event["id"] > len(have)]
        if events:
            out[child_arn] = (events, doc)
    return out


def _record_waiting(
    log: EventLog, own: ExecutionInfo, engine: Engine, waiting: AwaitingToken
) -> None:
    """Say in the execution's record which task tokens it waits for (`send-task-*` finds them
    there): from which state, since when, with which limits and heartbeats."""
    doc = log.get_doc(EXECUTIONS, own.execution_arn)
    doc.pop("stopReason", None)
    doc["waiting"] = [waiting_record(task, engine.heartbeats) for task in waiting.waiting]
    log.put_doc(EXECUTIONS, own.execution_arn, doc)


def waiting_record(task: AwaitToken, heartbeats: dict[str, tuple[int, ...]]) -> dict:
    """One token an execution waits for, as its record keeps it."""
    record = {
        "token": task.token,
        "state": task.state,
        "resource": task.resource,
        "sinceMicros": task.since,
        **dict(task.limits),
    }
    if task.frame:
        record["frame"] = task.frame
    if task.activity:
        record["activity"] = True
    if task.started is not None:
        record.update(startedMicros=task.started, workerName=task.worker)
    if heartbeats.get(task.token):
        record["heartbeats"] = list(heartbeats[task.token])
    return record


def _stopped(log: EventLog, own: ExecutionInfo, exc: BaseException) -> None:
    """Say in the execution's record why the run stopped before its end, and raise what tells
    the user how to continue it."""
    writer = doc = log.get_doc(EXECUTIONS, own.execution_arn)
    if doc is None:
        return
    if doc["status"] != "RUNNING":  # ended: the run stopped in a child that outlives it
        children = detached.unfinished(log, doc)
        if not children:
            return
        doc = children[0]
    if isinstance(exc, NoTaskAnswer):
        reason = f"no answer for Task {exc.state}"
    elif isinstance(exc, Interrupted):
        reason = f"{signal.Signals(exc.signum).name} received"
    elif isinstance(exc, KeyboardInterrupt):
        reason = "interrupted"
    else:
        reason = f"stopped by {type(exc).__name__}: {exc}"
    try:
        log.put_doc(EXECUTIONS, own.execution_arn, dict(writer, stopReason=reason))
    except StoreError:
        pass
    event = history_length(log, doc)
    same_name = sum(1 for _, other in log.docs(EXECUTIONS) if other["name"] == doc["name"])
    handle = doc["name"] if same_name == 1 else doc["executionArn"]  # what `resume` accepts
    if isinstance(exc, Interrupted):
        exc.execution, exc.db, exc.event = handle, str(log.path), event
    elif isinstance(exc, NoTaskAnswer) and not isinstance(exc, TaskUnanswered):
        raise TaskUnanswered(exc, handle, str(log.path), event) from None


def already_exists(arn: str, name: str, state_machine: str, half: bool = False) -> RunError:
    """The ExecutionAlreadyExists error for `arn` (`half`: events there without a record)."""
    if half:
        return RunError(
            f"ExecutionAlreadyExists: the db holds events of an execution named {name!r} of "
            f"state machine {state_machine!r} without its record (a half-written import by an "
            "older version; `sfn-replay check` lists them): use another name"
        )
    return RunError(
        f"ExecutionAlreadyExists: an execution named {name!r} of state machine "
        f"{state_machine!r} is already in the db"
    )


def _check_shared(batch: list[dict], parent: list[dict], shared: int, strict: bool) -> None:
    from replay.verify import comparable  # branches only: runs skip it

    for event in batch:
        if event["id"] > shared:
            return
        recorded = parent[event["id"] - 1]
        same = (
            comparable(event, False) == comparable(recorded, False)
            if strict
            else event["type"] == recorded["type"]
        )
        if not same:
            raise BranchDiverged(
                f"cannot branch at event {shared}: re-running the parent gives "
                f"{event['type']} where the record has {recorded['type']} at event "
                f"{event['id']} (see `sfn-replay replay`)"
            )
