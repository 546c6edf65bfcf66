"""Every bundled scenario runs as-is and ends as its cases.json expects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay import api

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CASES = [
    (directory, case)
    for directory in sorted(SCENARIOS.iterdir())
    if (directory / "cases.json").exists()
    for case in json.loads((directory / "cases.json").read_text())
]


@pytest.mark.parametrize(
    "directory, case", CASES, ids=[f"{d.name}-{c.get('name', c['test_case'])}" for d, c in CASES]
)
def test_scenario(tmp_path, directory, case):
    s3 = directory / "s3"
    result = api.run(
        tmp_path / "db",
        (directory / "definition.json").read_text(),
        json.loads((directory / "input.json").read_text()),
        state_machine_name=directory.name,
        seed=1,
        start_micros=0,
        mocks=json.loads((directory / "mocks.json").read_text()),
        test_case=case["test_case"],
        s3_root=s3 if s3.is_dir() else None,
        faults=case.get("faults"),
    )
    for key, value in case["expect"].items():
        assert result[key] == value, (key, result)
    assert api.replay(tmp_path / "db", result["executionArn"]) is None
