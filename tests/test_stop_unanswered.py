"""What `serve` needs of the core: StopExecution (`api.stop_execution`), a Task nothing answers
failing the execution (`unanswered="fail"`, kept in the record for the runs that go on), and a
restarted server going on with the executions it was running."""

from __future__ import annotations

import json

import pytest

from replay import api
from tests.helpers import START
from tests.serve_helpers import WAIT_FOR_TOKEN, client

CHARGE = "arn:aws:lambda:us-east-1:123456789012:function:charge"
THEN_CHARGE = {
    "StartAt": "Ask",
    "States": {
        "Ask": {**WAIT_FOR_TOKEN["States"]["Ask"], "Catch": [], "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": CHARGE, "End": True},
    },
}
DIRECT = {"StartAt": "Charge", "States": {"Charge": THEN_CHARGE["States"]["Charge"]}}


def start(db, definition: dict, name: str = "e", **kwargs) -> dict:
    return api.run(
        db,
        json.dumps(definition),
        {"n": 1},
        state_machine_name="m",
        name=name,
        seed=3,
        start_micros=START,
        **kwargs,
    )


def test_stop_aborts_a_waiting_execution_and_replay_reproduces_it(tmp_path):
    db = tmp_path / "db"
    assert start(db, WAIT_FOR_TOKEN)["status"] == "RUNNING"
    out = api.stop_execution(db, "e", error="Manual", cause="why", now_micros=START + 5_000_000)
    assert (out["status"], out["error"], out["cause"]) == ("ABORTED", "Manual", "why")
    last = api.history(db, "e")[-1]
    assert last["type"] == "ExecutionAborted" and last["timestamp"].startswith(
        "2026-01-01T00:00:05"
    )
    (doc,) = api.list_executions(db)
    assert doc["status"] == "ABORTED" and "waiting" not in doc
    assert api.replay(db, "e") is None
    with pytest.raises(api.ExecutionNotRunning):
        api.stop_execution(db, "e")


def test_stop_never_goes_back_in_virtual_time(tmp_path):
    db = tmp_path / "db"
    start(db, WAIT_FOR_TOKEN)
    api.stop_execution(db, "e", now_micros=START - 10**9)  # a clock behind the execution's
    assert api.history(db, "e")[-1]["timestamp"] == api.history(db, "e")[-2]["timestamp"]


def test_unanswered_fail_fails_the_task_and_answered_runs_keep_it(tmp_path):
    db = tmp_path / "db"
    failed = start(db, DIRECT, "direct", unanswered="fail")
    assert (failed["status"], failed["error"]) == ("FAILED", "States.TaskFailed")
    assert "'Charge'" in failed["cause"] and CHARGE in failed["cause"]
    with pytest.raises(api.RunError):  # without it, the run stops (exit 2 on the command line)
        start(db, DIRECT, "stops")
    assert start(db, THEN_CHARGE, "later", unanswered="fail")["status"] == "RUNNING"
    token = api.list_executions(db)[1]["waiting"][0]["token"]
    after = api.send_task_success(db, token, {"ok": True})
    assert (after["status"], after["error"]) == ("FAILED", "States.TaskFailed")


def test_send_task_success_at_the_wall_clock_times_out_a_task_past_its_limit(tmp_path):
    db = tmp_path / "db"
    definition = json.loads(json.dumps(WAIT_FOR_TOKEN))
    definition["States"]["Ask"]["TimeoutSeconds"] = 60
    start(db, definition)
    token = api.list_executions(db)[0]["waiting"][0]["token"]
    result = api.send_task_success(db, token, {}, now_micros=START + 61_000_000)
    assert result["taskTimedOut"]["error"] == "States.Timeout"


def test_a_restarted_server_goes_on_with_the_execution_it_was_running(tmp_path):
    from replay.endpoint.local import running

    db = tmp_path / "db"

    def killed(value, context):
        raise KeyboardInterrupt  # the server stops in the middle of the run

    with pytest.raises(KeyboardInterrupt):
        start(db, DIRECT, "cut", unanswered="fail", handlers={"Charge": killed})
    assert api.list_executions(db)[0]["status"] == "INTERRUPTED"
    with running(db) as url:
        sfn = client(url)
        arn = "arn:aws:states:us-east-1:123456789012:execution:m:cut"
        out = sfn.describe_execution(executionArn=arn)
    assert (out["status"], out["error"]) == ("FAILED", "States.TaskFailed")


def test_a_request_for_an_execution_not_yet_run_runs_it_first(tmp_path):
    """StartExecution queues the run; a history, a stop or a describe of the state machine for it
    that another client sends before the run's turn sees it run (describe: RUNNING)."""
    from replay.endpoint import executions, machines
    from replay.endpoint.context import Caller, Server

    queued: list = []
    server = Server(db=tmp_path / "db", clock=lambda: START, submit=queued.append)
    caller = Caller()
    arn = machines.create(
        server,
        caller,
        {"name": "m", "definition": json.dumps(DIRECT), "roleArn": "arn:aws:iam::1:role/r"},
    )["stateMachineArn"]
    started = [executions.start(server, caller, {"stateMachineArn": arn, "name": n}) for n in "ab"]
    a, b = (s["executionArn"] for s in started)
    assert executions.describe(server, caller, {"executionArn": a})["status"] == "RUNNING"
    events = executions.history(server, caller, {"executionArn": a})["events"]
    assert events[-1]["type"] == "ExecutionFailed"  # Charge: nothing answers it
    assert executions.describe_machine_for(server, caller, {"executionArn": b})["name"] == "m"
    assert executions.describe(server, caller, {"executionArn": b})["status"] == "FAILED"
    for job in queued:  # the queued runs find them done
        job()
    assert [e["type"] for e in api.history(tmp_path / "db", "a")].count("ExecutionStarted") == 1
