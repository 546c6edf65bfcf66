"""Small helpers for tests: run a definition dict in a temporary db and read back the result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replay import api

START = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z


def run(
    tmp: Path,
    definition: dict,
    input_value: Any = None,
    *,
    name: str = "exec",
    mocks: dict | None = None,
    test_case: str | None = None,
    seed: int = 1,
    handlers: dict | None = None,
) -> dict:
    return api.run(
        tmp / "db",
        json.dumps(definition),
        input_value,
        state_machine_name="sm",
        name=name,
        seed=seed,
        start_micros=START,
        mocks=mocks,
        test_case=test_case,
        handlers=handlers,
    )


def types(tmp: Path, name: str = "exec") -> list[str]:
    return [e["type"] for e in api.history(tmp / "db", name)]


def output(description: dict) -> Any:
    return json.loads(description["output"])


def mock_config(responses: dict[str, dict], machine: str = "sm", case: str = "t") -> dict:
    """A MockConfigFile where state S answers with MockedResponses[S]."""
    return {
        "StateMachines": {machine: {"TestCases": {case: {s: s for s in responses}}}},
        "MockedResponses": responses,
    }
