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


# A bug outside the scenarios, kept visible: strict, so the fix turns this into a failure to
# remove the mark.
KNOWN_REPLAY_BUGS = {
    "batch-fanout::one-job-keeps-failing": "replay finds no recorded answer for a Task that was "
    "aborted while its mock's Delay ran (another iteration failed first)",
}


def case_id(case) -> str:
    return f"{case.file.parent.name}::{case.name}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_scenario(tmp_path, case):
    result = run_case(case, tmp_path / "db")
    assert result.passed, "\n".join(detail_lines(result))


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_REPLAY_BUGS[case_id(c)]))
        if case_id(c) in KNOWN_REPLAY_BUGS
        else c
        for c in CASES
    ],
    ids=[case_id(c) for c in CASES],
)
def test_scenario_replays_identically(tmp_path, case):
    result = run_case(case, tmp_path / "db")
    assert api.replay(tmp_path / "db", result.execution) is None
