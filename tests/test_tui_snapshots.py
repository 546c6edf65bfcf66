"""Snapshot tests of each screen of the terminal UI (pytest-textual-snapshot): the executions
list, the execution view (80x24 and 140x40), the branch form, compare and help.

What they show is frozen: executions run with fixed seeds and virtual start times, and nothing
on screen reads the wall clock. Update the SVGs under tests/__snapshots__/ after a deliberate
change with `python -m pytest tests/test_tui_snapshots.py --snapshot-update`, and look at them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import api, api_views
from tests.test_tui_views import run_case
from tui.app import ReplayApp


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-snapshots") / "db"
    run_case(path, "happy", "happy-1")
    run_case(path, "payment-declined", "declined-1")
    faults = api_views.fault_rules("ChargePayment:Payment.Declined:card declined")
    api.branch(path, "happy-1", 8, name="declined-by-fault", faults=faults)
    return path


def test_executions_list(db, snap_compare):
    assert snap_compare(ReplayApp(db), terminal_size=(80, 24))


def test_execution_view_at_a_failure(db, snap_compare):
    """The first failure: red in the timeline and on the scrub bar, error in the inspector."""
    assert snap_compare(ReplayApp(db, "declined-1"), press=["e"], terminal_size=(80, 24))


def test_execution_view_large(db, snap_compare):
    """A branch at its fork point (⑂), on its injected fault (⚡), in a larger terminal."""
    app = ReplayApp(db, "declined-by-fault")
    assert snap_compare(app, press=["e"], terminal_size=(140, 40))


def test_branch_form(db, snap_compare):
    assert snap_compare(ReplayApp(db, "declined-1"), press=["n", "b"], terminal_size=(80, 24))


def test_compare(db, snap_compare):
    assert snap_compare(ReplayApp(db, "declined-by-fault"), press=["d"], terminal_size=(80, 24))


def test_help(db, snap_compare):
    assert snap_compare(
        ReplayApp(db, "declined-1"), press=["question_mark"], terminal_size=(80, 24)
    )


def test_explore(db, snap_compare, monkeypatch):
    """The failing fault sets of a state (replay.api.explore stood in for)."""
    rule = {"state": "ChargePayment", "error": "Payment.Declined", "attempts": "*"}
    failure = {"faults": [rule], "status": "FAILED", "error": "Payment.Declined"}
    failure.update(state="ChargePayment", execution="declined-1")
    report = {"runs": 7, "property": "succeeds", "failures": [failure]}
    monkeypatch.setattr(api, "explore", lambda *args, **kwargs: report, raising=False)

    async def run_before(pilot) -> None:
        while type(pilot.app.screen).__name__ != "ExecutionScreen":  # opened after the list
            await pilot.pause(0.01)
        await pilot.press("g")
        await pilot.pause()  # the prompt is up
        await pilot.press("1", "6", "enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.app.workers.wait_for_complete()
        pilot.app.clear_notifications()  # toasts go after a while of wall clock
        await pilot.pause()

    assert snap_compare(ReplayApp(db, "happy-1"), run_before=run_before, terminal_size=(80, 24))
