"""SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat: the answer to a task token arrives at the
server's wall clock time (or at the waiting execution's latest moment, when its virtual time is
ahead), and the execution goes on from its log (`replay.api.send_task_*`)."""

from __future__ import annotations

import json
from typing import Any

from replay import api
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, from_exception

MAX_TOKEN = 1024


def _token(body: dict) -> str:
    token = body.get("taskToken")
    if not isinstance(token, str) or not 1 <= len(token) <= MAX_TOKEN:
        raise ApiError("InvalidToken", f"Invalid Token: '{token}'")
    return token


def _answer(call: Any, *args: Any, **kwargs: Any) -> dict:
    try:
        result = call(*args, **kwargs)
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None
    if result.get("taskTimedOut"):  # the answer came after the task's limits
        late = result["taskTimedOut"]
        raise ApiError("TaskTimedOut", f"Task Timed Out: {late['error']} at {late['at']}")
    return {}


def success(server: Server, caller: Caller, body: dict) -> dict:
    token, text = _token(body), body.get("output")
    try:
        output = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        output = None
    if not isinstance(text, str) or (output is None and text.strip() != "null"):
        raise ApiError("InvalidOutput", "Invalid Output: the output must be JSON text")
    return _answer(api.send_task_success, server.db, token, output, now_micros=server.clock())


def failure(server: Server, caller: Caller, body: dict) -> dict:
    return _answer(
        api.send_task_failure,
        server.db,
        _token(body),
        error=body.get("error"),
        cause=body.get("cause"),
        now_micros=server.clock(),
    )


def heartbeat(server: Server, caller: Caller, body: dict) -> dict:
    return _answer(api.send_task_heartbeat, server.db, _token(body), now_micros=server.clock())
