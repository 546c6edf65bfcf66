"""How the CLI shows what the replay API returns: tables, states, divergences, trees."""
from __future__ import annotations

import json

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
        why = f"  ({doc['stopReason']})" if doc["status"] == "INTERRUPTED" else ""
        rows.append(f"{doc['status']:<11} {doc['stateMachineName']:<24} {doc['name']:<38} "
                    f"{doc['events']:>6} events  {iso_aws(doc['startMicros'])}  {stop}{why}")
    return rows


def _short(value, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_state(shown: dict) -> str:
    lines = [f"event {shown['event']} ({shown['eventType']})  {shown['time']}  "
             f"status {shown['status']}"]
    for frame in shown["active"]:
        lines.append(f"  [{frame['frame']}] {frame['type']} state {frame['state']!r} "
                     f"(entered at event {frame['enteredEvent']}, retries {frame['retries']})")
        lines.append(f"      input:  {_short(frame['input'])}")
        if frame["parameters"] is not None:
            lines.append(f"      params: {_short(frame['parameters'])}")
        if frame["variables"]:
            lines.append(f"      variables: {_short(frame['variables'])}")
    lines.append(f"  last output: {_short(shown['lastOutput'])}")
    if shown["error"] or shown["cause"]:
        lines.append(f"  error: {shown['error']}  cause: {shown['cause']}")
    return "\n".join(lines)


def format_divergence(divergence) -> str:
    lines = [f"diverges at event {divergence.event_id}" +
             (f": {divergence.reason}" if divergence.reason else "")]
    lines.append(f"  recorded: {_short(divergence.recorded, 400)}")
    lines.append(f"  now:      {_short(divergence.produced, 400)}")
    return "\n".join(lines)


def format_tree(node: dict, depth: int = 0) -> list[str]:
    doc = node["execution"]
    fork = f"  (forked at event {doc['forkAt']})" if doc.get("forkAt") else ""
    lines = [f"{'  ' * depth}{'└─ ' if depth else ''}{doc['name']}  {doc['status']}{fork}"]
    for child in node["children"]:
        lines.extend(format_tree(child, depth + 1))
    return lines


def format_diff(result: dict) -> str:
    a, b, first = result["a"], result["b"], result["firstDifference"]
    lines = [f"a: {a['name']}  {a['status']}  {a.get('error') or ''}",
             f"b: {b['name']}  {b['status']}  {b.get('error') or ''}"]
    if first is None:
        lines.append("identical histories")
    else:
        lines.append(f"first difference at event {first['event']}:")
        lines.append(f"  a: {_short(first['a'], 300)}")
        lines.append(f"  b: {_short(first['b'], 300)}")
    if a.get("output") != b.get("output"):
        lines.append(f"outputs differ:\n  a: {a.get('output')}\n  b: {b.get('output')}")
    return "\n".join(lines)
