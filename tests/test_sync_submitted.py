"""A mocked `.sync` Task records AWS's sequence through the CLI: TaskSubmitted at once with the
start call's response (made from the mock's answer), then the job's end after the mock's Delay
(TaskSucceeded, TaskFailed with the mock's error, TaskTimedOut); replay reproduces it, and an
older record (TaskSubmitted `{}` at the job's end) still replays identically."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from replay import api, replay_all
from replay.recorded import RecordedWorld
from tui.cli import app

runner = CliRunner()
BATCH = "arn:aws:states:::batch:submitJob.sync"
GLUE = "arn:aws:states:::glue:startJobRun.sync"
JOB = {
    "JobArn": "arn:aws:batch:us-east-1:123456789012:job/4a1c",
    "JobId": "4a1c",
    "JobName": "nightly",
    "Status": "SUCCEEDED",
}


def cli(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def run_job(tmp_path, response: dict, resource: str = BATCH, state: dict | None = None):
    """Run a one-Task machine through the CLI; its history (AWS shape) as (type, details, t)."""
    definition = {
        "StartAt": "Job",
        "States": {
            "Job": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"JobName": "nightly", "JobQueue": "q", "JobDefinition": "d"},
                "End": True,
                **(state or {}),
            }
        },
    }
    mocks = {
        "StateMachines": {"jobs": {"TestCases": {"t": {"Job": "Job"}}}},
        "MockedResponses": {"Job": {"0": response}},
    }
    files = {"def.json": definition, "mocks.json": mocks}
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, value in files.items():
        (tmp_path / name).write_text(json.dumps(value))
    db = tmp_path / "db"
    result = cli(
        "run", tmp_path / "def.json", "--mock-config", tmp_path / "mocks.json",
        "--test-case", "t", "--state-machine-name", "jobs", "--name", "e", "--db", db,
        "--seed", "1", "--start-time", "2024-03-11T01:11:28Z",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    shown = cli("history", "e", "--db", db, "--format", "aws")
    assert shown.exit_code == 0, shown.output
    return [
        (e["type"], next((v for k, v in e.items() if k.endswith("Details")), {}), e["timestamp"])
        for e in json.loads(shown.output)["events"]
    ]


def task_part(events):
    return [(kind, details, at) for kind, details, at in events if kind.startswith("Task")][1:]


def test_a_batch_job_is_submitted_at_once_with_the_submit_job_response(tmp_path):
    events = task_part(run_job(tmp_path, {"Return": JOB, "Delay": 30}))
    assert [kind for kind, _, _ in events] == [
        "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited",
    ]  # fmt: skip
    (_, submitted, at), (_, succeeded, done) = events[2], events[3]
    output = json.loads(submitted["output"])
    assert {k: output[k] for k in ("JobArn", "JobId", "JobName")} == {
        k: JOB[k] for k in ("JobArn", "JobId", "JobName")
    }
    headers = output["SdkHttpMetadata"]["HttpHeaders"]
    assert headers["Date"] == "Mon, 11 Mar 2024 01:11:28 GMT"
    assert output["SdkResponseMetadata"]["RequestId"] == headers["x-amzn-RequestId"]
    assert at.startswith("2024-03-11T01:11:28.000") and done.startswith("2024-03-11T01:11:58.000")
    assert json.loads(succeeded["output"]) == JOB
    assert cli("replay", "e", "--db", tmp_path / "db").output.strip() == "identical"


def test_a_glue_job_without_ids_in_the_mock_gets_drawn_ones_the_same_every_run(tmp_path):
    first = task_part(run_job(tmp_path / "a", {"Return": {"JobRunState": "SUCCEEDED"}}, GLUE))
    again = task_part(run_job(tmp_path / "b", {"Return": {"JobRunState": "SUCCEEDED"}}, GLUE))
    output = json.loads(first[2][1]["output"])
    assert output["JobRunId"].startswith("jr_") and output["JobName"] == "nightly"
    assert first[2] == again[2]


def test_a_job_that_fails_is_submitted_then_fails_with_the_mock_s_error(tmp_path):
    cause = json.dumps({**JOB, "Status": "FAILED", "StatusReason": "Essential container exited"})
    throw = {"Throw": {"Error": "States.TaskFailed", "Cause": cause}, "Delay": 5}
    events = task_part(run_job(tmp_path, throw))
    kinds = [kind for kind, _, _ in events]
    assert kinds[:4] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskFailed"]
    assert json.loads(events[2][1]["output"])["JobId"] == "4a1c"  # from the described job
    assert (events[3][1]["error"], events[3][1]["cause"]) == ("States.TaskFailed", cause)
    assert cli("replay", "e", "--db", tmp_path / "db").output.strip() == "identical"


def test_a_job_that_times_out_was_submitted_first(tmp_path):
    events = task_part(
        run_job(tmp_path, {"Return": JOB, "Delay": 60}, state={"TimeoutSeconds": 10})
    )
    kinds = [kind for kind, _, _ in events]
    assert kinds[:4] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskTimedOut"]
    assert events[2][2].startswith("2024-03-11T01:11:28.000")
    assert events[3][2].startswith("2024-03-11T01:11:38.000")
    assert cli("replay", "e", "--db", tmp_path / "db").output.strip() == "identical"


def test_a_mock_may_give_the_submit_response_itself(tmp_path):
    submit = {"JobArn": "arn:given", "JobId": "given", "JobName": "nightly"}
    events = task_part(run_job(tmp_path, {"Return": JOB, "Submitted": submit}))
    assert events[2][0] == "TaskSubmitted"
    assert json.loads(events[2][1]["output"]) == submit  # as given: no metadata added
    assert cli("replay", "e", "--db", tmp_path / "db").output.strip() == "identical"


def test_an_older_record_with_an_empty_submit_at_the_job_s_end_still_replays(tmp_path, monkeypatch):
    """Records made before TaskSubmitted carried the response: `{}`, at the job's end."""
    run_job(tmp_path, {"Return": JOB, "Delay": 30})
    recorded_run = replay_all.recorded_run

    def older(log, doc):
        events, input_value, seed = recorded_run(log, doc)
        events = [dict(event) for event in events]
        for i, event in enumerate(events):
            if event["type"] == "TaskSubmitted":
                key = "taskSubmittedEventDetails"
                event[key] = dict(event[key], output="{}")
                event["timestamp"] = events[i + 1]["timestamp"]
        return events, input_value, seed

    monkeypatch.setattr(replay_all, "recorded_run", older)
    assert api.replay(tmp_path / "db", "e") is None


PARALLEL = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Parallel",
            "End": True,
            "Branches": [
                {
                    "StartAt": "Job",
                    "States": {"Job": {"Type": "Task", "Resource": BATCH, "End": True}},
                },
                {
                    "StartAt": "B",
                    "States": {
                        "B": {
                            "Type": "Task",
                            "Resource": "arn:aws:states:::lambda:invoke",
                            "End": True,
                        }
                    },
                },
            ],
        }
    },
}


def test_a_job_submitted_before_the_run_stopped_keeps_its_submit_when_resumed(tmp_path):
    """The run stops at B (nothing answers it) while the job runs; resumed with other mocks,
    the job's end comes from them, its TaskSubmitted stays as recorded."""

    def mocks(job_id: str, with_b: bool) -> str:
        cases = {"Job": "J", **({"B": "B"} if with_b else {})}
        config = {
            "StateMachines": {"p": {"TestCases": {"t": cases}}},
            "MockedResponses": {
                "J": {"0": {"Return": {"JobId": job_id}, "Delay": 60}},
                "B": {"0": {"Return": 1}},
            },
        }
        path = tmp_path / f"{job_id}.json"
        path.write_text(json.dumps(config))
        return str(path)

    (tmp_path / "def.json").write_text(json.dumps(PARALLEL))
    db = tmp_path / "db"
    first = cli(
        "run", tmp_path / "def.json", "--state-machine-name", "p", "--name", "r", "--db", db,
        "--mock-config", mocks("one", False), "--test-case", "t", "--seed", "1",
    )  # fmt: skip
    assert first.exit_code == 2
    resumed = cli(
        "resume", "r", "--db", db, "--mock-config", mocks("two", True), "--test-case", "t"
    )
    assert resumed.exit_code == 0, resumed.output
    (submitted,) = [e for e in api.history(db, "r") if e["type"] == "TaskSubmitted"]
    assert json.loads(submitted["taskSubmittedEventDetails"]["output"])["JobId"] == "one"
    assert json.loads(resumed.output.split("output: ", 1)[1]) == [{"JobId": "two"}, 1]
    assert api.replay(db, "r") is None


def test_an_imported_aws_history_replays_with_its_own_submit(tmp_path):
    """AWS's TaskSubmitted (here a Glue run's, shaped as recorded on AWS) is the record's."""
    compact = {"separators": (",", ":")}
    submitted = json.dumps(
        {
            "JobRunId": "jr_c7279ffd",
            "SdkHttpMetadata": {"HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": "94d02ffc"},
            "JobName": "etl",
        },
        **compact,
    )
    run = json.dumps({"Id": "jr_c7279ffd", "JobName": "etl", "JobRunState": "SUCCEEDED"}, **compact)
    glue = {"resourceType": "glue", "resource": "startJobRun.sync"}
    given = {"input": "{}", "inputDetails": {"truncated": False}}
    out = {"output": run, "outputDetails": {"truncated": False}}
    details = [
        ("ExecutionStarted", "executionStarted", {**given, "roleArn": "arn:aws:iam::1:role/r"}),
        ("TaskStateEntered", "stateEntered", {"name": "ETL", **given}),
        ("TaskScheduled", "taskScheduled", {**glue, "region": "us-east-1", "parameters": "{}"}),
        ("TaskStarted", "taskStarted", glue),
        ("TaskSubmitted", "taskSubmitted", {**glue, **out, "output": submitted}),
        ("TaskSucceeded", "taskSucceeded", {**glue, **out}),
        ("TaskStateExited", "stateExited", {"name": "ETL", **out}),
        ("ExecutionSucceeded", "executionSucceeded", out),
    ]
    events = [
        {
            "timestamp": f"2024-03-11T01:{11 if i < 5 else 12}:28.000000+00:00",
            "type": kind,
            "id": i + 1,
            "previousEventId": 0 if i < 2 else i,
            key + "EventDetails": body,
        }
        for i, (kind, key, body) in enumerate(details)
    ]
    definition = {
        "StartAt": "ETL",
        "States": {"ETL": {"Type": "Task", "Resource": GLUE, "End": True}},
    }
    (tmp_path / "glue.json").write_text(json.dumps(definition))
    (tmp_path / "history.json").write_text(json.dumps({"events": events}))
    db = tmp_path / "db"
    imported = cli("import", tmp_path / "history.json", "--definition", tmp_path / "glue.json",
                   "--name", "imp", "--db", db)  # fmt: skip
    assert imported.exit_code == 0, imported.output
    assert cli("replay", "imp", "--db", db).output.strip() == "identical"


def _imported_job(*tail: dict) -> list[dict]:
    """An imported history (no facts of ours) up to a job's TaskSubmitted, then `tail`."""
    head = [
        ("ExecutionStarted", "executionStartedEventDetails", {"input": "{}"}),
        ("TaskStateEntered", "stateEnteredEventDetails", {"name": "Job", "input": "{}"}),
        ("TaskScheduled", "taskScheduledEventDetails", {"resource": "submitJob.sync"}),
        ("TaskStarted", "taskStartedEventDetails", {}),
        ("TaskSubmitted", "taskSubmittedEventDetails", {"output": '{"JobId":"x"}'}),
    ]
    events = [
        {"id": i + 1, "previousEventId": i, "timestamp": i, "type": kind, key: body}
        for i, (kind, key, body) in enumerate(head)
    ]
    return events + [dict(event, id=len(events) + 1 + i) for i, event in enumerate(tail)]


def test_a_record_ending_while_its_job_runs_keeps_only_the_submit():
    answer = RecordedWorld.from_events(_imported_job()).answers["Job"][0]
    assert (answer.pending, answer.submitted, answer.nested) == (True, '{"JobId":"x"}', None)


def test_an_imported_job_aborted_after_its_submit_has_no_answer():
    aborted = {"timestamp": 9, "type": "TaskStateAborted", "previousEventId": 5}
    assert RecordedWorld.from_events(_imported_job(aborted)).answers["Job"] == {0: None}
