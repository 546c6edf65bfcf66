"""TestState: one state run once, as AWS's TestState API runs it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from replay.worlds import build_world


def test_state(
    definition_text: str,
    input_value: Any = None,
    *,
    state_name: str | None = None,
    inspection_level: str = "INFO",
    mock: Any = None,
    variables: dict | None = None,
    context: dict | None = None,
    retrier_retry_count: int = 0,
    mocks: Any = None,
    test_case: str | None = None,
    state_machine_name: str = "TestState",
    handlers: dict | None = None,
    handlers_file: Path | None = None,
    start_micros: int | None = None,
    reveal_secrets: bool = False,
    connections: Any = None,
    role_arn: str | None = None,
) -> dict:
    """AWS's TestState: run one state (`state_name` of a whole definition, or a lone state's
    definition) once on `input_value`; see `replay.test_state`. Its Task is answered by `mock`
    (AWS's shape), else by the mocks or handlers given. `connections` (EventBridge connections
    by ARN) and `reveal_secrets`: what an HTTP Task's request shows at TRACE. `role_arn`: the
    execution role the Context object names (None: null, as AWS without a roleArn)."""
    from replay.test_state import test_state as run_test_state

    world = None
    if mocks is not None or handlers is not None or handlers_file is not None:
        world = build_world(mocks, test_case, state_machine_name, handlers, handlers_file)
    return run_test_state(
        definition_text,
        input_value,
        state_name=state_name,
        inspection_level=inspection_level,
        mock=mock,
        variables=variables,
        context=context,
        retrier_retry_count=retrier_retry_count,
        world=world,
        start_micros=time.time_ns() // 1000 if start_micros is None else start_micros,
        reveal_secrets=reveal_secrets,
        connections=connections,
        role_arn=role_arn,
    )
