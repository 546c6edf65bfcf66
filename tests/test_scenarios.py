"""Every bundled scenario case passes, run by the scenario runner `sfn-replay test` uses, and
replays identically from its record."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import api
from replay.scenarios import load_all, run_case
from replay.scenarios.report import detail_lines

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CASES = load_all([SCENARIOS])


def test_there_are_bundled_scenarios_with_faults():
    files = {case.file for case in CASES}
    assert len(files) >= 14
    assert all(any(case.faults for case in CASES if case.file == file) for file in files)


def case_id(case) -> str:
    return f"{case.file.parent.name}::{case.name}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_scenario(tmp_path, case):
    result = run_case(case, tmp_path / "db")
    assert result.passed, "\n".join(detail_lines(result))


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_scenario_replays_identically(tmp_path, case):
    result = run_case(case, tmp_path / "db")
    assert api.replay(tmp_path / "db", result.execution) is None


def test_sfn_replay_test_runs_them_all_from_the_repository_root(monkeypatch):
    from typer.testing import CliRunner

    from tui.cli import app

    monkeypatch.chdir(SCENARIOS.parent)
    result = CliRunner().invoke(app, ["test"])
    assert result.exit_code == 0, result.output
    assert f"{len(CASES)} passed, 0 failed: {len(CASES)} cases in" in result.output
