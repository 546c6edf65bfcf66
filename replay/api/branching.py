"""Replay and branching: re-run an execution against its record, replay many against a
changed definition, fork a new execution from any event, explore the fault space."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from replay import child_machines, express
from replay.api.records import (
    Faults,
    children_events,
    description,
    is_imported,
    named_machines,
    recorded_run,
    recorded_schedule,
    resolve,
    started_children,
)
from replay.definition import load_definition
from replay.distributed import RecordedS3
from replay.events import to_json_text
from replay.faults import FaultError, coerce
from replay.fork import NO_OVERRIDE, Fork
from replay.history import EXECUTIONS
from replay.recorded import RecordedWorld, SharedChildren
from replay.redrive import redrives_in
from replay.runner import check_name, default_execution_name, run_execution
from replay.timetravel import resolve_position
from replay.verify import Divergence, info_from_record
from replay.world import ChainWorld
from replay.worlds import (
    build_world,
    local_s3,
    recorded_definition,
    recorded_world,
    with_faults,
    world_setup,
)
from store import EventLog


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
        recorded, input_value, parent_seed = recorded_run(log, parent)
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
        prefix_children = started_children(log, recorded[:n])
        children = children_events(log, parent, only=prefix_children)
        shared = SharedChildren(RecordedWorld.from_events(*children), frozenset(prefix_children))
        fork = Fork(
            at=n,
            world=ChainWorld.of([shared, after]),
            machine=new_definition.machine if new_definition else None,
            seed=seed,
            input_override=input_override,
            info=child_info,
        )
        given = named_machines(log, parent, state_machines)
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
            strict_prefix=not is_imported(log, parent),
            s3=RecordedS3.from_events(recorded[:n], *children, live=local_s3(parent)),
            schedule=recorded_schedule(recorded),
            horizon=recorded[n - 1]["timestamp"],  # a Task waiting then waits in the branch
            redrives=redrives,
            aborts=aborts,
            machines=machines,
        )
        return description(log, log.get_doc(EXECUTIONS, arn))


def explore(db: str | Path, definition_text: str, input_value: Any = None, **options: Any) -> dict:
    """The fault-space search: `replay.explore.explore` (its options and report), imported
    when first used so that runs do not load it."""
    from replay.explore import explore as search

    return search(db, definition_text, input_value, **options)
