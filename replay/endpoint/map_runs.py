"""Map Runs of Distributed Map states: DescribeMapRun, ListMapRuns and UpdateMapRun, read from
the log through `replay.api`."""

from __future__ import annotations

from typing import Any

from replay import api
from replay.endpoint import executions
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, validation
from replay.endpoint.shapes import EXECUTION_KINDS, epoch, page, parse_arn, without_none
from replay.map_runs import SETTINGS


def _arn(body: dict) -> str:
    arn = body.get("mapRunArn")
    parse_arn(arn, "mapRun")
    return arn


def _date(micros: int | None) -> float | None:
    return None if micros is None else epoch(micros)


def _described(server: Server, call: Any) -> dict:
    try:
        run = call()
    except api.MapRunNotFound as exc:
        raise ApiError("ResourceNotFound", str(exc)) from None
    return without_none(
        {
            **{k: v for k, v in run.items() if k not in ("start", "stop", "redriveMicros")},
            "startDate": epoch(run["start"]),
            "stopDate": _date(run["stop"]),
            "redriveDate": _date(run["redriveMicros"]),
        }
    )


def describe(server: Server, caller: Caller, body: dict) -> dict:
    arn = _arn(body)
    return _described(server, lambda: api.describe_map_run(server.db, arn))


def update(server: Server, caller: Caller, body: dict) -> dict:
    """UpdateMapRun: kept for the Map Run's record (a finished local run does not change)."""
    arn = _arn(body)
    changes = {member: body.get(member) for member in SETTINGS}
    if all(value is None for value in changes.values()):
        raise validation("give maxConcurrency, toleratedFailurePercentage or toleratedFailureCount")
    _check(changes)
    _described(server, lambda: api.update_map_run(server.db, arn, **changes))
    return {}


def _check(changes: dict) -> None:
    bounds = {"maxConcurrency": 0, "toleratedFailureCount": 0, "toleratedFailurePercentage": 0}
    for member, value in changes.items():
        if value is None:
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if (
            not number
            or value < bounds[member]
            or (member == "toleratedFailurePercentage" and value > 100)
        ):
            raise validation(f"Value '{value}' at '{member}' failed to satisfy constraint")


def list_(server: Server, caller: Caller, body: dict) -> dict:
    """ListMapRuns of an execution, newest first."""
    arn = body.get("executionArn")
    parse_arn(arn, EXECUTION_KINDS)
    executions.settle(server, arn)  # started, not yet run: run it now
    runs = api.list_map_runs(server.db, arn)  # ExecutionNotFound: ExecutionDoesNotExist
    runs.reverse()  # they are in the order they started
    chunk, token = page(runs, body, f"mapRuns:{arn}")
    items = [
        without_none(
            {
                "executionArn": run["executionArn"],
                "mapRunArn": run["arn"],
                "stateMachineArn": _machine(run["executionArn"]),
                "startDate": epoch(run["start"]),
                "stopDate": _date(run["stop"]),
            }
        )
        for run in chunk
    ]
    return without_none({"mapRuns": items, "nextToken": token})


def _machine(execution_arn: str) -> str:
    """The state machine of an execution, from its ARN (`...:execution:MACHINE:NAME`)."""
    parts = execution_arn.split(":")
    return ":".join(parts[:5] + ["stateMachine", parts[6]])
