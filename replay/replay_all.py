"""replay-all: many recorded or imported executions replayed against a changed definition.

The regression check before deploying a change: would the new definition have done, event for
event, what each execution recorded? One job per execution goes through `replay.sweep` (in
process, on worker processes or on Ray); a job reads its execution from the db, read-only, or
imports a history file into a temporary db of its own, and returns one plain row. Rows come
back in the order the executions were given (`--all`: by start time, then name).

- A branch is replayed as it ran: its parent's prefix up to the fork point, then its own
  changes there (input override, reseeded generator, its own name in the Context object), the
  new definition throughout. A divergence at or before the fork point is in the prefix it
  shares with its parent (`inSharedPrefix`).
- An execution still running, or interrupted, is checked as far as its record goes: the new
  definition going on past the last recorded event is no divergence (`complete` is false).
- An execution recorded with the very same definition is replayed too (a divergence then says
  the interpreter changed, not the definition): `definitionChanged` tells them apart.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from replay import child_machines
from replay.api.importing import import_history
from replay.api.reading import interrupted_record
from replay.api.records import (
    children_events,
    is_imported,
    recorded_run,
    recorded_schedule,
    resolve,
    started_children,
)
from replay.definition import load_definition
from replay.distributed import RecordedS3
from replay.fork import NO_OVERRIDE, Fork
from replay.history import EXECUTIONS
from replay.liveness import is_running
from replay.runner import RunError
from replay.sweep import cpu_count, map_jobs
from replay.transfer import HistoryFormatError, parse_pages
from replay.verify import Divergence, info_from_record, verify
from replay.worlds import local_s3, recorded_definition
from store import EventLog

_FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
# `workers=None`: below this many recorded events in all, one process (starting worker
# processes costs ~0.7 s here, about what replaying 45,000 events does), else every core
AUTO_EVENTS = 100_000


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
    """One row per execution: `executions` by name or ARN (None: every execution of the
    state machine, see `select`), then `histories`, (label, pages) pairs of
    GetExecutionHistory documents (an `export`, or the AWS CLI's output). `workers` None:
    one process for a small sweep (AUTO_EVENTS), else the cores this process may use."""
    load_definition(definition_text)  # a bad definition stops everything, before any job
    jobs: list[dict] = []
    if executions is None or executions:
        jobs += _db_jobs(db, definition_text, executions, state_machine_name)
    for label, pages in histories:
        try:
            events, _ = parse_pages(pages)
        except HistoryFormatError as exc:
            raise HistoryFormatError(f"history file {label}: {exc}") from None
        jobs.append(
            {
                "events": len(events),
                "history": label,
                "pages": pages,
                "definition": definition_text,
                "stateMachineName": state_machine_name or "replay-all",
            }
        )
    if workers is None:
        small = sum(job["events"] for job in jobs) < AUTO_EVENTS
        workers = 1 if small else cpu_count()
    return map_jobs(check_job, jobs, workers=workers, ray=ray)


def _db_jobs(
    db: str | Path, text: str, executions: list[str] | None, state_machine_name: str | None
) -> list[dict]:
    with EventLog(db, readonly=True) as log:
        if executions is None:
            docs = select([doc for _, doc in log.docs(EXECUTIONS)], state_machine_name)
        else:
            docs = [_top_level(log, resolve(log, execution)) for execution in executions]
        return [
            {
                "db": str(Path(db).resolve()),
                "arn": doc["executionArn"],
                "status": _status(log, doc),
                "events": doc.get("events") or 0,
                "definition": text,
            }
            for doc in docs
        ]


def select(docs: list[dict], state_machine_name: str | None) -> list[dict]:
    """The executions `--all` means: those of the state machine named (when the db has none
    of that name but executions of a single state machine, those), Distributed Map child
    executions left to their parents; by start time, then name, each branch after its parent."""
    docs = [doc for doc in docs if not doc.get("parentExecution")]
    machines = Counter(doc["stateMachineName"] for doc in docs)
    if not machines:
        raise RunError("no executions in the db to replay")
    if state_machine_name not in machines:
        if len(machines) > 1:
            have = ", ".join(f"{name} ({n})" for name, n in sorted(machines.items()))
            wanted = f"of state machine {state_machine_name!r} " if state_machine_name else ""
            raise RunError(
                f"no executions {wanted}in the db; name one with --state-machine-name: {have}"
            )
        (state_machine_name,) = machines
    chosen = {doc["executionArn"]: doc for doc in docs}
    chosen = {a: d for a, d in chosen.items() if d["stateMachineName"] == state_machine_name}

    def place(doc: dict) -> tuple:  # a root by start and name, its branches after it
        parent = chosen.get(doc.get("parent") or "")
        if parent is None:
            return ((doc["startMicros"], doc["name"]),)
        return place(parent) + ((doc["forkAt"], doc["name"]),)

    return sorted(chosen.values(), key=place)


def _top_level(log: EventLog, doc: dict) -> dict:
    if doc.get("parentExecution"):
        parent = log.get_doc(EXECUTIONS, doc["parentExecution"]) or {"name": "?"}
        raise RunError(
            f"{doc['name']} is a child execution of a Distributed Map: replay its parent "
            f"{parent['name']}, which checks it"
        )
    return doc


def _status(log: EventLog, doc: dict) -> str:
    if doc["status"] == "RUNNING" and not is_running(log.path, doc):
        return interrupted_record(log, doc)["status"]
    return doc["status"]


# -- in a worker -------------------------------------------------------------------------------


def check_job(job: dict) -> dict:
    """One execution replayed against the job's definition: its row (module-level, so that
    worker processes and Ray import it by name)."""
    if "history" in job:
        return _check_history(job)
    with EventLog(job["db"], readonly=True) as log:
        doc = log.get_doc(EXECUTIONS, job["arn"])
        if doc is None:
            raise RunError(f"no execution {job['arn']} in the db")
        return _row(log, doc, job["definition"], job["status"], _definition_changed)


def _check_history(job: dict) -> dict:
    with tempfile.TemporaryDirectory(prefix="sfn-replay-all-") as tmp:
        db = Path(tmp) / "db"
        imported = import_history(
            db, job["pages"], job["definition"], state_machine_name=job["stateMachineName"]
        )
        with EventLog(db, readonly=True) as log:
            doc = log.get_doc(EXECUTIONS, imported["executionArn"])
            row = _row(log, doc, job["definition"], doc["status"], lambda *_: None)
    return dict(row, history=job["history"], executionArn=None)


def _row(log: EventLog, doc: dict, text: str, status: str, changed) -> dict:
    complete = status in _FINISHED
    divergence = replay_execution(log, doc, text, partial=not complete)
    parent = log.get_doc(EXECUTIONS, doc["parent"]) if doc.get("parent") else None
    return {
        "execution": doc["name"],
        "executionArn": doc["executionArn"],
        "history": None,
        "status": status,
        "complete": complete,
        "identical": divergence is None,
        "event": divergence.event_id if divergence else None,
        "definitionChanged": changed(log, doc, text),
        "parent": parent["name"] if parent else None,
        "forkAt": doc.get("forkAt"),
        "inSharedPrefix": bool(divergence and parent and divergence.event_id <= doc["forkAt"]),
        "divergence": divergence.to_dict() if divergence else None,
    }


def replay_execution(
    log: EventLog, doc: dict, definition_text: str | None = None, *, partial: bool = False
) -> Divergence | None:
    """Re-run an execution against its record, every Task answered from it: None when the
    interpreter reproduces it, else the first divergence. With `definition_text`, that
    definition throughout; without, the ones it ran with (a branch: its parent's up to the
    fork point, then its own). A branch's changes apply at its fork point."""
    recorded, input_value, seed = recorded_run(log, doc)
    children = children_events(log, doc)
    info = info_from_record(doc, recorded, input_value)
    definition = load_definition(definition_text or recorded_definition(log, doc))
    fork = None
    records = [doc]
    if doc.get("parent"):
        parent = log.get_doc(EXECUTIONS, doc["parent"])
        children += children_events(
            log, parent, only=started_children(log, recorded[: doc["forkAt"]])
        )
        records.append(parent)
        own = definition
        if definition_text is None:
            definition = load_definition(recorded_definition(log, parent))
        override = json.loads(doc["inputOverride"]) if "inputOverride" in doc else NO_OVERRIDE
        fork = Fork(
            at=doc["forkAt"],
            machine=own.machine if own.text != definition.text else None,
            seed=doc.get("forkSeed"),
            input_override=override,
            info=info,
        )
        info = info_from_record(parent, recorded, input_value)
    return verify(
        definition,
        info,
        seed,
        recorded,
        with_time=not is_imported(log, doc),
        s3=RecordedS3.from_events(recorded, *children, live=local_s3(doc, writes=False)),
        children=children,
        schedule=recorded_schedule(recorded),
        fork=fork,
        partial=partial,
        activities=frozenset(doc.get("activities", ())),
        machines=child_machines.for_record(log, records, live=False),
    )


def _definition_changed(log: EventLog, doc: dict, text: str) -> bool:
    """Whether `text` differs (as JSON) from a definition the history ran with (a branch's
    and its ancestors' up to their fork points)."""
    new = json.loads(text)
    while True:
        if json.loads(recorded_definition(log, doc)) != new:
            return True
        if not doc.get("parent"):
            return False
        doc = log.get_doc(EXECUTIONS, doc["parent"])


def divergent(rows: list[dict]) -> list[dict]:
    return [row for row in rows if not row["identical"]]


__all__ = ["check_job", "divergent", "replay_all", "replay_execution", "select"]
