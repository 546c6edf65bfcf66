"""The world a run is answered by: mocks, handlers and fault rules, recorded in the
execution's index record (`world_setup`) so that replay, branch and resume build it again
(`recorded_world`)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from replay.definition import load_definition
from replay.events import to_json_text
from replay.runner import RunError
from replay.world import ChainWorld, FailUnanswered, HandlerWorld, MockWorld, World
from store import EventLog

if TYPE_CHECKING:  # loaded when a run uses them
    from replay.distributed import LocalS3
    from replay.faults import Fault


def load_handlers(path: Path) -> dict:
    """Import a handlers file and return its HANDLERS dict."""
    if not path.is_file():
        raise RunError(f"handlers file {path} does not exist")
    spec = importlib.util.spec_from_file_location(f"sfn_replay_handlers_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as exc:
        raise RunError(
            f"handlers file {path} failed to import: {type(exc).__name__}: {exc}"
        ) from None
    handlers = getattr(module, "HANDLERS", None)
    if not isinstance(handlers, dict):
        raise RunError(f"handlers file {path} must define HANDLERS = {{name or ARN: callable}}")
    return handlers


def build_world(
    mocks: Any,
    test_case: str | None,
    state_machine_name: str,
    handlers: dict | None,
    handlers_file: Path | None,
) -> World:
    mock_world = None
    if mocks is not None:
        if test_case is None:
            raise RunError("a mock config needs a test case name (--test-case)")
        mock_world = MockWorld.from_config(mocks, state_machine_name, test_case)
    if handlers_file is not None:
        handlers = {**load_handlers(handlers_file), **(handlers or {})}
    handler_world = HandlerWorld(handlers) if handlers else None
    return ChainWorld.of([mock_world, handler_world])


def with_faults(world: World, rules: list[Fault], machine) -> World:
    """The world with fault rules layered over it (checked against the definition)."""
    if not rules:
        return world
    from replay.faults import FaultWorld

    return FaultWorld.build(rules, machine, world)


def world_setup(
    log: EventLog, mocks: Any, test_case: str | None, handlers_file: Path | None
) -> dict:
    """How the world was configured, recorded so that branches can reuse it."""
    setup: dict[str, Any] = {}
    if mocks is not None:
        setup["mocks"] = log.put_blob(to_json_text(mocks).encode("utf-8"))
        setup["testCase"] = test_case
    if handlers_file is not None:
        setup["handlers"] = str(Path(handlers_file).resolve())
    return setup


def local_s3(doc: dict, *, writes: bool = True) -> LocalS3 | None:
    if not doc.get("s3Root"):
        return None
    from replay.distributed import LocalS3

    return LocalS3(Path(doc["s3Root"]), writes)


def recorded_world(log: EventLog, doc: dict, machine=None, with_faults: bool = True) -> World:
    """The world an execution was run with: its mocks and handlers, and its fault rules
    (checked against `machine`, default its own definition's)."""
    mocks = doc.get("mocks")
    world = build_world(
        json.loads(log.get_blob(mocks)) if mocks else None,
        doc.get("testCase"),
        doc["stateMachineName"],
        None,
        Path(doc["handlers"]) if doc.get("handlers") else None,
    )
    if doc.get("unanswered") == "fail":
        world = ChainWorld.of([world, FailUnanswered()])
    if not with_faults or not doc.get("faults"):
        return world
    from replay.faults import coerce

    machine = machine or load_definition(recorded_definition(log, doc)).machine
    return with_faults(world, coerce(doc["faults"]), machine)


def recorded_definition(log: EventLog, doc: dict) -> str:
    blob = log.get_blob(doc["definition"])
    if blob is None:
        raise RunError(f"the definition of {doc['name']} is missing from the db")
    return blob.decode("utf-8")
