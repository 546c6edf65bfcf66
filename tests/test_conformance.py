"""The recorded AWS executions in ../shared/conformance, run through the interpreter.

Prints the pass rates by feature at the end of the run (see conftest.py) and holds the floors:
they may rise, never fall. Skipped when ../shared is absent.
"""

from __future__ import annotations

import json

import pytest

from tests import conformance

CASES = conformance.all_cases()
pytestmark = pytest.mark.skipif(not CASES, reason="../shared/conformance is not present")

ISSUE_6 = {"jsonata", "variables", "distributed_map"}
# Floors measured on this corpus; raise them as the interpreter improves.
FLOORS = {
    "core outcome": 0.99,
    "core event types": 0.97,
    "issue 6 outcome": 0.99,
    "issue 6 event types": 0.95,
    "all outcome": 0.99,
    "event details": 0.93,
}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    checker = conformance.load_checker()
    db = tmp_path_factory.mktemp("conformance") / "db"
    out = [conformance.run_case(case, db, checker, n) for n, case in enumerate(CASES)]
    conformance.REPORT.extend(out)
    return out


def _rate(values: list[bool]) -> float:
    return sum(values) / len(values) if values else 1.0


def _check(cases: list, outcome_floor: float, types_floor: float) -> None:
    outcome = _rate([r.outcome for r in cases])
    types = _rate([bool(r.history_types) for r in cases if r.history_types is not None])
    failing = [f"{r.case}: {r.note}" for r in cases if not r.outcome][:20]
    assert outcome >= outcome_floor, json.dumps(failing, indent=1)
    assert types >= types_floor


def test_core_cases_reproduce_outcome_and_event_types(results):
    _check(
        [r for r in results if not ISSUE_6 & set(r.features)],
        FLOORS["core outcome"],
        FLOORS["core event types"],
    )


def test_jsonata_variables_distributed_map_cases(results):
    _check(
        [r for r in results if ISSUE_6 & set(r.features)],
        FLOORS["issue 6 outcome"],
        FLOORS["issue 6 event types"],
    )


def test_all_cases_outcome_floor(results):
    assert _rate([r.outcome for r in results]) >= FLOORS["all outcome"]


def test_replay_of_every_reproduced_case_is_identical(results):
    reproduced = [r for r in results if r.outcome]
    differing = [r.case for r in reproduced if not r.replay_identical]
    assert not differing, differing[:10]


def test_event_details_match_the_recordings(results):
    compared = [r for r in results if r.details is not None]
    assert _rate([r.details for r in compared]) >= FLOORS["event details"], [
        r.case for r in compared if not r.details
    ][:20]
