"""The Python API: what the CLI does, callable from a user's own tests.

    from replay import api
    result = api.run("db", definition_text, {"x": 1}, state_machine_name="orders", seed=7,
                     mocks=mock_config_dict, test_case="happy")
    events = api.history("db", result["executionArn"])
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from replay.asl.compile import UnsupportedFeature
from replay.asl.validate import Diagnostic, validate_text
from replay.clock import iso_aws, parse_iso
from replay.definition import InvalidDefinition, load_definition
from replay.engine import NoTaskAnswer
from replay.events import details, to_aws_event
from replay.runner import EXECUTIONS, Names, RunError, execution_info, run_execution
from replay.world import ChainWorld, HandlerWorld, MockConfigError, MockWorld
from store import EventLog, StoreError

# Errors that mean "bad input or configuration": the CLI prints them and exits 2.
EXPECTED_ERRORS = (InvalidDefinition, UnsupportedFeature, RunError, MockConfigError,
                   NoTaskAnswer, StoreError)


class ExecutionNotFound(RunError):
    pass


def validate(text: str) -> list[Diagnostic]:
    return validate_text(text)


def parse_start_time(text: str) -> int:
    try:
        return parse_iso(text)
    except ValueError:
        raise RunError(f"--start-time {text!r} is not an ISO 8601 time with an offset") from None


def load_handlers(path: Path) -> dict:
    """Import a handlers file and return its HANDLERS dict."""
    if not path.is_file():
        raise RunError(f"handlers file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"sfn_replay_handlers_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as exc:
        raise RunError(f"handlers file {path} failed to import: {type(exc).__name__}: {exc}")
    handlers = getattr(module, "HANDLERS", None)
    if not isinstance(handlers, dict):
        raise RunError(f"handlers file {path} must define HANDLERS = {{name or ARN: callable}}")
    return handlers


def describe(doc: dict, events_tail: list[dict]) -> dict:
    """A DescribeExecution-shaped record from the index doc and the final event."""
    out: dict[str, Any] = {
        "executionArn": doc["executionArn"],
        "stateMachineArn": doc["stateMachineArn"],
        "name": doc["name"],
        "status": doc["status"],
        "startDate": iso_aws(doc["startMicros"]),
        "stopDate": iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else None,
        "input": None,
        "output": None,
        "error": None,
        "cause": None,
    }
    for event in events_tail:
        d = details(event)
        if event["type"] == "ExecutionStarted":
            out["input"] = d.get("input")
        elif event["type"] == "ExecutionSucceeded":
            out["output"] = d.get("output")
        elif event["type"] in ("ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"):
            out["error"], out["cause"] = d.get("error"), d.get("cause")
    return out


def run(
    db: str | Path,
    definition_text: str,
    input_value: Any = None,
    *,
    state_machine_name: str,
    name: str | None = None,
    account: str = "123456789012",
    region: str = "us-east-1",
    seed: int = 0,
    start_micros: int = 0,
    mocks: Any = None,
    test_case: str | None = None,
    handlers: dict | None = None,
    handlers_file: Path | None = None,
) -> dict:
    """Run an execution to its end and return its DescribeExecution record."""
    definition = load_definition(definition_text)
    names = Names(state_machine_name, name, account, region)
    info = execution_info(names, {} if input_value is None else input_value, seed, start_micros)
    mock_world = None
    if mocks is not None:
        if test_case is None:
            raise RunError("a mock config needs a test case name")
        mock_world = MockWorld.from_config(mocks, state_machine_name, test_case)
    if handlers_file is not None:
        handlers = {**load_handlers(handlers_file), **(handlers or {})}
    handler_world = HandlerWorld(handlers) if handlers else None
    world = ChainWorld.of([mock_world, handler_world])
    with EventLog(db) as log:
        run_execution(log, definition, info, world, seed)
        doc = log.get_doc(EXECUTIONS, info.execution_arn)
        first = next(log.read(info.execution_arn, 1, 1))
        last = list(log.read(info.execution_arn, doc["events"], doc["events"]))
        return describe(doc, [first, *last])


def resolve(log: EventLog, execution: str) -> dict:
    """The index doc of an execution given by ARN or by a name unique in the db."""
    if execution.startswith("arn:"):
        doc = log.get_doc(EXECUTIONS, execution)
        if doc is None:
            raise ExecutionNotFound(f"no execution {execution} in the db")
        return doc
    matches = [doc for _, doc in log.docs(EXECUTIONS) if doc["name"] == execution]
    if not matches:
        raise ExecutionNotFound(f"no execution named {execution!r} in the db")
    if len(matches) > 1:
        arns = ", ".join(doc["executionArn"] for doc in matches)
        raise RunError(f"several executions are named {execution!r}; give the ARN: {arns}")
    return matches[0]


def events(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as stored (AWS shape plus our extra facts)."""
    with EventLog(db) as log:
        doc = resolve(log, execution)
        return list(log.read(doc["executionArn"]))


def history(db: str | Path, execution: str) -> list[dict]:
    """The execution's events as GetExecutionHistory returns them."""
    return [to_aws_event(event) for event in events(db, execution)]


def list_executions(db: str | Path) -> list[dict]:
    with EventLog(db) as log:
        out = []
        for arn, doc in log.docs(EXECUTIONS):
            out.append(dict(doc, events=log.length(arn)))
        return out
