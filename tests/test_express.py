"""Express workflows: `run --type EXPRESS` / `api.run(type="EXPRESS")` (Express ARNs, the
patterns Express refuses, the five-minute limit, the history recorded all the same) and
`start-sync-execution` / `run --sync` (AWS's StartSyncExecution response)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from replay.definition import InvalidDefinition
from tests.conformance import CASES, load_checker
from tests.helpers import START, mock_config
from tui.cli import app

ROOT = Path(__file__).resolve().parents[1]
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
CONTEXT = {
    "StartAt": "P",
    "States": {
        "P": {
            "Type": "Pass",
            "Parameters": {"id.$": "$$.Execution.Id", "execution.$": "$$.Execution"},
            "End": True,
        }
    },
}
TOKEN_TASK = {
    "StartAt": "T",
    "States": {
        "T": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}
runner = CliRunner()


def express(tmp: Path, definition: dict, name: str = "e", **kwargs) -> dict:
    return api.run(
        tmp / "db",
        json.dumps(definition),
        kwargs.pop("input_value", {}),
        state_machine_name="sm",
        name=name,
        seed=kwargs.pop("seed", 1),
        start_micros=kwargs.pop("start_micros", START),
        type="EXPRESS",
        **kwargs,
    )


def test_an_express_execution_has_an_express_arn_everywhere(tmp_path):
    result = express(tmp_path, CONTEXT, name="e1")
    arn = result["executionArn"]
    assert re.fullmatch(rf"arn:aws:states:us-east-1:123456789012:express:sm:e1:{UUID}", arn)
    output = json.loads(result["output"])
    assert output["id"] == arn and output["execution"]["Name"] == "e1"
    assert "RedriveCount" not in output["execution"]  # Express executions are never redriven
    assert result["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:sm"
    # the history is recorded all the same (our extra), under that ARN
    assert [e["type"] for e in api.history(tmp_path / "db", arn)][-1] == "ExecutionSucceeded"
    (record,) = api.list_executions(tmp_path / "db")
    assert record["executionArn"] == arn
    assert api.replay(tmp_path / "db", "e1") is None
    standard = api.run(tmp_path / "db", json.dumps(CONTEXT), {}, state_machine_name="sm", name="s")
    assert ":execution:sm:s" in standard["executionArn"]
    assert "RedriveCount" in json.loads(standard["output"])["execution"]


def test_the_same_name_twice_is_two_executions_unless_the_run_is_the_same(tmp_path):
    """AWS does not keep Express names unique: the UUID tells them apart. It is drawn from the
    seed, start time and name, so the very same run is refused as ExecutionAlreadyExists."""
    first = express(tmp_path, CONTEXT, name="same", start_micros=START)
    second = express(tmp_path, CONTEXT, name="same", start_micros=START + 1)
    assert first["executionArn"] != second["executionArn"]
    with pytest.raises(api.RunError, match="ExecutionAlreadyExists"):
        express(tmp_path, CONTEXT, name="same", start_micros=START)


@pytest.mark.parametrize(
    "resource, refused",
    [
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", ".waitForTaskToken"),
        ("arn:aws:states:::states:startExecution.sync:2", ".sync:2"),
        ("arn:aws:states:::ecs:runTask.sync", ".sync"),
        ("arn:aws:states:us-east-1:123456789012:activity:work", "activities"),
    ],
)
def test_express_refuses_what_aws_refuses(tmp_path, resource, refused):
    definition = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "T",
                        "States": {"T": {"Type": "Task", "Resource": resource, "End": True}},
                    }
                ],
                "End": True,
            }
        },
    }
    with pytest.raises(InvalidDefinition, match=re.escape(refused)) as caught:
        express(tmp_path, definition)
    assert caught.value.diagnostics[0].pointer == "/States/P/Branches/0/States/T/Resource"
    assert not (tmp_path / "db").exists()  # refused before anything is written


def test_express_runs_at_most_five_minutes(tmp_path):
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 400, "End": True}}}
    result = express(tmp_path, wait)
    assert (result["status"], result["error"]) == ("TIMED_OUT", "States.Timeout")
    assert result["stopDate"] == "2026-01-01T00:05:00.000000+00:00"
    shorter = dict(wait, TimeoutSeconds=60)
    assert express(tmp_path, shorter, name="e2")["stopDate"] == "2026-01-01T00:01:00.000000+00:00"
    standard = api.run(
        tmp_path / "db", json.dumps(wait), {}, state_machine_name="sm", name="s", seed=1
    )
    assert standard["status"] == "SUCCEEDED"  # a Standard workflow runs for up to a year


def test_a_branch_of_an_express_execution_is_express(tmp_path):
    express(tmp_path, CONTEXT, name="e1")
    branch = api.branch(tmp_path / "db", "e1", 1, name="b1")
    assert re.fullmatch(rf"arn:aws:states:.*:express:sm:b1:{UUID}", branch["executionArn"])
    assert json.loads(branch["output"])["id"] == branch["executionArn"]
    assert api.replay(tmp_path / "db", "b1") is None


def test_export_then_import_keeps_the_express_arn(tmp_path):
    arn = express(tmp_path, CONTEXT, name="e1")["executionArn"]
    exported = api.export(tmp_path / "db", "e1")
    again = api.import_history(
        tmp_path / "other", [exported], json.dumps(CONTEXT), state_machine_name="sm"
    )
    assert again["executionArn"] == arn
    renamed = api.import_history(
        tmp_path / "other", [exported], json.dumps(CONTEXT), state_machine_name="sm", name="e2"
    )
    assert re.fullmatch(rf"arn:aws:states:.*:express:sm:e2:{UUID}", renamed["executionArn"])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_start_sync_execution_prints_aws_response_with_billing_from_virtual_time(tmp_path):
    definition = tmp_path / "slow.json"
    definition.write_text(
        json.dumps(
            {
                "StartAt": "W",
                "States": {
                    "W": {"Type": "Wait", "Seconds": 2, "Next": "T"},
                    "T": {
                        "Type": "Task",
                        "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                        "End": True,
                    },
                },
            }
        )
    )
    mocks = tmp_path / "mocks.json"
    mocks.write_text(
        json.dumps(mock_config({"T": {"0": {"Return": {"ok": 1}, "Delay": 0.25}}}, machine="slow"))
    )
    db = str(tmp_path / "db")
    common = ["--mock-config", str(mocks), "--test-case", "t", "--db", db, "--input", '{"a":1}']
    out = runner.invoke(app, ["start-sync-execution", str(definition), "--name", "x", *common])
    assert out.exit_code == 0, out.output
    response = json.loads(out.output)
    assert list(response) == [
        "executionArn",
        "stateMachineArn",
        "name",
        "startDate",
        "stopDate",
        "status",
        "input",
        "inputDetails",
        "output",
        "outputDetails",
        "billingDetails",
    ]
    assert ":express:slow:x:" in response["executionArn"]
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == {"ok": 1}
    assert response["input"] == '{"a":1}' and response["outputDetails"] == {"included": True}
    assert response["billingDetails"] == {
        "billedMemoryUsedInMB": 64,
        "billedDurationInMilliseconds": 2300,  # 2.25 s on the virtual clock, next 100 ms
    }
    same = runner.invoke(
        app, ["run", str(definition), "--type", "EXPRESS", "--sync", "--name", "y", *common]
    )
    assert (
        same.exit_code == 0
        and json.loads(same.output)["billingDetails"] == (response["billingDetails"])
    )


def test_start_sync_execution_of_a_failure_exits_1_with_error_and_cause(tmp_path):
    definition = tmp_path / "fails.json"
    definition.write_text(
        json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}})
    )
    out = runner.invoke(
        app, ["start-sync-execution", str(definition), "--db", str(tmp_path / "db")]
    )
    assert out.exit_code == 1
    response = json.loads(out.output)
    assert (response["status"], response["error"], response["cause"]) == ("FAILED", "E", "c")
    assert "output" not in response and "outputDetails" not in response


def test_bad_express_input_exits_2_with_one_line(tmp_path):
    definition = tmp_path / "token.json"
    definition.write_text(json.dumps(TOKEN_TASK))
    db = str(tmp_path / "db")
    for args in (
        ["run", str(definition), "--type", "EXPRESS", "--db", db],
        ["start-sync-execution", str(definition), "--db", db],
        ["run", str(definition), "--sync", "--db", db],  # StartSyncExecution: Express only
        ["run", str(definition), "--type", "FAST", "--db", db],
    ):
        done = _cli(*args)
        assert done.returncode == 2 and done.stdout == "", args
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("sfn-replay: ")
    assert (
        "does not support '.waitForTaskToken'"
        in _cli("run", str(definition), "--type", "EXPRESS", "--db", db).stderr
    )
    assert _cli("run", str(definition), "--db", db).returncode == 0  # Standard: it waits
    checked = runner.invoke(app, ["validate", str(definition), "--type", "EXPRESS"])
    assert checked.exit_code == 2 and "/States/T/Resource: Express state machine" in checked.output
    assert runner.invoke(app, ["validate", str(definition)]).exit_code == 0


CASE = CASES / "express.test_express_sync.test_query_runtime_memory"


@pytest.mark.skipif(not CASE.is_dir(), reason="the conformance corpus is not here")
def test_the_conformance_express_case_through_the_cli(tmp_path):
    """The recorded StartSyncExecution response's output holds Express ARNs: run as the outside
    checker runs cases, with --type EXPRESS, it matches (the recorder's literal `start-time`
    and `entered-time` stand for times, as its placeholders do)."""
    done = _cli(
        "run",
        str(CASE / "definition.json"),
        "--input",
        str(CASE / "input.json"),
        "--state-machine-name",
        "conformance",
        "--name",
        "conformance-exec",
        "--account",
        "111111111111",
        "--region",
        "us-east-1",
        "--db",
        str(tmp_path / "db"),
        "--json",
        "--type",
        "EXPRESS",
    )
    assert done.returncode == 0, done.stderr
    expected = json.loads((CASE / "expected.json").read_text())
    wanted = json.loads(
        json.dumps(expected["output"])
        .replace('"start-time"', '"<t>"')
        .replace('"entered-time"', '"<t>"')
    )
    got = json.loads(json.loads(done.stdout)["output"])
    assert load_checker().match(wanted, got), got
    assert got["query_values_1"]["execution_id"].startswith(
        "arn:aws:states:us-east-1:111111111111:express:conformance:conformance-exec:"
    )
