"""The recorded AWS histories of ../shared/conformance as import fixtures: each imports, reads
back, folds, and a failed Task can be branched with a mocked success and finished locally."""

from __future__ import annotations

import json

import pytest

from replay import api
from tests import conformance

CASES = [
    c
    for c in conformance.all_cases()
    if json.loads((c / "expected.json").read_text()).get("history")
]
pytestmark = pytest.mark.skipif(not CASES, reason="../shared/conformance is not present")


def _import(case, db, name):
    expected = json.loads((case / "expected.json").read_text())
    api.import_history(
        db,
        [conformance.aws_shape(expected["history"])],
        (case / "definition.json").read_text(),
        state_machine_name="conformance",
        name=name,
    )
    return expected


def test_every_recorded_history_imports_and_folds(tmp_path):
    imported = 0
    for number, case in enumerate(CASES):
        expected = _import(case, tmp_path / "db", f"i{number}")
        imported += 1
        history = api.history(tmp_path / "db", f"i{number}")
        assert [e["type"] for e in history] == [e["type"] for e in expected["history"]]
        shown = api.state(tmp_path / "db", f"i{number}", -1)
        assert shown["status"] == expected["status"]
    assert imported == len(CASES)


def test_branching_an_imported_failed_task_with_a_mocked_success(tmp_path):
    finished = 0
    for number, case in enumerate(CASES):
        expected = json.loads((case / "expected.json").read_text())
        types = [e["type"] for e in expected["history"]]
        features = set(expected["features"])
        if expected["status"] != "FAILED" or features & {"jsonata", "map", "parallel"}:
            continue
        failures = [
            i for i, t in enumerate(types, 1) if t in ("TaskFailed", "LambdaFunctionFailed")
        ]
        if not failures or not (case / "mocks.json").exists():
            continue
        _import(case, tmp_path / "db", f"f{number}")
        at = failures[0] - 1
        failing_state = api.state(tmp_path / "db", f"f{number}", at)["active"][-1]["state"]
        mocks = json.loads((case / "mocks.json").read_text())
        mocks["StateMachines"]["conformance"]["TestCases"]["fix"] = dict(
            mocks["StateMachines"]["conformance"]["TestCases"]["recorded"],
            **{failing_state: "MockedSuccess"},
        )
        mocks["MockedResponses"]["MockedSuccess"] = {"0": {"Return": {"ok": True}}}
        result = api.branch(
            tmp_path / "db", f"f{number}", at, name=f"fixed{number}", mocks=mocks, test_case="fix"
        )
        assert result["status"] in ("SUCCEEDED", "FAILED")
        assert api.events(tmp_path / "db", f"fixed{number}")[at]["type"] in (
            "TaskSucceeded",
            "LambdaFunctionSucceeded",
        )
        finished += 1
    assert finished >= 5


def test_imported_branches_and_iterations_get_frames_of_their_own(tmp_path):
    for number, case in enumerate(CASES):
        expected = json.loads((case / "expected.json").read_text())
        if not {"map", "parallel"} & set(expected["features"]):
            continue
        if any(not isinstance(e["id"], int) for e in expected["history"]):
            continue  # recordings whose branch events lost their ids cannot be linked
        name = f"p{number}"
        _import(case, tmp_path / "db", name)
        types = [e["type"] for e in expected["history"]]
        inner = [
            i
            for i, t in enumerate(types, 1)
            if t in ("PassStateEntered", "FailStateEntered")
            and i
            > types.index(
                "MapStateEntered" if "map" in expected["features"] else "ParallelStateEntered"
            )
            + 1
        ]
        if inner:
            frames = [f["frame"] for f in api.state(tmp_path / "db", name, inner[0])["active"]]
            assert any("#" in frame for frame in frames), (case.name, frames)
        # at the end nothing is left running inside a finished Map or Parallel
        assert not api.state(tmp_path / "db", name, -1)["active"], case.name
