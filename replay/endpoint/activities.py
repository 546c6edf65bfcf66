"""Activities: CreateActivity, DescribeActivity, ListActivities, DeleteActivity (the db's
`activities` table, see `replay.activities`) and GetActivityTask, whose long poll the app does
(`app.poll`): each try here answers at once, `{}` when no task waits."""

from __future__ import annotations

from typing import Any

from replay import api
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, from_exception, validation
from replay.endpoint.machines import _tags
from replay.endpoint.shapes import epoch, page, parse_arn

MAX_WORKER_NAME = 80


def _arn(body: dict) -> str:
    arn = body.get("activityArn")
    parse_arn(arn, "activity")
    return arn


def _shown(record: dict) -> dict:
    """An activity as the API returns it (`api` gives its creation date as ISO 8601)."""
    from replay.clock import parse_iso

    return {
        "activityArn": record["activityArn"],
        "name": record["name"],
        "creationDate": epoch(parse_iso(record["creationDate"])),
    }


def _call(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None


def create(server: Server, caller: Caller, body: dict) -> dict:
    from replay.runner import RunError, check_name

    name = body.get("name")
    try:
        check_name("activity", name if isinstance(name, str) else "")
    except RunError:
        raise ApiError("InvalidName", f"Invalid Name: '{name}'") from None
    tags = _tags(body.get("tags", []))
    if len(tags) > 50:
        raise ApiError("TooManyTags", "Too many tags: at most 50 a resource")
    record = _call(
        api.create_activity,
        server.db,
        name,
        account=caller.account,
        region=caller.region,
        tags=tags,
        now_micros=server.clock(),
    )
    shown = _shown(record)
    return {"activityArn": shown["activityArn"], "creationDate": shown["creationDate"]}


def describe(server: Server, caller: Caller, body: dict) -> dict:
    record = _call(api.describe_activity, server.db, _arn(body))
    return _shown(record)


def list_(server: Server, caller: Caller, body: dict) -> dict:
    prefix = caller.arn("activity", "")
    records = [r for r in api.list_activities(server.db) if r["activityArn"].startswith(prefix)]
    chunk, token = page(records, body, "activities")
    out: dict = {"activities": [_shown(r) for r in chunk]}
    if token is not None:
        out["nextToken"] = token
    return out


def delete(server: Server, caller: Caller, body: dict) -> dict:
    _call(api.delete_activity, server.db, _arn(body))
    return {}


def get_task(server: Server, caller: Caller, body: dict) -> dict:
    """One try of GetActivityTask: the task (ActivityStarted recorded at the server's clock),
    or `{}`."""
    worker = body.get("workerName")
    if worker is not None and (not isinstance(worker, str) or len(worker) > MAX_WORKER_NAME):
        raise validation(f"workerName must be a string of at most {MAX_WORKER_NAME} characters")
    return _call(
        api.get_activity_task,
        server.db,
        _arn(body),
        worker_name=worker,
        now_micros=server.clock(),
    )
