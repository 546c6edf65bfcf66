"""Task tokens: a `.waitForTaskToken` Task nothing answers makes the execution wait;
`send-task-success`, `send-task-failure` and `send-task-heartbeat` continue it, later, on the
virtual clock, from another process."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from replay import api
from replay.clock import iso_aws, parse_iso
from replay.runner import RunError
from tests.helpers import mock_config

REPO = Path(__file__).resolve().parent.parent
START = parse_iso("2026-01-01T00:00:00Z")
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/approvals"


def approval(timeout: int | None = 3600, heartbeat: int | None = 600) -> dict:
    ask: dict = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": QUEUE, "MessageBody": {"token.$": "$$.Task.Token"}},
        "Catch": [
            {
                "ErrorEquals": ["States.Timeout", "States.HeartbeatTimeout", "Rejected"],
                "ResultPath": "$.err",
                "Next": "Handle",
            }
        ],
        "Next": "Done",
    }
    if timeout:
        ask["TimeoutSeconds"] = timeout
    if heartbeat:
        ask["HeartbeatSeconds"] = heartbeat
    return {
        "StartAt": "Ask",
        "States": {
            "Ask": ask,
            "Handle": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }


def start(db: Path, definition: dict | None = None, name: str = "w", seed: int = 5) -> dict:
    return api.run(
        db,
        json.dumps(definition or approval()),
        {"order": 7},
        state_machine_name="approve",
        name=name,
        seed=seed,
        start_micros=START,
    )


def at(seconds: float) -> str:
    return iso_aws(START + int(seconds * 1_000_000))


def types(db: Path, name: str = "w") -> list[str]:
    return [event["type"] for event in api.history(db, name)]


def test_the_execution_waits_with_its_token_recorded(tmp_path):
    db = tmp_path / "db"
    result = start(db)
    assert result["status"] == "RUNNING"
    token = result["waiting"][0]["token"]
    assert result["waiting"][0]["state"] == "Ask"
    assert types(db)[-3:] == ["TaskScheduled", "TaskStarted", "TaskSubmitted"]
    sent = json.loads(api.history(db, "w")[2]["taskScheduledEventDetails"]["parameters"])
    assert sent["MessageBody"]["token"] == token  # $$.Task.Token is the token to answer
    (listed,) = api.list_executions(db)
    assert listed["status"] == "RUNNING" and listed["waiting"][0]["token"] == token
    assert api.replay(db, "w") is None  # a waiting execution replays to where it waits


def test_success_continues_at_the_time_given(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    result = api.send_task_success(db, token, {"approved": True}, at=at(300))
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"approved": True}
    events = api.history(db, "w")
    succeeded = next(e for e in events if e["type"] == "TaskSucceeded")
    assert succeeded["timestamp"] == at(300)
    assert api.replay(db, "w") is None  # the record answers the callback again, alike


def test_by_default_the_answer_comes_at_the_time_the_execution_waits_at(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    api.send_task_success(db, token, {})
    assert api.history(db, "w")[-1]["timestamp"] == at(0)


def test_failure_is_caught_like_any_task_error(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    result = api.send_task_failure(db, token, error="Rejected", cause="no budget", at=at(60))
    assert json.loads(result["output"])["err"] == {"Error": "Rejected", "Cause": "no budget"}
    assert "TaskFailed" in types(db) and "PassStateEntered" in types(db)


def test_an_answer_after_the_heartbeat_finds_the_task_timed_out(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    result = api.send_task_success(db, token, {"late": True}, at=at(7200))
    assert result["taskTimedOut"] == {"error": "States.HeartbeatTimeout", "at": at(600)}
    timed_out = next(e for e in api.history(db, "w") if e["type"] == "TaskTimedOut")
    assert timed_out["timestamp"] == at(600)
    assert json.loads(result["output"])["err"]["Error"] == "States.HeartbeatTimeout"


def test_heartbeats_keep_the_task_alive_and_replay_times_it_alike(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    for seconds in (500, 1000, 1500):
        assert api.send_task_heartbeat(db, token, at=at(seconds))["status"] == "RUNNING"
    result = api.send_task_success(db, token, {"ok": 1}, at=at(2000))
    assert json.loads(result["output"]) == {"ok": 1} and "taskTimedOut" not in result
    assert "TaskTimedOut" not in types(db)
    assert api.replay(db, "w") is None


def test_an_answer_may_come_at_the_moment_of_the_last_heartbeat(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    api.send_task_heartbeat(db, token, at=at(500))
    assert api.send_task_success(db, token, {"ok": 1}, at=at(500))["status"] == "SUCCEEDED"


def test_a_heartbeat_keeps_only_its_own_task_alive(tmp_path):
    db = tmp_path / "db"
    tokens = tokens_by_state(start(db, parallel(ask("A", heartbeat=600), ask("B", heartbeat=600))))
    api.send_task_heartbeat(db, tokens["B"], at=at(500))
    # at 900 s: A had no heartbeat (timed out at 600), B's heartbeat at 500 keeps it alive
    result = api.send_task_heartbeat(db, tokens["B"], at=at(900))
    assert result["status"] == "FAILED" and result["error"] == "States.HeartbeatTimeout"
    timed_out = [e for e in api.history(db, "w") if e["type"] == "TaskTimedOut"]
    assert [e["timestamp"] for e in timed_out] == [at(600)]


def test_a_waiting_task_s_heartbeats_count_while_another_is_answered(tmp_path):
    db = tmp_path / "db"
    tokens = tokens_by_state(start(db, parallel(ask("A"), ask("B", heartbeat=600))))
    api.send_task_heartbeat(db, tokens["B"], at=at(500))
    still = api.send_task_success(db, tokens["A"], {"a": 1}, at=at(900))
    assert still["status"] == "RUNNING" and list(tokens_by_state(still)) == ["B"]
    assert "TaskTimedOut" not in types(db)  # B's deadline is 500 + 600, not 600


def test_timeout_seconds_bounds_the_wait_whatever_the_heartbeats(tmp_path):
    db = tmp_path / "db"
    token = start(db, approval(timeout=1000, heartbeat=600))["waiting"][0]["token"]
    api.send_task_heartbeat(db, token, at=at(500))
    result = api.send_task_heartbeat(db, token, at=at(1050))  # the heartbeat comes too late
    assert result["taskTimedOut"] == {"error": "States.Timeout", "at": at(1000)}
    assert result["status"] == "SUCCEEDED"


def test_an_unknown_token_is_task_does_not_exist(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    api.send_task_success(db, token, {})
    with pytest.raises(RunError, match="TaskDoesNotExist"):
        api.send_task_success(db, token, {})


def test_an_answer_before_the_recorded_time_is_refused(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    api.send_task_heartbeat(db, token, at=at(100))
    with pytest.raises(RunError, match="before the execution's last recorded moment"):
        api.send_task_success(db, token, {}, at=at(50))


def test_two_executions_waiting_on_one_token_must_be_named(tmp_path):
    db = tmp_path / "db"
    token = start(db, name="a")["waiting"][0]["token"]
    assert start(db, name="b")["waiting"][0]["token"] == token  # the same seed, the same token
    with pytest.raises(RunError, match="name one with --execution"):
        api.send_task_success(db, token, {})
    assert api.send_task_success(db, token, {}, execution="b")["name"] == "b"
    assert api.send_task_success(db, token, {})["name"] == "a"


def test_a_mock_still_answers_a_callback(tmp_path):
    db = tmp_path / "db"
    mocks = mock_config({"Ask": {"0": {"Return": {"approved": 1}, "Delay": 30}}}, "approve")
    result = api.run(
        db,
        json.dumps(approval()),
        {},
        state_machine_name="approve",
        name="m",
        seed=1,
        start_micros=START,
        mocks=mocks,
        test_case="t",
    )
    assert result["status"] == "SUCCEEDED"
    events = api.history(db, "m")
    submitted = next(e for e in events if e["type"] == "TaskSubmitted")
    assert submitted["timestamp"] == at(0)  # the token is sent at once; the answer comes later
    assert next(e for e in events if e["type"] == "TaskSucceeded")["timestamp"] == at(30)


def test_a_branch_before_the_answer_waits_again(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    api.send_task_success(db, token, {"first": 1}, at=at(10))
    branch = api.branch(db, "w", 5, name="again")
    assert branch["status"] == "RUNNING" and branch["waiting"][0]["state"] == "Ask"
    result = api.send_task_success(db, token, {"second": 2}, execution="again")
    assert json.loads(result["output"]) == {"second": 2}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_from_the_command_line(tmp_path):
    db = str(tmp_path / "db")
    definition = tmp_path / "approve.json"
    definition.write_text(json.dumps(approval()))
    started = cli("run", str(definition), "--db", db, "--name", "w", "--seed", "3")
    assert started.returncode == 0, started.stderr  # waiting is not a failure
    assert "waiting at state Ask for task token" in started.stdout
    listed = cli("list", "--db", db)
    token = listed.stdout.split("(waiting for task tokens: Ask: ")[1].split(")")[0]
    late = cli(
        "send-task-success",
        token,
        "--output",
        '{"ok": true}',
        "--at",
        "2100-01-01T00:00:00Z",
        "--db",
        db,
    )
    assert late.returncode == 0 and "SUCCEEDED" in late.stdout
    assert late.stderr.startswith("sfn-replay: TaskTimedOut: the task had timed out")
    gone = cli("send-task-failure", token, "--error", "E", "--db", db)
    assert gone.returncode == 2
    assert gone.stderr.strip().splitlines() == [
        f"sfn-replay: TaskDoesNotExist: no execution in the db waits for task token {token}"
    ]


def ask(name: str, timeout: int | None = None, heartbeat: int | None = None) -> dict:
    state: dict = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": QUEUE, "MessageBody": {"token.$": "$$.Task.Token"}},
        "End": True,
    }
    if timeout:
        state["TimeoutSeconds"] = timeout
    if heartbeat:
        state["HeartbeatSeconds"] = heartbeat
    return {"StartAt": name, "States": {name: state}}


def parallel(*branches: dict, timeout: int | None = None) -> dict:
    definition: dict = {
        "StartAt": "Both",
        "States": {"Both": {"Type": "Parallel", "Branches": list(branches), "End": True}},
    }
    if timeout:
        definition["TimeoutSeconds"] = timeout
    return definition


def tokens_by_state(result: dict) -> dict[str, str]:
    return {w["state"]: w["token"] for w in result["waiting"]}


def test_parallel_branches_wait_for_their_tokens_together(tmp_path):
    db = tmp_path / "db"
    tokens = tokens_by_state(start(db, parallel(ask("A"), ask("B"))))
    assert set(tokens) == {"A", "B"}  # both tokens are out before anyone answers
    assert types(db).count("TaskSubmitted") == 2
    still = api.send_task_success(db, tokens["B"], {"b": 1}, at=at(10))
    assert still["status"] == "RUNNING" and tokens_by_state(still) == {"A": tokens["A"]}
    assert api.replay(db, "w") is None
    branch = api.branch(db, "w", len(api.history(db, "w")), name="fork")
    assert tokens_by_state(branch) == {"A": tokens["A"]}  # the branch waits where it was taken
    done = api.send_task_success(db, tokens["A"], {"a": 1}, at=at(20), execution="w")
    assert json.loads(done["output"]) == [{"a": 1}, {"b": 1}]
    times = [e["timestamp"] for e in api.history(db, "w")]
    assert times == sorted(times)
    assert api.replay(db, "w") is None


def test_other_branches_go_on_up_to_the_time_of_the_answer(tmp_path):
    db = tmp_path / "db"
    waiter = {
        "StartAt": "Nap",
        "States": {"Nap": {"Type": "Wait", "Seconds": 60, "Next": "Then"}, **ask("Then")["States"]},
    }
    tokens = tokens_by_state(start(db, parallel(ask("A"), waiter)))
    assert list(tokens) == ["A"]  # the Wait has not ended: nothing is known of 60 s later yet
    assert "WaitStateExited" not in types(db)
    later = api.send_task_success(db, tokens["A"], {}, at=at(100))
    assert tokens_by_state(later).keys() == {"Then"}
    events = api.history(db, "w")
    exited = next(e for e in events if e["type"] == "WaitStateExited")
    answered = next(e for e in events if e["type"] == "TaskSucceeded")
    assert (exited["timestamp"], answered["timestamp"]) == (at(60), at(100))
    assert events.index(exited) < events.index(answered)


def test_a_waiting_task_times_out_while_another_is_answered(tmp_path):
    db = tmp_path / "db"
    tokens = tokens_by_state(start(db, parallel(ask("A"), ask("B", timeout=30))))
    result = api.send_task_success(db, tokens["A"], {}, at=at(100))
    assert result["status"] == "FAILED" and result["error"] == "States.Timeout"
    timed_out = next(e for e in api.history(db, "w") if e["type"] == "TaskTimedOut")
    assert timed_out["timestamp"] == at(30)
    assert api.replay(db, "w") is None


def test_the_execution_times_out_while_it_waits(tmp_path):
    db = tmp_path / "db"
    token = start(db, parallel(ask("A"), timeout=50))["waiting"][0]["token"]
    result = api.send_task_success(db, token, {}, at=at(80))
    assert result["status"] == "TIMED_OUT"
    assert api.history(db, "w")[-1]["timestamp"] == at(50)


def test_a_cancelled_waiting_task_is_not_waited_for(tmp_path):
    db = tmp_path / "db"
    failing = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Boom"}}}
    both = parallel(ask("A"), failing)["States"]["Both"]
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": dict(
                both,
                End=False,
                Next="Nap",
                Catch=[{"ErrorEquals": ["Boom"], "Next": "Nap"}],
            ),
            "Nap": {"Type": "Wait", "Seconds": 10, "End": True},
        },
    }
    result = start(db, definition)
    assert result["status"] == "SUCCEEDED" and "waiting" not in result
    assert api.history(db, "w")[-1]["timestamp"] == at(10)


def test_an_answer_exactly_at_the_heartbeat_limit_is_too_late(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    result = api.send_task_success(db, token, {}, at=at(600))
    assert result["taskTimedOut"] == {"error": "States.HeartbeatTimeout", "at": at(600)}


def submitted_output(db: Path, name: str = "w") -> dict:
    (event,) = [e for e in api.history(db, name) if e["type"] == "TaskSubmitted"]
    return json.loads(event["taskSubmittedEventDetails"]["output"])


def test_the_sent_message_s_response_is_recorded_and_replayed(tmp_path):
    db = tmp_path / "db"
    token = start(db)["waiting"][0]["token"]
    out = submitted_output(db)
    body = json.dumps({"token": token}, separators=(",", ":"))  # sent as its JSON text
    assert out["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert out["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "106"
    api.send_task_success(db, token, {"approved": True}, at=at(60))
    assert submitted_output(db) == out  # going on re-runs the submit alike
    assert api.replay(db, "w") is None


def test_a_record_with_an_empty_submit_still_replays(tmp_path, monkeypatch):
    """Records made before TaskSubmitted carried the send's response say `{}`."""
    from replay import replay_all

    db = tmp_path / "db"
    api.send_task_success(db, start(db)["waiting"][0]["token"], {"ok": 1}, at=at(5))
    recorded_run = replay_all.recorded_run

    def older(log, doc):
        events, input_value, seed = recorded_run(log, doc)
        events = [dict(event) for event in events]
        for event in events:
            if event["type"] == "TaskSubmitted":
                key = "taskSubmittedEventDetails"
                event[key] = dict(event[key], output="{}")
        return events, input_value, seed

    monkeypatch.setattr(replay_all, "recorded_run", older)
    assert api.replay(db, "w") is None
