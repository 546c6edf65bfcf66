"""State machines: a docs table of the db (`stateMachines`, by ARN), so a restarted server has
them all. Create, Describe, List, Update, Delete, ValidateStateMachineDefinition, and tags."""

from __future__ import annotations

import json
import uuid
from typing import Any

from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, validation
from replay.endpoint.shapes import epoch, page, parse_arn, without_none
from replay.express import TYPES
from store import EventLog

TABLE = "stateMachines"
_CONFIG = ("loggingConfiguration", "tracingConfiguration", "encryptionConfiguration")


def get(server: Server, arn: Any) -> dict:
    """The record of a state machine, or StateMachineDoesNotExist."""
    parse_arn(arn, "stateMachine")
    with EventLog(server.db) as log:
        record = log.get_doc(TABLE, arn)
    if record is None:
        raise ApiError("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
    return record


def check_definition(text: Any, kind: str = "STANDARD") -> None:
    """InvalidDefinition with AWS's wording when the definition is not valid ASL (or uses what
    an Express workflow refuses, `replay.express.refused`)."""
    from replay.asl.validate import validate_text
    from replay.endpoint.diagnostics import aws_diagnostics
    from replay.express import EXPRESS, refused

    if not isinstance(text, str):
        raise validation("definition must be a string of JSON text")
    found = validate_text(text)
    if not found and kind == EXPRESS:
        found = refused(json.loads(text))
    problems = [_problem(d) for d in aws_diagnostics(text, found)]
    if problems:  # AWS's form: 'CODE: message at /where, CODE: ...'
        raise ApiError(
            "InvalidDefinition",
            "Invalid State Machine Definition: '" + ", ".join(problems) + "'",
        )


def logging_configuration(record: dict) -> dict:
    """The loggingConfiguration DescribeStateMachine shows: the one given, AWS's defaults
    (level OFF, no execution data) for what it leaves out."""
    return {"includeExecutionData": False, "level": "OFF", **record.get("loggingConfiguration", {})}


def _problem(diagnostic: dict) -> str:
    text = f"{diagnostic['code']}: {diagnostic['message']}"
    return f"{text} at {diagnostic['location']}" if "location" in diagnostic else text


def _check_role(role: Any) -> None:
    parts = role.split(":") if isinstance(role, str) else []
    if len(parts) < 6 or parts[0] != "arn":
        raise ApiError("InvalidArn", f"Invalid Arn: 'Resource type not valid: {role}'")


def _tags(value: Any) -> dict[str, str]:
    if not isinstance(value, list) or not all(
        isinstance(t, dict) and isinstance(t.get("key"), str) for t in value
    ):
        raise validation("tags must be a list of {key, value}")
    return {t["key"]: str(t.get("value", "")) for t in value}


def create(server: Server, caller: Caller, body: dict) -> dict:
    from replay.runner import RunError, check_name

    name, kind = body.get("name"), body.get("type") or "STANDARD"
    try:
        check_name("state machine", name if isinstance(name, str) else "")
    except RunError:
        raise ApiError("InvalidName", f"Invalid Name: '{name}'") from None
    if kind not in TYPES:
        raise validation(f"Value '{kind}' at 'type' failed to satisfy constraint: {TYPES}")
    check_definition(body.get("definition"), kind)
    _check_role(body.get("roleArn"))
    arn, now = caller.arn("stateMachine", name), server.clock()
    record = {
        "stateMachineArn": arn,
        "name": name,
        "definition": body["definition"],
        "roleArn": body["roleArn"],
        "type": kind,
        "creationDate": now,
        "updateDate": now,
        "revisionId": str(uuid.uuid4()),
        "tags": _tags(body.get("tags", [])),
        **{key: body[key] for key in _CONFIG if key in body},
    }
    with EventLog(server.db) as log:
        old = log.get_doc(TABLE, arn)
        if old is not None:
            if (old["definition"], old["roleArn"], old["type"]) != (
                record["definition"],
                record["roleArn"],
                kind,
            ):
                raise ApiError(
                    "StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'"
                )
            record = old  # AWS: the same request again is idempotent
        else:
            log.put_doc(TABLE, arn, record)
        published = _publish(log, record, body, now)
    return without_none(
        {
            "stateMachineArn": arn,
            "creationDate": epoch(record["creationDate"]),
            "stateMachineVersionArn": published,
        }
    )


def _publish(log: EventLog, record: dict, body: dict, now: int) -> str | None:
    """`publish: true` of CreateStateMachine and UpdateStateMachine: the version's ARN."""
    from replay.endpoint import versions

    if not body.get("publish"):
        return None
    description = body.get("versionDescription")
    if description is not None and (not isinstance(description, str) or len(description) > 256):
        raise validation("versionDescription must be a string of at most 256 characters")
    return versions.publish_record(log, record, description, now)["stateMachineVersionArn"]


def describe(server: Server, caller: Caller, body: dict) -> dict:
    from replay.endpoint import versions

    arn = body.get("stateMachineArn")
    if versions.split(arn)[1] is not None:  # a version's ARN (`...:NAME:N`)
        return versions.describe_version(server, arn)
    record = get(server, arn)
    return without_none(
        {
            "stateMachineArn": record["stateMachineArn"],
            "name": record["name"],
            "status": "ACTIVE",
            "definition": record["definition"],
            "roleArn": record["roleArn"],
            "type": record["type"],
            "creationDate": epoch(record["creationDate"]),
            "loggingConfiguration": logging_configuration(record),
            "tracingConfiguration": record.get("tracingConfiguration", {"enabled": False}),
            "revisionId": record.get("revisionId"),
        }
    )


def list_(server: Server, caller: Caller, body: dict) -> dict:
    prefix = caller.arn("stateMachine", "")
    with EventLog(server.db) as log:
        records = sorted((r for _, r in log.find_docs(TABLE, prefix)), key=lambda r: r["name"])
    chunk, token = page(records, body, "stateMachines")
    items = [
        {
            "stateMachineArn": r["stateMachineArn"],
            "name": r["name"],
            "type": r["type"],
            "creationDate": epoch(r["creationDate"]),
        }
        for r in chunk
    ]
    return without_none({"stateMachines": items, "nextToken": token})


def update(server: Server, caller: Caller, body: dict) -> dict:
    record = get(server, body.get("stateMachineArn"))
    changes = {key: body[key] for key in ("definition", "roleArn", *_CONFIG) if key in body}
    if not changes:
        raise ApiError(
            "MissingRequiredParameter",
            "Either the definition, the roleArn, the loggingConfiguration or the "
            "tracingConfiguration must be specified",
        )
    if "definition" in changes:
        check_definition(changes["definition"], record["type"])
    if "roleArn" in changes:
        _check_role(changes["roleArn"])
    now = server.clock()
    record = dict(record, **changes, updateDate=now, revisionId=str(uuid.uuid4()))
    with EventLog(server.db) as log:
        log.put_doc(TABLE, record["stateMachineArn"], record)
        published = _publish(log, record, body, now)
    return without_none(
        {
            "updateDate": epoch(now),
            "revisionId": record["revisionId"],
            "stateMachineVersionArn": published,
        }
    )


def delete(server: Server, caller: Caller, body: dict) -> dict:
    arn = body.get("stateMachineArn")
    parse_arn(arn, "stateMachine")
    from replay.endpoint import versions

    with EventLog(server.db) as log:
        log.delete_doc(TABLE, arn)  # AWS: deleting one that is gone is no error
        versions.forget(log, arn)  # and its versions and aliases
    return {}


def validate(server: Server, caller: Caller, body: dict) -> dict:
    """ValidateStateMachineDefinition: AWS's result shape, one ERROR diagnostic a problem."""
    from replay.asl.validate import validate_text
    from replay.endpoint.diagnostics import aws_diagnostics
    from replay.express import EXPRESS, refused

    text = body.get("definition")
    if not isinstance(text, str):
        raise validation("definition must be a string of JSON text")
    found = validate_text(text)
    if not found and body.get("type") == EXPRESS:  # what an Express workflow cannot run
        found = refused(json.loads(text))
    diagnostics = aws_diagnostics(text, found)
    limit = body.get("maxResults") or 100
    return {
        "result": "FAIL" if diagnostics else "OK",
        "diagnostics": diagnostics[:limit],
        "truncated": len(diagnostics) > limit,
    }


# -- tags -------------------------------------------------------------------------------------


def _tagged(server: Server, body: dict) -> dict:
    arn = body.get("resourceArn")
    parse_arn(arn, "stateMachine")
    with EventLog(server.db) as log:
        record = log.get_doc(TABLE, arn)
    if record is None:
        raise ApiError("ResourceNotFound", f"Resource not found: '{arn}'")
    return record


def _retag(server: Server, record: dict, tags: dict) -> dict:
    with EventLog(server.db) as log:
        log.put_doc(TABLE, record["stateMachineArn"], dict(record, tags=tags))
    return {}


def tag(server: Server, caller: Caller, body: dict) -> dict:
    record = _tagged(server, body)
    tags = {**record.get("tags", {}), **_tags(body.get("tags"))}
    if len(tags) > 50:
        raise ApiError("TooManyTags", "Too many tags: at most 50 a resource")
    return _retag(server, record, tags)


def untag(server: Server, caller: Caller, body: dict) -> dict:
    record = _tagged(server, body)
    keys = body.get("tagKeys")
    if not isinstance(keys, list):
        raise validation("tagKeys must be a list of strings")
    return _retag(
        server, record, {k: v for k, v in record.get("tags", {}).items() if k not in keys}
    )


def list_tags(server: Server, caller: Caller, body: dict) -> dict:
    record = _tagged(server, body)
    return {"tags": [{"key": k, "value": v} for k, v in record.get("tags", {}).items()]}
