"""Pilot tests of the terminal UI: keys pressed, widgets read, on executions run in a tmp db."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import START
from tests.test_tui_views import SCENARIO, run_case
from tui.app import ReplayApp
from tui.screens.compare import CompareScreen
from tui.screens.execution import ExecutionScreen
from tui.screens.executions import ExecutionsScreen
from tui.screens.forms import BranchForm
from tui.screens.help import HelpScreen
from tui.widgets.inspector import Inspector
from tui.widgets.outline import Outline
from tui.widgets.scrubbar import ScrubBar
from tui.widgets.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui-app") / "db"
    run_case(path, "happy", "happy-1")
    run_case(path, "payment-declined", "declined-1")
    return path


def drive(app: ReplayApp, script, size=(100, 30)):
    """Run the app headless and hand the pilot to `script` (an async function)."""

    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(main())


def position(app) -> int:
    return app.screen.query_one(ScrubBar).position


def inspected(app) -> dict:
    return app.screen.query_one(Inspector).shown


def test_executions_list_filters_and_opens(db):
    app = ReplayApp(db)

    async def script(pilot):
        screen = app.screen
        assert isinstance(screen, ExecutionsScreen)
        table = screen.query_one("#executions")
        assert table.row_count == 2
        assert {str(table.get_row_at(i)[2]) for i in range(2)} == {"SUCCEEDED", "FAILED"}
        await pilot.press("slash", *"fail", "enter")
        assert table.row_count == 1 and table.get_row_at(0)[0] == "declined-1"
        await pilot.press("enter")
        assert isinstance(app.screen, ExecutionScreen)
        assert app.screen.execution.doc["name"] == "declined-1"
        await pilot.press("escape", "slash", "escape")
        assert isinstance(app.screen, ExecutionsScreen) and table.row_count == 2

    drive(app, script)


def test_branches_show_as_a_tree_sort_cycles_and_running_executions_reload(tmp_path):
    from replay import api

    db = tmp_path / "db"
    run_case(db, "payment-declined", "b-root")
    run_case(db, "happy", "a-other")
    api.branch(db, "b-root", 5, name="c-child")
    api.branch(db, "c-child", 8, name="d-grandchild")
    definition = json.dumps(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:1:function:x",
                    "End": True,
                }
            },
        }
    )
    with pytest.raises(api.NoTaskAnswer):  # stops at a Task nothing answers: INTERRUPTED
        api.run(
            db,
            definition,
            {},
            state_machine_name="stuck",
            name="e-stuck",
            seed=1,
            start_micros=START + 1,
        )
    app = ReplayApp(db)

    async def script(pilot):
        screen = app.screen
        table = screen.query_one("#executions")
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names == ["a-other", "b-root", "└ c-child", "  └ d-grandchild", "e-stuck"]
        assert str(table.get_row_at(2)[6]) == "b-root @5"
        await pilot.press("s")  # by name
        assert [str(table.get_row_at(i)[0]) for i in range(3)] == ["a-other", "b-root", "c-child"]
        run_case(db, "happy", "f-new")  # written by another process while the list is open
        screen.reload_live()
        assert table.row_count == 6

    drive(app, script)


def test_scrubbing_keys_move_the_cursor_and_the_inspector_and_outline_follow(db):
    app = ReplayApp(db, "declined-1")

    async def script(pilot):
        screen = app.screen
        events = screen.execution.events
        assert isinstance(screen, ExecutionScreen) and position(app) == 1
        await pilot.press("right", "right")
        assert position(app) == 3 and inspected(app)["event"] == 3
        await pilot.press("shift+right")
        assert position(app) == 13
        await pilot.press("shift+left", "left")
        assert position(app) == 2
        await pilot.press("end")
        assert position(app) == len(events)
        assert inspected(app)["type"] == "ExecutionFailed"
        await pilot.press("home", "n")
        assert inspected(app)["type"] == "TaskStateEntered"
        assert inspected(app)["state"] == "ValidateOrder"
        await pilot.press("n", "p")
        assert inspected(app)["state"] == "ValidateOrder"
        await pilot.press("e")
        assert inspected(app)["type"] == "TaskFailed"
        assert inspected(app)["error"] == "Payment.Declined"
        first_failure = position(app)
        await pilot.press("e", "E")
        assert position(app) == first_failure
        await pilot.press("g", *"7", "enter")
        assert position(app) == 7 and inspected(app)["state"] == "IsValid"
        await pilot.press("slash")
        app.screen.query_one("#prompt").value = "REFUND"  # case does not matter
        await pilot.press("enter")
        assert inspected(app)["state"] == "Refund"
        before = screen.cursor.folded
        await pilot.press("right")  # the fold goes on from the cursor, not from the start
        assert screen.cursor.folded - before == 1
        # the outline: visits and outcomes at the cursor, the active states highlighted
        await pilot.press("home", "e")  # ChargePayment's TaskFailed, in the Parallel
        outline = screen.query_one(Outline)
        assert {"ReserveAndCharge", "ChargePayment"} <= outline.active
        assert outline.summary["ChargePayment"] == {"visits": 1, "outcome": "failed"}
        assert "ShipItems" not in outline.summary
        await pilot.press("end")
        assert outline.summary["Refund"]["outcome"] == "failed"
        assert not outline.active

    drive(app, script)


def test_help_theme_and_yank_in_a_small_terminal(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = ReplayApp(db, "happy-1")

    async def script(pilot):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = dict(app.screen.entries)
        for key in (
            "←",
            "→",
            "shift+←",
            "shift+→",
            "home",
            "end",
            "n",
            "p",
            "e",
            "E",
            "g",
            "/",
            "b",
            "d",
            "r",
            "R",
            "y",
            "escape",
            "?",
            "ctrl+t",
            "q",
            "↑",
            "↓",
        ):
            assert key in shown, key
        assert shown["E"] == "Prev failure" and shown["shift+←"] == "Back 10"
        await pilot.press("escape")
        assert isinstance(app.screen, ExecutionScreen)
        theme = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != theme
        await pilot.press("n")
        inspector = app.screen.query_one(Inspector)
        text = inspector.plain
        assert "▸ Context object" in str(text()) and '"StateMachine"' not in str(text())
        await pilot.press("f")
        assert "▸ Context object" not in str(text()) and '"StateMachine"' in str(text())
        await pilot.press("z")
        assert isinstance(app.screen.maximized, Timeline)
        await pilot.press("z")
        assert app.screen.maximized is None
        await pilot.press("end", "y")
        assert position(app) == len(app.screen.execution.events)
        saved = json.loads((tmp_path / f"sfn-replay-happy-1-{position(app)}.json").read_text())
        assert saved["type"] == "ExecutionSucceeded"
        outline = app.screen.query_one(Outline)
        assert outline.scroll_y == 0
        await pilot.press("p")  # Notify entered: low in the outline, which scrolls to it
        assert outline.active == {"Notify"} and outline.scroll_y > 0

    drive(app, script, size=(80, 24))


def test_errors_are_messages_in_the_app(tmp_path, db):
    app = ReplayApp(tmp_path / "nothing-here")

    async def script(pilot):
        message = str(app.screen.query_one("#message").render())
        assert "no event store" in message
        assert not (tmp_path / "nothing-here").exists()  # looking created nothing

    drive(app, script)
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "data.mdb").write_bytes(b"not lmdb" * 1000)
    app = ReplayApp(damaged)

    async def script1(pilot):
        assert "damaged" in str(app.screen.query_one("#message").render())

    drive(app, script1)
    app = ReplayApp(db, "no-such-execution")

    async def script2(pilot):
        assert isinstance(app.screen, ExecutionsScreen)
        assert "no execution named 'no-such-execution'" in str(
            app.screen.query_one("#message").render()
        )

    drive(app, script2)


def test_branch_from_the_cursor_then_compare_with_the_parent(db):
    app = ReplayApp(db, "declined-1")

    async def script(pilot):
        screen = app.screen
        await pilot.press("e")  # ChargePayment's TaskFailed
        fork = next(
            e["id"]
            for e in screen.execution.events  # IsValid's exit
            if e["type"] == "ChoiceStateExited"
        )
        await pilot.press("g", *str(fork), "enter", "b")
        form = app.screen  # a branch that cannot start: a message, and the app goes on
        form.query_one("#mocks").value = str(SCENARIO / "mocks.json")
        form.query_one("#test-case").value = "no-such-case"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert any("branch failed" in n.message for n in app._notifications)
        await pilot.press("b")
        form = app.screen
        assert isinstance(form, BranchForm)
        editor = form.query_one("#input-json")
        entered = screen.execution.events[fork]  # the next state entered: ReserveAndCharge
        assert json.loads(editor.text) == json.loads(entered["stateEnteredEventDetails"]["input"])
        editor.text = '{"orderId": "o-2", "items": [ '
        await pilot.pause()
        assert "invalid JSON" in str(form.query_one("#json-status").render())
        await pilot.press("ctrl+s")
        assert app.screen is form and "invalid JSON" in str(form.query_one("#form-error").render())
        editor.text = json.dumps(
            {"orderId": "o-2", "items": [{"sku": "pen"}], "validation": {"valid": True, "total": 1}}
        )
        form.query_one("#mocks").value = str(SCENARIO / "mocks.json")
        form.query_one("#test-case").value = "happy"
        form.query_one("#name").value = "retry-with-happy"
        await pilot.pause()
        assert str(form.query_one("#json-status").render()) == "valid JSON"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        child = app.screen
        assert isinstance(child, ExecutionScreen)
        assert child.execution.doc["name"] == "retry-with-happy"
        assert child.execution.doc["status"] == "SUCCEEDED"
        assert child.execution.fork_at == fork and position(app) == fork + 1
        assert child.query_one(ScrubBar).fork_at == fork
        assert child.query_one(Timeline).row_cells(fork - 1)[0].endswith("⑂")
        ships = [e for e in child.execution.events if e["type"] == "PassStateEntered"]
        assert len(ships) == 1  # the overridden input has one item
        # compare with the parent: aligned by id, first divergence after the fork
        await pilot.press("d")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        first = compare.aligned.first
        assert first > fork
        table = compare.query_one("#compare")
        assert table.cursor == first - 1 and table.row_cells(first - 1)[0].endswith("◆ first")
        assert f"first divergence at event {first}" in str(
            compare.query_one("#compare-summary").render()
        )
        await pilot.press("n")
        assert table.cursor == compare.aligned.differs[1] - 1
        assert table.row_cells(table.cursor)[0].endswith("≠")
        await pilot.press("p")
        assert table.cursor == first - 1

    drive(app, script)


def test_replay_checks_and_compare_with_a_picked_execution(db, tmp_path):
    changed = json.loads((SCENARIO / "definition.json").read_text())
    ship = changed["States"]["ShipItems"]["ItemProcessor"]["States"]["Ship"]
    ship["Parameters"]["label.$"] = "States.Format('{}/{}', $.orderId, $.sku)"
    (tmp_path / "changed.json").write_text(json.dumps(changed))
    app = ReplayApp(db, "happy-1")

    async def script(pilot):
        screen = app.screen
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "replay: identical" in screen.query_one(ScrubBar).label
        await pilot.press("R")
        app.screen.query_one("#prompt").value = str(tmp_path / "changed.json")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        first_ship = next(
            e["id"] for e in screen.execution.events if e["type"] == "PassStateExited"
        )
        assert position(app) == first_ship
        assert "≠ replay" in screen.query_one(Timeline).row_cells(first_ship - 1)[0]
        assert f"replay diverges at {first_ship}" in screen.query_one(ScrubBar).label
        await pilot.press("d")  # no parent: pick the execution to compare with
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.aligned.first is not None

    drive(app, script)


def test_the_tui_command_needs_a_terminal(db):
    from typer.testing import CliRunner

    from tui.cli import app as cli

    result = CliRunner().invoke(cli, ["tui", "--db", str(db)])
    assert result.exit_code == 2
    assert "tui needs a terminal" in result.output + (result.stderr or "")


def test_headless_commands_do_not_import_textual():
    code = "import sys, tui.cli; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.stdout.strip() == "False", out.stderr


def test_the_command_palette_offers_the_screen_actions(db):
    app = ReplayApp(db, "declined-1")

    async def script(pilot):
        titles = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Next failure", "Branch", "Compare", "Replay check"} <= set(titles)
        await titles["Next failure"].callback()
        await pilot.pause()
        assert inspected(app)["type"] == "TaskFailed"

    drive(app, script)


def test_the_seam_refuses_a_second_db_call_while_one_runs(db):
    from tui.seam import Seam, SeamError

    seam = Seam(db)
    assert len(seam.executions()) >= 2
    seam._lock.acquire()  # as while a branch runs in its worker thread
    try:
        with pytest.raises(SeamError, match="busy"):
            seam.open("happy-1")
    finally:
        seam._lock.release()
    assert seam.open("happy-1").doc["name"] == "happy-1"


def test_branch_with_an_injected_fault(db):
    app = ReplayApp(db, "happy-1")

    async def script(pilot):
        screen = app.screen
        fork = next(e["id"] for e in screen.execution.events if e["type"] == "ChoiceStateExited")
        await pilot.press("g", *str(fork), "enter", "b")
        form = app.screen
        form.query_one("#faults").value = "ChargePayment"  # no error: not a rule
        await pilot.press("ctrl+s")
        assert app.screen is form and "faults:" in str(form.query_one("#form-error").render())
        form.query_one("#faults").value = "ChargePayment:Payment.Declined:card declined"
        form.query_one("#name").value = "declined-by-fault"
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        child = app.screen
        assert isinstance(child, ExecutionScreen)
        assert child.execution.doc["status"] == "FAILED"
        await pilot.press("e")  # the first failure after the fork: the injected one
        assert inspected(app)["injected"] == ["ChargePayment:Payment.Declined:card declined@*"]
        assert child.query_one(Timeline).row_cells(position(app) - 1)[1] == "TaskFailed ⚡"
        await pilot.press("escape", "escape")
        table = app.screen.query_one("#executions")
        await pilot.press("ctrl+r")  # the list shows the new execution and its rules
        rows = {
            str(table.get_row_at(i)[0]).lstrip("└ "): table.get_row_at(i)
            for i in range(table.row_count)
        }
        assert rows["declined-by-fault"][7] == "ChargePayment:Payment.Declined:card declined@*"

    drive(app, script)


def test_the_view_of_a_running_execution_follows_its_new_events(tmp_path):
    from replay import api
    from replay.history import EXECUTIONS, length, read_events
    from store import EventLog

    db = tmp_path / "db"
    definition = json.dumps(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:1:function:x",
                    "End": True,
                }
            },
        }
    )
    with pytest.raises(api.NoTaskAnswer):  # stops at a Task nothing answers: still RUNNING
        api.run(db, definition, {}, state_machine_name="stuck", name="stuck", seed=1)
    app = ReplayApp(db, "stuck")

    async def script(pilot):
        screen = app.screen
        total = len(screen.execution.events)
        await pilot.press("end")
        with EventLog(db) as log:  # another process writes the end of the execution
            doc = api.resolve(log, "stuck")
            last = next(read_events(log, doc, length(log, doc)))
            log.append(
                doc["executionArn"],
                [
                    {
                        "id": total + 1,
                        "previousEventId": total,
                        "timestamp": last["timestamp"],
                        "type": "ExecutionFailed",
                        "executionFailedEventDetails": {"error": "E", "cause": "c"},
                    }
                ],
                docs={(EXECUTIONS, doc["executionArn"]): dict(doc, status="FAILED")},
            )
        screen.follow()
        await pilot.pause()
        assert position(app) == total + 1 and inspected(app)["type"] == "ExecutionFailed"
        assert "FAILED" in str(screen.query_one("#title").render())
        assert screen.query_one(ScrubBar).total == total + 1

    drive(app, script)
