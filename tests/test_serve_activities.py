"""`serve`: activities through boto3 (CreateActivity, DescribeActivity, ListActivities,
DeleteActivity, GetActivityTask's long poll, then SendTaskSuccess from the worker)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError

from replay.endpoint.local import running
from tests.serve_helpers import ROLE, check_shapes, client


def review(arn: str) -> str:
    return json.dumps(
        {
            "StartAt": "Review",
            "States": {"Review": {"Type": "Task", "Resource": arn, "End": True}},
        }
    )


def wait_done(sfn, arn: str) -> dict:
    for _ in range(400):
        out = sfn.describe_execution(executionArn=arn)
        if out["status"] != "RUNNING":
            return out
        time.sleep(0.005)
    return out


def code(exc: pytest.ExceptionInfo) -> str:
    return exc.value.response["Error"]["Code"]


def test_a_worker_takes_and_answers_an_activity_task_through_boto3(tmp_path):
    raw: list = []
    with running(tmp_path / "db", poll_seconds=5) as url:
        sfn = client(url, raw=raw)
        arn = sfn.create_activity(name="review", tags=[{"key": "t", "value": "1"}])["activityArn"]
        assert arn == "arn:aws:states:us-east-1:123456789012:activity:review"
        assert sfn.create_activity(name="review")["activityArn"] == arn  # idempotent
        assert sfn.describe_activity(activityArn=arn)["name"] == "review"
        assert [a["activityArn"] for a in sfn.list_activities()["activities"]] == [arn]
        machine = sfn.create_state_machine(name="m", definition=review(arn), roleArn=ROLE)
        with ThreadPoolExecutor(1) as pool:  # the worker polls before any task exists
            worker = client(url)
            polled = pool.submit(worker.get_activity_task, activityArn=arn, workerName="w1")
            time.sleep(0.1)
            execution = sfn.start_execution(
                stateMachineArn=machine["stateMachineArn"], input='{"a": 1}'
            )["executionArn"]
            task = polled.result(timeout=5)
        assert json.loads(task["input"]) == {"a": 1}
        events = sfn.get_execution_history(executionArn=execution)["events"]
        assert events[-1]["type"] == "ActivityStarted"
        assert events[-1]["activityStartedEventDetails"] == {"workerName": "w1"}
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        sfn.send_task_success(taskToken=task["taskToken"], output='{"ok": true}')
        done = wait_done(sfn, execution)
        assert (done["status"], json.loads(done["output"])) == ("SUCCEEDED", {"ok": True})
        events = sfn.get_execution_history(executionArn=execution)["events"]
        assert "ActivitySucceeded" in [e["type"] for e in events]
        sfn.delete_activity(activityArn=arn)
        with pytest.raises(ClientError) as missing:
            sfn.describe_activity(activityArn=arn)
        assert code(missing) == "ActivityDoesNotExist"
        with pytest.raises(ClientError) as bad:
            sfn.get_activity_task(activityArn="arn:aws:states:us-east-1:1:stateMachine:x")
        assert code(bad) == "InvalidArn"
        with pytest.raises(ClientError) as bad_name:
            sfn.create_activity(name="a b")
        assert code(bad_name) == "InvalidName"
    check_shapes(raw)


def test_the_long_poll_ends_empty_after_its_time(tmp_path):
    raw: list = []
    with running(tmp_path / "db", poll_seconds=0.3) as url:
        sfn = client(url, raw=raw)
        arn = sfn.create_activity(name="idle")["activityArn"]
        began = time.monotonic()
        out = sfn.get_activity_task(activityArn=arn, workerName="w")
        waited = time.monotonic() - began
        assert "taskToken" not in out and "input" not in out
        assert 0.3 <= waited < 3
        with pytest.raises(ClientError) as missing:
            sfn.get_activity_task(activityArn=arn.replace("idle", "none"))
        assert code(missing) == "ActivityDoesNotExist"
    check_shapes(raw)


def test_an_activity_that_does_not_exist_fails_the_execution(tmp_path):
    with running(tmp_path / "db") as url:
        sfn = client(url)
        arn = "arn:aws:states:us-east-1:123456789012:activity:ghost"
        machine = sfn.create_state_machine(name="m", definition=review(arn), roleArn=ROLE)
        execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])
        done = wait_done(sfn, execution["executionArn"])
        assert (done["status"], done["error"]) == ("FAILED", "States.Runtime")
        assert done["cause"].endswith("The activity ghost does not exist.")


def test_a_server_that_stops_ends_its_long_polls(tmp_path):
    with ThreadPoolExecutor(1) as pool:
        with running(tmp_path / "db", poll_seconds=30) as url:
            sfn = client(url)
            arn = sfn.create_activity(name="idle")["activityArn"]
            polled = pool.submit(sfn.get_activity_task, activityArn=arn)
            time.sleep(0.2)
            began = time.monotonic()
        assert time.monotonic() - began < 3  # not the 30 s of the poll
        assert "taskToken" not in polled.result(timeout=3)
