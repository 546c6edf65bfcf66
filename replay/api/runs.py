"""Runs: validate a definition, run an execution to its end (or to where it waits)."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from replay import activities, child_machines, express
from replay.api.records import Faults, description, resolve
from replay.asl.validate import Diagnostic, validate_text
from replay.definition import Definition, InvalidDefinition, load_definition
from replay.history import EXECUTIONS, STATE_MACHINES
from replay.nested import ChildMachine
from replay.runner import Names, RunError, execution_info, run_execution
from replay.scheduler import SCHEDULES
from replay.world import ChainWorld, FailUnanswered
from replay.worlds import build_world, local_s3, with_faults, world_setup
from store import EventLog
from store.log import blob_digest


def validate(text: str) -> list[Diagnostic]:
    return validate_text(text)


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
    rules = _fault_rules(faults)
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
        return description(log, log.get_doc(EXECUTIONS, info.execution_arn))


def _fault_rules(faults: Faults | None) -> list:
    if not faults:
        return []
    from replay.faults import coerce  # loaded when a run has some

    return coerce(faults)


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
