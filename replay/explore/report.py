"""The result of an exploration: failing runs kept in the user's db under readable names, and
the object `explore --json` prints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from replay.explore.search import Search
from replay.history import EXECUTIONS
from replay.worlds import world_setup
from store import EventLog

_MAX_NAME = 80


def kept_name(machine: str, n: int, kind: str = "") -> str:
    """`explore-<machine>-<n>` (`explore-<machine>-ok-<n>` for a passing run kept), the
    machine's name shortened so that the whole stays within AWS's 80 characters."""
    tail = f"-{kind}{n}" if not kind else f"-{kind}-{n}"
    return f"explore-{machine[: _MAX_NAME - len('explore') - len(tail) - 1]}{tail}"


def first_free(db: str | Path, machine: str) -> int:
    """The number after the highest `explore-<machine>-<n>` already in the db (runs of an
    earlier exploration stay; a new one counts on)."""
    pattern = re.compile(re.escape(kept_name(machine, 0)[:-1]) + r"(?:ok-)?(\d+)$")
    with EventLog(db) as log:
        numbers = [
            int(m.group(1))
            for _, doc in log.docs(EXECUTIONS)
            if doc.get("stateMachineName") == machine and (m := pattern.match(doc["name"]))
        ]
    return max(numbers, default=0) + 1


def keep(
    db: str | Path,
    definition_text: str,
    machine: str,
    kept: list[tuple[dict, str, list]],
    world: dict[str, Any],
) -> None:
    """Import exported histories into the user's db under their names, each with its
    Distributed Map child executions (index record and events, as the worker stored them);
    the mocks they were run with are stored there too, so that `branch` can use them."""
    from replay.api.importing import import_history

    if not kept:
        return
    with EventLog(db) as log:
        world_setup(log, world.get("mocks"), world.get("test_case"), world.get("handlers_file"))
    for history, name, children in kept:
        import_history(db, [history], definition_text, state_machine_name=machine, name=name)
        if children:
            with EventLog(db) as log:
                for doc, events in children:
                    arn = doc["executionArn"]
                    log.append_many(
                        {arn: events},
                        docs={(EXECUTIONS, arn): doc},
                        new_streams=[arn],
                        new_docs=[(EXECUTIONS, arn)],
                    )


def failure_row(rules: list[dict], result: dict, name: str, schedules: int) -> dict:
    row = {
        "faults": rules,
        "status": result["status"],
        "error": result["error"],
        "cause": result["cause"],
        "state": result["state"],
        "violation": result["violation"],
        "execution": name,
    }
    if schedules:
        row["schedule"] = result.get("schedule")
    return row


def summary(search: Search, candidates: list[dict]) -> dict:
    """The counts beside the failures: runs executed, the exhaustive count, what pruning
    skipped."""
    sets = search.space()
    out: dict[str, Any] = {
        "runs": search.runs,
        "exhaustive": sets * search.runs_per_set,
        "sets": sets,
        "candidates": len(candidates),
        "search": "sampled" if search.sampled else "levels",
        "complete": search.complete,
        "pruned": {"unreached": search.unreached, "containsFailure": search.contained},
    }
    if search.complete and search.prune:  # the sets never generated contain a failing one
        run = sum(1 for known in search.known.values() if known.result is not None)
        out["pruned"]["containsFailure"] = sets - run - search.unreached
    return out
