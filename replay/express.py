"""Express workflows: what sets them apart from Standard ones, in one place (pure).

Their execution ARNs (`arn:aws:states:REGION:ACCOUNT:express:STATEMACHINE:NAME:UUID`), the
integration patterns and resources they refuse, their five-minute limit, and the
StartSyncExecution response with its billing details.
"""

from __future__ import annotations

import math
from typing import Any

from replay.asl.validate import Diagnostic
from replay.rand import SeededRandom

STANDARD, EXPRESS = "STANDARD", "EXPRESS"
TYPES = (STANDARD, EXPRESS)
MAX_DURATION_SECONDS = 300  # an Express execution runs for five minutes at most
_REFUSED_PATTERNS = (".waitForTaskToken", ".sync", ".sync:2")
BILLED_MEMORY_MB = 64  # the smallest unit AWS bills an Express execution's memory in
BILLED_DURATION_STEP_MS = 100  # its duration is rounded up to the next 100 ms


def check_type(kind: str) -> str:
    """`kind` upper-cased when it is a state machine type, else ValueError."""
    upper = kind.upper() if isinstance(kind, str) else ""
    if upper not in TYPES:
        raise ValueError(f"the state machine type must be STANDARD or EXPRESS, not {kind!r}")
    return upper


def is_express(execution_arn: str) -> bool:
    """Whether an execution ARN is an Express execution's (`...:express:...`)."""
    parts = execution_arn.split(":")
    return len(parts) > 5 and parts[5] == "express"


def run_id(seed: int, start_micros: int, name: str) -> str:
    """The UUID that ends an Express execution ARN: drawn from the run's seed, start time and
    name (never from its own random stream), so the same run gives the same ARN."""
    salt = sum(ord(c) * 31**i for i, c in enumerate(name)) & ((1 << 64) - 1)
    return SeededRandom(seed ^ 0xE4B2E55 ^ (start_micros * 0x9E37) ^ salt).uuid()


def execution_arn(region: str, account: str, state_machine: str, name: str, uuid: str) -> str:
    return f"arn:aws:states:{region}:{account}:express:{state_machine}:{name}:{uuid}"


def renamed(arn: str, name: str, uuid: str) -> str:
    """The ARN of another execution of the same state machine, named `name` (an Express ARN
    gets `uuid` as its last part)."""
    if is_express(arn):
        return ":".join(arn.split(":")[:7] + [name, uuid])
    return arn.rsplit(":", 1)[0] + ":" + name


def refused(definition: Any) -> list[Diagnostic]:
    """What an Express state machine cannot run, one diagnostic each: the `.sync`, `.sync:2`
    and `.waitForTaskToken` integration patterns, and activities."""
    return [Diagnostic(pointer, message) for pointer, message in _refused(definition, "")]


def _refused(node: Any, pointer: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        resource = node.get("Resource")
        if isinstance(resource, str) and isinstance(node.get("Type"), str):
            found += _refused_resource(resource, f"{pointer}/Resource")
        for key, value in node.items():
            found += _refused(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _refused(value, f"{pointer}/{index}")
    return found


def _refused_resource(resource: str, pointer: str) -> list[tuple[str, str]]:
    for pattern in _REFUSED_PATTERNS:
        if resource.endswith(pattern):
            return [
                (
                    pointer,
                    # AWS's words, its trailing space included
                    f"Express state machine does not support '{pattern}' service integration ",
                )
            ]
    parts = resource.split(":")
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return [(pointer, "Express state machine does not support activities")]
    return []


def billing(start_micros: int, stop_micros: int | None) -> dict:
    """StartSyncExecution's billingDetails for an execution that ran on the virtual clock
    from `start_micros` to `stop_micros`: its duration rounded up to the next 100 ms (at least
    100 ms), and the smallest memory AWS bills (64 MB)."""
    elapsed_ms = max(0, (stop_micros or start_micros) - start_micros) / 1000
    steps = max(1, math.ceil(elapsed_ms / BILLED_DURATION_STEP_MS))
    return {
        "billedMemoryUsedInMB": BILLED_MEMORY_MB,
        "billedDurationInMilliseconds": steps * BILLED_DURATION_STEP_MS,
    }


SYNC_STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT")


def sync_response(description: dict, start_micros: int, stop_micros: int | None) -> dict:
    """The StartSyncExecution response from a DescribeExecution-shaped record (its dates as
    the caller shows them): AWS's members in AWS's order, those without a value left out."""
    out: dict[str, Any] = {
        "executionArn": description["executionArn"],
        "stateMachineArn": description["stateMachineArn"],
        "name": description["name"],
        "startDate": description["startDate"],
        "stopDate": description.get("stopDate"),
        "status": description["status"],
        "error": description.get("error"),
        "cause": description.get("cause"),
        "input": description.get("input"),
        "inputDetails": {"included": True},
        "output": description.get("output"),
        "outputDetails": {"included": True} if description.get("output") is not None else None,
        "billingDetails": billing(start_micros, stop_micros),
    }
    return {key: value for key, value in out.items() if value is not None}
