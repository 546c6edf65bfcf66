"""The command line: exit codes, one-line errors, the JSON shapes the CONTRACT fixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tui.cli import app

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "order-pipeline"
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "db"


def run_scenario(db, case="happy", *extra):
    return cli(
        "run",
        SCENARIO / "definition.json",
        "--input",
        SCENARIO / "input.json",
        "--mock-config",
        SCENARIO / "mocks.json",
        "--test-case",
        case,
        "--db",
        db,
        "--seed",
        "1",
        "--start-time",
        "2026-01-01T00:00:00Z",
        *extra,
    )


def test_run_json_is_describe_execution_shaped(db):
    result = run_scenario(db, "happy", "--json", "--name", "n1", "--account", "111111111111")
    assert result.exit_code == 0, result.output
    described = json.loads(result.stdout)
    assert set(described) == {
        "executionArn",
        "stateMachineArn",
        "name",
        "status",
        "startDate",
        "stopDate",
        "input",
        "output",
        "error",
        "cause",
    }
    assert described["executionArn"] == (
        "arn:aws:states:us-east-1:111111111111:execution:order-pipeline:n1"
    )
    assert described["status"] == "SUCCEEDED"
    assert isinstance(described["output"], str) and json.loads(described["output"])["shipments"]
    assert described["startDate"] == "2026-01-01T00:00:00.000000+00:00"


def test_failed_execution_exits_1(db):
    assert run_scenario(db, "payment-declined").exit_code == 1


def test_history_aws_format(db):
    run_scenario(db, "happy", "--name", "h")
    result = cli("history", "h", "--db", db, "--format", "aws")
    events = json.loads(result.stdout)["events"]
    assert events[0]["type"] == "ExecutionStarted" and events[0]["id"] == 1
    assert events[0]["timestamp"] == "2026-01-01T00:00:00.000000+00:00"
    assert isinstance(events[0]["executionStartedEventDetails"]["input"], str)
    assert all("sfnReplay" not in e for e in events)
    assert set(events[1]) == {
        "timestamp",
        "type",
        "id",
        "previousEventId",
        "stateEnteredEventDetails",
    }


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "missing.json"], "definition missing.json does not exist"),
        (["run", str(SCENARIO / "definition.json"), "--input", "{not json"], "not valid JSON"),
        (["run", str(SCENARIO / "definition.json"), "--input", "nope/in.json"], "does not exist"),
        (
            [
                "run",
                str(SCENARIO / "definition.json"),
                "--mock-config",
                str(SCENARIO / "mocks.json"),
            ],
            "--test-case",
        ),
        (
            [
                "run",
                str(SCENARIO / "definition.json"),
                "--mock-config",
                str(SCENARIO / "mocks.json"),
                "--test-case",
                "nope",
            ],
            "no test case 'nope'",
        ),
        (
            ["run", str(SCENARIO / "definition.json"), "--name", "bad name"],
            "invalid execution name",
        ),
        (["run", str(SCENARIO / "definition.json")], "no mock or handler answers Task state"),
        (["history", "nothing-here"], "no such db at"),  # a read-only command creates no db
    ],
)
def test_bad_input_exits_2_with_one_line(db, args, message):
    result = cli(*args, "--db", db)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_unanswered_task_keeps_what_was_recorded(db):
    result = cli(
        "run",
        SCENARIO / "definition.json",
        "--input",
        SCENARIO / "input.json",
        "--name",
        "stuck",
        "--db",
        db,
    )
    assert result.exit_code == 2
    history = json.loads(cli("history", "stuck", "--db", db, "--format", "aws").stdout)
    assert [e["type"] for e in history["events"]] == [
        "ExecutionStarted",
        "TaskStateEntered",
        "TaskScheduled",
        "TaskStarted",
    ]


def test_same_name_twice_is_execution_already_exists(db):
    assert run_scenario(db, "happy", "--name", "twice").exit_code == 0
    result = run_scenario(db, "happy", "--name", "twice")
    assert result.exit_code == 2 and "ExecutionAlreadyExists" in result.stderr


def test_validate_reports_pointer_and_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}})
    )
    result = cli("validate", bad)
    assert result.exit_code == 2
    assert '/States/A/Next: state "Nowhere" does not exist' in result.stderr
    assert cli("validate", SCENARIO / "definition.json").exit_code == 0


def test_time_travel_commands(db, tmp_path):
    run_scenario(db, "payment-declined", "--name", "p")
    state = json.loads(cli("state", "p", "--at", "failure:1", "--db", db, "--json").stdout)
    assert state["eventType"] == "TaskFailed"
    assert cli("replay", "p", "--db", db).stdout.strip() == "identical"
    branch = cli(
        "branch",
        "p",
        "--at",
        str(state["event"] - 1),
        "--name",
        "q",
        "--mock-config",
        SCENARIO / "mocks.json",
        "--test-case",
        "happy",
        "--db",
        db,
    )
    assert branch.exit_code == 0, branch.output
    assert "forked at event" in cli("tree", "p", "--db", db).stdout
    exported = tmp_path / "q.json"
    exported.write_text(cli("export", "q", "--db", db).stdout)
    imported = cli(
        "import", exported, "--definition", SCENARIO / "definition.json", "--name", "q2", "--db", db
    )
    assert imported.exit_code == 0, imported.output
    assert "identical histories" in cli("diff", "q", "q2", "--db", db).stdout
    assert cli("state", "p", "--at", "999", "--db", db).exit_code == 2


def test_list_has_column_headers(db):
    run_scenario(db, "happy", "--name", "listed")
    lines = cli("list", "--db", db).stdout.splitlines()
    assert lines[0].split()[:4] == ["STATUS", "STATE", "MACHINE", "NAME"]
    assert lines[1].split()[:3] == ["SUCCEEDED", "order-pipeline", "listed"]
