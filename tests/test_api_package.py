"""`replay.api` names the whole Python API and loads each area only when it is used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replay import api

ROOT = Path(__file__).resolve().parent.parent

# what a plain run (no faults, no S3, never redriven, not a branch) has no use for
NOT_FOR_A_RUN = (
    "replay.api.branching",
    "replay.api.continuing",
    "replay.api.reading",
    "replay.api.activity_tasks",
    "replay.distributed",
    "replay.faults",
    "replay.fold",
    "replay.recorded",
    "replay.timetravel",
    "replay.transfer",
    "replay.verify",
)


@pytest.mark.parametrize("name", api.__all__)
def test_every_name_it_lists_resolves(name):
    assert getattr(api, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        api.nothing_here  # noqa: B018


def test_a_run_loads_none_of_the_other_areas(tmp_path):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    code = (
        "import json, sys\n"
        "from replay import api\n"
        f"api.run({str(tmp_path / 'db')!r}, {json.dumps(definition)!r}, {{}},"
        " state_machine_name='m', seed=1, start_micros=0)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(out.stdout))
    assert "replay.api.runs" in loaded
    assert sorted(loaded.intersection(NOT_FOR_A_RUN)) == []
