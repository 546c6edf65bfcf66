"""The executions index: one record per execution, the one place its fields are defined.

A record is a cache of what the execution's log says (`SUMMARY`: rebuilt as the run goes, and
from the log whenever needed) plus how the run was set up (`SETUP`: what `branch`, `resume`
and `replay` need to run it again). Runs, Distributed Map child executions and imports write
records through `execution_record`; readers go through `setup_of` and `check_record`.
"""

from __future__ import annotations

from typing import Any

# Derived from the log.
SUMMARY = (
    "executionArn",
    "name",
    "stateMachineArn",
    "stateMachineName",
    "status",
    "startMicros",
    "stopMicros",
    "events",
    "seed",
)
# Derived from the log too, for a redriven execution only.
REDRIVEN = (
    "redriveCount",  # how many times it was redriven
    "redriveMicros",  # when it was redriven last
)

# How the run was set up; every key is optional.
SETUP = (
    "definition",  # blob digest of the definition the execution ends with
    "mocks",
    "testCase",  # blob digest of the MockConfigFile, and its test case
    "handlers",  # absolute path of the --handlers file
    "faults",  # fault rules, in their object form
    "s3Root",  # absolute path of the --s3-root directory
    "parent",
    "forkAt",
    "forkSeed",
    "inputOverride",  # a branch: its parent and fork point
    "imported",  # recorded elsewhere (an AWS history), not by our interpreter
    "mapRunArn",
    "parentExecution",  # a child execution (Distributed Map or startExecution): its parent
    "rootExecution",  # a child of a child: the execution whose run writes it
    "stateMachines",  # the child state machines a run knows: {ARN: blob digest of definition}
    "stopReason",  # why a run stopped before its end (a signal, a Task nothing answered)
    "unanswered",  # "fail": a Task nothing answers fails the execution (serve), not stops it
    "activities",  # ARNs of the registered activities it names, as of its start
    "waiting",  # the task token an execution waits for: token, state, event, sinceMicros...
)
_SETUP = frozenset(SETUP)
_NOT_KEPT = frozenset({"stopReason", "waiting"})  # what a run that goes on leaves behind


def execution_record(
    *,
    arn: str,
    name: str,
    state_machine_arn: str,
    state_machine_name: str,
    status: str,
    start: int,
    stop: int | None,
    events: int,
    seed: int,
    redrive_count: int = 0,
    redrive_micros: int | None = None,
    **setup: Any,
) -> dict:
    """A record; `setup` takes the SETUP keys only."""
    unknown = setup.keys() - _SETUP
    if unknown:
        raise TypeError(f"not fields of an execution record: {', '.join(sorted(unknown))}")
    record = {
        "executionArn": arn,
        "name": name,
        "stateMachineArn": state_machine_arn,
        "stateMachineName": state_machine_name,
        "status": status,
        "startMicros": start,
        "stopMicros": stop,
        "events": events,
        "seed": seed,
        **{key: value for key, value in setup.items() if value is not None},
    }
    if redrive_count:
        record.update(redriveCount=redrive_count, redriveMicros=redrive_micros)
    return record


def setup_of(record: dict) -> dict:
    """How the run was set up (what a resumed run keeps), without why it stopped or what it
    waited for."""
    return {key: value for key, value in record.items() if key in _SETUP and key not in _NOT_KEPT}


_TYPES = {
    "executionArn": str,
    "name": str,
    "stateMachineArn": str,
    "stateMachineName": str,
    "status": str,
    "startMicros": int,
}


def check_record(record: Any) -> list[str]:
    """What is wrong with a stored record: missing fields or fields of the wrong type."""
    if not isinstance(record, dict):
        return [f"not a record but {type(record).__name__}"]
    return [
        f"field {key!r} is missing or not {kind.__name__}"
        for key, kind in _TYPES.items()
        if not isinstance(record.get(key), kind)
    ]
