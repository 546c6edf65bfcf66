"""`logs`: an execution's history as the log events Step Functions sends to CloudWatch Logs, at
levels ALL, ERROR, FATAL and OFF, with or without the execution's data."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from replay import api
from replay.cloudwatch_logs import log_events
from tests.helpers import START, mock_config
from tui.cli import app

CAUGHT_THEN_FAILS = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Give up"}],
            "End": True,
        },
        "Give up": {"Type": "Fail", "Error": "Order.Failed", "Cause": "no"},
    },
}
MOCKS = mock_config({"T": {"0": {"Throw": {"Error": "Boom", "Cause": "b"}}}})
runner = CliRunner()


@pytest.fixture
def failed(tmp_path):
    api.run(
        tmp_path / "db",
        json.dumps(CAUGHT_THEN_FAILS),
        {"secret": 1},
        state_machine_name="sm",
        name="x",
        seed=1,
        start_micros=START + 1500,
        mocks=MOCKS,
        test_case="t",
        type="EXPRESS",
    )
    return tmp_path / "db"


def test_all_is_every_event_in_aws_log_shape_without_data_by_default(failed):
    logs = api.execution_logs(failed, "x")
    history = api.events(failed, "x")
    assert [entry["type"] for entry in logs] == [event["type"] for event in history]
    started, entered, scheduled = logs[0], logs[1], logs[2]
    assert list(started) == [
        "id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn",
        "redrive_count",
    ]  # fmt: skip
    arn = api.list_executions(failed)[0]["executionArn"]
    assert started == {
        "id": "1",
        "type": "ExecutionStarted",
        "details": {"roleArn": "arn:aws:iam::123456789012:role/sfn-replay"},
        "previous_event_id": "0",
        "event_timestamp": str((START + 1500) // 1000),  # milliseconds, as text
        "execution_arn": arn,
        "redrive_count": "0",
    }
    assert ":express:sm:x:" in arn
    assert entered["details"] == {"name": "T"}  # no input
    assert "parameters" not in scheduled["details"] and scheduled["details"]["resource"]
    assert all("secret" not in json.dumps(entry) for entry in logs)


def test_include_execution_data_keeps_input_output_and_parameters(failed):
    logs = api.execution_logs(failed, "x", include_execution_data=True)
    history = api.history(failed, "x")
    for entry, event in zip(logs, history):
        (details,) = [v for k, v in event.items() if k.endswith("EventDetails")] or [None]
        assert entry.get("details") == details
        assert entry["previous_event_id"] == str(event["previousEventId"])
    assert json.loads(logs[0]["details"]["input"]) == {"secret": 1}


def test_error_logs_the_failures_and_fatal_the_execution_failure_only(failed):
    error = [entry["type"] for entry in api.execution_logs(failed, "x", "ERROR")]
    assert error == ["TaskFailed", "FailStateEntered", "ExecutionFailed"]
    (fatal,) = api.execution_logs(failed, "x", "fatal")
    assert fatal["type"] == "ExecutionFailed"
    assert fatal["details"] == {"error": "Order.Failed", "cause": "no"}
    assert api.execution_logs(failed, "x", "OFF") == []
    with pytest.raises(api.RunError, match="log level"):
        api.execution_logs(failed, "x", "DEBUG")


def test_redrive_count_counts_the_redrives_so_far():
    events = [
        {"id": 1, "previousEventId": 0, "timestamp": 1000, "type": "ExecutionStarted"},
        {"id": 2, "previousEventId": 1, "timestamp": 2000, "type": "ExecutionFailed"},
        {"id": 3, "previousEventId": 2, "timestamp": 3000, "type": "ExecutionRedriven",
         "executionRedrivenEventDetails": {"redriveCount": 1}},
        {"id": 4, "previousEventId": 3, "timestamp": 4000, "type": "ExecutionSucceeded"},
    ]  # fmt: skip
    logs = list(log_events(events, "arn", "ALL"))
    assert [entry["redrive_count"] for entry in logs] == ["0", "0", "1", "1"]
    assert "details" not in logs[0]  # an event without details has none in its log entry
    assert logs[2]["details"] == {"redriveCount": 1}


def test_the_logs_command_prints_one_json_object_a_line(failed):
    out = runner.invoke(app, ["logs", "x", "--db", str(failed), "--level", "ERROR"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "TaskFailed",
        "FailStateEntered",
        "ExecutionFailed",
    ]
    with_data = runner.invoke(app, ["logs", "x", "--db", str(failed), "--include-execution-data"])
    assert json.loads(with_data.output.splitlines()[0])["details"]["input"] == '{"secret":1}'
    bad = runner.invoke(app, ["logs", "x", "--db", str(failed), "--level", "LOUD"])
    assert bad.exit_code == 2 and "--level" in bad.output
