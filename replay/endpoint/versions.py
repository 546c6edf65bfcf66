"""Versions and aliases of state machines: docs tables of the db (`stateMachineVersions`,
`stateMachineAliases`, by ARN), PublishStateMachineVersion, ListStateMachineVersions,
DeleteStateMachineVersion, the alias operations, and what a start through a version or an alias
runs (`target`: an alias routes by its weights, drawn from the execution's seed).

A version is `STATEMACHINE_ARN:N` (N from 1, never reused), an alias `STATEMACHINE_ARN:NAME`."""

from __future__ import annotations

import re
from typing import Any

from replay.endpoint import machines
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, validation
from replay.endpoint.shapes import epoch, page, parse_arn, without_none
from replay.rand import SeededRandom
from store import EventLog

VERSIONS = "stateMachineVersions"
ALIASES = "stateMachineAliases"
_ALIAS_NAME = re.compile(r"^(?=.*[a-zA-Z_\-.])[a-zA-Z0-9_\-.]{1,80}$")
_VERSIONED = ("definition", "roleArn", "type", "revisionId", "loggingConfiguration",
              "tracingConfiguration")  # fmt: skip


def split(arn: Any) -> tuple[str, str | None]:
    """(the state machine's ARN, the qualifier: a version number, an alias name or None)."""
    parse_arn(arn, "stateMachine")
    parts = arn.split(":")
    if len(parts) > 8:
        raise ApiError("InvalidArn", f"Invalid Arn: '{arn}'")
    return ":".join(parts[:7]), (parts[7] if len(parts) == 8 else None)


def _base(arn: Any) -> str:
    base, qualifier = split(arn)
    if qualifier is not None:
        raise validation(f"Invalid Arn: '{arn}' is a version or an alias, not a state machine")
    return base


def _get(server: Server, table: str, arn: str) -> dict:
    with EventLog(server.db) as log:
        record = log.get_doc(table, arn)
    if record is None:
        kind = "State Machine Version" if table == VERSIONS else "State Machine Alias"
        raise ApiError("ResourceNotFound", f"Resource not found: {kind} '{arn}'")
    return record


def version(server: Server, arn: str) -> dict:
    return _get(server, VERSIONS, arn)


# -- versions ---------------------------------------------------------------------------------


def publish_record(log: EventLog, machine: dict, description: str | None, now: int) -> dict:
    """The version of the state machine's current revision: the one already published for it,
    else a new one numbered after the last (kept in the machine's record)."""
    latest = machine.get("latestVersionArn")
    if latest and machine.get("publishedRevision") == machine["revisionId"]:
        existing = log.get_doc(VERSIONS, latest)
        if existing is not None:
            return existing
    number = machine.get("versionCount", 0) + 1
    arn = f"{machine['stateMachineArn']}:{number}"
    record = {
        "stateMachineVersionArn": arn,
        "stateMachineArn": machine["stateMachineArn"],
        "name": machine["name"],
        "description": description,
        "creationDate": now,
        **{key: machine[key] for key in _VERSIONED if key in machine},
    }
    log.put_doc(VERSIONS, arn, record)
    machine = dict(
        machine,
        versionCount=number,
        latestVersionArn=arn,
        publishedRevision=machine["revisionId"],
    )
    log.put_doc(machines.TABLE, machine["stateMachineArn"], machine)
    return record


def publish(server: Server, caller: Caller, body: dict) -> dict:
    """PublishStateMachineVersion (idempotent for the same revision)."""
    machine = machines.get(server, _base(body.get("stateMachineArn")))
    revision = body.get("revisionId")
    if revision is not None and revision != machine["revisionId"]:
        raise ApiError(
            "ConflictException",
            f"Failed to publish the State Machine version for revision {revision}. The "
            f"current State Machine revision is {machine['revisionId']}.",
        )
    description = _description(body)
    with EventLog(server.db) as log:
        record = publish_record(log, machine, description, server.clock())
    return {
        "creationDate": epoch(record["creationDate"]),
        "stateMachineVersionArn": record["stateMachineVersionArn"],
    }


def _description(body: dict, key: str = "description") -> str | None:
    text = body.get(key)
    if text is not None and (not isinstance(text, str) or len(text) > 256):
        raise validation(f"{key} must be a string of at most 256 characters")
    return text


def _number(record: dict) -> int:
    return int(record["stateMachineVersionArn"].rsplit(":", 1)[1])


def list_versions(server: Server, caller: Caller, body: dict) -> dict:
    """ListStateMachineVersions: newest first."""
    base = _base(body.get("stateMachineArn"))
    machines.get(server, base)
    with EventLog(server.db) as log:
        records = [r for _, r in log.find_docs(VERSIONS, base + ":")]
    records.sort(key=_number, reverse=True)
    chunk, token = page(records, body, f"versions:{base}")
    items = [
        {
            "stateMachineVersionArn": r["stateMachineVersionArn"],
            "creationDate": epoch(r["creationDate"]),
        }
        for r in chunk
    ]
    return without_none({"stateMachineVersions": items, "nextToken": token})


def delete_version(server: Server, caller: Caller, body: dict) -> dict:
    """DeleteStateMachineVersion: refused while an alias routes to it."""
    arn = body.get("stateMachineVersionArn")
    base, qualifier = split(arn)
    if qualifier is None or not qualifier.isdigit():
        raise validation(f"Invalid Arn: '{arn}' is not the ARN of a state machine version")
    with EventLog(server.db) as log:
        users = [
            a["stateMachineAliasArn"]
            for _, a in log.find_docs(ALIASES, base + ":")
            if any(r["stateMachineVersionArn"] == arn for r in a["routingConfiguration"])
        ]
        if users:
            raise ApiError(
                "ConflictException",
                f"Version {arn} can be deleted only once no alias routes to it: "
                + ", ".join(users),
            )
        log.delete_doc(VERSIONS, arn)
    return {}


def forget(log: EventLog, base: str) -> None:
    """A deleted state machine's versions and aliases go with it."""
    for table in (VERSIONS, ALIASES):
        for key, _ in list(log.find_docs(table, base + ":")):
            log.delete_doc(table, key)


# -- aliases ----------------------------------------------------------------------------------


def _routing(server: Server, base: str, value: Any) -> list[dict]:
    """A routing configuration: one or two versions of the state machine, weights summing
    to 100."""
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise validation("routingConfiguration must list one or two versions")
    routes = []
    for route in value:
        arn = route.get("stateMachineVersionArn") if isinstance(route, dict) else None
        weight = route.get("weight") if isinstance(route, dict) else None
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise validation("each route's weight must be an integer from 0 to 100")
        owner, qualifier = split(arn)
        if owner != base or qualifier is None or not qualifier.isdigit():
            raise validation(f"'{arn}' is not a version of state machine '{base}'")
        version(server, arn)
        routes.append({"stateMachineVersionArn": arn, "weight": weight})
    if sum(r["weight"] for r in routes) != 100:
        raise validation("the weights of routingConfiguration must sum to 100")
    if len({r["stateMachineVersionArn"] for r in routes}) != len(routes):
        raise validation("routingConfiguration names a version twice")
    return routes


def create_alias(server: Server, caller: Caller, body: dict) -> dict:
    name = body.get("name")
    if not isinstance(name, str) or not _ALIAS_NAME.match(name):
        raise ApiError("InvalidName", f"Invalid Name: '{name}'")
    routes = body.get("routingConfiguration")
    if not isinstance(routes, list) or not routes:
        raise validation("routingConfiguration must list one or two versions")
    base, _ = split(
        routes[0].get("stateMachineVersionArn") if isinstance(routes[0], dict) else None
    )
    machines.get(server, base)
    record = {
        "stateMachineAliasArn": f"{base}:{name}",
        "name": name,
        "description": _description(body),
        "routingConfiguration": _routing(server, base, routes),
        "creationDate": server.clock(),
    }
    record["updateDate"] = record["creationDate"]
    with EventLog(server.db) as log:
        old = log.get_doc(ALIASES, record["stateMachineAliasArn"])
        if old is not None:
            same = ("description", "routingConfiguration")
            if any(old.get(k) != record.get(k) for k in same):
                raise ApiError(
                    "ConflictException", f"Alias already exists: '{record['stateMachineAliasArn']}'"
                )
            record = old  # the same request again is idempotent
        else:
            log.put_doc(ALIASES, record["stateMachineAliasArn"], record)
    return {
        "stateMachineAliasArn": record["stateMachineAliasArn"],
        "creationDate": epoch(record["creationDate"]),
    }


def _alias(server: Server, arn: Any) -> dict:
    _, qualifier = split(arn)
    if qualifier is None or qualifier.isdigit():
        raise validation(f"Invalid Arn: '{arn}' is not the ARN of a state machine alias")
    return _get(server, ALIASES, arn)


def describe_alias(server: Server, caller: Caller, body: dict) -> dict:
    record = _alias(server, body.get("stateMachineAliasArn"))
    return without_none(
        dict(
            record,
            creationDate=epoch(record["creationDate"]),
            updateDate=epoch(record["updateDate"]),
        )
    )


def list_aliases(server: Server, caller: Caller, body: dict) -> dict:
    base = _base(body.get("stateMachineArn"))
    machines.get(server, base)
    with EventLog(server.db) as log:
        records = sorted(
            (r for _, r in log.find_docs(ALIASES, base + ":")), key=lambda r: r["name"]
        )
    chunk, token = page(records, body, f"aliases:{base}")
    items = [
        {
            "stateMachineAliasArn": r["stateMachineAliasArn"],
            "creationDate": epoch(r["creationDate"]),
        }
        for r in chunk
    ]
    return without_none({"stateMachineAliases": items, "nextToken": token})


def update_alias(server: Server, caller: Caller, body: dict) -> dict:
    record = _alias(server, body.get("stateMachineAliasArn"))
    if body.get("description") is None and body.get("routingConfiguration") is None:
        raise validation("give the description or the routingConfiguration to update")
    base, _ = split(record["stateMachineAliasArn"])
    record = dict(record, updateDate=server.clock())
    if body.get("description") is not None:
        record["description"] = _description(body)
    if body.get("routingConfiguration") is not None:
        record["routingConfiguration"] = _routing(server, base, body["routingConfiguration"])
    with EventLog(server.db) as log:
        log.put_doc(ALIASES, record["stateMachineAliasArn"], record)
    return {"updateDate": epoch(record["updateDate"])}


def delete_alias(server: Server, caller: Caller, body: dict) -> dict:
    arn = body.get("stateMachineAliasArn")
    _, qualifier = split(arn)
    if qualifier is None or qualifier.isdigit():
        raise validation(f"Invalid Arn: '{arn}' is not the ARN of a state machine alias")
    with EventLog(server.db) as log:
        log.delete_doc(ALIASES, arn)  # deleting one that is gone is no error
    return {}


# -- starts -----------------------------------------------------------------------------------

_ROUTE_SALT = 0xA11A5


def route(routes: list[dict], seed: int) -> str:
    """The version an alias sends an execution to: drawn by weight from the execution's seed
    (so a recorded execution tells which way it went)."""
    draw = SeededRandom(seed ^ _ROUTE_SALT).randint(1, 100)
    for entry in routes:
        if draw <= entry["weight"]:
            return entry["stateMachineVersionArn"]
        draw -= entry["weight"]
    return routes[-1]["stateMachineVersionArn"]


def target(server: Server, arn: Any, seed: int) -> tuple[dict, str | None, str | None]:
    """What a start of `arn` runs: (the state machine's record as of the version it runs, the
    version's ARN, the alias's ARN); a plain state machine ARN runs its latest revision."""
    base, qualifier = split(arn)
    machine = machines.get(server, base)
    if qualifier is None:
        return machine, None, None
    alias = None
    if not qualifier.isdigit():
        alias = arn
        arn = route(_get(server, ALIASES, arn)["routingConfiguration"], seed)
    record = version(server, arn)
    return dict(machine, **{k: record[k] for k in _VERSIONED if k in record}), arn, alias


def describe_version(server: Server, arn: str) -> dict:
    """DescribeStateMachine of a version ARN: the version's definition and configuration."""
    record = version(server, arn)
    return without_none(
        {
            "stateMachineArn": arn,
            "name": record["name"],
            "status": "ACTIVE",
            "definition": record["definition"],
            "roleArn": record["roleArn"],
            "type": record["type"],
            "creationDate": epoch(record["creationDate"]),
            "loggingConfiguration": machines.logging_configuration(record),
            "tracingConfiguration": record.get("tracingConfiguration", {"enabled": False}),
            "revisionId": record.get("revisionId"),
            "description": record.get("description"),
        }
    )
