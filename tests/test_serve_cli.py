"""The `serve` command in a subprocess, driven by the AWS CLI (`--endpoint-url`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serve_helpers import ROLE, pass_chain

REPO = Path(__file__).resolve().parent.parent


def aws(url: str, *args: str) -> dict:
    env = dict(
        os.environ,
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    done = subprocess.run(
        ["aws", "stepfunctions", *args, "--endpoint-url", url, "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_serve_answers_the_aws_cli_and_warns_off_loopback(tmp_path):
    cmd = [sys.executable, "-m", "tui.cli", "serve", "--host", "0.0.0.0", "--port", "0"]
    proc = subprocess.Popen(
        [*cmd, "--db", str(tmp_path / "db")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("sfn-replay: serving http://0.0.0.0:"), line
        url = "http://127.0.0.1:" + line.split("0.0.0.0:")[1].split()[0]
        created = aws(
            url,
            "create-state-machine",
            "--name",
            "cli",
            "--definition",
            json.dumps(pass_chain(2)),
            "--role-arn",
            ROLE,
        )
        assert created["stateMachineArn"].endswith(":stateMachine:cli")
        listed = aws(url, "list-state-machines")
        assert [m["name"] for m in listed["stateMachines"]] == ["cli"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "warning: serving on 0.0.0.0" in err


def test_serve_on_a_taken_port_exits_2_with_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", "serve", "--port", str(port), "--db", str(tmp_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1" in done.stderr


def test_serve_with_a_broken_mock_config_exits_2_before_listening(tmp_path):
    mocks = tmp_path / "mocks.json"
    mocks.write_text(json.dumps({"StateMachines": {"m": {"TestCases": {"T": {"A": "Missing"}}}}}))
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "serve", "--port", "0", "--db", str(tmp_path / "db")]
        + ["--mock-config", str(mocks)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "'Missing', which is not in MockedResponses" in done.stderr
