"""The Python API: what the CLI does, callable from a user's own tests.

from replay import api
result = api.run("db", definition_text, {"x": 1}, state_machine_name="orders", seed=7,
                 mocks=mock_config_dict, test_case="happy")
events = api.history("db", result["executionArn"])

Each area is a module of its own (see `_AREAS`). Runs are loaded with `replay.api`, so that
`api.run` itself imports nothing; every other area loads when a name of it is first used, so
that a run does not load replay, import, redrive or activities code.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from replay.api.runs import run, sync_response, validate  # noqa: F401 (in __all__)

_AREAS = {
    "records": (
        "ExecutionNotFound",
        "describe",
        "parse_start_time",
        "parse_time_option",
        "redrive_fields",
        "resolve",
    ),
    "runs": ("run", "sync_response", "validate"),
    "reading": (
        "check",
        "diff",
        "events",
        "execution_logs",
        "export",
        "failures",
        "history",
        "list_executions",
        "state",
        "tree",
    ),
    "branching": ("branch", "explore", "replay", "replay_all"),
    "importing": ("import_history",),
    "continuing": (
        "ExecutionNotRunning",
        "continue_execution",
        "redrive",
        "resume",
        "stop_execution",
    ),
    "tokens": ("send_task_failure", "send_task_heartbeat", "send_task_success"),
    "activity_tasks": (
        "create_activity",
        "delete_activity",
        "describe_activity",
        "get_activity_task",
        "list_activities",
    ),
    "map_run_records": ("MapRunNotFound", "describe_map_run", "list_map_runs", "update_map_run"),
    "one_state": ("test_state",),
    "errors": ("EXPECTED_ERRORS",),
}
# errors a caller catches, defined where they arise
_ELSEWHERE = {
    "InvalidDefinition": "replay.definition",
    "NoTaskAnswer": "replay.engine",
    "PositionError": "replay.timetravel",
    "RedriveError": "replay.redrive",
    "RunError": "replay.runner",
}
_WHERE = {name: f"replay.api.{area}" for area, names in _AREAS.items() for name in names}
_WHERE.update(_ELSEWHERE)
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'replay.api' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return __all__
