"""Import: a GetExecutionHistory document stored as a local execution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replay import express
from replay.api.records import description
from replay.definition import load_definition
from replay.events import EXTRA
from replay.history import EXECUTIONS
from replay.record import execution_record
from replay.redrive import redrives_in
from replay.runner import Names, already_exists, check_name, default_execution_name
from replay.transfer import parse_pages
from store import EventLog, StoreConflictError


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
        return description(log, doc)


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
