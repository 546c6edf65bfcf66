"""What the CLI shows, built on the replay API (kept apart so cli.py stays declarative)."""
from __future__ import annotations

import json

from replay.api import (  # noqa: F401  (re-exported for cli.py)
    EXPECTED_ERRORS,
    history,
    parse_start_time,
    run,
    validate,
)
from replay import api
from replay.clock import iso_aws
from replay.events import details


def table_row(event: dict) -> str:
    d = details(event)
    summary = d.get("name") or d.get("error") or ""
    payload = d.get("output") or d.get("input") or d.get("parameters") or d.get("cause") or ""
    if len(payload) > 60:
        payload = payload[:57] + "..."
    return (f"{event['id']:>6} {event['previousEventId']:>6}  {event['timestamp']}  "
            f"{event['type']:<28} {summary:<24} {payload}")


def list_executions(db) -> list[str]:
    rows = []
    for doc in api.list_executions(db):
        stop = iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else "-"
        rows.append(f"{doc['status']:<10} {doc['stateMachineName']:<24} {doc['name']:<38} "
                    f"{doc['events']:>6} events  {iso_aws(doc['startMicros'])}  {stop}")
    return rows


__all__ = ["json"]
