"""Express child state machines of `states:startExecution` Tasks: from `run --state-machine
NAME:EXPRESS=FILE` and from the endpoint's registry (CreateStateMachine type EXPRESS), their
executions are Express ones (`:express:` ARNs, Express rules), through the CLI and boto3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replay.endpoint.local import running
from tests.serve_helpers import ROLE, check_shapes, client
from tests.test_serve import wait_done

ROOT = Path(__file__).resolve().parent.parent
MACHINES = "arn:aws:states:us-east-1:123456789012:stateMachine:"
CHILD = {
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 10, "Next": "Echo"},
        "Echo": {
            "Type": "Pass",
            "Parameters": {"in.$": "$", "execution.$": "$$.Execution"},
            "End": True,
        },
    },
}
SLOW = {"StartAt": "Long", "States": {"Long": {"Type": "Wait", "Seconds": 400, "End": True}}}


def call(resource: str, machine: str, **more) -> dict:
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::states:{resource}",
        "Parameters": {"StateMachineArn": MACHINES + machine, "Input": {"x": 1}},
        **more,
    }


def parent(resource: str = "startExecution.sync:2", machine: str = "child") -> dict:
    return {"StartAt": "Call", "States": {"Call": call(resource, machine, End=True)}}


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args, "--db", str(tmp_path / "db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def files(tmp_path: Path, **definitions: dict) -> dict[str, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, definition in definitions.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(definition))
        out[name] = str(path)
    return out


def run(tmp_path: Path, definition: dict, *machines: str) -> subprocess.CompletedProcess:
    (path,) = files(tmp_path, parent=definition).values()
    options = [arg for machine in machines for arg in ("--state-machine", machine)]
    start = ("--start-time", "2026-01-01T00:00:00Z", "--name", "p", "--json")
    return cli(tmp_path, "run", path, *options, *start)


def test_an_express_child_named_for_the_run_is_an_express_execution(tmp_path):
    child = files(tmp_path, child=CHILD)["child"]
    done = run(tmp_path, parent(), f"child:EXPRESS={child}")
    assert done.returncode == 0, done.stderr
    described = json.loads(json.loads(done.stdout)["output"])
    arn = described["ExecutionArn"]
    prefix = "arn:aws:states:us-east-1:123456789012:express:child:"
    assert arn.startswith(prefix) and arn.split(":")[7] == described["Name"]
    assert len(arn.split(":")) == 9  # ...:express:STATEMACHINE:NAME:UUID
    assert described["Status"] == "SUCCEEDED" and described["Output"]["in"] == {"x": 1}
    execution = described["Output"]["execution"]  # an Express execution's $$.Execution
    assert execution["Id"] == arn and "RedriveCount" not in execution
    listed = cli(tmp_path, "list")
    assert described["Name"] in listed.stdout and "started by p" in listed.stdout
    assert cli(tmp_path, "replay", "p").stdout.strip() == "identical"
    standard = run(tmp_path / "std", parent(), f"child={child}")
    arn = json.loads(json.loads(standard.stdout)["output"])["ExecutionArn"]
    assert ":execution:child:" in arn  # STANDARD, as before


def test_an_express_child_times_out_after_five_minutes(tmp_path):
    slow = files(tmp_path, slow=SLOW)["slow"]
    done = run(tmp_path, parent("startExecution.sync", "slow"), f"slow:EXPRESS={slow}")
    assert done.returncode == 1
    failed = json.loads(done.stdout)
    assert failed["error"] == "States.TaskFailed"
    cause = json.loads(failed["cause"])
    assert cause["Status"] == "TIMED_OUT" and cause["Error"] == "States.Timeout"
    assert cause["StopDate"] - cause["StartDate"] == 300_000
    standard = run(tmp_path / "std", parent("startExecution.sync", "slow"), f"slow={slow}")
    assert standard.returncode == 0, standard.stderr  # a Standard child waits its 400 s


def test_an_express_child_must_be_what_express_runs(tmp_path):
    waits = parent("startExecution.sync", "child")  # Express refuses .sync in its states
    bad = files(tmp_path, bad=waits)["bad"]
    done = run(tmp_path, parent(), f"child:EXPRESS={bad}")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "does not support '.sync'" in done.stderr and "Traceback" not in done.stderr
    done = run(tmp_path, parent(), f"child:FAST={bad}")
    assert done.returncode == 2 and "STANDARD or EXPRESS" in done.stderr


@pytest.fixture
def sfn(tmp_path):
    raw: list = []
    with running(tmp_path / "db") as url:
        yield client(url, raw=raw), raw


def create(sfn, name: str, definition: dict, kind: str = "STANDARD") -> str:
    made = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, type=kind
    )
    return made["stateMachineArn"]


@pytest.mark.parametrize("resource", ["startExecution", "startExecution.sync"])
def test_an_express_child_from_the_registry_is_an_express_execution(sfn, resource):
    sfn, raw = sfn
    create(sfn, "child", CHILD, "EXPRESS")
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": call(resource, "child", ResultSelector={"arn.$": "$.ExecutionArn"}, End=True)
        },
    }
    machine = create(sfn, "parent", definition)
    started = sfn.start_execution(stateMachineArn=machine, input="{}")
    done = wait_done(sfn, started["executionArn"])
    assert done["status"] == "SUCCEEDED"
    arn = json.loads(done["output"])["arn"]
    assert arn.startswith("arn:aws:states:us-east-1:123456789012:express:child:")
    check_shapes(raw)
