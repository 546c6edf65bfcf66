"""Map Runs of Distributed Maps: DescribeMapRun, ListMapRuns, UpdateMapRun."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replay import map_run_settings, map_runs
from replay.api.records import resolve
from replay.history import EXECUTIONS, read_events
from replay.runner import RunError
from replay.worlds import recorded_definition
from store import EventLog


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
