"""The one loop that does I/O: runs an engine and appends each step's events to the log."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from replay.definition import Definition
from replay.engine import Engine, ExecutionInfo
from replay.fork import Fork
from replay.history import EXECUTIONS
from replay.interpreter import run_machine
from replay.rand import SeededRandom
from replay.verify import comparable
from replay.world import World
from store import EventLog

_NAME = re.compile(r"^[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}$")


class RunError(ValueError):
    """Bad input to a run (a name, an existing execution...): exit 2."""


def check_name(kind: str, name: str) -> None:
    if not _NAME.match(name):
        raise RunError(
            f"invalid {kind} name {name!r}: 1-80 characters, no whitespace and none of "
            "< > { } [ ] ? * \" # % \\ ^ | ~ ` $ & , ; : /"
        )


@dataclass(frozen=True)
class Names:
    state_machine: str
    execution: str | None = None
    account: str = "123456789012"
    region: str = "us-east-1"

    def state_machine_arn(self) -> str:
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine}"

    def execution_arn(self, execution: str) -> str:
        return (f"arn:aws:states:{self.region}:{self.account}:execution:"
                f"{self.state_machine}:{execution}")


def default_execution_name(seed: int) -> str:
    """A UUID drawn from the seed, without touching the execution's own random stream."""
    return SeededRandom(seed ^ 0x5EED_0F_A11_5A17).uuid()


def execution_info(names: Names, input_value: Any, seed: int, start_micros: int) -> ExecutionInfo:
    name = names.execution or default_execution_name(seed)
    check_name("state machine", names.state_machine)
    check_name("execution", name)
    return ExecutionInfo(
        execution_arn=names.execution_arn(name),
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
    """The executions-index record: a cache of what the log says (plus how the run was set up)."""
    return {
        "executionArn": info.execution_arn,
        "name": info.name,
        "stateMachineArn": info.state_machine_arn,
        "stateMachineName": info.state_machine_name,
        "status": engine.status,
        "startMicros": info.start_micros,
        "stopMicros": engine.now if engine.status != "RUNNING" else None,
        "events": engine.last_id,
        "seed": engine.seed,
        **extra,
    }


class BranchDiverged(RunError):
    """Re-running the parent up to the fork point did not reproduce the parent's events."""


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
) -> Engine:
    """Run to the end, one LMDB transaction per step; returns the finished engine.

    With a `fork`, the engine re-runs the parent (`info`, `world` and `definition` are the
    parent's) and events up to `fork.at` must equal `parent_events`; only later events are
    written, to the branch's own stream (`fork.info`). For histories recorded elsewhere
    (imports), whose details our interpreter need not reproduce, only event types must match.
    """
    own = fork.info if fork is not None and fork.info is not None else info
    arn = own.execution_arn
    if log.get_doc(EXECUTIONS, arn) is not None:
        raise RunError(
            f"ExecutionAlreadyExists: an execution named {own.name!r} of state machine "
            f"{own.state_machine_name!r} is already in the db"
        )
    extra = dict(setup or {})
    extra.setdefault("definition", log.put_blob(definition.text.encode("utf-8")))
    started = {"definition": extra["definition"], "startMicros": info.start_micros}
    engine = Engine(definition.machine, info, world, seed, started_extra=started, fork=fork,
                    schedule=schedule)
    engine.s3 = s3
    first = True
    shared = fork.at if fork is not None else 0
    for batch in engine.steps(lambda eng, root: run_machine(eng, root, definition.machine,
                                                            info.input)):
        if shared:
            _check_shared(batch, parent_events or [], shared, strict_prefix)
            batch = [event for event in batch if event["id"] > shared]
        children = engine.take_child_events()
        if not batch and not children:
            continue
        docs = {}
        if first or engine.status != "RUNNING":
            docs[(EXECUTIONS, arn)] = summary(own, engine, **extra)
            first = False
        streams = {arn: batch} if batch else {}
        for child_arn, (events, doc) in children.items():
            streams[child_arn] = events
            docs[(EXECUTIONS, child_arn)] = dict(doc, definition=extra["definition"])
        log.append_many(streams, docs=docs)
    if first:  # a branch at the last event: no events of its own, but it exists
        log.append_many({}, docs={(EXECUTIONS, arn): summary(own, engine, **extra)})
    log.sync()
    return engine


def _check_shared(batch: list[dict], parent: list[dict], shared: int, strict: bool) -> None:
    for event in batch:
        if event["id"] > shared:
            return
        recorded = parent[event["id"] - 1]
        same = (comparable(event, False) == comparable(recorded, False) if strict
                else event["type"] == recorded["type"])
        if not same:
            raise BranchDiverged(
                f"cannot branch at event {shared}: re-running the parent gives "
                f"{event['type']} where the record has {recorded['type']} at event "
                f"{event['id']} (see `sfn-replay replay`)"
            )
