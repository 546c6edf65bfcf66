"""The `tui` command in a real terminal (tmux): the list shows the executions, Enter opens one,
End reaches the last event, `?` shows help, `q` quits and the shell gets its terminal back."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.test_tui_views import run_case

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen or time.monotonic() > deadline:
            return screen
        time.sleep(0.1)


def test_tui_in_a_real_terminal(tmp_path):
    db = tmp_path / "db"
    run_case(db, "happy", "happy-1")
    session = f"sfn-replay-{uuid.uuid4().hex[:8]}"
    command = f"{sys.executable} -m tui.cli tui --db {db}; echo EXIT=$?; sleep 30"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", str(ROOT), command)
    try:
        assert "happy-1" in wait_for(session, "happy-1")
        tmux("send-keys", "-t", session, "Enter")
        assert "ExecutionStarted" in wait_for(session, "ExecutionStarted")
        tmux("send-keys", "-t", session, "End")
        assert "event 50/50" in wait_for(session, "event 50/50")
        tmux("send-keys", "-t", session, "?")
        assert "Prev failure" in wait_for(session, "Prev failure")
        tmux("send-keys", "-t", session, "Escape")
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "q")
        screen = wait_for(session, "EXIT=")
        assert "EXIT=0" in screen
        assert "Traceback" not in screen
    finally:
        tmux("kill-session", "-t", session)
