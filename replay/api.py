"""The Python API: what the CLI does, callable from a user's own tests.

from replay import api
result = api.run("db", definition_text, {"x": 1}, state_machine_name="orders", seed=7,
                 mocks=mock_config_dict, test_case="happy")
events = api.history("db", result["executionArn"])
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replay import activities, callbacks, child_machines, express, map_run_settings, map_runs
from replay.asl.validate import Diagnostic, validate_text
from replay.clock import iso_aws, parse_iso
from replay.compare import compare_histories
from replay.definition import Definition, InvalidDefinition, load_definition
from replay.detached import goes_on, writer_of
from replay.distributed import RecordedS3
from replay.engine import NoTaskAnswer
from replay.events import EXTRA, details, to_aws_event, to_json_text
from replay.faults import Fault, FaultError, coerce, injected
from replay.fold import is_failure
from replay.fork import NO_OVERRIDE, Fork
from replay.history import EXECUTIONS, STATE_MACHINES, descendants, read_events
from replay.history import length as history_length
from replay.liveness import Busy, ExecutionLock, is_running
from replay.nested import ChildMachine
from replay.record import check_record, execution_record, setup_of
from replay.recorded import RecordedWorld, SharedChildren
from replay.redrive import MAX_HISTORY, REDRIVABLE, RedriveError, check_redrivable, redrives_in
from replay.runner import (
    Committed,
    Names,
    RunError,
    already_exists,
    check_name,
    default_execution_name,
    execution_info,
    run_execution,
)
from replay.scheduler import SCHEDULES
from replay.timetravel import (
    PositionError,
    describe_failure,
    describe_state,
    ensure_snapshots,
    failure_at,
    find_failure,
    list_failures,
    parse_position,
    resolve_position,
    state_at,
)
from replay.transfer import HistoryFormatError, export_history, parse_pages
from replay.verify import Divergence, info_from_record
from replay.world import (
    ChainWorld,
    FailUnanswered,
    HandlerError,
    MockConfigError,
    World,
)
from replay.worlds import (
    build_world,
    local_s3,
    recorded_definition,
    recorded_world,
    with_faults,
    world_setup,
)
from store import EventLog, StoreConflictError, StoreError
from store.log import blob_digest

if TYPE_CHECKING:
    from store.check import CheckReport

# Errors that mean "bad input or configuration": the CLI prints them and exits 2.
EXPECTED_ERRORS = (
    InvalidDefinition,
    RunError,
    MockConfigError,
    HandlerError,
    NoTaskAnswer,
    StoreError,
    PositionError,
    HistoryFormatError,
    FaultError,
    RedriveError,
)

Faults = list[Fault | str | dict]


class ExecutionNotFound(RunError):
    pass


def validate(text: str) -> list[Diagnostic]:
    return validate_text(text)


def parse_start_time(text: str) -> int:
    return parse_time_option(text, "--start-time")


def parse_time_option(text: str, option: str) -> int:
    """Microseconds since the epoch of an ISO 8601 time given to `option`."""
    try:
        return parse_iso(text)
    except ValueError:
        raise RunError(f"{option} {text!r} is not an ISO 8601 time with an offset") from None


def describe(doc: dict, events_tail: list[dict]) -> dict:
    """A DescribeExecution-shaped record from the index doc and the final event."""
    out: dict[str, Any] = {
        "executionArn": doc["executionArn"],
        "stateMachineArn": doc["stateMachineArn"],
        "name": doc["name"],
        "status": doc["status"],
        "startDate": iso_aws(doc["startMicros"]),
        "stopDate": iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else None,
        "input": None,
        "output": None,
        "error": None,
        "cause": None,
    }
    if doc.get("waiting"):  # our extra: the task token it waits for
        out["waiting"] = doc["waiting"]
    if doc.get("redriveCount"):  # a redriven execution says so (all of it: `redrive_fields`)
        out.update(redrive_fields(doc))
    for event in events_tail:
        d = details(event)
        if event["type"] == "ExecutionStarted":
            out["input"] = d.get("input")
            for key in ("stateMachineVersionArn", "stateMachineAliasArn"):
                if d.get(key):  # started through a version or an alias (serve)
                    out[key] = d[key]
        elif event["type"] == "ExecutionSucceeded":
            out["output"] = d.get("output")
        elif event["type"] in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            out["error"], out["cause"] = d.get("error"), d.get("cause")
    return out


def redrive_fields(doc: dict) -> dict:
    """DescribeExecution's redriveCount, redriveDate, redriveStatus and its reason."""
    out: dict[str, Any] = {"redriveCount": doc.get("redriveCount", 0)}
    if doc.get("redriveMicros") is not None:
        out["redriveDate"] = iso_aws(doc["redriveMicros"])
    status, reason = doc["status"], None
    if status in ("RUNNING", "SUCCEEDED"):
        reason = f"Execution is {status} and cannot be redriven"
    elif (doc.get("events") or 0) >= MAX_HISTORY:
        reason = "Execution history event limit exceeded"
    redrivable = reason is None and not doc.get("parentExecution") and not doc.get("imported")
    redrivable = redrivable and not express.is_express(doc.get("executionArn", ""))
    out["redriveStatus"] = "REDRIVABLE" if redrivable else "NOT_REDRIVABLE"
    if reason is not None:
        out["redriveStatusReason"] = reason
    return out


def run(
    db: str | Path,
    definition_text: str,
    input_value: Any = None,
    *,
    state_machine_name: str,
    name: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
    seed: int | None = None,
    start_micros: int | None = None,
    mocks: Any = None,
    test_case: str | None = None,
    handlers: dict | None = None,
    handlers_file: Path | None = None,
    s3_root: Path | None = None,
    schedule: str = "round-robin",
    faults: Faults | None = None,
    unanswered: str = "stop",
    role_arn: str | None = None,
    type: str = "STANDARD",
    version_arn: str | None = None,
    alias_arn: str | None = None,
    state_machines: dict[str, str] | None = None,
) -> dict:
    """Run an execution to its end and return its DescribeExecution record.

    `type` "EXPRESS" runs it as an Express workflow: an Express execution ARN
    (`...:express:STATEMACHINE:NAME:UUID`), at most five minutes long, refusing `.sync`,
    `.waitForTaskToken` and activities (InvalidDefinition); its history is recorded all the
    same (AWS keeps none; see `execution_logs` for what it sends to CloudWatch Logs).
    `version_arn` / `alias_arn` (serve): the version or alias it was started through, recorded
    in its ExecutionStarted event.

    `state_machines` (NAME -> definition text) are child state machines for
    `states:startExecution` Tasks that no mock or handler answers (ARNs with the run's
    account and region); those Tasks also know the run's own state machine and the db's
    `stateMachines` registry (what `serve` creates). See `replay.states.start_execution`.

    A Task nothing answers stops the run (TaskUnanswered; `resume` goes on from there), or,
    with `unanswered="fail"` (as `serve` runs), fails it with States.TaskFailed; either way a
    `.waitForTaskToken` Task makes it wait for its token.

    `faults` are fault rules (replay.faults: `Fault`s, `STATE:ERROR[:CAUSE][@ATTEMPTS]` texts
    or plan objects) that answer the Tasks they match before mocks and handlers do.

    `s3_root` is a directory standing in for S3 (`s3://BUCKET/KEY` is `s3_root/BUCKET/KEY`),
    read by Distributed Map ItemReaders and written by ResultWriters. `schedule` orders the
    steps of Parallel branches and Map iterations: "round-robin" (default) or "random" (a
    seeded interleaving, recorded, so replay and branches reproduce it).

    Defaults as on the command line: `seed` None draws one from the OS, `start_micros` None
    (microseconds since the epoch) is now; both are recorded in the first event, so the run
    can be replayed and branched. Pass both for a history that is the same at every run."""
    seed = secrets.randbits(63) if seed is None else seed
    start_micros = time.time_ns() // 1000 if start_micros is None else start_micros
    definition = load_definition(definition_text)
    kind = _state_machine_type(type, definition)
    names = Names(state_machine_name, name, account, region, kind)
    info = execution_info(names, {} if input_value is None else input_value, seed, start_micros)
    if role_arn is not None:  # the state machine's role (serve); else a role of the account
        info = replace(info, role_arn=role_arn)
    if version_arn is not None or alias_arn is not None:  # serve: started through them
        info = replace(info, version_arn=version_arn, alias_arn=alias_arn)
    if schedule not in SCHEDULES:
        raise RunError(f"--schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")
    world = build_world(mocks, test_case, state_machine_name, handlers, handlers_file)
    if unanswered not in ("stop", "fail"):
        raise RunError(f"unanswered must be 'stop' or 'fail', not {unanswered!r}")
    if unanswered == "fail":
        world = ChainWorld.of([world, FailUnanswered()])
    rules = coerce(faults or [])
    world = with_faults(world, rules, definition.machine)
    with EventLog(db) as log:
        setup = world_setup(log, mocks, test_case, handlers_file)
        if rules:
            setup["faults"] = [rule.to_dict() for rule in rules]
        if unanswered == "fail":
            setup["unanswered"] = "fail"
        if s3_root is not None:
            setup["s3Root"] = str(Path(s3_root).resolve())
        texts = state_machines or {}
        machines = _run_machines(log, definition, info, texts, setup)
        known = activities.used_by(log, _run_texts(log, definition.text, texts))
        if known:  # as of the start: replay, resume and branch see the same
            setup["activities"] = known
        run_execution(
            log,
            definition,
            info,
            world,
            seed,
            setup=setup,
            s3=local_s3(setup),
            schedule=schedule,
            machines=machines,
        )
        return _describe(log, log.get_doc(EXECUTIONS, info.execution_arn))


def _run_machines(
    log: EventLog, definition: Any, info: Any, texts: dict[str, str], setup: dict
) -> child_machines.KnownMachines:
    """The child state machines a new run knows: those named for it (recorded in `setup`),
    its own, then the db's registry."""
    child_machines.check_named(texts)
    given = child_machines.named(log, texts, info.account, info.region)
    if given:
        setup["stateMachines"] = given
    own = ChildMachine(
        info.state_machine_arn,
        info.state_machine_name,
        definition.machine,
        blob_digest(definition.text.encode("utf-8")),
        type=express.EXPRESS if express.is_express(info.execution_arn) else express.STANDARD,
    )
    known = {own.arn: own, **child_machines.from_entries(log, given)}
    return child_machines.KnownMachines(log, known)


def _run_texts(log: EventLog, own: str, named: dict[str, str]) -> str:
    """The definitions whose registered activities a run records: its own, those named for
    it, and, when one of them starts executions, the db's registry (its child executions
    run the activities of theirs)."""
    texts = [own, *named.values()]
    if any("states:startExecution" in text for text in texts):
        texts += [record["definition"] for _, record in log.docs(STATE_MACHINES)]
    return "\n".join(texts)


def sync_response(db: str | Path, description: dict) -> dict:
    """The StartSyncExecution response of an Express execution run by `run(type="EXPRESS")`
    (from its DescribeExecution record): billingDetails from its virtual duration."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, description["executionArn"])
    return express.sync_response(description, doc["startMicros"], doc.get("stopMicros"))


def _state_machine_type(kind: str, definition: Definition) -> str:
    """STANDARD or EXPRESS (RunError otherwise); InvalidDefinition for an Express workflow
    using what Express refuses."""
    try:
        kind = express.check_type(kind)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    if kind == express.EXPRESS and express.refused(definition.raw):
        raise InvalidDefinition(express.refused(definition.raw))
    return kind


def _describe(log: EventLog, doc: dict) -> dict:
    total = history_length(log, doc)
    first = list(read_events(log, doc, 1, 1))
    last = list(read_events(log, doc, total, total)) if total > 1 else []
    return describe(doc, first + last)


def resolve(log: EventLog, execution: str) -> dict:
    """The index doc of an execution given by ARN or by a name unique in the db."""
    if execution.startswith("arn:"):
        doc = log.get_doc(EXECUTIONS, execution)
        if doc is None:
            raise ExecutionNotFound(f"no execution {execution} in the db")
        return doc
    matches = [doc for _, doc in log.docs(EXECUTIONS) if doc["name"] == execution]
    if not matches:
        raise ExecutionNotFound(f"no execution named {execution!r} in the db")
    if len(matches) > 1:
        arns = ", ".join(doc["executionArn"] for doc in matches)
        raise RunError(f"several executions are named {execution!r}; give the ARN: {arns}")
    return matches[0]


def events(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as stored (AWS shape plus our extra facts)."""
    with EventLog(db, readonly=True) as log:
        return list(read_events(log, resolve(log, execution)))


def history(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as GetExecutionHistory returns them."""
    return [to_aws_event(event) for event in events(db, execution)]


def execution_logs(
    db: str | Path, execution: str, level: str = "ALL", include_execution_data: bool = False
) -> list[dict]:
    """The log events Step Functions would send to CloudWatch Logs for the execution, at log
    `level` (ALL, ERROR, FATAL or OFF), with or without its data (see replay.cloudwatch_logs)."""
    from replay.cloudwatch_logs import check_level, log_events

    try:
        level = check_level(level)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        return list(
            log_events(read_events(log, doc), doc["executionArn"], level, include_execution_data)
        )


def list_executions(db: str | Path) -> list[dict]:
    """The index records of every execution, with `status` INTERRUPTED (and `stopReason`)
    for one that says RUNNING but that no process is running any more."""
    with EventLog(db, readonly=True) as log:
        out = []
        for _, doc in log.docs(EXECUTIONS):
            if doc["status"] == "RUNNING" and not is_running(log.path, doc):
                doc = _interrupted(log, doc)
            out.append(dict(doc, events=history_length(log, doc)))
        return out


def _interrupted(log: EventLog, doc: dict) -> dict:
    fresh = log.get_doc(EXECUTIONS, doc["executionArn"]) or doc  # it may have just ended
    if fresh["status"] != "RUNNING" or fresh.get("waiting"):  # waiting is not stopped
        return fresh
    writer = log.get_doc(
        EXECUTIONS,
        fresh.get("rootExecution") or fresh.get("parentExecution") or fresh["executionArn"],
    )
    if writer is not None and writer.get("waiting"):  # a child waits with the run writing it
        return fresh
    reason = (writer or fresh).get("stopReason") or "killed"
    return dict(fresh, status="INTERRUPTED", stopReason=reason)


# -- time travel, replay, branching, import and export ----------------------------------------


def state(db: str | Path, execution: str, at: int | str = -1) -> dict:
    """The state of an execution as of event `at`: N, -N from the end, 'failure' (the failure
    that ended the execution) or 'failure:K' (its K-th failure, see `failures`). At a failure
    the result also has `failure`: the event's error and cause, the state it arose in, that
    state's input and Context object."""
    with EventLog.open_existing(db) as log:  # snapshots are a cache: written when it can
        doc = resolve(log, execution)
        kind, k = parse_position(at)
        entry = find_failure(log, doc, k) if kind == "failure" else None
        n = entry["event"]["id"] if entry else resolve_position(log, doc, at)
        if not log.readonly:
            ensure_snapshots(log, doc)
        folded = state_at(log, doc, n)
        event = next(read_events(log, doc, n, n))
        shown = describe_state(doc, folded, event)
        if injected(event):
            shown["injected"] = injected(event)
        if entry is None and is_failure(event["type"]):
            entry = failure_at(log, doc, n)
        if entry is not None:
            shown["failure"] = describe_failure(log, doc, entry)
        return shown


def failures(db: str | Path, execution: str) -> list[dict]:
    """Every failure where an error arose (retried, caught or final), in order: `at`
    (`failure:K`), event id, type, time, error, cause, outcome."""
    with EventLog(db, readonly=True) as log:
        return list_failures(log, resolve(log, execution))


def _schedule(recorded: list[dict]) -> str:
    return (recorded[0].get(EXTRA) or {}).get("schedule", "round-robin")


def _recorded_run(log: EventLog, doc: dict) -> tuple[list[dict], Any, int]:
    recorded = list(read_events(log, doc))
    started = recorded[0]
    input_value = json.loads(started["executionStartedEventDetails"]["input"])
    seed = (started.get(EXTRA) or {}).get("seed", 0)
    return recorded, input_value, seed


def _children(log: EventLog, doc: dict, only: set[str] | None = None) -> list[list[dict]]:
    """The histories of the child executions an execution's run writes (Distributed Map and
    startExecution children, and theirs); `only`: of the startExecution ones, those."""
    return [
        list(read_events(log, child))
        for child in descendants(log, doc["executionArn"])
        if only is None or child.get("mapRunArn") or child["executionArn"] in only
    ]


def _started_children(log: EventLog, events: list[dict]) -> set[str]:
    """The ARNs of the child executions that startExecution Tasks started in `events`, and
    of theirs."""
    started = {(event.get(EXTRA) or {}).get("execution") for event in events} - {None}
    for arn in list(started):
        started.update(child["executionArn"] for child in descendants(log, arn))
    return started  # type: ignore[return-value]


def replay(db: str | Path, execution: str, definition_text: str | None = None) -> Divergence | None:
    """Re-run the interpreter against the recorded history (Tasks answered from the record).

    None means identical; otherwise the first divergence. A branch is re-run as it ran: its
    parent's prefix, then its own changes at the fork point. A child execution (Distributed
    Map, startExecution) is re-run within the run that wrote it: that run is replayed (its
    children with it; they draw from its generator), unless a `definition_text` is given.
    """
    from replay.replay_all import replay_execution

    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        if definition_text is None and doc.get("parentExecution"):
            writer = doc.get("rootExecution") or doc["parentExecution"]
            doc = log.get_doc(EXECUTIONS, writer) or doc
        return replay_execution(log, doc, definition_text)


def replay_all(
    db: str | Path,
    definition_text: str,
    executions: list[str] | None = None,
    histories: list[tuple[str, list[Any]]] | tuple = (),
    *,
    state_machine_name: str | None = None,
    workers: int | None = 1,
    ray: str | None = None,
) -> list[dict]:
    """Replay many executions against a changed definition, one row each, in the order given:
    `executions` by name or ARN (None: every execution of `state_machine_name`, or of the only
    state machine in the db), then `histories` as (label, GetExecutionHistory pages) pairs,
    each imported into a temporary db of its own. `workers` local processes (None: one for a
    small sweep, else every core), or Ray (`ray`: "" for a local cluster, else its address).
    See replay.replay_all for each row's fields."""
    from replay import replay_all as sweep_replay

    return sweep_replay.replay_all(
        db,
        definition_text,
        executions,
        histories,
        state_machine_name=state_machine_name,
        workers=workers,
        ray=ray,
    )


def branch(
    db: str | Path,
    execution: str,
    at: int | str,
    *,
    name: str | None = None,
    input_override: Any = NO_OVERRIDE,
    definition_text: str | None = None,
    mocks: Any = None,
    test_case: str | None = None,
    handlers_file: Path | None = None,
    seed: int | None = None,
    faults: Faults | None = None,
    state_machines: dict[str, str] | None = None,
) -> dict:
    """A new execution sharing events 1..N with its parent and continuing with the changes.

    `state_machines` (NAME -> definition text): child state machines for the startExecution
    Tasks after the fork, before those the parent knew (see `run`).
    `faults` apply to the Tasks after the fork, in place of the parent's (None: the parent's
    rules go on applying; [] drops them)."""
    with EventLog(db) as log:
        parent = resolve(log, execution)
        n = resolve_position(log, parent, at)
        recorded, input_value, parent_seed = _recorded_run(log, parent)
        parent_definition = load_definition(recorded_definition(log, parent))
        new_definition = load_definition(definition_text) if definition_text else None
        parent_info = info_from_record(parent, recorded, input_value)
        child_name = name or default_execution_name(
            parent_seed ^ (n * 0x9E37) ^ (seed or 0) ^ len(list(log.docs(EXECUTIONS)))
        )
        check_name("execution", child_name)
        uuid = express.run_id(parent_seed ^ n, parent["startMicros"], child_name)
        arn = express.renamed(parent["executionArn"], child_name, uuid)  # the same type
        child_info = replace(parent_info, execution_arn=arn, name=child_name)
        machine = (new_definition or parent_definition).machine
        if mocks is not None or handlers_file is not None:
            after = build_world(mocks, test_case, parent["stateMachineName"], None, handlers_file)
            setup = world_setup(log, mocks, test_case, handlers_file)
        else:
            after = recorded_world(log, parent, with_faults=False)
            setup = {k: parent[k] for k in ("mocks", "testCase", "handlers") if k in parent}
        rules = coerce(parent.get("faults", []) if faults is None else faults)
        try:
            after = with_faults(after, rules, machine)
        except FaultError as exc:
            if faults is not None:
                raise
            raise FaultError(
                f"the parent's fault rules do not fit the new definition "
                f"(--no-faults drops them): {exc}"
            ) from None
        if rules:
            setup["faults"] = [rule.to_dict() for rule in rules]
        for key in ("s3Root", "activities"):
            if parent.get(key):
                setup[key] = parent[key]
        setup.update(parent=parent["executionArn"], forkAt=n)
        if input_override is not NO_OVERRIDE:
            setup["inputOverride"] = to_json_text(input_override)
        if seed is not None:  # recorded so that `resume` can continue a branch
            setup["forkSeed"] = seed
        if new_definition is not None:  # the branch's record names the definition it ends with
            setup["definition"] = log.put_blob(new_definition.text.encode("utf-8"))
        prefix_children = _started_children(log, recorded[:n])
        children = _children(log, parent, only=prefix_children)
        shared = SharedChildren(RecordedWorld.from_events(*children), frozenset(prefix_children))
        fork = Fork(
            at=n,
            world=ChainWorld.of([shared, after]),
            machine=new_definition.machine if new_definition else None,
            seed=seed,
            input_override=input_override,
            info=child_info,
        )
        given = _given_machines(log, parent, state_machines)
        if given:
            setup["stateMachines"] = given
        machines = child_machines.for_record(log, [parent], ours=prefix_children, given=given)
        redrives, aborts = redrives_in(recorded[:n])  # the parent's, up to the fork point
        run_execution(
            log,
            parent_definition,
            parent_info,
            ChainWorld.of([RecordedWorld.from_events(recorded[:n], *children), after]),
            parent_seed,
            setup=setup,
            fork=fork,
            parent_events=recorded,
            strict_prefix=not _imported(log, parent),
            s3=RecordedS3.from_events(recorded[:n], *children, live=local_s3(parent)),
            schedule=_schedule(recorded),
            horizon=recorded[n - 1]["timestamp"],  # a Task waiting then waits in the branch
            redrives=redrives,
            aborts=aborts,
            machines=machines,
        )
        return _describe(log, log.get_doc(EXECUTIONS, arn))


def _given_machines(log: EventLog, doc: dict, texts: dict[str, str] | None) -> dict[str, dict]:
    """Child definitions named for a branch or a resume, in the account and region of `doc`,
    stored: {ARN: entry}."""
    child_machines.check_named(texts or {})
    parts = doc["executionArn"].split(":")
    return child_machines.named(log, texts or {}, parts[4], parts[3])


def _imported(log: EventLog, doc: dict) -> bool:
    """Whether the history (or the prefix it shares) was recorded elsewhere."""
    while doc.get("parent") and not doc.get("imported"):
        doc = log.get_doc(EXECUTIONS, doc["parent"])
    return bool(doc.get("imported"))


def tree(db: str | Path, execution: str) -> dict:
    """The branch tree that `execution` belongs to, from its root: {doc, children: [...]}."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        while doc.get("parent") or _nested_child(doc):
            doc = log.get_doc(EXECUTIONS, doc.get("parent") or doc["parentExecution"])
        docs = [d for _, d in log.docs(EXECUTIONS)]

        def node(d: dict) -> dict:
            arn = d["executionArn"]
            branches = sorted(
                (k for k in docs if k.get("parent") == arn),
                key=lambda k: (k["forkAt"], k["name"]),
            )
            started = sorted(
                (k for k in docs if k.get("parentExecution") == arn and _nested_child(k)),
                key=lambda k: (k["startMicros"], k["name"]),
            )
            return {"execution": d, "children": [node(k) for k in started + branches]}

        return node(doc)


def _nested_child(doc: dict) -> bool:
    """Whether an execution was started by a startExecution Task of another."""
    return bool(doc.get("parentExecution")) and not doc.get("mapRunArn")


def diff(db: str | Path, a: str, b: str) -> dict:
    """Every difference between two executions' histories, aligned by event id.

    {a, b: their DescribeExecution records, identical: bool, firstDifference: the first
    entry of differences or None, differences: [{event, a, b, changes}]} (see
    replay.compare: times are compared as time since each execution's start)."""
    with EventLog(db, readonly=True) as log:
        doc_a, doc_b = resolve(log, a), resolve(log, b)
        differences = compare_histories(
            list(read_events(log, doc_a)), list(read_events(log, doc_b))
        )
        return {
            "a": _describe(log, doc_a),
            "b": _describe(log, doc_b),
            "identical": not differences,
            "firstDifference": differences[0] if differences else None,
            "differences": differences,
        }


def export(db: str | Path, execution: str) -> dict:
    """The GetExecutionHistory JSON of an execution, with our facts under `sfnReplay`."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        return export_history(doc, list(read_events(log, doc)))


def import_history(
    db: str | Path,
    pages: list[Any],
    definition_text: str,
    *,
    state_machine_name: str,
    name: str | None = None,
) -> dict:
    """Store a GetExecutionHistory document (one or more pages) as a local execution."""
    definition = load_definition(definition_text)
    events, ours = parse_pages(pages)
    previous = (ours or {}).get("execution") or {}
    started = events[0].get("executionStartedEventDetails") or {}
    arn_name = None
    if previous.get("name"):
        arn_name = previous["name"]
    name = name or arn_name or default_execution_name(len(events) ^ events[0]["timestamp"])
    kind = express.EXPRESS if express.is_express(previous.get("executionArn", "")) else "STANDARD"
    names = Names(state_machine_name, name, *_account_region(previous, started), kind)
    check_name("execution", name)
    check_name("state machine", state_machine_name)
    arn = names.execution_arn(name, _import_uuid(previous, name, events[0]["timestamp"]))
    status = {
        "ExecutionSucceeded": "SUCCEEDED",
        "ExecutionFailed": "FAILED",
        "ExecutionTimedOut": "TIMED_OUT",
        "ExecutionAborted": "ABORTED",
    }.get(events[-1]["type"], "RUNNING")
    redriven, _ = redrives_in(events)
    with EventLog(db) as log:
        doc = execution_record(
            arn=arn,
            name=name,
            state_machine_arn=names.state_machine_arn(),
            state_machine_name=state_machine_name,
            status=status,
            start=events[0]["timestamp"],
            stop=events[-1]["timestamp"] if status != "RUNNING" else None,
            events=len(events),
            seed=(events[0].get(EXTRA) or {}).get("seed", 0),
            redrive_count=len(redriven),
            redrive_micros=redriven[-1] if redriven else None,
            definition=log.put_blob(definition.text.encode("utf-8")),
            imported=not ours,
            **{
                key: previous[key]
                for key in ("mocks", "testCase", "handlers", "faults", "s3Root")
                if key in previous
            },
        )
        try:  # all or nothing, and never onto an existing (or half-written) execution
            log.append_many(
                {arn: events},
                docs={(EXECUTIONS, arn): doc},
                new_streams=[arn],
                new_docs=[(EXECUTIONS, arn)],
            )
        except StoreConflictError as exc:
            raise already_exists(
                arn, name, state_machine_name, half=exc.stream is not None
            ) from None
        return _describe(log, doc)


def check(db: str | Path) -> CheckReport:
    """Verify every record and index of the db, then that executions and their events agree.

    A list of problems, one line each (empty: the db is sound), with `.counts` of what was
    checked. Raises StoreError when the db cannot be opened at all."""
    from store.check import check_store

    report = check_store(db)
    if report:
        return report  # the store's own damage first: reading executions may fail on it
    with EventLog(db, readonly=True) as log:
        docs = dict(log.docs(EXECUTIONS))
        for stream in log.streams():
            if stream not in docs:
                report.add(
                    f"{stream}: events without an execution record (a half-written "
                    "execution, e.g. an import interrupted by an older version)"
                )
        for arn, doc in docs.items():
            damage = check_record(doc)
            if damage:
                report.add(f"{arn}: its execution record is damaged: {'; '.join(damage)}")
                continue
            if doc.get("parent") and doc["parent"] not in docs:
                report.add(f"{arn}: its parent {doc['parent']} is not in the db")
            elif not doc.get("forkAt") and not log.length(arn):
                report.add(f"{arn}: an execution record without events")
            elif (
                doc.get("status") not in (None, "RUNNING")
                and doc.get("events") is not None
                and doc["events"] != history_length(log, doc)
            ):
                report.add(
                    f"{arn}: {history_length(log, doc)} events, its record says {doc['events']}"
                )
            if doc.get("definition") and log.get_blob(doc["definition"]) is None:
                report.add(f"{arn}: its definition {doc['definition']} is not in the db")
    return report


def _import_uuid(previous: dict, name: str, start: int) -> str:
    """The UUID ending an imported Express execution's ARN: its own when it keeps its name."""
    arn = previous.get("executionArn", "")
    if not express.is_express(arn):
        return ""
    if previous.get("name") == name:
        return arn.rsplit(":", 1)[1]
    return express.run_id(previous.get("seed", 0), start, name)


def _account_region(previous: dict, started: dict) -> tuple[str, str]:
    arn = previous.get("executionArn") or started.get("roleArn") or ""
    parts = arn.split(":")
    if len(parts) > 4 and parts[0] == "arn" and parts[2] == "states":
        return parts[4], parts[3]
    if len(parts) > 4 and parts[2] == "iam" and parts[4]:
        return parts[4], "us-east-1"
    return "123456789012", "us-east-1"


# -- resume ------------------------------------------------------------------------------------

_WORLD_KEYS = ("mocks", "testCase", "handlers", "faults")


def resume(
    db: str | Path,
    execution: str,
    *,
    mocks: Any = None,
    test_case: str | None = None,
    handlers_file: Path | None = None,
    handlers: dict | None = None,
    faults: Faults | None = None,
    state_machines: dict[str, str] | None = None,
) -> dict:
    """Continue an interrupted execution (killed, or stopped at a Task nothing answered) from
    its last committed event, to the same events as a run never interrupted.

    `state_machines` (NAME -> definition text): child state machines for the startExecution
    Tasks after the resume point, before those the run knew (recorded with it).

    Tasks are answered by the mocks/handlers given (recorded for the execution from now on),
    else by those recorded with the run. `faults` apply to the Tasks answered after the resume
    point, in place of the rules recorded with the run (None: those go on applying; [] drops
    them), and are recorded with it."""
    with EventLog(db) as log:
        asked = doc = resolve(log, execution)
        writer = writer_of(log, doc)
        if writer is not None:  # a child: its parent's run goes on, for it too
            if doc["status"] != "RUNNING":
                what = "a startExecution Task" if _nested_child(doc) else "a Distributed Map"
                raise RunError(
                    f"{doc['name']} is a child execution of {what}, run by its parent's run: "
                    f"resume {writer['executionArn']}"
                )
            doc = writer
        with _writing(log, doc, "is still running in another process") as doc:
            if not goes_on(log, doc):
                hint = ""
                if doc["status"] in REDRIVABLE:
                    hint = (
                        f"; to go on from its unsuccessful states: sfn-replay redrive {doc['name']}"
                    )
                raise RunError(f"execution {doc['name']} already finished ({doc['status']}){hint}")
            after, setup = _given_world(log, doc, mocks, test_case, handlers, handlers_file)
            if after is not None or faults is not None:
                after, setup = _resumed_faults(log, doc, after, setup, faults)
            given = _given_machines(log, doc, state_machines)
            if given:
                setup = dict(setup_of(doc) if setup is None else setup)
                setup["stateMachines"] = {**doc.get("stateMachines", {}), **given}
            out = continue_execution(log, doc, after=after, setup=setup, given_machines=given)
        if asked["executionArn"] != doc["executionArn"]:
            return _describe(log, log.get_doc(EXECUTIONS, asked["executionArn"]))
        return out


def redrive(
    db: str | Path,
    execution: str,
    *,
    mocks: Any = None,
    test_case: str | None = None,
    handlers_file: Path | None = None,
    handlers: dict | None = None,
    at: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """AWS's RedriveExecution: a FAILED, TIMED_OUT or ABORTED execution goes on in its own
    history (`ExecutionRedriven`, then its unsuccessful states again, see `replay.redrive`),
    at `at` (ISO 8601) or `now_micros` on the virtual clock, else at once (when it ended).
    Tasks are answered by the mocks/handlers given (recorded for it from now on), else by
    those recorded with it. Returns its DescribeExecution record."""
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        doc = resolve(log, execution)
        with _writing(log, doc, "is running in another process") as doc:
            total = history_length(log, doc)
            (last,) = read_events(log, doc, total, total)
            if at_micros is not None and at_micros < last["timestamp"]:
                raise RunError(
                    f"--at {at} is before execution {doc['name']} ended "
                    f"({iso_aws(last['timestamp'])}): a redrive comes after it"
                )
            when = max(last["timestamp"], at_micros or now_micros or 0)
            machine = log.get_doc("stateMachines", doc["stateMachineArn"]) or {}
            kind = "EXPRESS" if express.is_express(doc["executionArn"]) else machine.get("type")
            check_redrivable(doc, total, when, express=kind == "EXPRESS")
            after, setup = _given_world(log, doc, mocks, test_case, handlers, handlers_file)
            if after is not None:
                after, setup = _resumed_faults(log, doc, after, setup, None)
            return continue_execution(log, doc, after=after, setup=setup, redrive=when)


def _given_world(
    log: EventLog,
    doc: dict,
    mocks: Any,
    test_case: str | None,
    handlers: dict | None,
    handlers_file: Path | None,
) -> tuple[World | None, dict | None]:
    """The world the mocks/handlers given make for an execution that goes on, and the setup
    recording it; (None, None) when none are given (the recorded world goes on)."""
    if mocks is None and handlers_file is None and not handlers:
        return None, None
    after = build_world(mocks, test_case, doc["stateMachineName"], handlers, handlers_file)
    return after, world_setup(log, mocks, test_case, handlers_file)


@contextmanager
def _writing(log: EventLog, doc: dict, busy: str) -> Iterator[dict]:
    """Hold the lock of `doc`'s execution while the block writes it (RunError saying it `busy`
    when another process holds it); yields its record as of now that it is held."""
    try:
        lock = ExecutionLock(log.path, doc["executionArn"]).__enter__()
    except Busy:
        raise RunError(f"execution {doc['name']} {busy}") from None
    try:
        yield log.get_doc(EXECUTIONS, doc["executionArn"])
    finally:
        lock.__exit__(None, None, None)


def _resumed_faults(
    log: EventLog, doc: dict, after: World | None, setup: dict | None, faults: Faults | None
) -> tuple[World, dict]:
    """The world after the resume point with its fault rules (the given ones, else the
    recorded ones), checked against the execution's definition, and the setup recording it."""
    if after is None:
        after = recorded_world(log, doc, with_faults=False)
        setup = {key: doc[key] for key in _WORLD_KEYS[:-1] if key in doc}
    rules = coerce(doc.get("faults", []) if faults is None else faults)
    machine = load_definition(recorded_definition(log, doc)).machine
    after = with_faults(after, rules, machine)
    setup = dict(setup or {})
    if rules:
        setup["faults"] = [rule.to_dict() for rule in rules]
    return after, setup


def continue_execution(
    log: EventLog,
    doc: dict,
    *,
    after: World | None = None,
    setup: dict | None = None,
    horizon: int = 0,
    heartbeats: dict[str, tuple[int, ...]] | None = None,
    activity_starts: dict[str, tuple[int, str | None]] | None = None,
    given_machines: dict[str, dict] | None = None,
    redrive: int | None = None,
) -> dict:
    """Go on with an execution from its log: re-run it with every Task up to its last committed
    event answered from the record (which the re-run must reproduce: same seed, mock counters,
    schedule, virtual clock), then with `after` (default: the world recorded with it), appending
    to its own streams and those of its Distributed Map children. `setup` replaces the world
    recorded in its index record. Tasks waiting for their tokens pause it again once nothing
    else can happen by `horizon` (virtual micros: when the answer given in `after` arrives),
    timed out by their limits and `heartbeats`; `activity_starts`: activity tasks a worker
    starts at `horizon` (token -> (micros, worker)). `redrive` (virtual micros): an execution
    that has ended goes on from then on (see `redrive`); one redriven before goes on as
    recorded. Returns its DescribeExecution record."""
    recorded, input_value, seed = _recorded_run(log, doc)
    redrives, aborts = redrives_in(recorded)
    if redrive is not None:
        redrives.append(redrive)
        horizon = max(horizon, redrive)
    own_children = _child_histories(log, doc)
    answers = [*own_children.values()]
    extra = setup_of(doc)
    if setup is not None:
        extra = {k: v for k, v in extra.items() if k not in _WORLD_KEYS}
        extra.update(setup)
    fork = None
    definition = load_definition(recorded_definition(log, doc))
    info = info_from_record(doc, recorded, input_value)
    records, ours = [doc], set(own_children)
    if doc.get("parent"):  # a branch: re-run its parent up to the fork, then the branch
        parent = log.get_doc(EXECUTIONS, doc["parent"])
        prefix_children = _started_children(log, recorded[: doc["forkAt"]])
        answers += _children(log, parent, only=prefix_children)
        records.append(parent)
        ours |= prefix_children
        parent_definition = load_definition(recorded_definition(log, parent))
        override = json.loads(doc["inputOverride"]) if "inputOverride" in doc else NO_OVERRIDE
        fork = Fork(
            at=doc["forkAt"],
            machine=definition.machine if doc["definition"] != parent["definition"] else None,
            seed=doc.get("forkSeed"),
            input_override=override,
            info=info,
        )
        definition, info = parent_definition, info_from_record(parent, recorded, input_value)
    world = ChainWorld.of(
        [RecordedWorld.from_events(recorded, *answers), after or recorded_world(log, doc)]
    )
    run_execution(
        log,
        definition,
        info,
        world,
        seed,
        setup=extra,
        fork=fork,
        strict_prefix=not _imported(log, doc),
        s3=local_s3(doc),
        schedule=_schedule(recorded),
        committed=Committed(recorded, own_children),
        horizon=max(horizon, recorded[-1]["timestamp"]),  # what it knew before, at least
        heartbeats=heartbeats,
        redrives=redrives,
        aborts=aborts,
        activity_starts=activity_starts,
        machines=child_machines.for_record(log, records, ours=ours, given=given_machines),
    )
    return _describe(log, log.get_doc(EXECUTIONS, doc["executionArn"]))


def _child_histories(log: EventLog, doc: dict) -> dict[str, list[dict]]:
    return {
        child["executionArn"]: list(read_events(log, child))
        for child in descendants(log, doc["executionArn"])
    }


# -- fault-space exploration ------------------------------------------------------------------


def explore(db: str | Path, definition_text: str, input_value: Any = None, **options: Any) -> dict:
    """The fault-space search: `replay.explore.explore` (its options and report), imported
    when first used so that runs do not load it."""
    from replay.explore import explore as search

    return search(db, definition_text, input_value, **options)


# -- TestState --------------------------------------------------------------------------------


def test_state(
    definition_text: str,
    input_value: Any = None,
    *,
    state_name: str | None = None,
    inspection_level: str = "INFO",
    mock: Any = None,
    variables: dict | None = None,
    context: dict | None = None,
    retrier_retry_count: int = 0,
    mocks: Any = None,
    test_case: str | None = None,
    state_machine_name: str = "TestState",
    handlers: dict | None = None,
    handlers_file: Path | None = None,
    start_micros: int | None = None,
) -> dict:
    """AWS's TestState: run one state (`state_name` of a whole definition, or a lone state's
    definition) once on `input_value`; see `replay.test_state`. Its Task is answered by `mock`
    (AWS's shape), else by the mocks or handlers given."""
    from replay.test_state import test_state as run_test_state

    world = None
    if mocks is not None or handlers is not None or handlers_file is not None:
        world = build_world(mocks, test_case, state_machine_name, handlers, handlers_file)
    return run_test_state(
        definition_text,
        input_value,
        state_name=state_name,
        inspection_level=inspection_level,
        mock=mock,
        variables=variables,
        context=context,
        retrier_retry_count=retrier_retry_count,
        world=world,
        start_micros=time.time_ns() // 1000 if start_micros is None else start_micros,
    )


# -- task tokens ------------------------------------------------------------------------------


def send_task_success(
    db: str | Path,
    token: str,
    output: Any,
    *,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskSuccess: the Task waiting for `token` returns `output`, at virtual time `at`
    (ISO 8601; default: the time the execution waits at), and the execution goes on. Returns
    its DescribeExecution record (`taskTimedOut` when the task had timed out before).

    `now_micros` (the endpoint's wall clock, without `at`): the answer arrives then, or at the
    execution's latest moment when that is later. Likewise for the failure and the heartbeat."""
    return _answer_token(db, token, at, execution, now_micros, output=output)


def send_task_failure(
    db: str | Path,
    token: str,
    *,
    error: str | None = None,
    cause: str | None = None,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskFailure: the Task waiting for `token` fails with `error` and `cause`."""
    return _answer_token(
        db, token, at, execution, now_micros, failed=True, error=error, cause=cause
    )


def send_task_heartbeat(
    db: str | Path,
    token: str,
    *,
    at: str | None = None,
    execution: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """SendTaskHeartbeat: the Task waiting for `token` is alive at `at`. A heartbeat after the
    task's HeartbeatSeconds (or TimeoutSeconds) finds it timed out: the execution goes on."""
    return _answer_token(db, token, at, execution, now_micros, heartbeat=True)


def _answer_token(
    db: str | Path,
    token: str,
    at: str | None,
    execution: str | None,
    now_micros: int | None = None,
    **outcome: Any,
) -> dict:
    heartbeat = outcome.pop("heartbeat", False)
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        doc, _ = _waiting_for(log, token, execution)
        with _writing(log, doc, "is running in another process") as doc:
            found = callbacks.waiting_for([doc], token)
            if not found:
                raise callbacks.TaskDoesNotExist(
                    f"TaskDoesNotExist: {doc['name']} no longer waits for task token {token}"
                )
            entry = found[0][1]
            if entry.get("activity") and "startedMicros" not in entry:
                raise callbacks.TaskDoesNotExist(
                    f"TaskDoesNotExist: the activity task of {entry['state']} in {doc['name']} "
                    "was not handed to a worker (get-activity-task) yet"
                )
            try:
                when = callbacks.arrival(doc, _last_moment(log, doc), at_micros)
            except ValueError as exc:
                raise RunError(str(exc)) from None
            if at_micros is None and now_micros is not None:
                when = max(when, now_micros)
            late = callbacks.timed_out_before(entry, when)
            if heartbeat and late is None:
                doc = callbacks.with_heartbeat(doc, token, when)
                if not callbacks.any_timed_out(doc, when):  # nothing happens: keep the beat
                    log.put_doc(EXECUTIONS, doc["executionArn"], doc)
                    return _describe(log, log.get_doc(EXECUTIONS, doc["executionArn"]))
            answers = (
                []
                if heartbeat
                else [callbacks.CallbackWorld(token, callbacks.reply(entry, when, **outcome))]
            )
            world = ChainWorld.of([*answers, recorded_world(log, doc)])
            result = continue_execution(
                log, doc, after=world, horizon=when, heartbeats=callbacks.heartbeats(doc)
            )
            if late is not None:
                result["taskTimedOut"] = {"error": late[1], "at": iso_aws(late[0])}
            return result


def _last_moment(log: EventLog, doc: dict) -> int:
    """The time of the last event an execution's run recorded: its own, or one of its child
    executions' (a child may have gone on later than its parent, which waits for it)."""
    moments = []
    for each in (doc, *descendants(log, doc["executionArn"])):
        if each.get("events"):
            (last,) = read_events(log, each, each["events"], each["events"])
            moments.append(last["timestamp"])
    return max(moments)


def _waiting_for(log: EventLog, token: str, execution: str | None) -> tuple[dict, dict]:
    docs = [resolve(log, execution)] if execution else [doc for _, doc in log.docs(EXECUTIONS)]
    found = callbacks.waiting_for(docs, token)
    if not found:
        raise callbacks.TaskDoesNotExist(
            f"TaskDoesNotExist: no execution in the db waits for task token {token}"
        )
    if len(found) > 1:
        names = ", ".join(sorted(doc["name"] for doc, _ in found))
        raise RunError(
            f"{len(found)} executions wait for task token {token} ({names}): name one "
            "with --execution"
        )
    return found[0]


# -- activities -------------------------------------------------------------------------------


def create_activity(
    db: str | Path,
    name: str,
    *,
    account: str = "123456789012",
    region: str = "us-east-1",
    tags: dict | None = None,
    now_micros: int | None = None,
) -> dict:
    """CreateActivity: the activity's record (`activityArn`, `name`, `creationDate` as ISO
    8601, `tags`); one of that name that exists is returned as it is (AWS: idempotent)."""
    now = time.time_ns() // 1000 if now_micros is None else now_micros
    with EventLog(db) as log:
        return activities.shown(activities.create(log, name, account, region, now, tags))


def describe_activity(db: str | Path, arn: str) -> dict:
    """DescribeActivity, or ActivityDoesNotExist."""
    with EventLog(db, readonly=True) as log:
        return activities.shown(activities.get(log, arn))


def list_activities(db: str | Path) -> list[dict]:
    with EventLog(db, readonly=True) as log:
        return [activities.shown(record) for record in activities.list_all(log)]


def delete_activity(db: str | Path, arn: str) -> bool:
    """DeleteActivity: whether there was one. Executions that started while it existed go on
    waiting for a worker (they record the activities they know)."""
    with EventLog(db) as log:
        return activities.delete(log, arn)


def get_activity_task(
    db: str | Path,
    arn: str,
    *,
    worker_name: str | None = None,
    at: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """GetActivityTask, without the long poll: `{"taskToken", "input"}` of the oldest task of
    the activity that waits for a worker, across the db's executions, started now: its
    execution records ActivityStarted (with `workerName`) at `at` (ISO 8601; default: the time
    it waits at; `now_micros`, the endpoint's clock, as for `send_task_*`) and goes on waiting
    for the answer (`send_task_*` with the token). `{}` when no task waits. A task whose
    TimeoutSeconds ends before then is not handed out: its execution goes on from its timeout."""
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        activities.get(log, arn)
        tried: set[tuple[str, str]] = set()
        too_early = None  # a task waits, but since after `at`
        while True:
            docs = [doc for _, doc in log.docs(EXECUTIONS)]
            found = [
                (doc, entry)
                for doc, entry in activities.unstarted(docs, arn)
                if (doc["executionArn"], entry["token"]) not in tried
            ]
            if not found and too_early is not None:
                raise RunError(f"{too_early}: no task of the activity waits by then")
            if not found:
                return {}
            doc, entry = found[0]
            tried.add((doc["executionArn"], entry["token"]))
            try:
                task = _start_activity_task(
                    log, doc, entry["token"], worker_name, at_micros, now_micros
                )
            except _TooEarly as exc:
                too_early = too_early or str(exc)
                continue
            if task:
                return task


class _TooEarly(RunError):
    """A worker asks for a task before the time its execution waits at."""


def _start_activity_task(
    log: EventLog,
    doc: dict,
    token: str,
    worker: str | None,
    at_micros: int | None,
    now_micros: int | None,
) -> dict | None:
    """Hand the task `token` of execution `doc` to a worker (None: it could not be; _TooEarly:
    `at_micros` is before the execution's last recorded moment)."""
    try:
        lock = ExecutionLock(log.path, doc["executionArn"]).__enter__()
    except Busy:
        return None  # another process goes on with it
    try:
        doc = log.get_doc(EXECUTIONS, doc["executionArn"])
        entries = [e for _, e in callbacks.waiting_for([doc], token) if "startedMicros" not in e]
        if not entries:
            return None
        try:
            when = callbacks.arrival(doc, _last_moment(log, doc), at_micros)
        except ValueError as exc:
            raise _TooEarly(str(exc)) from None
        if at_micros is None and now_micros is not None:
            when = max(when, now_micros)
        beats = callbacks.heartbeats(doc)
        if callbacks.timed_out_before(entries[0], when):  # it times out first: never handed out
            continue_execution(log, doc, horizon=when, heartbeats=beats)
            return None
        starts = {token: (when, worker)}
        continue_execution(log, doc, horizon=when, heartbeats=beats, activity_starts=starts)
        doc = log.get_doc(EXECUTIONS, doc["executionArn"])
        events = [
            e for d in (doc, *descendants(log, doc["executionArn"])) for e in read_events(log, d)
        ]
        given = activities.task_input(events, token)  # None: it ended before (a branch failed)
        return None if given is None else {"taskToken": token, "input": given}
    finally:
        lock.__exit__(None, None, None)


# -- stop -------------------------------------------------------------------------------------


class ExecutionNotRunning(RunError):
    """StopExecution of an execution that has already ended."""


def stop_execution(
    db: str | Path,
    execution: str,
    *,
    error: str | None = None,
    cause: str | None = None,
    now_micros: int | None = None,
) -> dict:
    """StopExecution: a RUNNING execution that no process runs (waiting for a task token, or
    interrupted) ends ABORTED, with an ExecutionAborted event carrying `error` and `cause`, at
    `now_micros` or at its last recorded moment when that is later (default: that moment).
    Returns its DescribeExecution record."""
    with EventLog(db) as log:
        doc = resolve(log, execution)
        with _writing(log, doc, "is running in another process") as doc:
            if doc["status"] != "RUNNING":
                raise ExecutionNotRunning(
                    f"execution {doc['name']} already finished ({doc['status']})"
                )
            n = history_length(log, doc)
            (last,) = read_events(log, doc, n, n)
            when = max(last["timestamp"], now_micros or 0)
            reason = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
            event = {
                "id": n + 1,
                "previousEventId": n,
                "timestamp": when,
                "type": "ExecutionAborted",
                "executionAbortedEventDetails": reason,
            }
            stopped = {k: v for k, v in doc.items() if k not in ("waiting", "stopReason")}
            stopped.update(status="ABORTED", stopMicros=when, events=n + 1)
            log.append(
                doc["executionArn"], [event], docs={(EXECUTIONS, doc["executionArn"]): stopped}
            )
            return _describe(log, stopped)


class MapRunNotFound(RunError):
    pass


def _map_run(log: EventLog, arn: str) -> tuple[dict, list[dict], dict]:
    """The execution that started Map Run `arn`, its events and the Map Run (map_runs.map_runs)
    : the parent its child executions name, else the executions of the state machine its ARN
    names (a Map Run without items has no children)."""
    docs = [doc for _, doc in log.docs(EXECUTIONS)]
    machine = arn.split(":")[6].rsplit("/", 1)[0] if arn.count(":") >= 7 else ""
    parents = {d["parentExecution"] for d in docs if d.get("mapRunArn") == arn}
    others = [d for d in docs if d["executionArn"] not in parents]
    candidates = [d for d in docs if d["executionArn"] in parents]
    candidates += [d for d in others if d["stateMachineName"] == machine]
    # a Map Run in a Distributed Map's child execution is named after the root's state machine
    candidates += [d for d in others if d["stateMachineName"].startswith(machine + "/")]
    for doc in candidates:
        recorded = list(read_events(log, doc))
        for run in map_runs.map_runs(recorded):
            if run["arn"] == arn:
                return doc, recorded, run
    raise MapRunNotFound(f"Map Run Does Not Exist: '{arn}'")


def describe_map_run(db: str | Path, arn: str) -> dict:
    """DescribeMapRun of a Map Run in the db (times in microseconds); MapRunNotFound."""
    with EventLog(db, readonly=True) as log:
        doc, recorded, run = _map_run(log, arn)
        children = [d for _, d in log.docs(EXECUTIONS) if d.get("mapRunArn") == arn]
        definition = json.loads(recorded_definition(log, doc))
        updated = log.get_doc(map_runs.TABLE, arn)
        state = map_runs.find_state(definition, run["state"] or "")
        if (state or {}).get("ItemBatcher"):
            children = [dict(child, items=_batch_size(log, child)) for child in children]
        used = map_run_settings.used(log, doc, recorded, run, state)
    total = map_runs.length_of(recorded, run)
    return map_runs.describe(
        run, doc["executionArn"], state, children, total, updated=updated, used=used, parent=doc
    )


def _batch_size(log: EventLog, child: dict) -> int:
    """How many items a child execution of a batching Map Run got (its input's `Items`)."""
    (first,) = read_events(log, child, 1, 1)
    value = json.loads(first["executionStartedEventDetails"]["input"])
    return len(value.get("Items") or []) if isinstance(value, dict) else 1


def list_map_runs(db: str | Path, execution: str) -> list[dict]:
    """The Map Runs an execution started, in the order they started (map_runs.map_runs)."""
    with EventLog(db, readonly=True) as log:
        doc = resolve(log, execution)
        recorded = list(read_events(log, doc))
    return [dict(run, executionArn=doc["executionArn"]) for run in map_runs.map_runs(recorded)]


def update_map_run(db: str | Path, arn: str, **changes: Any) -> dict:
    """UpdateMapRun: keep maxConcurrency and the tolerated failures for the Map Run's record
    (a finished local run does not change); the description as it now reads."""
    with EventLog(db) as log:
        _map_run(log, arn)
        kept = dict(log.get_doc(map_runs.TABLE, arn) or {})
        kept.update({k: v for k, v in changes.items() if v is not None})
        log.put_doc(map_runs.TABLE, arn, kept)
    return describe_map_run(db, arn)
