"""Map Runs (of Distributed Map states) as DescribeMapRun and ListMapRuns tell them, derived from
the history of the execution that started them and the index records of their child
executions. Pure: the caller reads the log."""

from __future__ import annotations

from typing import Any

from replay.express import is_express
from replay.redrive import MAX_HISTORY

TABLE = "mapRuns"  # what UpdateMapRun set, by Map Run ARN
ENDED = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
COUNT_KEYS = (
    "pending",
    "running",
    "succeeded",
    "failed",
    "timedOut",
    "aborted",
    "total",
    "resultsWritten",
    "failuresNotRedrivable",
    "pendingRedrive",
)
_BY_STATUS = {
    "RUNNING": "running",
    "INTERRUPTED": "running",  # a server stopped mid-run: it goes on when resumed
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "TIMED_OUT": "timedOut",
    "ABORTED": "aborted",
    "PENDING_REDRIVE": "pendingRedrive",
}
MAX_MAP_RUN_REDRIVES = 1000  # AWS's hard limit of redrives of a Map Run
SETTINGS = {  # UpdateMapRun's members and the Map state's fields they stand for
    "maxConcurrency": "MaxConcurrency",
    "toleratedFailurePercentage": "ToleratedFailurePercentage",
    "toleratedFailureCount": "ToleratedFailureCount",
}


def _arn_of(event: dict) -> str | None:
    for key in ("mapRunStartedEventDetails", "mapRunRedrivenEventDetails"):
        if key in event:
            return event[key].get("mapRunArn")
    return None


def _previous(by_id: dict[int, dict], event: dict) -> dict | None:
    return by_id.get(event.get("previousEventId", 0))


def _owner(by_id: dict[int, dict], event: dict) -> str | None:
    """The Map Run a MapRunSucceeded/MapRunFailed ends: the nearest MapRunStarted or
    MapRunRedriven up its chain of previous events."""
    seen = 0
    while event is not None and seen < len(by_id):
        arn = _arn_of(event)
        if arn is not None:
            return arn
        event, seen = _previous(by_id, event), seen + 1
    return None


def _entered(by_id: dict[int, dict], event: dict | None) -> dict | None:
    """The MapStateEntered a MapRunStarted follows."""
    while event is not None and event["type"] != "MapStateEntered":
        event = _previous(by_id, event)
    return event


def _state_name(by_id: dict[int, dict], event: dict) -> str | None:
    """The name of the Map state a MapRunStarted belongs to (its MapStateEntered)."""
    entered = _entered(by_id, event)
    return entered["stateEnteredEventDetails"]["name"] if entered else None


def entered_event(events: list[dict], run: dict) -> dict | None:
    """The MapStateEntered of the Map state that started Map Run `run`."""
    by_id = {event["id"]: event for event in events}
    started = next(
        (e for e in events if e["type"] == "MapRunStarted" and _arn_of(e) == run["arn"]), None
    )
    return _entered(by_id, started)


def map_runs(events: list[dict]) -> list[dict]:
    """The Map Runs of a history in the order they started: arn, state (the Map state's
    name), start, stop (microseconds), status, redriveCount and redriveMicros."""
    by_id = {event["id"]: event for event in events}
    runs: dict[str, dict] = {}
    for event in events:
        kind, at = event["type"], event["timestamp"]
        if kind == "MapRunStarted":
            runs[_arn_of(event)] = {
                "arn": _arn_of(event),
                "state": _state_name(by_id, event),
                "start": at,
                "stop": None,
                "status": "RUNNING",
                "redriveCount": 0,
                "redriveMicros": None,
            }
        elif kind == "MapRunRedriven" and _arn_of(event) in runs:
            run = runs[_arn_of(event)]
            run.update(status="RUNNING", stop=None, redriveMicros=at)
            run["redriveCount"] = event["mapRunRedrivenEventDetails"].get("redriveCount", 0)
        elif kind in ("MapRunSucceeded", "MapRunFailed"):
            run = runs.get(_owner(by_id, event))
            if run is not None:
                run.update(status=kind.removeprefix("MapRun").upper(), stop=at)
        elif kind in ENDED:  # what was still running then was aborted with the execution
            for run in runs.values():
                if run["status"] == "RUNNING":
                    run.update(status="ABORTED", stop=at)
    return list(runs.values())


def find_state(definition: dict, name: str) -> dict | None:
    """The state named `name` anywhere in a definition (in branches and processors too)."""
    states = definition.get("States") or {}
    if name in states:
        return states[name]
    for state in states.values():
        inner = [state.get("ItemProcessor") or state.get("Iterator") or {}]
        inner += state.get("Branches") or []
        for machine in inner:
            found = find_state(machine, name) if isinstance(machine, dict) else None
            if found is not None:
                return found
    return None


def settings(state: dict | None, updated: dict | None, used: dict | None = None) -> dict:
    """maxConcurrency and the tolerated failures: what UpdateMapRun set, else what the Map
    state gave: `used` (by member) for those given by a path or JSONata, else its literal
    values (0 when absent)."""
    out = {}
    for member, field in SETTINGS.items():
        value = (used or {}).get(member, (state or {}).get(field))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = 0
        out[member] = (updated or {}).get(member, value)
    out["maxConcurrency"] = int(out["maxConcurrency"])
    out["toleratedFailureCount"] = int(out["toleratedFailureCount"])
    out["toleratedFailurePercentage"] = float(out["toleratedFailurePercentage"])
    return out


def redrivable(run: dict, parent: dict) -> bool:
    """Whether the unsuccessful children of Map Run `run` may still be redriven. AWS redrives
    them with the execution `parent` that started the Map Run: not once the Map Run succeeded
    (within its tolerated failures), nor when the parent cannot be redriven (it succeeded,
    it is Express or imported, its history is at the quota), nor after 1000 redrives of the
    Map Run. While the Map Run runs (or its parent still does) nothing is final yet."""
    if run["status"] == "SUCCEEDED" or run["redriveCount"] >= MAX_MAP_RUN_REDRIVES:
        return False
    if parent.get("status") == "SUCCEEDED" or (parent.get("events") or 0) >= MAX_HISTORY:
        return False
    return not parent.get("imported") and not is_express(parent.get("executionArn", ""))


def counts(
    children: list[dict], total: int, written: bool, *, by_items: bool = False, final: bool
) -> dict:
    """itemCounts/executionCounts of child executions by status; `total`: how many there are
    to run (pending: those not started yet); `written`: a ResultWriter wrote their results;
    `by_items`: each child counts its batch's items (its record's `items`); `final`: the
    unsuccessful ones cannot be redriven (`redrivable`)."""
    out = dict.fromkeys(COUNT_KEYS, 0)
    for child in children:
        key = _BY_STATUS.get(child.get("status"), "running")  # none yet: it runs
        out[key] += child.get("items", 1) if by_items else 1
    started = sum(out[key] for key in set(_BY_STATUS.values()))
    out["total"] = max(total, started)
    out["pending"] = out["total"] - started
    if written:
        out["resultsWritten"] = out["succeeded"] + out["failed"] + out["timedOut"] + out["aborted"]
    if final:
        out["failuresNotRedrivable"] = out["failed"] + out["timedOut"] + out["aborted"]
    return out


def length_of(events: list[dict], run: dict) -> int:
    """How many items the Map Run's Map state had (its MapStateStarted before MapRunStarted)."""
    by_id = {event["id"]: event for event in events}
    started = next((e for e in events if _arn_of(e) == run["arn"]), None)
    event = _previous(by_id, started) if started else None
    while event is not None and event["type"] != "MapStateStarted":
        event = _previous(by_id, event)
    return (event or {}).get("mapStateStartedEventDetails", {}).get("length", 0)


def describe(
    run: dict, execution_arn: str, state: dict | None, children: list[dict], total: int, **more: Any
) -> dict:
    """DescribeMapRun's fields (times in microseconds); `more["updated"]`: UpdateMapRun's,
    `more["used"]`: the settings a path or JSONata gave (map_run_settings), `more["parent"]`:
    the record of the execution that started it. With an ItemBatcher each child's record has
    `items`, its batch's size."""
    written = run["status"] == "SUCCEEDED" and bool((state or {}).get("ResultWriter"))
    batched = bool((state or {}).get("ItemBatcher"))  # total: the items; children: batches
    final = not redrivable(run, more.get("parent") or {})
    executions = counts(children, 0 if batched else total, written, final=final)
    items = counts(children, total, written, by_items=batched, final=final)
    return {
        "mapRunArn": run["arn"],
        "executionArn": execution_arn,
        "status": run["status"],
        "start": run["start"],
        "stop": run["stop"],
        **settings(state, more.get("updated"), more.get("used")),
        "itemCounts": items,
        "executionCounts": executions,
        "redriveCount": run["redriveCount"],
        "redriveMicros": run["redriveMicros"],
    }
