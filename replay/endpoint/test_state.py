"""TestState: one state run once (`replay.api.test_state`), in AWS's request and response
shapes. The server's --handlers answer its Task when the request gives no `mock` (a mock
config's test cases belong to executions: TestState has none)."""

from __future__ import annotations

import json
from typing import Any

from replay import api
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import from_exception, validation


def _json(body: dict, key: str, default: Any = None) -> Any:
    text = body.get(key)
    if text is None:
        return default
    if not isinstance(text, str):
        raise validation(f"{key} must be JSON text")
    try:
        return json.loads(text)
    except ValueError:
        raise validation(f"{key} is not valid JSON") from None


def test_state(server: Server, caller: Caller, body: dict) -> dict:
    definition = body.get("definition")
    if not isinstance(definition, str):
        raise validation("definition is required")
    config = body.get("stateConfiguration") or {}
    if not isinstance(body.get("revealSecrets", False), bool):
        raise validation("revealSecrets must be a boolean")
    mock = body.get("mock")
    role_arn = body.get("roleArn")
    if role_arn is not None and not isinstance(role_arn, str):
        raise validation("roleArn must be a string")
    try:
        if role_arn is None and mock is None and _tests_a_task(definition, body.get("stateName")):
            raise validation("RoleArn must be specified when testing a Task state")
        return api.test_state(
            definition,
            _json(body, "input", {}),
            state_name=body.get("stateName"),
            inspection_level=body.get("inspectionLevel") or "INFO",
            mock={k: v for k, v in mock.items() if k != "fieldValidationMode"} if mock else None,
            variables=_json(body, "variables"),
            context=_json(body, "context"),
            retrier_retry_count=int(config.get("retrierRetryCount") or 0),
            handlers_file=server.handlers_file if mock is None else None,
            reveal_secrets=body.get("revealSecrets") is True,
            connections=server.connections,
            role_arn=role_arn,
        )
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None


def _tests_a_task(definition: str, state_name: Any) -> bool:
    """Whether the state tested is a Task (which AWS runs with the request's role only)."""
    try:
        raw = json.loads(definition)
    except ValueError:
        return False  # TestState says what is wrong with it
    if isinstance(raw, dict) and isinstance(raw.get("States"), dict):
        raw = raw["States"].get(state_name)
    return isinstance(raw, dict) and raw.get("Type") == "Task"
