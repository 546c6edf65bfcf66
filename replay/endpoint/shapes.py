"""What goes over the wire: timestamps as the JSON protocol sends them (seconds since the epoch,
a number, which botocore parses into a datetime), ARNs, events, pagination tokens."""

from __future__ import annotations

import base64
import json
from typing import Any

from replay.endpoint.errors import ApiError

DEFAULT_PAGE = 100  # maxResults 0 or absent
MAX_PAGE = 1000
MAX_TOKEN = 3096  # the longest nextToken AWS takes


def epoch(micros: int) -> float:
    """Seconds since the epoch, microseconds kept."""
    return micros / 1_000_000


EXECUTION_KINDS = ("execution", "express")  # a Standard or an Express execution's ARN


def parse_arn(arn: Any, kind: str | tuple[str, ...]) -> tuple[str, str, list[str]]:
    """(region, account, resource parts after the kind) of a Step Functions ARN of `kind`
    (`stateMachine`, `execution`, `express`, or one of several), or InvalidArn."""
    kinds = (kind,) if isinstance(kind, str) else kind
    if isinstance(arn, str) and not arn.startswith("arn:"):
        raise ApiError("InvalidArn", f"Invalid Arn: 'Invalid ARN prefix: {arn}'")
    parts = arn.split(":") if isinstance(arn, str) else []
    if (
        len(parts) < 7
        or parts[:3] != ["arn", parts[1], "states"]
        or not parts[1].startswith("aws")
        or parts[5] not in kinds
        or not all(parts[6:])
    ):
        raise ApiError("InvalidArn", f"Invalid Arn: '{arn}' is not the ARN of a {kinds[0]}")
    return parts[3], parts[4], parts[6:]


def wire_event(event: dict, include_data: bool = True) -> dict:
    """An event as GetExecutionHistory returns it (without input and output when
    `include_data` is false, as `includeExecutionData: false` asks)."""
    out: dict = {
        "timestamp": epoch(event["timestamp"]),
        "type": event["type"],
        "id": event["id"],
        "previousEventId": event["previousEventId"],
    }
    for key, value in event.items():
        if key.endswith("EventDetails"):
            if not include_data:
                value = {k: v for k, v in value.items() if k not in ("input", "output")}
            out[key] = value
    return out


def without_none(record: dict) -> dict:
    """AWS leaves out the members it has no value for."""
    return {key: value for key, value in record.items() if value is not None}


def page_size(body: dict) -> int:
    size = body.get("maxResults") or DEFAULT_PAGE
    if not isinstance(size, int) or not 0 < size <= MAX_PAGE:
        raise ApiError(
            "ValidationException",
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_PAGE}",
        )
    return size


def make_token(scope: str, position: int) -> str:
    """An opaque nextToken: where the next page starts, in which listing."""
    text = json.dumps({"s": scope, "p": position})
    return base64.urlsafe_b64encode(text.encode()).decode()


def read_token(token: Any, scope: str) -> int:
    """The position a nextToken of this listing holds, or InvalidToken."""
    if token is None:
        return 0
    if isinstance(token, str) and len(token) > MAX_TOKEN:  # AWS's constraint on the member
        raise ApiError(
            "ValidationException",
            f"1 validation error detected: Value '{token}' at 'nextToken' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_TOKEN}",
        )
    try:
        value = json.loads(base64.urlsafe_b64decode(token.encode()))
        if value["s"] == scope and isinstance(value["p"], int) and value["p"] >= 0:
            return value["p"]
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    raise ApiError("InvalidToken", f"Invalid Token: '{token}'")


def page(items: list, body: dict, scope: str) -> tuple[list, str | None]:
    """One page of `items` and the token of the next (None on the last)."""
    start, size = read_token(body.get("nextToken"), scope), page_size(body)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, make_token(scope, start + size) if more else None
