"""A plain `startExecution` child runs on after its parent has ended, written by the parent's
run: when that run stops inside it (killed, a Task nothing answers), `resume CHILD` (or
`resume PARENT`) goes on with it, to the histories of a run never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:"
CHILD = {
    "StartAt": "Settle",
    "States": {
        "Settle": {"Type": "Wait", "Seconds": 5, "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": LAMBDA + "charge", "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "charged", "ResultPath": "$.note", "End": True},
    },
}
PARENT = {
    "StartAt": "Start",
    "States": {
        "Start": {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution",
            "Parameters": {
                "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child",
                "Input": {"x.$": "$.x"},
            },
            "End": True,
        }
    },
}
HANDLERS = """
import os, signal

def charge(value, context):
    if os.environ.get("KILL_IN_CHILD"):
        os.kill(os.getpid(), signal.SIGKILL)
    return {"paid": value["x"]}

HANDLERS = {"Charge": charge}
"""


def setup(tmp_path: Path) -> list[str]:
    (tmp_path / "parent.json").write_text(json.dumps(PARENT))
    (tmp_path / "child.json").write_text(json.dumps(CHILD))
    (tmp_path / "handlers.py").write_text(HANDLERS)
    return [
        "run",
        str(tmp_path / "parent.json"),
        "--input",
        '{"x": 2}',
        "--state-machine",
        f"child={tmp_path / 'child.json'}",
        "--name",
        "p",
        "--seed",
        "5",
        "--start-time",
        "2026-01-01T00:00:00Z",
        "--json",
    ]


def cli(db: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args, "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, **env),
    )


def child_row(db: Path) -> list[str]:
    (row,) = [r for r in cli(db, "list").stdout.splitlines() if r.endswith("(started by p)")]
    return row.split()


def history(db: Path, name: str) -> str:
    return cli(db, "history", name, "--format", "aws").stdout


def test_a_child_killed_after_its_parent_ended_is_resumed(tmp_path):
    run = setup(tmp_path)
    handlers = ["--handlers", str(tmp_path / "handlers.py")]
    reference = cli(tmp_path / "ref", *run, *handlers)
    assert reference.returncode == 0, reference.stderr
    killed = cli(tmp_path / "db", *run, *handlers, KILL_IN_CHILD="1")
    assert killed.returncode == -signal.SIGKILL
    row = child_row(tmp_path / "db")
    assert row[0] == "INTERRUPTED" and "(killed)" in " ".join(row)
    child = row[2]
    resumed = cli(tmp_path / "db", "resume", child, "--json")
    assert resumed.returncode == 0, resumed.stderr
    described = json.loads(resumed.stdout)
    assert described["name"] == child and described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"paid": 2, "note": "charged"}
    assert history(tmp_path / "db", child) == history(tmp_path / "ref", child)


def test_a_child_stopped_at_a_task_nothing_answers_after_its_parent_ended_is_resumed(tmp_path):
    run = setup(tmp_path)
    handlers = ["--handlers", str(tmp_path / "handlers.py")]
    reference = cli(tmp_path / "ref", *run, *handlers)
    stopped = cli(tmp_path / "db", *run)
    state, _, child = child_row(tmp_path / "db")[:3]
    assert state == "INTERRUPTED"
    assert stopped.returncode == 2 and stopped.stderr.count("\n") == 1
    assert f"sfn-replay resume {child} " in stopped.stderr and "Traceback" not in stopped.stderr
    resumed = cli(tmp_path / "db", "resume", "p", *handlers, "--json")  # or by its parent
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(reference.stdout)
    assert history(tmp_path / "db", child) == history(tmp_path / "ref", child)
    finished = cli(tmp_path / "db", "resume", "p")
    assert finished.returncode == 2 and "already finished (SUCCEEDED)" in finished.stderr


def test_a_restarted_server_finishes_a_child_that_outlived_its_parent(tmp_path):
    """`serve` killed inside the child after the parent ended; the next server resumes it."""
    from replay.endpoint.local import running
    from tests.serve_helpers import ROLE, client
    from tests.test_serve import wait_done

    setup(tmp_path)
    db = tmp_path / "db"
    serve = [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--db", str(db)]
    proc = subprocess.Popen(
        [*serve, "--handlers", str(tmp_path / "handlers.py")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1", KILL_IN_CHILD="1"),
    )
    try:
        url = proc.stdout.readline().split("serving ")[1].split()[0]
        sfn = client(url)
        for name in ("child", "parent"):
            text = (tmp_path / f"{name}.json").read_text()
            sfn.create_state_machine(name=name, definition=text, roleArn=ROLE)
        machine = "arn:aws:states:us-east-1:123456789012:stateMachine:"
        started = sfn.start_execution(stateMachineArn=machine + "parent", input='{"x": 2}')
        assert proc.wait(timeout=30) == -signal.SIGKILL  # in the child's Charge
    finally:
        proc.kill()
        proc.wait()
    with running(db) as url:
        sfn = client(url)
        assert wait_done(sfn, started["executionArn"])["status"] == "SUCCEEDED"
        (child,) = sfn.list_executions(stateMachineArn=machine + "child")["executions"]
        done = wait_done(sfn, child["executionArn"])
        assert done["status"] == "SUCCEEDED"
        assert json.loads(done["output"]) == {"paid": 2, "note": "charged"}
