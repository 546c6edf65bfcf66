"""`resume --fault/--fault-plan`: rules applied to the Tasks answered after the resume point,
recorded with the execution as `run` records them."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from replay import api
from tests.helpers import START, mock_config
from tests.test_resume import HANDLERS_FILE, LOOP, cli

TWO = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
    },
}


def run(tmp: Path, *extra: str, handlers: bool = True, env: dict | None = None):
    (tmp / "loop.json").write_text(json.dumps(LOOP))
    (tmp / "handlers.py").write_text(HANDLERS_FILE)
    args = ["run", str(tmp / "loop.json"), "--name", "e", "--seed", "5", "--db", str(tmp / "db")]
    if handlers:
        args += ["--handlers", str(tmp / "handlers.py")]
    return cli(*args, *extra, env=env)


def test_a_killed_run_resumed_with_a_fault(tmp_path):
    killed = run(tmp_path, env={"STOP_AT": "3", "STOP_SIGNAL": "SIGKILL"})
    assert killed.returncode == -signal.SIGKILL
    before = api.events(tmp_path / "db", "e")
    fault = "Work:Work.Broken:on resume@0"
    resumed = cli("resume", "e", "--fault", fault, "--db", str(tmp_path / "db"), "--json")
    assert resumed.returncode == 1, resumed.stderr
    assert json.loads(resumed.stdout)["error"] == "Work.Broken"
    db = str(tmp_path / "db")
    after = api.events(tmp_path / "db", "e")
    assert after[: len(before)] == before  # the recorded events stay as they were
    marked = [e for e in after if (e.get("sfnReplay") or {}).get("injected")]
    # the third Work (its start recorded before the kill) is the first answered after it
    assert [e["type"] for e in marked] == ["LambdaFunctionFailed"]
    assert marked[0]["id"] > len(before)
    table = cli("history", "e", "--db", db).stdout
    assert "[injected: Work:Work.Broken:on resume@0]" in table
    exported = api.export(db, "e")
    assert exported["sfnReplay"]["execution"]["faults"] == [
        {
            "state": "Work",
            "effect": "throw",
            "error": "Work.Broken",
            "cause": "on resume",
            "attempts": "0",
        }
    ]
    assert "injected" not in cli("history", "e", "--db", db, "--format", "aws").stdout
    assert cli("replay", "e", "--db", db).stdout.strip() == "identical"
    [row] = cli("list", "--db", db).stdout.splitlines()[1:]
    assert row.startswith("FAILED") and row.endswith("  [faults: Work:Work.Broken:on resume@0]")


def test_a_run_nothing_answered_is_resumed_by_a_fault_plan(tmp_path):
    stopped = run(tmp_path, handlers=False)
    assert stopped.returncode == 2 and "Work" in stopped.stderr
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"state": "Work", "effect": "return", "result": {"n": 6}}]))
    resumed = cli("resume", "e", "--fault-plan", str(plan), "--db", str(tmp_path / "db"), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(json.loads(resumed.stdout)["output"]) == {"n": 6}


def test_a_bad_rule_exits_2_and_leaves_the_execution_resumable(tmp_path):
    run(tmp_path, handlers=False)
    db = str(tmp_path / "db")
    bad = cli("resume", "e", "--fault", "Wrok:Boom", "--db", db)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "sfn-replay: fault 'Wrok:Boom': no state matches 'Wrok' in the definition "
        "(did you mean 'Work'?)"
    ]
    both = cli("resume", "e", "--fault", "Work:Boom", "--no-faults", "--db", db)
    assert both.returncode == 2 and "--no-faults" in both.stderr
    assert api.list_executions(db)[0]["status"] == "INTERRUPTED"
    assert cli("resume", "e", "--fault", "Work:Boom", "--db", db).returncode == 1


MOCKS = mock_config({"A": {"0": {"Return": {"a": 1}}}, "B": {"0": {"Return": {"b": 2}}}})
ONLY_A = mock_config({"A": {"0": {"Return": {"a": 1}}}})


def stopped_at_b(db: Path) -> None:
    """A run whose B waits 30 s longer by a latency rule, stopped at B (nothing answers it)."""
    with pytest.raises(api.RunError, match="B"):
        api.run(
            db,
            json.dumps(TWO),
            {},
            state_machine_name="sm",
            name="e",
            seed=1,
            start_micros=START,
            mocks=ONLY_A,
            test_case="t",
            faults=[{"state": "B", "effect": "latency", "seconds": 30}],
        )


def b_took(db: Path) -> int:
    events = api.events(db, "e")
    started = next(e for e in events if e["type"] == "TaskStarted" and e["id"] > 6)
    done = next(e for e in events if e["type"] == "TaskSucceeded" and e["id"] > started["id"])
    return (done["timestamp"] - started["timestamp"]) // 1_000_000


def test_the_runs_rules_go_on_after_a_resume_with_new_mocks(tmp_path):
    stopped_at_b(tmp_path / "db")
    api.resume(tmp_path / "db", "e", mocks=MOCKS, test_case="t")
    assert b_took(tmp_path / "db") == 30
    [doc] = api.list_executions(tmp_path / "db")
    assert doc["faults"] == [{"state": "B", "effect": "latency", "attempts": "*", "seconds": 30}]


def test_no_faults_drops_the_runs_rules(tmp_path):
    stopped_at_b(tmp_path / "db")
    api.resume(tmp_path / "db", "e", mocks=MOCKS, test_case="t", faults=[])
    assert b_took(tmp_path / "db") == 0
    assert "faults" not in api.list_executions(tmp_path / "db")[0]
