"""How the CLI shows what the replay API returns: tables, states, divergences, trees."""

from __future__ import annotations

import json
from typing import Iterable

from replay.clock import iso_aws
from replay.events import EXTRA, details

_HEADERS = ("ID", "PREV", "TIMESTAMP", "TYPE", "FRAME", "STATE", "DETAIL")


def _detail(d: dict) -> str:
    """The error (if any), then the first payload an event carries, cut to 60 characters."""
    payload = d.get("output") or d.get("input") or d.get("parameters") or d.get("cause") or ""
    if not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    if len(payload) > 60:
        payload = payload[:57] + "..."
    error = d.get("error")
    if "redriveCount" in d:  # ExecutionRedriven, MapRunRedriven
        payload = f"redriveCount {d['redriveCount']}"
    return f"{error}: {payload}" if error and payload else error or payload


def history_table(events: Iterable[dict]) -> list[str]:
    """The `history` table: a header line, then one row per stored event with its frame
    (`-` for the root, `ShipItems#2` for a Map iteration) and an ISO timestamp."""
    from replay.fold import with_frames

    rows = [_HEADERS]
    for event, label, state in with_frames(events):
        d = details(event)
        rows.append(
            (
                str(event["id"]),
                str(event["previousEventId"]),
                iso_aws(event["timestamp"]),
                event["type"],
                label or "-",
                d.get("name") or state or "",
                _detail(d) + _injected(event),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADERS) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if i < 2 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return lines


def _injected(shown: dict) -> str:
    """`  [injected: RULE, ...]` for an event (or a shown state or failure) that an injected
    fault made, else nothing."""
    rules = (shown.get(EXTRA) or {}).get("injected") or shown.get("injected")
    if not rules:
        return ""
    from replay.faults import describe

    return f"  [injected: {', '.join(describe(rule) for rule in rules)}]"


LIST_HEADER = (
    f"{'STATUS':<11} {'STATE MACHINE':<24} {'NAME':<38} {'EVENTS':>13}  "
    f"{'START (virtual)':<32}  STOP"
)


def list_executions(db) -> list[str]:
    from replay import api

    rows = []
    for doc in api.list_executions(db):
        stop = iso_aws(doc["stopMicros"]) if doc.get("stopMicros") is not None else "-"
        why = f"  ({doc['stopReason']})" if doc["status"] == "INTERRUPTED" else ""
        if doc.get("waiting"):
            tokens = ", ".join(_waits(w) for w in doc["waiting"])
            why = f"  (waiting for task tokens: {tokens})"
        if doc.get("parentExecution") and not doc.get("mapRunArn"):
            why += f"  (started by {doc['parentExecution'].rsplit(':', 1)[1]})"
        rows.append(
            f"{doc['status']:<11} {doc['stateMachineName']:<24} {doc['name']:<38} "
            f"{doc['events']:>6} events  {iso_aws(doc['startMicros'])}  {stop}{why}"
            + _redriven(doc)
            + _faults(doc)
        )
    return rows


def _redriven(doc: dict) -> str:
    """`  [redriven N]`: a redriven execution (see `redrive`), else nothing."""
    return f"  [redriven {doc['redriveCount']}]" if doc.get("redriveCount") else ""


def _waits(waiting: dict) -> str:
    if waiting.get("activity") and "startedMicros" not in waiting:
        return f"{waiting['state']}: a worker of {waiting['resource']}"
    return f"{waiting['state']}: {waiting['token']}"


def waiting_line(waiting: dict) -> str:
    """What an execution waits for at a Task, and the command that answers it."""
    token = waiting["token"]
    if waiting.get("activity") and "startedMicros" not in waiting:
        return (
            f"waiting at state {waiting['state']} for a worker of activity "
            f"{waiting['resource']}; take the task with: sfn-replay get-activity-task "
            f"{waiting['resource']} --worker-name NAME"
        )
    if waiting.get("activity"):
        return (
            f"waiting at state {waiting['state']} for the answer of worker "
            f"{waiting.get('workerName') or '(unnamed)'} to task token {token}; answer "
            f"with: sfn-replay send-task-success {token} --output JSON"
        )
    return (
        f"waiting at state {waiting['state']} for task token {token}; answer "
        f"with: sfn-replay send-task-success {token} --output JSON"
    )


def _faults(doc: dict) -> str:
    """`  [faults: RULE, ...]`: the fault rules an execution runs with (a branch: after its
    fork point; a resumed one: after the resume point), else nothing."""
    if not doc.get("faults"):
        return ""
    from replay.faults import describe

    return f"  [faults: {', '.join(describe(rule) for rule in doc['faults'])}]"


def _short(value, limit: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_state(shown: dict) -> str:
    lines = format_failure(shown["failure"]) if shown.get("failure") else []
    lines.append(
        f"event {shown['event']} ({shown['eventType']})  {shown['time']}  "
        f"status {shown['status']}" + _injected(shown)
    )
    for frame in shown["active"]:
        lines.append(
            f"  [{frame['frame']}] {frame['type']} state {frame['state']!r} "
            f"(entered at event {frame['enteredEvent']}, {frame['enteredTime']}, "
            f"retries {frame['retries']})"
        )
        lines.append(f"      input:  {_short(frame['input'])}")
        if frame["parameters"] is not None:
            lines.append(f"      params: {_short(frame['parameters'])}")
        if frame["variables"]:
            lines.append(f"      variables: {_short(frame['variables'])}")
    lines.append(f"  last output: {_short(shown['lastOutput'])}")
    if shown["error"] or shown["cause"]:
        lines.append(f"  error: {shown['error']}  cause: {shown['cause']}")
    return "\n".join(lines)


def format_failure(failure: dict) -> list[str]:
    """A failure event: its error and cause, the state it arose in, that state's input and
    its Context object, one `$$.` path a line."""
    outcome = f"  ({failure['outcome']})" if failure["outcome"] else ""
    lines = [
        (
            f"{failure['at']}: event {failure['event']} {failure['type']}  "
            f"{failure['time']}{outcome}" + _injected(failure)
        ),
        f"  error: {failure['error']}",
        f"  cause: {failure['cause']}",
    ]
    if failure["state"] is not None:
        lines.append(
            f"  state: {failure['state']!r} ({failure['stateType']}) in frame {failure['frame']}"
        )
        lines.append("  input:")
        lines.extend("    " + line for line in _pretty(failure["input"]))
        lines.append("  context:")
        lines.extend(
            f"    {path:<28} {_short(value)}" for path, value in _paths("$$", failure["context"])
        )
    index = int(failure["at"].split(":")[1])
    if index > 1:
        lines.append(
            f"  earlier failures: failure:1 .. failure:{index - 1} "
            "(state EXECUTION --failures lists them)"
        )
    lines.append("")
    return lines


def _pretty(value, limit: int = 60) -> list[str]:
    lines = json.dumps(value, indent=2, ensure_ascii=False).splitlines()
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines: --json shows all)"]
    return lines


def _paths(prefix: str, value) -> list[tuple[str, object]]:
    """A Context object as (`$$.Execution.Name`, value) pairs; its Input stays one value."""
    if not isinstance(value, dict) or prefix.endswith(".Input"):
        return [(prefix, value)]
    return [pair for key, item in value.items() for pair in _paths(f"{prefix}.{key}", item)]


def format_failures(rows: list[dict]) -> list[str]:
    """One line per failure: how to go there (`--at failure:K`), event, state, error."""
    if not rows:
        return ["no failures"]
    return [
        f"{row['at']:<11} event {row['event']:>6}  {row['time']}  {row['type']:<24} "
        f"{row['state'] or '-'}: {row['error']}: {row['cause']}  ({row['outcome'] or '-'})"
        + _injected(row)
        for row in rows
    ]


def format_divergence(divergence) -> str:
    """The first divergent event: as recorded, as produced now (ISO times), what differs."""
    shown = divergence.to_dict()
    lines = [
        f"diverges at event {shown['event']}" + (f": {shown['reason']}" if shown["reason"] else "")
    ]
    lines.append(f"  recorded: {_short(shown['recorded'], 400)}")
    lines.append(f"  now:      {_short(shown['produced'], 400)}")
    if shown["recorded"] is not None and shown["produced"] is not None:
        lines.append("  what differs (recorded -> now):")
        lines.extend(_changes(shown["changes"], "    "))
    return "\n".join(lines)


def format_tree(node: dict, depth: int = 0) -> list[str]:
    doc = node["execution"]
    fork = f"  (forked at event {doc['forkAt']})" if doc.get("forkAt") else ""
    if doc.get("parentExecution") and not doc.get("mapRunArn"):
        fork = f"  (child execution of state machine {doc['stateMachineName']})"
    if doc.get("faults"):  # the fault rules it ran with (a branch: after the fork)
        from replay.faults import describe

        fork += f"  faults: {', '.join(describe(rule) for rule in doc['faults'])}"
    lines = [f"{'  ' * depth}{'└─ ' if depth else ''}{doc['name']}  {doc['status']}{fork}"]
    for child in node["children"]:
        lines.extend(format_tree(child, depth + 1))
    return lines


def format_diff(result: dict) -> str:
    """The outcomes, the first differing event in full, then every later differing event
    with what differs in it."""
    a, b, differences = result["a"], result["b"], result["differences"]
    lines = [
        f"a: {a['name']}  {a['status']}  {a.get('error') or ''}".rstrip(),
        f"b: {b['name']}  {b['status']}  {b.get('error') or ''}".rstrip(),
    ]
    if not differences:
        lines.append("identical histories")
        return "\n".join(lines)
    first = differences[0]
    lines.append(f"{len(differences)} events differ; the first is event {first['event']}:")
    lines.append(f"  a: {_short(first['a'], 400)}")
    lines.append(f"  b: {_short(first['b'], 400)}")
    lines.extend(_changes(first["changes"], "  "))
    if len(differences) > 1:
        lines.append("then:")
    for difference in differences[1:]:
        changes = difference["changes"]
        if len(changes) == 1:
            lines.append(f"  event {difference['event']}: {_change(changes[0])}")
        else:
            lines.append(f"  event {difference['event']}:")
            lines.extend(_changes(changes, "    "))
    if a.get("output") != b.get("output"):
        lines.append(f"outputs differ:\n  a: {a.get('output')}\n  b: {b.get('output')}")
    return "\n".join(lines)


def _changes(changes: list[dict], indent: str, limit: int = 30) -> list[str]:
    lines = [indent + _change(change) for change in changes[:limit]]
    if len(changes) > limit:
        lines.append(f"{indent}... {len(changes) - limit} more fields (--json shows all)")
    return lines


def _change(change: dict) -> str:
    field = change["field"]
    if field == "event":
        only, kind = ("a", change["a"]) if change["a"] else ("b", change["b"])
        return f"only in {only}: {kind}"
    if field == "timestamp":
        delta = change["deltaSeconds"]
        since = (
            f"; {change['aSinceStart']:.6f} s -> {change['bSinceStart']:.6f} s from the start"
            if "aSinceStart" in change
            else ""
        )
        return f"timestamp: {change['a']} -> {change['b']} ({delta:+.6f} s{since})"
    shown = [_short(change[side], 120) if side in change else "(absent)" for side in "ab"]
    return f"{field}: {shown[0]} -> {shown[1]}"
