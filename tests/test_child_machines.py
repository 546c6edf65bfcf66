"""The child state machines a run knows (replay.child_machines): named for the run, kept by a
record, or in the db's registry; each lookup recorded as the record keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay import child_machines
from replay.child_machines import (
    KnownMachines,
    check_named,
    entry,
    for_record,
    from_entries,
    name_and_type,
    named,
    state_machine_arn,
)
from replay.history import EXECUTIONS, STATE_MACHINES
from replay.nested import ChildMachine
from replay.runner import RunError
from store import EventLog

ACCOUNT, REGION = "123456789012", "us-east-1"
PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
WAIT = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}})
SYNC = json.dumps(
    {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "End": True}
        },
    }
)


def arn(name: str) -> str:
    return state_machine_arn(name, ACCOUNT, REGION)


@pytest.fixture
def log(tmp_path: Path):
    with EventLog(tmp_path / "db") as opened:
        yield opened


def child(log: EventLog, name: str, text: str = PASS, role=None, kind="STANDARD") -> ChildMachine:
    (made,) = from_entries(
        log, {arn(name): entry(log.put_blob(text.encode()), role, kind)}
    ).values()
    return made


def test_an_arn_and_how_a_record_keeps_a_child_machine():
    assert arn("child") == "arn:aws:states:us-east-1:123456789012:stateMachine:child"
    assert entry("d", None) == {"definition": "d"}
    assert entry("d", "arn:role", "EXPRESS") == {
        "definition": "d",
        "roleArn": "arn:role",
        "type": "EXPRESS",
    }
    assert entry("d", None, "STANDARD") == {"definition": "d"}


def test_a_name_and_its_type():
    assert name_and_type("child") == ("child", "STANDARD")
    assert name_and_type("child:express") == ("child", "EXPRESS")
    assert name_and_type("child:STANDARD") == ("child", "STANDARD")
    with pytest.raises(ValueError, match="STANDARD or EXPRESS"):
        name_and_type("child:")
    with pytest.raises(ValueError, match="STANDARD or EXPRESS"):
        name_and_type("child:quick")


def test_named_definitions_are_checked_before_the_run():
    check_named({"a": PASS, "b:EXPRESS": PASS})
    with pytest.raises(RunError, match=r"^--state-machine a:quick: the state machine type"):
        check_named({"a:quick": PASS})
    with pytest.raises(RunError, match="^invalid state machine name 'a b'"):
        check_named({"a b": PASS})
    with pytest.raises(RunError, match="^--state-machine a: "):
        check_named({"a": "{"})
    with pytest.raises(RunError, match=r"^--state-machine a: .*\.sync"):
        check_named({"a:EXPRESS": SYNC})
    check_named({"a:STANDARD": SYNC})


def test_named_definitions_are_stored_as_blobs(log):
    out = named(log, {"a": PASS, "b:EXPRESS": WAIT}, ACCOUNT, REGION)
    assert out == {
        arn("a"): {"definition": log.put_blob(PASS.encode())},
        arn("b"): {"definition": log.put_blob(WAIT.encode()), "type": "EXPRESS"},
    }
    assert log.get_blob(out[arn("b")]["definition"]) == WAIT.encode()


def test_stored_entries_make_child_machines_and_a_missing_blob_none(log):
    digest = log.put_blob(WAIT.encode())
    kept = {
        arn("w"): {"definition": digest, "roleArn": "arn:role", "type": "EXPRESS"},
        arn("plain"): {"definition": digest},
        arn("gone"): {"definition": "0" * 64},
    }
    machines = from_entries(log, kept)
    assert sorted(machines) == [arn("plain"), arn("w")]
    made = machines[arn("w")]
    assert (made.arn, made.name, made.digest, made.role_arn, made.type) == (
        arn("w"),
        "w",
        digest,
        "arn:role",
        "EXPRESS",
    )
    assert list(made.machine.states) == ["W"]
    plain = machines[arn("plain")]
    assert (plain.role_arn, plain.type) == (None, "STANDARD")


def test_get_takes_what_ran_then_what_is_known_then_the_registry_and_records_it(log):
    known = child(log, "c", PASS, role="arn:role")
    ran = child(log, "c", WAIT)
    machines = KnownMachines(log, {arn("c"): known}, ran={"arn:exec:1": ran})
    assert machines.get(arn("c")) is known
    assert machines.get(arn("c"), "arn:exec:2") is known
    assert machines.get(arn("c"), "arn:exec:1") is ran
    other = KnownMachines(log, {}, ran={"arn:exec:1": ran})
    assert other.get(arn("d"), "arn:exec:1") is None  # what ran was another state machine
    assert machines.get(arn("nowhere")) is None
    assert machines.used == {arn("c"): {"definition": ran.digest}}
    machines.get(arn("c"))
    assert machines.used == {arn("c"): {"definition": known.digest, "roleArn": "arn:role"}}


def registered(log: EventLog, name: str, text: str, **more) -> None:
    log.put_doc(STATE_MACHINES, arn(name), {"name": name, "definition": text, **more})


def test_the_registry_is_read_once_and_only_when_allowed(log):
    registered(log, "r", WAIT, roleArn="arn:role", type="EXPRESS")
    registered(log, "plain", PASS)
    machines = KnownMachines(log, {})
    found = machines.get(arn("r"))
    assert (found.name, found.role_arn, found.type) == ("r", "arn:role", "EXPRESS")
    assert log.get_blob(found.digest) == WAIT.encode()
    assert machines.known[arn("r")] is found
    assert machines.used[arn("r")] == entry(found.digest, "arn:role", "EXPRESS")
    assert machines.get(arn("plain")).type == "STANDARD"
    assert KnownMachines(log, {}, registry=False).get(arn("r")) is None
    assert KnownMachines(None, {}).get(arn("r")) is None
    registered(log, "broken", "{")
    assert KnownMachines(log, {}).get(arn("broken")) is None


def test_an_execution_arn_is_taken_by_a_record_or_a_stream_not_by_the_run_itself(log):
    execution = "arn:aws:states:us-east-1:123456789012:execution:c:x"
    assert not KnownMachines(log, {}).taken(execution)
    log.put_doc(EXECUTIONS, execution, {"executionArn": execution})
    assert KnownMachines(log, {}).taken(execution)
    assert not KnownMachines(log, {}, ours={execution}).taken(execution)
    assert not KnownMachines(None, {}).taken(execution)
    streamed = execution + "-2"
    log.append(streamed, [{"id": 1}])
    assert KnownMachines(log, {}).taken(streamed)


def test_the_same_entry_makes_one_child_machine(log, monkeypatch):
    loads = []
    real = child_machines.load_definition
    monkeypatch.setattr(child_machines, "load_definition", lambda t: loads.append(t) or real(t))
    digest = log.put_blob(PASS.encode())
    cache: dict = {}
    first = child_machines._machine(log, arn("a"), {"definition": digest}, cache)
    again = child_machines._machine(log, arn("a"), {"definition": digest}, cache)
    assert first is again and len(loads) == 1
    role = child_machines._machine(log, arn("a"), {"definition": digest, "roleArn": "r"}, cache)
    assert role is not first and role.role_arn == "r"
    express = child_machines._machine(
        log, arn("a"), {"definition": digest, "type": "EXPRESS"}, cache
    )
    assert (express.type, first.type) == ("EXPRESS", "STANDARD")


ROLE = "arn:aws:iam::123456789012:role/r"
FAN = {
    "Type": "Map",
    "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "I",
        "States": {"I": {"Type": "Pass", "End": True}},
    },
    "Next": "Start",
}


def start(resource: str, machine: str, end: bool) -> dict:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:" + resource,
        "Parameters": {"StateMachineArn": arn(machine), "Input": {}},
    }
    return state | ({"End": True} if end else {"Next": "Fast"})


def recorded_parent(tmp_path: Path) -> Path:
    from replay import api

    parent = {
        "StartAt": "Fan",
        "States": {
            "Fan": FAN,
            "Start": start("startExecution.sync:2", "child", False),
            "Fast": start("startExecution", "fast", True),
        },
    }
    db = tmp_path / "run.db"
    result = api.run(
        db,
        json.dumps(parent),
        [1],
        state_machine_name="sm",
        name="p",
        role_arn=ROLE,
        state_machines={"child": PASS, "fast:EXPRESS": WAIT},
    )
    assert result["status"] == "SUCCEEDED"
    return db


def test_a_record_s_machines_are_what_its_run_and_children_ran(tmp_path):
    with EventLog(recorded_parent(tmp_path)) as log:
        docs = {doc["stateMachineName"]: doc for _, doc in log.docs(EXECUTIONS)}
        parent = docs["sm"]
        replayed = for_record(log, [parent], live=False)
        assert (replayed.log, replayed.registry) == (None, False)
        started = replayed.ran  # by child execution: not the Map Run's children
        assert sorted(started) == sorted(
            [docs["child"]["executionArn"], docs["fast"]["executionArn"]]
        )
        ran = started[docs["child"]["executionArn"]]
        assert (ran.arn, ran.digest, ran.role_arn, ran.type) == (
            arn("child"),
            docs["child"]["definition"],
            ROLE,
            "STANDARD",
        )
        assert started[docs["fast"]["executionArn"]].type == "EXPRESS"
        own = replayed.known[parent["stateMachineArn"]]
        assert (own.digest, own.type) == (parent["definition"], "STANDARD")
        assert replayed.known[arn("fast")].type == "EXPRESS"
        assert replayed.known[arn("child")].role_arn is None  # as the record's setup keeps it
        live = for_record(log, [parent], ours={"arn:x"})
        assert (live.log, live.registry, live.ours, sorted(live.ran)) == (
            log,
            True,
            {"arn:x"},
            sorted(started),
        )
        assert live.taken(docs["child"]["executionArn"]) and not live.taken("arn:x")
        given = {arn("child"): entry(docs["child"]["definition"], ROLE)}
        shared = for_record(log, [parent], given=given)
        assert shared.known[arn("child")] is shared.ran[docs["child"]["executionArn"]]


def test_an_express_record_keeps_its_own_machine_as_express(tmp_path):
    from replay import api

    db = tmp_path / "express.db"
    api.run(db, PASS, {}, state_machine_name="quick", name="e", type="EXPRESS")
    with EventLog(db) as log:
        ((_, doc),) = log.docs(EXECUTIONS)
        assert for_record(log, [doc]).known[doc["stateMachineArn"]].type == "EXPRESS"
