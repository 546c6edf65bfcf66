"""Executions: StartExecution queues the run on the server's worker and answers at once;
StartSyncExecution runs it before answering; Describe, List, GetExecutionHistory and the
DescribeStateMachineForExecution read the log; StopExecution and the SendTask* calls go
through `replay.api`. Every function here runs on the worker thread (see `service`)."""

from __future__ import annotations

import json
import secrets
import sys
import uuid
from typing import Any

from replay import api, express
from replay.endpoint import machines, versions
from replay.endpoint.context import Caller, Server
from replay.endpoint.errors import ApiError, enum_error, from_exception, validation
from replay.endpoint.shapes import (
    EXECUTION_KINDS,
    epoch,
    make_token,
    page,
    page_size,
    parse_arn,
    read_token,
    wire_event,
    without_none,
)
from replay.events import to_json_text
from replay.history import EXECUTIONS, length, read_events
from replay.runner import Names
from store import EventLog

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")
_STATUSES_LISTED = ("SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING")
MAX_INPUT = 262_144


def _input(body: dict) -> Any:
    text = body.get("input", "{}")
    if text is None:
        text = "{}"
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_INPUT:
        raise _bad_input("JSON text, <= 256 KiB")
    if not text.strip():
        raise _bad_input("Invalid execution input.")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _bad_input(str(exc)) from None


def _bad_input(reason: str) -> ApiError:
    """AWS's InvalidExecutionInput; `reason`: why (AWS quotes its JSON parser's message)."""
    return ApiError("InvalidExecutionInput", f"Invalid State Machine Execution Input: '{reason}'")


def _name(body: dict) -> str:
    from replay.runner import RunError, check_name

    name = body.get("name") or str(uuid.uuid4())
    try:
        check_name("execution", name if isinstance(name, str) else "")
    except RunError:
        raise ApiError("InvalidName", f"Invalid Name: '{name}'") from None
    return name


def _launch(server: Server, body: dict) -> dict:
    """What a start needs: the state machine (its ARN may end with Step Functions Local's
    `#TestCase`), the execution's name, ARN, input and start time."""
    arn, _, test_case = str(body.get("stateMachineArn", "")).partition("#")
    seed, start = secrets.randbits(63), server.clock()
    machine, version, alias = versions.target(server, arn, seed)  # the one it runs
    name, value = _name(body), _input(body)
    region, account, _ = parse_arn(arn, "stateMachine")
    if test_case:
        _check_test_case(server, machine["name"], test_case)
    names = Names(machine["name"], name, account, region, machine["type"])
    uuid = express.run_id(seed, start, name) if machine["type"] == express.EXPRESS else ""
    return {
        "machine": machine,
        "arn": names.execution_arn(name, uuid),  # as api.run names it, from the same seed
        "name": name,
        "input": value,
        "start": start,
        "seed": seed,
        "testCase": test_case or None,
        "account": account,
        "region": region,
        "version": version,
        "alias": alias,
    }


def _check_test_case(server: Server, machine: str, test_case: str) -> None:
    from replay.world import MockConfigError
    from replay.worlds import build_world

    if server.mocks is None:
        raise validation(f"test case {test_case!r}: the server was started without --mock-config")
    try:
        build_world(server.mocks, test_case, machine, None, None)
    except (MockConfigError, api.RunError) as exc:
        raise validation(str(exc)) from None


def _run(server: Server, launch: dict) -> dict:
    """Run the execution to its end or to where it waits (api.run)."""
    machine = launch["machine"]
    return api.run(
        server.db,
        machine["definition"],
        launch["input"],
        state_machine_name=machine["name"],
        name=launch["name"],
        account=launch["account"],
        region=launch["region"],
        start_micros=launch["start"],
        seed=launch["seed"],
        type=machine["type"],
        version_arn=launch["version"],
        alias_arn=launch["alias"],
        mocks=server.mocks if launch["testCase"] else None,
        test_case=launch["testCase"],
        handlers_file=server.handlers_file,
        unanswered="fail",
        role_arn=machine["roleArn"],
    )


def run_pending(server: Server, arn: str) -> None:
    """The worker's job for a started execution (nothing when it already ran, e.g. because a
    StopExecution came first). A run that breaks is aborted with the reason as its cause."""
    launch = server.pending.pop(arn, None)
    if launch is None:
        return
    try:
        _run(server, launch)
    except Exception as exc:  # a handler that broke its contract, a bug: say it, end it
        print(f"sfn-replay serve: execution {arn}: {exc}", file=sys.stderr, flush=True)
        try:
            api.stop_execution(server.db, arn, error="States.Runtime", cause=str(exc)[:32768])
        except Exception:
            pass


def _existing(server: Server, launch: dict) -> dict | None:
    """AWS: starting a RUNNING execution again with the same name and input answers with it;
    with another input, or once it has ended, ExecutionAlreadyExists."""
    arn = launch["arn"]
    running = server.pending.get(arn)
    if running is None:
        with EventLog(server.db) as log:
            doc = log.get_doc(EXECUTIONS, arn)
            if doc is None:
                return None
            (first,) = read_events(log, doc, 1, 1)
        started = json.loads(first["executionStartedEventDetails"]["input"])
        running = {"input": started, "start": doc["startMicros"], "status": doc["status"]}
    if running.get("status", "RUNNING") != "RUNNING" or running["input"] != launch["input"]:
        raise ApiError("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
    return {"executionArn": arn, "startDate": epoch(running["start"])}


def start(server: Server, caller: Caller, body: dict) -> dict:
    launch = _launch(server, body)
    again = _existing(server, launch)
    if again is not None:
        return again
    server.pending[launch["arn"]] = launch
    server.submit(lambda: run_pending(server, launch["arn"]))
    return {"executionArn": launch["arn"], "startDate": epoch(launch["start"])}


def start_sync(server: Server, caller: Caller, body: dict) -> dict:
    """StartSyncExecution: EXPRESS state machines only; runs before it answers."""
    launch = _launch(server, body)
    if launch["machine"]["type"] != "EXPRESS":
        raise ApiError(
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )
    try:
        result = _run(server, launch)
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None
    with EventLog(server.db) as log:
        doc = log.get_doc(EXECUTIONS, launch["arn"])
    stop = doc.get("stopMicros")
    dates = {"startDate": epoch(doc["startMicros"]), "stopDate": epoch(stop or doc["startMicros"])}
    return express.sync_response(dict(result, **dates), doc["startMicros"], stop)


def _description(result: dict, doc: dict) -> dict:
    """DescribeExecution from api.describe's record and the execution's index record."""
    out = {
        "executionArn": result["executionArn"],
        "stateMachineArn": result["stateMachineArn"],
        "name": result["name"],
        "status": result["status"],
        "startDate": epoch(doc["startMicros"]),
        "stopDate": epoch(doc["stopMicros"]) if doc.get("stopMicros") is not None else None,
        "input": result["input"],
        "inputDetails": {"included": True},
        "output": result["output"],
        "error": result["error"],
        "cause": result["cause"],
        "mapRunArn": doc.get("mapRunArn"),
        "stateMachineVersionArn": result.get("stateMachineVersionArn"),
        "stateMachineAliasArn": result.get("stateMachineAliasArn"),
    }
    if result["output"] is not None:
        out["outputDetails"] = {"included": True}
    if not doc.get("mapRunArn"):  # a Map Run's child executions are redriven with it
        out.update(api.redrive_fields(doc))
        if "redriveDate" in out:
            out["redriveDate"] = epoch(doc["redriveMicros"])
    return without_none(out)


def settle(server: Server, arn: Any) -> None:
    """An execution started but not yet run (a request from another client thread came before
    its turn) runs now: what follows reads its log."""
    if isinstance(arn, str) and arn in server.pending:
        run_pending(server, arn)


def _doc(log: EventLog, arn: Any) -> dict:
    parse_arn(arn, EXECUTION_KINDS)
    doc = log.get_doc(EXECUTIONS, arn)
    if doc is None:
        raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
    return doc


def describe(server: Server, caller: Caller, body: dict) -> dict:
    arn = body.get("executionArn")
    launch = server.pending.get(arn) if isinstance(arn, str) else None
    if launch is not None:  # started, not yet run
        return {
            "executionArn": arn,
            "stateMachineArn": launch["machine"]["stateMachineArn"],
            "name": launch["name"],
            "status": "RUNNING",
            "startDate": epoch(launch["start"]),
            "input": to_json_text(launch["input"]),
            "inputDetails": {"included": True},
        }
    with EventLog(server.db, readonly=True) as log:
        doc = _doc(log, arn)
        total = length(log, doc)
        events = list(read_events(log, doc, 1, 1))
        if total > 1:
            events += read_events(log, doc, total, total)
    return _description(api.describe(doc, events), doc)


def describe_machine_for(server: Server, caller: Caller, body: dict) -> dict:
    """The definition the execution ran (as recorded with it) and its state machine's role."""
    from replay.worlds import recorded_definition

    settle(server, body.get("executionArn"))
    with EventLog(server.db, readonly=True) as log:
        doc = _doc(log, body.get("executionArn"))
        definition = recorded_definition(log, doc)
        machine = log.get_doc(machines.TABLE, doc["stateMachineArn"]) or {}
    return without_none(
        {
            "stateMachineArn": doc["stateMachineArn"],
            "name": doc["stateMachineName"],
            "definition": definition,
            "roleArn": machine.get("roleArn", f"arn:aws:iam::{_account(doc)}:role/sfn-replay"),
            "updateDate": epoch(machine.get("updateDate", doc["startMicros"])),
            "mapRunArn": doc.get("mapRunArn"),
            "revisionId": machine.get("revisionId"),
        }
    )


def _account(doc: dict) -> str:
    return doc["executionArn"].split(":")[4]


def history(server: Server, caller: Caller, body: dict) -> dict:
    """GetExecutionHistory, a page at a time (maxResults, nextToken, reverseOrder)."""
    reverse = bool(body.get("reverseOrder"))
    include = body.get("includeExecutionData", True) is not False
    size = page_size(body)
    settle(server, body.get("executionArn"))
    with EventLog(server.db, readonly=True) as log:
        doc = _doc(log, body.get("executionArn"))
        total = length(log, doc)
        scope = f"history:{doc['executionArn']}:{reverse}"
        skip = read_token(body.get("nextToken"), scope)
        if reverse:
            high, low = total - skip, max(1, total - skip - size + 1)
            events = list(read_events(log, doc, low, high))[::-1]
        else:
            events = list(read_events(log, doc, skip + 1, skip + size))
    more = skip + size < total
    return without_none(
        {
            "events": [wire_event(e, include) for e in events],
            "nextToken": make_token(scope, skip + size) if more else None,
        }
    )


def list_(server: Server, caller: Caller, body: dict) -> dict:
    """ListExecutions of a state machine, of one of its versions or aliases (the executions
    started through it), or of a Map Run; newest first."""
    machine, map_run = body.get("stateMachineArn"), body.get("mapRunArn")
    status = body.get("statusFilter")
    if status is not None and status not in STATUSES:
        raise enum_error(status, "statusFilter", _STATUSES_LISTED)
    if (machine is None) == (map_run is None):
        raise validation("give either stateMachineArn or mapRunArn")
    base, qualifier = versions.split(machine) if machine is not None else (None, None)
    with EventLog(server.db, readonly=True) as log:
        docs = [d for _, d in log.docs(EXECUTIONS)]
        docs += [_pending_doc(launch) for launch in server.pending.values()]
        if machine is not None:
            docs = [d for d in docs if d["stateMachineArn"] == base and not d.get("mapRunArn")]
            if not docs and log.get_doc(machines.TABLE, base) is None:
                raise ApiError(
                    "StateMachineDoesNotExist", f"State Machine Does Not Exist: '{machine}'"
                )
            if qualifier is not None:
                docs = [d for d in docs if machine in _through(log, d).values()]
        else:
            docs = [d for d in docs if d.get("mapRunArn") == map_run]
        if status is not None:
            docs = [d for d in docs if d["status"] == status]
        docs.sort(key=lambda d: (-d["startMicros"], d["name"]))
        chunk, token = page(docs, body, f"executions:{machine or map_run}:{status}")
        items = [_list_item(d, _through(log, d)) for d in chunk]
    return without_none({"executions": items, "nextToken": token})


def _through(log: EventLog, doc: dict) -> dict:
    """The version and alias an execution was started through (its ExecutionStarted says)."""
    if "through" in doc:  # started, not yet run
        return doc["through"]
    if not doc.get("events"):
        return {}
    (first,) = read_events(log, doc, 1, 1)
    details = first.get("executionStartedEventDetails") or {}
    keys = ("stateMachineVersionArn", "stateMachineAliasArn")
    return {key: details[key] for key in keys if details.get(key)}


def _list_item(doc: dict, through: dict) -> dict:
    return without_none(
        {
            "executionArn": doc["executionArn"],
            "stateMachineArn": doc["stateMachineArn"],
            "name": doc["name"],
            "status": doc["status"],
            "startDate": epoch(doc["startMicros"]),
            "stopDate": epoch(doc["stopMicros"]) if doc.get("stopMicros") is not None else None,
            "mapRunArn": doc.get("mapRunArn"),
            "redriveCount": None
            if express.is_express(doc["executionArn"])
            else doc.get("redriveCount", 0),
            "redriveDate": epoch(doc["redriveMicros"]) if doc.get("redriveCount") else None,
            **through,
        }
    )


def _pending_doc(launch: dict) -> dict:
    return {
        "executionArn": launch["arn"],
        "stateMachineArn": launch["machine"]["stateMachineArn"],
        "name": launch["name"],
        "status": "RUNNING",
        "startMicros": launch["start"],
        "through": without_none(
            {"stateMachineVersionArn": launch["version"], "stateMachineAliasArn": launch["alias"]}
        ),
    }


def stop(server: Server, caller: Caller, body: dict) -> dict:
    """StopExecution: ABORTED, with an ExecutionAborted event (error and cause if given)."""
    arn = body.get("executionArn")
    parse_arn(arn, EXECUTION_KINDS)
    settle(server, arn)  # started, not yet run: run it now, then stop it
    try:
        result = api.stop_execution(
            server.db,
            arn,
            error=body.get("error"),
            cause=body.get("cause"),
            now_micros=server.clock(),
        )
    except api.ExecutionNotRunning as exc:
        raise validation(f"Execution is not running: {exc}") from None
    except api.ExecutionNotFound:
        raise ApiError("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'") from None
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None
    with EventLog(server.db, readonly=True) as log:
        doc = log.get_doc(EXECUTIONS, result["executionArn"])
    return {"stopDate": epoch(doc["stopMicros"])}


def redrive(server: Server, caller: Caller, body: dict) -> dict:
    """RedriveExecution: the execution goes on now (on the worker), from its unsuccessful
    states, with the mocks and handlers it ran with."""
    arn = body.get("executionArn")
    parse_arn(arn, EXECUTION_KINDS)  # an Express one: ExecutionNotRedrivable
    try:
        result = api.redrive(server.db, arn, now_micros=server.clock())
    except api.EXPECTED_ERRORS as exc:
        raise from_exception(exc) from None
    with EventLog(server.db, readonly=True) as log:
        doc = log.get_doc(EXECUTIONS, result["executionArn"])
    return {"redriveDate": epoch(doc["redriveMicros"])}
