"""Checks particular to Task, Wait and Fail states (Pass and Succeed need only the common ones)."""

from __future__ import annotations

import re

from replay.asl.validate_context import StateView, is_int
from replay.asl.validate_expr import check_path_field, check_template, is_jsonata
from replay.asl.validate_report import quote

# ISO 8601 date-time with an offset, as AWS's Java runtime reads it (seconds optional).
TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2}(:\d{2})?)\Z"
)


def is_arn(value: object) -> bool:
    """An ARN: `arn:partition:service:region:account:resource...`."""
    return isinstance(value, str) and value.startswith("arn:") and value.count(":") >= 5


def check_task(view: StateView) -> None:
    raw = view.raw
    if "Resource" not in raw:
        view.add(None, 'missing required field "Resource"')
    elif not is_arn(raw["Resource"]):
        view.add("Resource", f"Resource must be an ARN string, not {quote(raw['Resource'])}")
    view.exclusive("TimeoutSeconds", "TimeoutSecondsPath")
    view.exclusive("HeartbeatSeconds", "HeartbeatSecondsPath")
    view.check_int("TimeoutSeconds", 1)
    view.check_int("HeartbeatSeconds", 1)
    timeout, heartbeat = raw.get("TimeoutSeconds"), raw.get("HeartbeatSeconds")
    if is_int(timeout) and is_int(heartbeat) and heartbeat >= timeout:
        view.add("HeartbeatSeconds", "HeartbeatSeconds must be smaller than TimeoutSeconds")
    if not view.jsonata:
        for key in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
            if key in raw:
                check_path_field(raw[key], view.at(key), view.report)
    if "Credentials" in raw:
        credentials = raw["Credentials"]
        if not isinstance(credentials, dict):
            view.add("Credentials", f"Credentials must be an object, not {quote(credentials)}")
        elif not view.jsonata:
            check_template(credentials, view.at("Credentials"), view.report)


def check_wait(view: StateView) -> None:
    raw = view.raw
    keys = (
        ("Seconds", "Timestamp")
        if view.jsonata
        else ("Seconds", "SecondsPath", "Timestamp", "TimestampPath")
    )
    found = view.present(*keys)
    if not found:
        names = ", ".join(f'"{key}"' for key in keys)
        view.add(None, f"exactly one of {names} is required")
    elif len(found) > 1:
        view.add(found[1], f'only one of "{found[0]}" and "{found[1]}" may be set')
    view.check_int("Seconds", 0)
    if "Timestamp" in raw:
        value = raw["Timestamp"]
        expression = view.jsonata and is_jsonata(value)
        if not expression and not (isinstance(value, str) and TIMESTAMP.match(value)):
            view.add("Timestamp", f"Timestamp must be an RFC 3339 timestamp, not {quote(value)}")
    if not view.jsonata:
        for key in ("SecondsPath", "TimestampPath"):
            if key in raw:
                check_path_field(raw[key], view.at(key), view.report)


def check_fail(view: StateView) -> None:
    raw = view.raw
    view.exclusive("Error", "ErrorPath")
    view.exclusive("Cause", "CausePath")
    view.check_string("Error")
    view.check_string("Cause")
    if not view.jsonata:
        for key in ("ErrorPath", "CausePath"):
            if key in raw:
                check_path_field(raw[key], view.at(key), view.report, intrinsic=True)


def check_pass(view: StateView) -> None:
    """Pass states have only common fields and `Result`, which may be any JSON value."""


def check_succeed(view: StateView) -> None:
    """Succeed states have only common fields."""
