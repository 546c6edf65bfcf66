"""`sfn-replay map-runs EXECUTION`: an execution's Map Runs as DescribeMapRun tells them, with
the settings its Distributed Map gave by a path or JSONata as the execution used them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.test_serve_map_runs import by_jsonata

ROOT = Path(__file__).resolve().parent.parent


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args, "--db", str(tmp_path / "db")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_map_runs_shows_the_settings_a_jsonata_map_used(tmp_path):
    (tmp_path / "fan.json").write_text(json.dumps(by_jsonata()))
    odd = [{"odd": False}, {"odd": True}, {"odd": False}]
    value = json.dumps({"slots": 3, "percent": 40, "items": odd})
    done = cli(tmp_path, "run", str(tmp_path / "fan.json"), "--input", value, "--name", "f")
    assert done.returncode == 0, done.stderr  # one failure of three: within 40%
    shown = cli(tmp_path, "map-runs", "f", "--json")
    assert shown.returncode == 0, shown.stderr
    (run,) = json.loads(shown.stdout)
    assert run["mapRunArn"].split(":")[6] == "fan/M" and run["status"] == "SUCCEEDED"
    assert (run["maxConcurrency"], run["toleratedFailurePercentage"]) == (6, 40)
    assert run["toleratedFailureCount"] == 0  # $count(items) - 3
    assert run["itemCounts"]["failed"] == run["itemCounts"]["failuresNotRedrivable"] == 1
    assert run["startDate"] <= run["stopDate"] and "start" not in run
    table = cli(tmp_path, "map-runs", "f").stdout.splitlines()
    assert table[0].split()[:2] == ["MAP", "RUN"] and len(table) == 2
    assert table[1].split()[1:] == ["SUCCEEDED", "6", "0", "/", "40%", "2/1/3"]
    missing = cli(tmp_path, "map-runs", "nope")
    assert missing.returncode == 2 and missing.stderr.startswith("sfn-replay: ")
