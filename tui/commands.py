"""How the CLI shows what the replay API returns: tables, states, divergences, trees."""
from __future__ import annotations

import json
from typing import Iterable

from replay.clock import iso_aws
from replay.events import details

_HEADERS = ("ID", "PREV", "TIMESTAMP", "TYPE", "FRAME", "STATE", "DETAIL")


def _detail(d: dict) -> str:
    """The error (if any), then the first payload an event carries, cut to 60 characters."""
    payload = d.get("output") or d.get("input") or d.get("parameters") or d.get("cause") or ""
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    if len(payload) > 60:
        payload = payload[:57] + "..."
    error = d.get("error")
    return f"{error}: {payload}" if error and payload else error or payload


def history_table(events: Iterable[dict]) -> list[str]:
    """The `history` table: a header line, then one row per stored event with its frame
    (`-` for the root, `ShipItems#2` for a Map iteration) and an ISO timestamp."""
    from replay.fold import with_frames

    rows = [_HEADERS]
    for event, label, state in with_frames(events):
        d = details(event)
        rows.append((str(event["id"]), str(event["previousEventId"]),
                     iso_aws(event["timestamp"]), event["type"], label or "-",
                     d.get("name") or state or "", _detail(d)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS) - 1)]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if i < 2 else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return lines


def list_executions(db) -> list[str]:
    from replay import api

    rows = []
    for doc in api.list_executions(db):
        stop = iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else "-"
        rows.append(f"{doc['status']:<10} {doc['stateMachineName']:<24} {doc['name']:<38} "
                    f"{doc['events']:>6} events  {iso_aws(doc['startMicros'])}  {stop}")
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
