"""The explore key (x): the faults of the state at the cursor explored through the seam
(`replay.api.explore`, which another branch brings: a stand-in here checks what the UI sends
and shows what comes back), the failing sets listed, Enter opening a kept run."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from replay import api
from tests.helpers import START
from tests.test_tui_views import SCENARIO, run_case
from tui.app import ReplayApp
from tui.screens.execution import ExecutionScreen
from tui.screens.explore import ExploreScreen


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-explore") / "db"
    run_case(path, "happy", "happy-1")
    run_case(path, "payment-declined", "explore-order-pipeline-1")  # as explore keeps a run
    return path


def drive(app, script):
    async def main():
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await script(pilot)
            await app.workers.wait_for_complete()
            await pilot.pause()

    asyncio.run(main())


def test_x_explores_the_state_at_the_cursor_and_enter_opens_a_failing_run(db, monkeypatch):
    calls = []
    rule = {"state": "ChargePayment", "error": "Payment.Declined", "attempts": "*"}

    def explore(db_path, definition_text, input_value, **options):
        calls.append((db_path, definition_text, input_value, options))
        failure = {"faults": [rule], "status": "FAILED", "error": "Payment.Declined"}
        failure.update(state="ChargePayment", execution="explore-order-pipeline-1")
        return {"runs": 7, "property": "succeeds", "failures": [failure]}

    monkeypatch.setattr(api, "explore", explore, raising=False)
    app = ReplayApp(db, "happy-1")

    async def script(pilot):
        await pilot.press("home", "x")  # ExecutionStarted: no state to explore
        assert any("no state at the cursor" in n.message for n in app._notifications)
        await pilot.press("g")
        await pilot.pause()
        await pilot.press(*"16", "enter")  # ChargePayment entered
        await pilot.pause()
        await pilot.press("x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExploreScreen)
        summary = str(screen.query_one("#explore-summary").render())
        assert "explore ChargePayment: 7 runs, 1 failing fault set (property succeeds)" in summary
        table = screen.query_one("#explored")
        assert [str(c) for c in table.get_row_at(0)] == [
            "ChargePayment:Payment.Declined@*",
            "FAILED",
            "ChargePayment",
            "Payment.Declined",
            "explore-order-pipeline-1",
        ]
        await pilot.press("enter")
        assert isinstance(app.screen, ExecutionScreen)
        assert app.screen.execution.doc["name"] == "explore-order-pipeline-1"

    drive(app, script)
    ((db_path, definition, input_value, options),) = calls  # run as happy-1 was
    assert db_path == db and definition == (SCENARIO / "definition.json").read_text()
    assert input_value == json.loads((SCENARIO / "input.json").read_text())
    assert options["states"] == ["ChargePayment"] and options["test_case"] == "happy"
    assert options["mocks"] == json.loads((SCENARIO / "mocks.json").read_text())
    assert (options["seed"], options["start_micros"]) == (3, START)
    assert options["state_machine_name"] == "order-pipeline"
    assert options["handlers_file"] is None and options["s3_root"] is None


def test_without_the_exploration_x_says_so(db, monkeypatch):
    monkeypatch.delattr(api, "explore", raising=False)
    app = ReplayApp(db, "happy-1")

    async def script(pilot):
        await pilot.press("n", "x")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExecutionScreen)
        assert any("explore is not in this build" in n.message for n in app._notifications)

    drive(app, script)
