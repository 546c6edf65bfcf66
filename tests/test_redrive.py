"""`redrive` (AWS's RedriveExecution): an unsuccessful execution goes on in its own history,
from its unsuccessful states only, and replays identically; `branch` still forks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from replay.clock import iso_aws
from replay.redrive import RedriveError, check_redrivable
from tests.helpers import START, mock_config, run
from tui.cli import app

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"


class Boom(Exception):
    pass


def task(name: str, **more) -> dict:
    return {"Type": "Task", "Resource": LAMBDA + name, **more}


CHARGE = {
    "StartAt": "Prep",
    "States": {
        "Prep": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.prep", "Next": "Charge"},
        "Charge": task(
            "charge",
            Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 2}],
            Next="Done",
        ),
        "Done": {"Type": "Pass", "End": True},
    },
}


def failing(value, context):
    raise Boom("card declined")


def charging(value, context):
    return {"charged": True, "redrives": context["Execution"]["RedriveCount"]}


def types(db: Path, name: str = "exec") -> list[str]:
    return [event["type"] for event in api.history(db, name)]


def test_a_failed_task_is_redriven_in_the_same_execution(tmp_path):
    first = run(tmp_path, CHARGE, handlers={"Charge": failing})
    assert first["status"] == "FAILED"
    before = api.history(tmp_path / "db", "exec")
    with pytest.raises(api.RunError, match="FAILED.*sfn-replay redrive exec"):
        api.resume(tmp_path / "db", "exec")  # resume is for interrupted ones: it says so
    result = api.redrive(tmp_path / "db", "exec", handlers={"Charge": charging})
    assert result["status"] == "SUCCEEDED"
    assert result["executionArn"] == first["executionArn"]
    assert json.loads(result["output"]) == {"charged": True, "redrives": 1}
    assert result["redriveCount"] == 1 and result["redriveDate"] == first["stopDate"]
    after = api.history(tmp_path / "db", "exec")
    assert after[: len(before)] == before  # appended after the old end, nothing rewritten
    redriven = after[len(before)]
    assert redriven["type"] == "ExecutionRedriven"
    assert redriven["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redriven["previousEventId"] == len(before)
    # the Task is scheduled again, linked to its StateEntered, not entered again
    entered = next(e["id"] for e in before if e["type"] == "TaskStateEntered")
    rest = after[len(before) + 1 :]
    assert [e["type"] for e in rest] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert rest[0]["previousEventId"] == entered
    assert api.replay(tmp_path / "db", "exec") is None
    listed = api.list_executions(tmp_path / "db")
    assert [(d["status"], d["redriveCount"]) for d in listed] == [("SUCCEEDED", 1)]


def test_a_second_redrive_counts_two_and_retries_start_again(tmp_path):
    run(tmp_path, CHARGE, handlers={"Charge": failing})
    again = api.redrive(tmp_path / "db", "exec", handlers={"Charge": failing})
    assert again["status"] == "FAILED" and again["redriveCount"] == 1
    # its Retry tries again after the redrive: two attempts each time
    assert types(tmp_path / "db").count("LambdaFunctionFailed") == 4
    result = api.redrive(
        tmp_path / "db", "exec", handlers={"Charge": charging}, at="2026-01-02T00:00:00Z"
    )
    assert result["status"] == "SUCCEEDED" and result["redriveCount"] == 2
    assert json.loads(result["output"])["redrives"] == 2
    events = api.history(tmp_path / "db", "exec")
    redriven = [e for e in events if e["type"] == "ExecutionRedriven"]
    assert [e["executionRedrivenEventDetails"]["redriveCount"] for e in redriven] == [1, 2]
    assert redriven[1]["timestamp"] == "2026-01-02T00:00:00.000000+00:00"
    assert api.replay(tmp_path / "db", "exec") is None
    shown = api.state(tmp_path / "db", "exec", at=redriven[1]["id"])
    assert shown["status"] == "RUNNING"
    (charge,) = shown["active"]
    assert charge["state"] == "Charge" and charge["retries"] == 0
    assert charge["context"]["Execution"]["RedriveCount"] == 2
    outcomes = [failure["outcome"] for failure in api.failures(tmp_path / "db", "exec")]
    assert outcomes == ["retried", "redriven"] * 2  # it SUCCEEDED: no failure ended it
    with pytest.raises(api.PositionError, match="no failure ended exec"):
        api.state(tmp_path / "db", "exec", at="failure")


PARALLEL = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "A", "States": {"A": task("a", End=True)}},
                {
                    "StartAt": "Slow",
                    "States": {
                        "Slow": {"Type": "Wait", "Seconds": 5, "Next": "B"},
                        "B": task("b", End=True),
                    },
                },
            ],
            "End": True,
        }
    },
}


def test_a_parallel_runs_again_only_its_failed_branch(tmp_path):
    calls: list[str] = []

    def answer(name, fail=False):
        def handler(value, context):
            calls.append(name)
            if fail:
                raise Boom(name)
            return f"{name}{context['Execution']['RedriveCount']}"

        return handler

    first = run(tmp_path, PARALLEL, handlers={"A": answer("a"), "B": answer("b", fail=True)})
    assert first["status"] == "FAILED" and calls == ["a", "b"]
    calls.clear()
    result = api.redrive(tmp_path / "db", "exec", handlers={"A": answer("a"), "B": answer("b")})
    assert result["status"] == "SUCCEEDED"
    assert calls == ["b"]  # A succeeded: kept, not run again; B's Wait is not waited again
    assert json.loads(result["output"]) == ["a0", "b1"]
    tail = types(tmp_path / "db")[types(tmp_path / "db").index("ExecutionRedriven") :]
    assert "WaitStateEntered" not in tail and "ParallelStateStarted" not in tail
    assert api.replay(tmp_path / "db", "exec") is None


MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Late",
                "States": {
                    "Late": {"Type": "Wait", "SecondsPath": "$.wait", "Next": "Work"},
                    "Work": task("work", End=True),
                },
            },
            "End": True,
        }
    },
}
ITEMS = [{"id": 1, "wait": 1}, {"id": 2, "wait": 9}, {"id": 3, "wait": 1}]


def test_a_map_runs_again_only_its_failed_iteration(tmp_path):
    calls: list[int] = []

    def work(value, context):
        calls.append(value["id"])
        if value["id"] == 2 and context["Execution"]["RedriveCount"] == 0:
            raise Boom("item 2")
        return value["id"] * 10

    first = run(tmp_path, MAP, ITEMS, handlers={"Work": work})
    assert first["status"] == "FAILED" and sorted(calls) == [1, 2, 3]
    calls.clear()
    result = api.redrive(tmp_path / "db", "exec", handlers={"Work": work})
    assert result["status"] == "SUCCEEDED"
    assert calls == [2]
    assert json.loads(result["output"]) == [10, 20, 30]  # the others' outputs, kept
    events = api.history(tmp_path / "db", "exec")
    at = next(e["id"] for e in events if e["type"] == "ExecutionRedriven")
    tail = [e for e in events if e["id"] > at]
    assert [e["type"] for e in tail if e["type"].startswith("MapIteration")] == [
        "MapIterationSucceeded"
    ]
    assert "MapStateStarted" not in [e["type"] for e in tail]
    assert api.replay(tmp_path / "db", "exec") is None


def test_a_timed_out_and_an_aborted_execution_are_redriven(tmp_path):
    slow = {
        "StartAt": "Nap",
        "TimeoutSeconds": 10,
        "States": {"Nap": {"Type": "Wait", "SecondsPath": "$.s", "End": True}},
    }
    first = run(tmp_path, slow, {"s": 20})
    assert first["status"] == "TIMED_OUT"
    result = api.redrive(tmp_path / "db", "exec")
    # its TimeoutSeconds counts from the redrive: the Wait of 20 s times out again
    assert result["status"] == "TIMED_OUT" and result["redriveCount"] == 1
    assert types(tmp_path / "db")[-3:] == [
        "ExecutionTimedOut",
        "ExecutionRedriven",
        "ExecutionTimedOut",
    ]
    assert api.replay(tmp_path / "db", "exec") is None

    wait = {"StartAt": "Ask", "States": {"Ask": task("ask.waitForTaskToken", End=True)}}
    wait["States"]["Ask"]["Resource"] = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    run(tmp_path, wait, name="asked")
    api.stop_execution(tmp_path / "db", "asked", error="Stop")
    result = api.redrive(tmp_path / "db", "asked")
    assert result["status"] == "RUNNING" and result["redriveCount"] == 1
    token = result["waiting"][0]["token"]
    done = api.send_task_success(tmp_path / "db", token, {"ok": True})
    assert done["status"] == "SUCCEEDED"
    assert types(tmp_path / "db", "asked").count("TaskScheduled") == 2
    assert api.replay(tmp_path / "db", "asked") is None


def test_a_succeeded_execution_is_not_redriven(tmp_path):
    run(tmp_path, CHARGE, handlers={"Charge": charging})
    with pytest.raises(RedriveError, match="SUCCEEDED; only FAILED, TIMED_OUT or ABORTED"):
        api.redrive(tmp_path / "db", "exec")
    late = run(tmp_path, CHARGE, name="late", handlers={"Charge": failing})
    with pytest.raises(RedriveError, match="redrivable period exceeded"):
        api.redrive(tmp_path / "db", "late", at="2026-02-01T00:00:00Z")
    with pytest.raises(api.RunError, match="before execution late ended"):
        api.redrive(tmp_path / "db", "late", at="2025-12-31T00:00:00Z")
    assert late["status"] == "FAILED"
    assert "ExecutionRedriven" not in types(tmp_path / "db", "late")  # nothing written


def test_branch_forks_where_redrive_goes_on(tmp_path):
    run(tmp_path, CHARGE, handlers={"Charge": failing})
    mocks = mock_config({"Charge": {"0": {"Return": {"charged": "in the fork"}}}})
    forked = api.branch(tmp_path / "db", "exec", at=4, name="fork", mocks=mocks, test_case="t")
    assert forked["executionArn"].endswith(":fork") and forked["status"] == "SUCCEEDED"
    assert "ExecutionRedriven" not in types(tmp_path / "db", "fork")
    assert "redriveCount" not in forked  # never redriven
    parent = api.list_executions(tmp_path / "db")[0]
    assert parent["name"] == "exec" and parent["status"] == "FAILED"  # the fork is another one
    fork_events = len(api.history(tmp_path / "db", "fork"))
    redriven = api.redrive(tmp_path / "db", "exec", handlers={"Charge": charging})
    assert redriven["redriveCount"] == 1
    assert len(api.history(tmp_path / "db", "fork")) == fork_events  # left as it was
    # a branch after the redrive shares it (and what came before)
    again = api.branch(tmp_path / "db", "exec", at=-1, name="after")
    assert again["status"] == "SUCCEEDED" and again["redriveCount"] == 1
    assert api.replay(tmp_path / "db", "after") is None


def cli(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    result.returncode = result.exit_code
    return result


def test_the_command_line(tmp_path):
    definition = tmp_path / "charge.json"
    definition.write_text(json.dumps(CHARGE))
    mocks = tmp_path / "mocks.json"
    mocks.write_text(
        json.dumps(
            {
                "StateMachines": {
                    "charge": {"TestCases": {"fail": {"Charge": "No"}, "ok": {"Charge": "Yes"}}}
                },
                "MockedResponses": {
                    "No": {"0": {"Throw": {"Error": "Boom", "Cause": "no"}}},
                    "Yes": {"0": {"Return": {"charged": True}}},
                },
            }
        )
    )
    db = str(tmp_path / "db")
    common = ["--mock-config", str(mocks), "--db", db]
    ran = cli("run", str(definition), "--name", "c1", "--test-case", "fail", *common)
    assert ran.returncode == 1
    failed_again = cli("redrive", "c1", "--db", db, "--json")
    assert failed_again.returncode == 1, failed_again.stderr
    assert json.loads(failed_again.stdout)["redriveCount"] == 1
    done = cli("redrive", "c1", "--test-case", "ok", *common, "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["status"] == "SUCCEEDED" and shown["redriveCount"] == 2
    refused = cli("redrive", "c1", "--db", db)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        "sfn-replay: redrive: execution c1 SUCCEEDED; only FAILED, TIMED_OUT or ABORTED "
        "executions can be redriven"
    ]
    assert cli("replay", "c1", "--db", db).stdout.strip() == "identical"
    table = cli("history", "c1", "--db", db).stdout
    assert table.count("ExecutionRedriven") == 2 and "redriveCount 2" in table
    assert "[redriven 2]" in cli("list", "--db", db).stdout
    exported = tmp_path / "c1.json"
    exported.write_text(cli("export", "c1", "--db", db).stdout)
    other = str(tmp_path / "other")
    imported = cli("import", exported, "--definition", definition, "--name", "c2", "--db", other)
    assert imported.returncode == 0, imported.stderr
    assert "[redriven 2]" in cli("list", "--db", other).stdout
    assert cli("replay", "c2", "--db", other).stdout.strip() == "identical"


def test_redrive_start_is_deterministic(tmp_path):
    """The same redrive of the same run gives the same history, byte for byte."""
    histories = []
    for n in range(2):
        db = tmp_path / str(n)
        db.mkdir()
        run(db, PARALLEL, handlers={"A": charging, "B": failing})
        api.redrive(db / "db", "exec", handlers={"B": charging})
        histories.append(api.history(db / "db", "exec"))
    assert histories[0] == histories[1]


def test_redrive_execution_in_the_endpoint(tmp_path):
    from replay.endpoint.local import running
    from tests.serve_helpers import ROLE, WAIT_FOR_TOKEN, check_shapes, client, token_of

    raw: list = []
    with running(tmp_path / "db") as url:
        sfn = client(url, raw=raw)
        machine = sfn.create_state_machine(
            name="m", definition=json.dumps(WAIT_FOR_TOKEN), roleArn=ROLE
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, name="w")["executionArn"]
        first = token_of(sfn, arn)
        sfn.stop_execution(executionArn=arn, error="Manual")
        assert sfn.describe_execution(executionArn=arn)["redriveStatus"] == "REDRIVABLE"
        redriven = sfn.redrive_execution(executionArn=arn)
        out = sfn.describe_execution(executionArn=arn)
        assert (out["status"], out["redriveCount"]) == ("RUNNING", 1)
        assert out["redriveDate"] == redriven["redriveDate"]
        token = token_of(sfn, arn)  # the Task scheduled again sends a new token
        assert token != first
        sfn.send_task_success(taskToken=token, output='{"ok": true}')
        out = sfn.describe_execution(executionArn=arn)
        assert (out["status"], out["redriveStatus"]) == ("SUCCEEDED", "NOT_REDRIVABLE")
        listed = sfn.list_executions(stateMachineArn=machine)["executions"]
        assert listed[0]["redriveCount"] == 1
        with pytest.raises(sfn.exceptions.ExecutionNotRedrivable):
            sfn.redrive_execution(executionArn=arn)
        types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
        assert types.index("ExecutionAborted") + 1 == types.index("ExecutionRedriven")
        fails = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}
        express = sfn.create_state_machine(
            name="x", definition=json.dumps(fails), roleArn=ROLE, type="EXPRESS"
        )["stateMachineArn"]
        quick = sfn.start_sync_execution(stateMachineArn=express, name="q")
        assert quick["status"] == "FAILED"
        with pytest.raises(sfn.exceptions.ExecutionNotRedrivable, match="EXPRESS"):
            sfn.redrive_execution(executionArn=quick["executionArn"])
        described = sfn.describe_execution(executionArn=quick["executionArn"])
        assert (described["status"], described["redriveStatus"]) == ("FAILED", "NOT_REDRIVABLE")
    check_shapes(raw)
    assert api.replay(tmp_path / "db", "w") is None


def test_what_aws_refuses_to_redrive():
    day = 86_400_000_000
    doc = {"name": "e", "status": "FAILED", "startMicros": 0, "stopMicros": day}
    check_redrivable(doc, 24_998, 15 * day)  # within 14 days of its end, under the quota
    refused = [
        (dict(doc, status="RUNNING"), 10, day, "RUNNING; only FAILED"),
        (doc, 24_999, day, "history event limit exceeded"),
        (doc, 10, 15 * day + 1, "redrivable period exceeded"),
        (dict(doc, stopMicros=360 * day), 10, 366 * day, "max execution time"),
        (dict(doc, parentExecution="p", mapRunArn="r"), 10, day, "child execution of a Dis"),
        (dict(doc, parentExecution="arn:p"), 10, day, "started by execution arn:p"),
        (dict(doc, imported=True), 10, day, "imported"),
    ]
    for record, events, when, reason in refused:
        with pytest.raises(RedriveError, match=reason):
            check_redrivable(record, events, when)
    with pytest.raises(RedriveError, match="EXPRESS"):
        check_redrivable(doc, 10, day, express=True)


@pytest.mark.parametrize("second", ["Pass", "Choice"])
def test_a_branch_stopped_between_states_goes_on_with_its_next_state_and_variables(
    tmp_path, second
):
    p2 = {"Type": "Pass", "Next": "P3"}
    nope = {"Nope": {"Type": "Fail"}} if second == "Choice" else {}
    if second == "Choice":  # decided again, on the variables it was decided with
        p2 = {
            "Type": "Choice",
            "Choices": [{"Variable": "$x", "NumericEquals": 1, "Next": "P3"}],
            "Default": "Nope",
        }
    between = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "P1",
                        "States": {
                            "P1": {"Type": "Pass", "Assign": {"x": 1}, "Next": "P2"},
                            "P2": p2,
                            "P3": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True},
                            **nope,
                        },
                    },
                    {"StartAt": "T", "States": {"T": task("t", End=True)}},
                ],
            }
        },
    }
    run(tmp_path, between, handlers={"T": failing})
    before = api.events(tmp_path / "db", "exec")
    p2 = [e["id"] for e in before if e["type"] == f"{second}StateExited"][-1]
    result = api.redrive(tmp_path / "db", "exec", handlers={"T": lambda value, context: "ok"})
    assert json.loads(result["output"]) == [{"x": 1}, "ok"]
    after = api.events(tmp_path / "db", "exec")[len(before) + 1 :]
    p3 = next(e for e in after if e["type"] == "PassStateEntered")
    assert p3["stateEnteredEventDetails"]["name"] == "P3" and p3["previousEventId"] == p2
    assert api.replay(tmp_path / "db", "exec") is None


def test_a_redrive_stopped_at_a_task_nothing_answers_is_resumed(tmp_path):
    run(tmp_path, CHARGE, handlers={"Charge": failing})
    # the handlers of the run were not recorded (a dict): nothing answers the Task again
    with pytest.raises(api.NoTaskAnswer, match="Charge"):
        api.redrive(tmp_path / "db", "exec")
    (listed,) = api.list_executions(tmp_path / "db")
    assert listed["status"] == "INTERRUPTED" and listed["redriveCount"] == 1
    result = api.resume(tmp_path / "db", "exec", handlers={"Charge": charging})
    assert result["status"] == "SUCCEEDED" and result["redriveCount"] == 1
    assert types(tmp_path / "db").count("ExecutionRedriven") == 1
    assert api.replay(tmp_path / "db", "exec") is None


@pytest.mark.parametrize("kind", ["STANDARD", "EXPRESS"])
def test_a_distributed_map_redrives_only_its_unsuccessful_child_executions(tmp_path, kind):
    fan = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Label": "Fan",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": kind},
                    "StartAt": "W",
                    "States": {"W": task("w", End=True)},
                },
            }
        },
    }
    calls: list[int] = []
    broken = {2}

    def work(value, context):
        calls.append(value)
        if value in broken:
            raise Boom(f"item {value}")
        return value * 10

    first = run(tmp_path, fan, [1, 2, 3], handlers={"W": work})
    assert first["status"] == "FAILED" and sorted(calls) == [1, 2, 3]
    children = {d["executionArn"] for d in api.list_executions(tmp_path / "db")} - {
        first["executionArn"]
    }
    calls.clear()
    broken.clear()  # item 2 succeeds from now on
    result = api.redrive(tmp_path / "db", "exec", handlers={"W": work})
    assert result["status"] == "SUCCEEDED" and calls == [2]
    assert json.loads(result["output"]) == [10, 20, 30]
    parent = types(tmp_path / "db")
    tail = parent[parent.index("ExecutionRedriven") :]
    assert tail == [
        "ExecutionRedriven",
        "MapRunRedriven",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    redriven = next(e for e in api.events(tmp_path / "db", "exec") if e["type"] == "MapRunRedriven")
    details = redriven["mapRunRedrivenEventDetails"]
    assert details["redriveCount"] == 1 and details["mapRunArn"].startswith("arn:aws:states:")
    docs = {d["executionArn"]: d for d in api.list_executions(tmp_path / "db")}
    failed = [arn for arn in children if docs[arn]["status"] == "FAILED"]
    if kind == "STANDARD":  # redriven in place: ExecutionRedriven in its own history
        assert not failed and len(docs) == 4
        (again,) = [arn for arn in children if docs[arn].get("redriveCount") == 1]
        history = [e["type"] for e in api.events(tmp_path / "db", again)]
        assert history[history.index("ExecutionFailed") + 1] == "ExecutionRedriven"
    else:  # EXPRESS child workflows are started anew; the failed one stays as it was
        assert len(failed) == 1 and len(docs) == 5
    assert api.replay(tmp_path / "db", "exec") is None


def test_a_map_in_a_parallel_keeps_what_succeeded_over_two_redrives(tmp_path):
    nested = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": task("a", End=True)}},
                    {
                        "StartAt": "Each",
                        "States": {
                            "Each": {
                                "Type": "Map",
                                "ItemsPath": "$.items",
                                "End": True,
                                "ItemProcessor": {
                                    "StartAt": "W",
                                    "States": {"W": task("w", End=True)},
                                },
                            }
                        },
                    },
                ],
            }
        },
    }
    calls: list = []
    broken = {2, 3}

    def work(value, context):
        calls.append(value)
        if value in broken:
            raise Boom(str(value))
        return value

    def a(value, context):
        calls.append("a")
        return "a"

    handlers = {"W": work, "A": a}
    run(tmp_path, nested, {"items": [1, 2, 3, 4]}, handlers=handlers)
    assert sorted(calls, key=str) == [1, 2, 3, 4, "a"]
    calls.clear()
    broken.discard(2)
    assert api.redrive(tmp_path / "db", "exec", handlers=handlers)["status"] == "FAILED"
    assert calls == [2, 3]
    calls.clear()
    broken.clear()
    result = api.redrive(tmp_path / "db", "exec", handlers=handlers)
    assert result["status"] == "SUCCEEDED" and result["redriveCount"] == 2
    assert calls == [3] and json.loads(result["output"]) == ["a", [1, 2, 3, 4]]
    assert api.replay(tmp_path / "db", "exec") is None


def test_describe_says_whether_it_can_be_redriven():
    assert api.redrive_fields({"status": "TIMED_OUT", "events": 9}) == {
        "redriveCount": 0,
        "redriveStatus": "REDRIVABLE",
    }
    full = api.redrive_fields({"status": "FAILED", "events": 24_999})
    assert full["redriveStatusReason"] == "Execution history event limit exceeded"
    running = api.redrive_fields({"status": "RUNNING", "redriveCount": 1, "redriveMicros": 0})
    assert running == {
        "redriveCount": 1,
        "redriveDate": "1970-01-01T00:00:00.000000+00:00",
        "redriveStatus": "NOT_REDRIVABLE",
        "redriveStatusReason": "Execution is RUNNING and cannot be redriven",
    }


def test_a_child_execution_with_a_parallel_in_it_is_redriven_twice(tmp_path):
    fan = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Label": "Fan",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P",
                    "States": {"P": PARALLEL["States"]["Both"] | {"End": True}},
                },
            }
        },
    }
    broken = {"b"}

    def answer(name):
        def handler(value, context):
            if name in broken:
                raise Boom(name)
            return f"{name}{context['Execution']['RedriveCount']}"

        return handler

    handlers = {"A": answer("a"), "B": answer("b")}
    assert run(tmp_path, fan, [1], handlers=handlers)["status"] == "FAILED"
    assert api.redrive(tmp_path / "db", "exec", handlers=handlers)["status"] == "FAILED"
    broken.clear()
    result = api.redrive(tmp_path / "db", "exec", handlers=handlers)
    # the child execution was redriven twice; its branch A kept its first output
    assert json.loads(result["output"]) == [["a0", "b2"]]
    (child,) = [d for d in api.list_executions(tmp_path / "db") if d["name"] != "exec"]
    assert child["redriveCount"] == 2 and child["status"] == "SUCCEEDED"
    table = api.history(tmp_path / "db", child["executionArn"])
    assert [e["type"] for e in table].count("ExecutionRedriven") == 2
    assert api.replay(tmp_path / "db", "exec") is None


def test_replay_of_a_redriven_execution_with_another_definition_reports_where(tmp_path):
    run(tmp_path, CHARGE, handlers={"Charge": failing})
    api.redrive(tmp_path / "db", "exec", handlers={"Charge": charging})
    # the failing state is gone: the first divergence is reported, nothing crashes
    gone = {
        "StartAt": "Prep",
        "States": {
            "Prep": CHARGE["States"]["Prep"] | {"Next": "X"},
            "X": {"Type": "Pass", "End": True},
        },
    }
    assert api.replay(tmp_path / "db", "exec", json.dumps(gone)).event_id == 4
    # the Task is a Pass now: it succeeds at once, and where it diverges is reported
    easy = json.loads(json.dumps(CHARGE))
    easy["States"]["Charge"] = {"Type": "Pass", "Result": {"charged": True}, "Next": "Done"}
    found = api.replay(tmp_path / "db", "exec", json.dumps(easy))
    assert found is not None and found.event_id == 4


# -- with activities and Express workflows ----------------------------------------------------


def test_an_activity_task_is_handed_to_a_worker_again_after_a_redrive(tmp_path):
    from tests.test_activities import ARN, at, review, start

    db = tmp_path / "db"
    api.create_activity(db, "review")
    start(db, review(timeout=100, heartbeat=None))  # no worker takes it before it times out
    assert api.get_activity_task(db, ARN, at=at(150)) == {}
    assert api.list_executions(db)[0]["status"] == "FAILED"
    waiting = api.redrive(db, "w", at=at(200))
    assert waiting["status"] == "RUNNING" and waiting["redriveCount"] == 1
    (entry,) = waiting["waiting"]
    assert entry["activity"] and "startedMicros" not in entry  # it waits for a worker again
    task = api.get_activity_task(db, ARN, worker_name="carol", at=at(210))
    assert task["taskToken"] == entry["token"] and json.loads(task["input"]) == {"doc": "w"}
    failed = api.send_task_failure(db, task["taskToken"], error="Crash", at=at(220))
    assert failed["status"] == "FAILED"
    again = api.redrive(db, "w", at=at(300))  # a task a worker had started: scheduled anew
    assert again["waiting"][0]["token"] not in (entry["token"], task["taskToken"])
    task = api.get_activity_task(db, ARN, worker_name="dave", at=at(310))
    done = api.send_task_success(db, task["taskToken"], {"ok": True}, at=at(320))
    assert done["status"] == "SUCCEEDED" and done["redriveCount"] == 2
    kinds = types(db, "w")
    assert kinds.count("ActivityScheduled") == 3 and kinds.count("ActivityStarted") == 2
    assert kinds[4:6] == ["ExecutionFailed", "ExecutionRedriven"]  # no ActivityStarted before
    workers = [
        e["activityStartedEventDetails"].get("workerName")
        for e in api.history(db, "w")
        if e["type"] == "ActivityStarted"
    ]
    assert workers == ["carol", "dave"]
    assert api.replay(db, "w") is None


def test_an_express_execution_is_never_redriven(tmp_path):
    fails = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E"}}}
    done = api.run(
        tmp_path / "db", json.dumps(fails), state_machine_name="sm", name="exec", type="EXPRESS"
    )
    assert done["status"] == "FAILED" and ":express:" in done["executionArn"]
    with pytest.raises(RedriveError, match="EXPRESS"):
        api.redrive(tmp_path / "db", "exec")
    (listed,) = api.list_executions(tmp_path / "db")
    assert api.redrive_fields(listed)["redriveStatus"] == "NOT_REDRIVABLE"
    refused = CliRunner().invoke(app, ["redrive", "exec", "--db", str(tmp_path / "db")])
    assert refused.exit_code == 2 and "EXPRESS" in refused.stderr
    assert types(tmp_path / "db")[-1] == "ExecutionFailed"  # nothing written


# -- with nested executions (states:startExecution) --------------------------------------------


CHILD = {
    "StartAt": "Wait",
    "States": {
        "Wait": {"Type": "Wait", "Seconds": 10, "Next": "Charge"},
        "Charge": task("charge", End=True),
    },
}


def _nested(
    tmp_path, resource: str, then: dict | None = None, child: dict = CHILD, **handlers
) -> dict:
    from tests.test_nested import ACCOUNT_REGION

    call = {
        "Type": "Task",
        "Resource": f"arn:aws:states:::states:{resource}",
        "Parameters": {"StateMachineArn": f"{ACCOUNT_REGION}:stateMachine:charge"},
    }
    states = {"Call": dict(call, **({"Next": "Then"} if then else {"End": True}))}
    if then:
        states["Then"] = then
    return api.run(
        tmp_path / "db",
        json.dumps({"StartAt": "Call", "States": states}),
        {},
        state_machine_name="parent",
        name="p",
        seed=1,
        start_micros=START,
        state_machines={"charge": json.dumps(child)},
        handlers=handlers,
    )


def _children(db: Path) -> list[dict]:
    return [d for d in api.list_executions(db) if d.get("parentExecution")]


def test_a_redrive_runs_a_failed_sync_start_again_as_a_new_child_execution(tmp_path):
    db = tmp_path / "db"
    first = _nested(tmp_path, "startExecution.sync:2", Charge=failing)
    assert first["status"] == "FAILED" and first["error"] == "States.TaskFailed"
    (old,) = _children(db)
    before = api.history(db, old["name"])
    with pytest.raises(RedriveError, match="started by execution .*redrive the parent"):
        api.redrive(db, old["name"])
    result = api.redrive(db, "p", handlers={"Charge": charging})
    assert result["status"] == "SUCCEEDED" and result["redriveCount"] == 1
    new = next(d for d in _children(db) if d["name"] != old["name"])
    assert new["status"] == "SUCCEEDED" and new["parentExecution"] == first["executionArn"]
    # the child is an execution of its own, never redriven: its RedriveCount is 0
    assert json.loads(result["output"])["Output"] == {"charged": True, "redrives": 0}
    (same,) = [d for d in _children(db) if d["name"] == old["name"]]
    assert same["status"] == "FAILED" and api.history(db, old["name"]) == before
    assert types(db, "p").count("TaskSubmitted") == 2
    assert api.replay(db, "p") is None and api.replay(db, new["name"]) is None


@pytest.mark.parametrize("seconds", [None, 10, 60])
def test_a_fire_and_forget_child_runs_on_beside_a_redrive(tmp_path, seconds):
    db = tmp_path / "db"
    first = _nested(
        tmp_path, "startExecution", task("check", End=True), Then=failing, Charge=charging
    )
    assert first["status"] == "FAILED"
    (child,) = _children(db)
    assert child["status"] == "SUCCEEDED" and child["stopMicros"] == START + 10_000_000
    before = api.history(db, child["name"])
    # at once (when the child ended, after its parent), or later
    when = iso_aws(START + (seconds or 10) * 1_000_000)
    at = None if seconds is None else when
    result = api.redrive(db, "p", at=at, handlers={"Then": charging})
    assert result["status"] == "SUCCEEDED" and result["redriveDate"] == when
    assert [d["name"] for d in _children(db)] == [child["name"]]  # no second start
    assert api.history(db, child["name"]) == before  # its times as they were
    assert api.replay(db, "p") is None and api.replay(db, child["name"]) is None


@pytest.mark.parametrize("seconds", [0, 5])
def test_a_redrive_comes_after_what_its_child_executions_recorded(tmp_path, seconds):
    db = tmp_path / "db"
    _nested(tmp_path, "startExecution", task("check", End=True), Then=failing, Charge=charging)
    with pytest.raises(api.RunError, match="before execution p and its children last moved"):
        api.redrive(db, "p", at=iso_aws(START + seconds * 1_000_000))
    assert "ExecutionRedriven" not in types(db, "p")


def test_a_fire_and_forget_child_left_waiting_times_out_when_it_would_after_a_redrive(tmp_path):
    db = tmp_path / "db"
    ask = task("ask", TimeoutSeconds=30, End=True)
    ask["Resource"] = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    child = {"StartAt": "Ask", "States": {"Ask": ask}}
    _nested(tmp_path, "startExecution", task("check", End=True), child, Then=failing)
    (waiting,) = _children(db)
    # left waiting for its token when its parent ended (no process runs it: INTERRUPTED)
    assert waiting["status"] == "INTERRUPTED"
    result = api.redrive(db, "p", at=iso_aws(START + 60_000_000), handlers={"Then": charging})
    assert result["status"] == "SUCCEEDED"
    # time went on for the child up to the redrive: its Task timed out at its own deadline
    timed_out = [e for e in api.history(db, waiting["name"]) if e["type"] == "TaskTimedOut"]
    assert [e["timestamp"] for e in timed_out] == [iso_aws(START + 30_000_000)]
    (ended,) = _children(db)
    assert ended["status"] == "FAILED" and ended["stopMicros"] == START + 30_000_000
    assert api.replay(db, "p") is None


def test_a_fire_and_forget_child_goes_on_while_the_redriven_parent_waits(tmp_path):
    db = tmp_path / "db"
    ask = task("ask", TimeoutSeconds=30, End=True)
    ask["Resource"] = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    child = {
        "StartAt": "Wait",
        "States": {"Wait": {"Type": "Wait", "Seconds": 10, "Next": "Ask"}, "Ask": ask},
    }
    hold = dict(ask, TimeoutSeconds=None)
    del hold["TimeoutSeconds"]
    waiting = _nested(tmp_path, "startExecution", hold, child)
    (token,) = [w["token"] for w in waiting["waiting"] if w["state"] == "Then"]
    failed = api.send_task_failure(db, token, error="No", at=iso_aws(START + 5_000_000))
    assert failed["status"] == "FAILED"  # the child then went on to wait at its Ask
    assert types(db, _children(db)[0]["name"])[-1] == "TaskSubmitted"
    redriven = api.redrive(db, "p")  # at once: the parent waits at Then again
    (token,) = [w["token"] for w in redriven["waiting"] if w["state"] == "Then"]
    done = api.send_task_success(db, token, {"ok": True}, at=iso_aws(START + 50_000_000))
    assert done["status"] == "SUCCEEDED"
    # meanwhile the child, started before the redrive, timed out at its own deadline
    (ended,) = _children(db)
    assert ended["status"] == "FAILED" and ended["stopMicros"] == START + 40_000_000
    assert api.replay(db, "p") is None


def test_a_redriven_start_of_a_named_child_finds_the_name_taken(tmp_path):
    from tests.test_nested import ACCOUNT_REGION

    call = task("call", End=True)
    call["Resource"] = "arn:aws:states:::states:startExecution.sync:2"
    call["Parameters"] = {"StateMachineArn": f"{ACCOUNT_REGION}:stateMachine:c", "Name": "once"}
    db = tmp_path / "db"
    api.run(
        db,
        json.dumps({"StartAt": "Call", "States": {"Call": call}}),
        state_machine_name="parent",
        name="p",
        start_micros=START,
        state_machines={"c": json.dumps(CHILD)},
        handlers={"Charge": failing},
    )
    result = api.redrive(db, "p", handlers={"Charge": charging})  # as StartExecution would
    assert result["error"] == "StepFunctions.ExecutionAlreadyExistsException"
    assert [d["status"] for d in _children(db)] == ["FAILED"]
    assert api.replay(db, "p") is None
