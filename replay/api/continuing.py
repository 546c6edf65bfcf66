"""Executions that go on from their log: resume (interrupted or stopped), redrive (AWS's
RedriveExecution), and StopExecution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replay import child_machines, express
from replay.api.records import (
    WORLD_KEYS,
    Faults,
    children_events,
    description,
    is_imported,
    is_started_child,
    last_moment,
    named_machines,
    parse_time_option,
    recorded_run,
    recorded_schedule,
    resolve,
    started_children,
    writing,
)
from replay.clock import iso_aws
from replay.definition import load_definition
from replay.detached import goes_on, writer_of
from replay.faults import coerce
from replay.fork import NO_OVERRIDE, Fork
from replay.history import EXECUTIONS, descendants, read_events
from replay.history import length as history_length
from replay.record import setup_of
from replay.recorded import RecordedWorld
from replay.redrive import REDRIVABLE, check_redrivable, redrives_in
from replay.runner import Committed, RunError, run_execution
from replay.verify import info_from_record
from replay.world import ChainWorld, World
from replay.worlds import (
    build_world,
    local_s3,
    recorded_definition,
    recorded_world,
    with_faults,
    world_setup,
)
from store import EventLog


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
                what = "a startExecution Task" if is_started_child(doc) else "a Distributed Map"
                raise RunError(
                    f"{doc['name']} is a child execution of {what}, run by its parent's run: "
                    f"resume {writer['executionArn']}"
                )
            doc = writer
        with writing(log, doc, "is still running in another process") as doc:
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
            given = named_machines(log, doc, state_machines)
            if given:
                setup = dict(setup_of(doc) if setup is None else setup)
                setup["stateMachines"] = {**doc.get("stateMachines", {}), **given}
            out = continue_execution(log, doc, after=after, setup=setup, given_machines=given)
        if asked["executionArn"] != doc["executionArn"]:
            return description(log, log.get_doc(EXECUTIONS, asked["executionArn"]))
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
    at `at` (ISO 8601) or `now_micros` on the virtual clock, else at once: when it ended, or
    when the child executions it started last moved, if later (what is recorded happened
    before the redrive: a redrive between them would draw their random values in another
    order, task tokens included).
    Tasks are answered by the mocks/handlers given (recorded for it from now on), else by
    those recorded with it. Returns its DescribeExecution record."""
    at_micros = parse_time_option(at, "--at") if at is not None else None
    with EventLog(db) as log:
        doc = resolve(log, execution)
        with writing(log, doc, "is running in another process") as doc:
            total = history_length(log, doc)
            last = last_moment(log, doc)  # (its child executions may have gone on after it)
            if at_micros is not None and at_micros < last:
                what = "ended" if last == doc.get("stopMicros") else "and its children last moved"
                raise RunError(
                    f"--at {at} is before execution {doc['name']} {what} ({iso_aws(last)}): "
                    "a redrive comes after what is recorded"
                )
            when = max(last, at_micros or now_micros or 0)
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


def _resumed_faults(
    log: EventLog, doc: dict, after: World | None, setup: dict | None, faults: Faults | None
) -> tuple[World, dict]:
    """The world after the resume point with its fault rules (the given ones, else the
    recorded ones), checked against the execution's definition, and the setup recording it."""
    if after is None:
        after = recorded_world(log, doc, with_faults=False)
        setup = {key: doc[key] for key in WORLD_KEYS[:-1] if key in doc}
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
    recorded, input_value, seed = recorded_run(log, doc)
    redrives, aborts = redrives_in(recorded)
    if redrive is not None:
        redrives.append(redrive)
        horizon = max(horizon, redrive)
    own_children = _child_histories(log, doc)
    answers = [*own_children.values()]
    extra = setup_of(doc)
    if setup is not None:
        extra = {k: v for k, v in extra.items() if k not in WORLD_KEYS}
        extra.update(setup)
    fork = None
    definition = load_definition(recorded_definition(log, doc))
    info = info_from_record(doc, recorded, input_value)
    records, ours = [doc], set(own_children)
    if doc.get("parent"):  # a branch: re-run its parent up to the fork, then the branch
        parent = log.get_doc(EXECUTIONS, doc["parent"])
        prefix_children = started_children(log, recorded[: doc["forkAt"]])
        answers += children_events(log, parent, only=prefix_children)
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
        strict_prefix=not is_imported(log, doc),
        s3=local_s3(doc),
        schedule=recorded_schedule(recorded),
        committed=Committed(recorded, own_children),
        horizon=max(horizon, recorded[-1]["timestamp"]),  # what it knew before, at least
        heartbeats=heartbeats,
        redrives=redrives,
        aborts=aborts,
        activity_starts=activity_starts,
        machines=child_machines.for_record(log, records, ours=ours, given=given_machines),
    )
    return description(log, log.get_doc(EXECUTIONS, doc["executionArn"]))


def _child_histories(log: EventLog, doc: dict) -> dict[str, list[dict]]:
    return {
        child["executionArn"]: list(read_events(log, child))
        for child in descendants(log, doc["executionArn"])
    }


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
        with writing(log, doc, "is running in another process") as doc:
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
            return description(log, stopped)
