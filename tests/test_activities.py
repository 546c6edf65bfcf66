"""Activities: the db's registry (`create-activity`, `list-activities`, `delete-activity`), an
activity Task that waits for a worker, `get-activity-task` handing it out (ActivityStarted with
the worker's name) and `send-task-*` answering it, on the virtual clock; replay reproduces it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from replay.clock import iso_aws, parse_iso
from tui.cli import app

START = parse_iso("2026-01-01T00:00:00Z")
ARN = "arn:aws:states:us-east-1:123456789012:activity:review"
runner = CliRunner()


def cli(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def at(seconds: float) -> str:
    return iso_aws(START + int(seconds * 1_000_000))


def review(timeout: int | None = 3600, heartbeat: int | None = 600, arn: str = ARN) -> dict:
    task: dict = {
        "Type": "Task",
        "Resource": arn,
        "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.err", "Next": "Handle"}],
        "Next": "Done",
    }
    if timeout:
        task["TimeoutSeconds"] = timeout
    if heartbeat:
        task["HeartbeatSeconds"] = heartbeat
    return {
        "StartAt": "Review",
        "States": {
            "Review": task,
            "Handle": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }


def start(db: Path, definition: dict | None = None, name: str = "w", seconds: int = 0) -> dict:
    return api.run(
        db,
        json.dumps(definition or review()),
        {"doc": name},
        state_machine_name="approve",
        name=name,
        seed=5,
        start_micros=START + seconds * 1_000_000,
    )


def history(db: Path, name: str = "w") -> list[dict]:
    return api.history(db, name)


def types(db: Path, name: str = "w") -> list[str]:
    return [event["type"] for event in history(db, name)]


@pytest.fixture()
def db(tmp_path) -> Path:
    path = tmp_path / "db"
    api.create_activity(path, "review")
    return path


# -- the registry -----------------------------------------------------------------------------


def test_create_activity_prints_the_arn_and_keeps_an_existing_one(tmp_path):
    db = tmp_path / "db"
    first = cli("create-activity", "review", "--db", db, "--account", "111122223333")
    assert first.exit_code == 0
    assert first.stdout.strip() == "arn:aws:states:us-east-1:111122223333:activity:review"
    created = api.list_activities(db)[0]["creationDate"]
    again = cli("create-activity", "review", "--db", db, "--account", "111122223333")
    assert again.stdout == first.stdout
    assert api.list_activities(db)[0]["creationDate"] == created  # the first one, kept
    cli("create-activity", "audit", "--db", db, "--region", "eu-west-1")
    listed = cli("list-activities", "--db", db, "--json")
    arns = [record["activityArn"] for record in json.loads(listed.stdout)]
    assert arns == [
        "arn:aws:states:eu-west-1:123456789012:activity:audit",
        "arn:aws:states:us-east-1:111122223333:activity:review",
    ]
    assert "activity:review" in cli("list-activities", "--db", db).stdout


def test_delete_activity_and_bad_input(tmp_path):
    db = tmp_path / "db"
    cli("create-activity", "review", "--db", db)
    assert cli("delete-activity", ARN, "--db", db).exit_code == 0
    assert cli("list-activities", "--db", db).stdout.strip() == "no activities"
    assert cli("delete-activity", ARN, "--db", db).exit_code == 0  # gone already: no error
    bad_name = cli("create-activity", "has space", "--db", db)
    assert bad_name.exit_code == 2 and "invalid activity name" in bad_name.stderr
    bad_arn = cli("delete-activity", "arn:aws:states:us-east-1:1:stateMachine:x", "--db", db)
    assert bad_arn.exit_code == 2 and "invalid activity ARN" in bad_arn.stderr
    missing = cli("get-activity-task", ARN, "--db", db)
    assert missing.exit_code == 2 and "ActivityDoesNotExist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


# -- an execution and its worker --------------------------------------------------------------


def test_the_execution_waits_for_a_worker_then_the_worker_answers(db):
    result = start(db)
    assert result["status"] == "RUNNING"
    waiting = result["waiting"][0]
    assert (waiting["state"], waiting["activity"], waiting["resource"]) == ("Review", True, ARN)
    assert types(db)[-1] == "ActivityScheduled"
    shown = cli("list", "--db", db).stdout
    assert "Review: a worker of " + ARN in shown
    assert api.describe_activity(db, ARN)["name"] == "review"

    taken = cli("get-activity-task", ARN, "--worker-name", "alice", "--at", at(90), "--db", db)
    assert taken.exit_code == 0
    task = json.loads(taken.stdout)
    assert task["taskToken"] == waiting["token"]
    assert json.loads(task["input"]) == {"doc": "w"}
    started = history(db)[-1]
    assert started["type"] == "ActivityStarted"
    assert started["activityStartedEventDetails"] == {"workerName": "alice"}
    assert started["timestamp"] == at(90)
    assert api.list_executions(db)[0]["waiting"][0]["workerName"] == "alice"
    assert json.loads(cli("get-activity-task", ARN, "--db", db).stdout) == {}  # none left

    done = cli("send-task-success", task["taskToken"], "--output", '{"ok":1}', "--at", at(300),
               "--db", db)  # fmt: skip
    assert done.exit_code == 0
    events = history(db)
    assert [e["type"] for e in events][3:6] == [
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
    ]
    assert events[4]["timestamp"] == at(300)
    assert events[4]["activitySucceededEventDetails"]["output"] == '{"ok":1}'
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert api.replay(db, "w") is None
    assert cli("replay", "w", "--db", db).stdout.strip() == "identical"


def test_a_worker_failure_is_an_activity_failure_that_catch_sees(db):
    start(db)
    token = api.get_activity_task(db, ARN, worker_name="bob")["taskToken"]
    result = api.send_task_failure(db, token, error="Rejected", cause="no", at=at(60))
    events = history(db)
    assert events[4]["type"] == "ActivityFailed"
    assert events[4]["activityFailedEventDetails"] == {"error": "Rejected", "cause": "no"}
    assert result["status"] == "SUCCEEDED" and "Handle" in [
        e.get("stateEnteredEventDetails", {}).get("name") for e in events
    ]
    assert api.replay(db, "w") is None


def test_the_worker_takes_the_task_at_the_time_the_execution_waits_at(db):
    start(db)
    token = api.get_activity_task(db, ARN)["taskToken"]  # no name, no time
    started = history(db)[-1]
    assert started["timestamp"] == at(0)
    assert started["activityStartedEventDetails"] == {}  # AWS leaves an unnamed worker out
    api.send_task_success(db, token, {"x": 1})
    assert api.replay(db, "w") is None


def test_the_oldest_task_goes_first_across_executions(db):
    start(db, name="late", seconds=50)
    start(db, name="early", seconds=10)
    first = api.get_activity_task(db, ARN, worker_name="a", at=at(100))
    second = api.get_activity_task(db, ARN, worker_name="b", at=at(100))
    assert json.loads(first["input"]) == {"doc": "early"}
    assert json.loads(second["input"]) == {"doc": "late"}
    assert api.get_activity_task(db, ARN) == {}
    api.send_task_success(db, second["taskToken"], {"who": "late"}, at=at(200))
    api.send_task_success(db, first["taskToken"], {"who": "early"}, at=at(200))
    for name in ("late", "early"):
        assert types(db, name)[-1] == "ExecutionSucceeded"
        assert api.replay(db, name) is None


def test_parallel_activity_tasks_wait_and_are_answered_one_by_one(db):
    one, two = ({"StartAt": name, "States": {name: {"Type": "Task", "Resource": ARN, "End": True}}}
                for name in ("One", "Two"))  # fmt: skip
    definition = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [one, two], "End": True}},
    }
    result = start(db, definition)
    state_of = {entry["token"]: entry["state"] for entry in result["waiting"]}
    assert sorted(state_of.values()) == ["One", "Two"]
    tasks = [api.get_activity_task(db, ARN, worker_name=f"w{i}", at=at(10 * i)) for i in (1, 2)]
    assert {task["taskToken"] for task in tasks} == set(state_of)
    api.send_task_success(db, tasks[1]["taskToken"], state_of[tasks[1]["taskToken"]], at=at(30))
    assert api.list_executions(db)[0]["status"] == "RUNNING"
    last = tasks[0]["taskToken"]
    done = api.send_task_success(db, last, state_of[last], at=at(40))
    assert json.loads(done["output"]) == ["One", "Two"]
    assert types(db).count("ActivityStarted") == 2
    assert api.replay(db, "w") is None


def test_an_answer_before_a_worker_took_the_task_is_refused(db):
    token = start(db)["waiting"][0]["token"]
    refused = cli("send-task-success", token, "--output", "{}", "--db", db)
    assert refused.exit_code == 2 and "TaskDoesNotExist" in refused.stderr
    assert types(db)[-1] == "ActivityScheduled"


# -- timeouts ---------------------------------------------------------------------------------


def test_a_task_no_worker_takes_times_out_on_timeout_seconds_only(db):
    start(db, review(timeout=100, heartbeat=10))
    assert api.get_activity_task(db, ARN, at=at(150)) == {}  # timed out before: not handed out
    events = history(db)
    timed_out = events[3]
    assert timed_out["type"] == "ActivityTimedOut"
    assert timed_out["timestamp"] == at(100)  # TimeoutSeconds, not the earlier HeartbeatSeconds
    assert timed_out["activityTimedOutEventDetails"]["error"] == "States.Timeout"
    assert events[-1]["type"] == "ExecutionFailed"
    assert api.replay(db, "w") is None


def test_heartbeat_seconds_count_from_the_workers_start(db):
    start(db, review(timeout=1000, heartbeat=10))
    token = api.get_activity_task(db, ARN, worker_name="w", at=at(50))["taskToken"]  # > 10 s
    api.send_task_heartbeat(db, token, at=at(58))
    late = api.send_task_success(db, token, {}, at=at(80))
    assert late["taskTimedOut"] == {"error": "States.HeartbeatTimeout", "at": at(68)}
    timed_out = history(db)[4]
    assert (timed_out["type"], timed_out["timestamp"]) == ("ActivityTimedOut", at(68))
    assert timed_out["activityTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"
    assert api.replay(db, "w") is None


def test_timeout_seconds_count_from_the_scheduling(db):
    start(db, review(timeout=100, heartbeat=None))
    token = api.get_activity_task(db, ARN, at=at(60))["taskToken"]
    late = api.send_task_success(db, token, {}, at=at(120))
    assert late["taskTimedOut"] == {"error": "States.Timeout", "at": at(100)}
    assert api.replay(db, "w") is None


# -- what the run recorded --------------------------------------------------------------------


def test_an_activity_that_does_not_exist_fails_as_before(db):
    other = "arn:aws:states:us-east-1:123456789012:activity:other"
    result = start(db, review(arn=other))
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    assert result["cause"].endswith("The activity other does not exist.")
    assert "ActivityScheduled" not in types(db)


def test_deleting_the_activity_leaves_started_executions_waiting(db):
    start(db)
    api.delete_activity(db, ARN)
    assert api.replay(db, "w") is None  # it still waits: the run recorded the activity
    api.create_activity(db, "review")  # to take the task (get-activity-task needs it)
    token = api.get_activity_task(db, ARN, worker_name="w", at=at(5))["taskToken"]
    api.delete_activity(db, ARN)
    assert api.replay(db, "w") is None
    assert api.send_task_success(db, token, {}, at=at(9))["status"] == "SUCCEEDED"
    assert api.replay(db, "w") is None


def test_a_branch_before_the_worker_started_waits_for_a_worker_again(db):
    start(db)
    api.send_task_success(db, api.get_activity_task(db, ARN, at=at(5))["taskToken"], {})
    branched = api.branch(db, "w", 3, name="again")
    assert branched["status"] == "RUNNING"
    assert branched["waiting"][0]["activity"] and "startedMicros" not in branched["waiting"][0]
    task = api.get_activity_task(db, ARN, worker_name="carol", at=at(7))
    assert task and history(db, "again")[-1]["activityStartedEventDetails"]["workerName"] == (
        "carol"
    )
    api.send_task_success(db, task["taskToken"], {"b": 1}, at=at(8), execution="again")
    assert types(db, "again")[-1] == "ExecutionSucceeded"
    assert api.replay(db, "again") is None


def test_a_task_aborted_while_it_waits_for_a_worker_replays(db):
    waits = {"StartAt": "Review", "States": {"Review": {"Type": "Task", "Resource": ARN,
                                                        "End": True}}}  # fmt: skip
    fails = {"StartAt": "Pause", "States": {
        "Pause": {"Type": "Wait", "Seconds": 5, "Next": "Boom"},
        "Boom": {"Type": "Fail", "Error": "Boom"}}}  # fmt: skip
    definition = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": [waits, fails], "End": True}},
    }
    assert start(db, definition)["status"] == "RUNNING"  # the Wait ends after it waits
    assert api.get_activity_task(db, ARN, at=at(10)) == {}  # it went on: the task was aborted
    assert types(db)[-1] == "ExecutionFailed"
    assert "TaskStateAborted" in types(db) and "ActivityStarted" not in types(db)
    assert api.replay(db, "w") is None


def test_a_stopped_execution_that_waited_for_a_worker_replays(db):
    start(db)
    api.stop_execution(db, "w", error="Stop")
    assert types(db)[-2:] == ["ActivityScheduled", "ExecutionAborted"]
    assert api.replay(db, "w") is None


def test_an_imported_history_replays_with_its_workers_name(tmp_path):
    db = tmp_path / "db"
    handlers = {"Review": lambda value, context: {"seen": value}}
    text = json.dumps(review())
    api.run(db, text, {"a": 1}, state_machine_name="m", name="w", seed=1, handlers=handlers)
    exported = api.export(db, "w")
    for event in exported["events"]:
        if event["type"] == "ActivityStarted":
            event["activityStartedEventDetails"]["workerName"] = "consumer"
    api.import_history(db, [exported], text, state_machine_name="m", name="copy")
    assert history(db, "copy")[3]["activityStartedEventDetails"] == {"workerName": "consumer"}
    assert api.replay(db, "copy") is None


def test_a_worker_cannot_take_a_task_before_its_execution_waits(db):
    start(db, seconds=100)
    early = cli("get-activity-task", ARN, "--at", at(50), "--db", db)
    assert early.exit_code == 2 and "--at is before the execution's last" in early.stderr
    assert types(db)[-1] == "ActivityScheduled"
