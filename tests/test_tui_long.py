"""Pilot tests of the terminal UI on long histories (read by range, folded from thinned
checkpoints, failures found by a scout) and on executions another process is writing (the
view and the list follow them)."""

from __future__ import annotations

import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replay import api, window
from replay.fold import fold
from tests.helpers import START
from tests.test_tui_views import run_case
from tui.app import ReplayApp
from tui.screens import execution as execution_screen
from tui.screens.execution import ExecutionScreen
from tui.screens.executions import ExecutionsScreen
from tui.widgets.inspector import Inspector
from tui.widgets.scrubbar import ScrubBar
from tui.widgets.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent
LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Parameters": {"i": 0, "limit.$": "$.limit"}, "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.limit", "Next": "Increment"}],
            "Default": "Boom",
        },
        "Increment": {
            "Type": "Pass",
            "Parameters": {"i.$": "States.MathAdd($.i, 1)", "limit.$": "$.limit"},
            "Next": "Check",
        },
        "Boom": {"Type": "Fail", "Error": "Loop.Done", "Cause": "the end"},
    },
}


def drive(app: ReplayApp, script, size=(100, 30)):
    async def main():
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(main())


@pytest.fixture(scope="module")
def long_db(tmp_path_factory) -> Path:
    """A loop of 500 iterations: about 2,000 events, its only failure the last event."""
    db = tmp_path_factory.mktemp("tui-long") / "db"
    api.run(
        db,
        json.dumps(LOOP),
        {"limit": 500},
        state_machine_name="loop",
        name="long",
        seed=1,
        start_micros=START,
    )
    return db


@pytest.fixture
def small_limits(monkeypatch):
    """Small chunks kept, few checkpoints, a scout that only moves when asked."""
    monkeypatch.setattr(window, "KEEP_CHUNKS", 4)
    monkeypatch.setattr(window, "MAX_CHECKPOINTS", 4)
    monkeypatch.setattr(execution_screen, "SCOUT_STEP", 256)
    monkeypatch.setattr(ExecutionScreen, "SCOUT_EVERY", 60.0)


def test_a_long_history_opens_reading_only_what_it_shows(long_db, small_limits):
    app = ReplayApp(long_db, "long")

    async def script(pilot):
        screen = app.screen
        events, cursor = screen.execution.events, screen.cursor
        total = len(events)
        assert total > 2000 and screen.query_one(Timeline).row_count == total
        assert events.events_read <= 2 * window.CHUNK  # the first rows and one scout step
        bar = screen.query_one(ScrubBar)
        assert "failures 0+" in bar.label  # the scout has not seen them all yet
        await pilot.press("e")  # past the scout: it goes on until it finds the failure
        assert bar.position == total and bar.label.endswith("failures 1")
        assert screen.query_one(Inspector).shown["error"] == "Loop.Done"
        await pilot.press("home", "p", "n", "n")
        assert screen.query_one(Inspector).shown["state"] == "Check"
        for n in random.Random(3).sample(range(1, total + 1), 5) + [total, 1, 1000]:
            screen.move_to(n)
            await pilot.pause()
            assert cursor.state == fold(events.between(1, n)), n
            assert screen.query_one(Inspector).shown["event"] == n
        # what stays in memory is bounded, whatever the history's length
        assert len(events.chunks) <= window.KEEP_CHUNKS
        assert len(cursor.facts_cache) <= window.KEEP_CHUNKS
        assert len(cursor.checkpoints) <= window.MAX_CHECKPOINTS + 1 and cursor.every > 256
        await pilot.press("end", "pageup", "pageup")  # rows drawn near the end, read there
        timeline = screen.query_one(Timeline)
        assert timeline.row_cells(total - 1)[1] == "ExecutionFailed"
        assert timeline.row_cells(total - 3)[2] == "Check"

    drive(app, script)


HANDLERS = """
import time
from pathlib import Path

GATE = Path({gate!r})


def wait(payload, context):
    while not GATE.exists():
        time.sleep(0.02)
    return {{"waited": True}}


HANDLERS = {{"Wait": wait}}
"""
GATED = {
    "StartAt": "Before",
    "States": {
        "Before": {"Type": "Pass", "Next": "Wait"},
        "Wait": {
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:1:function:w",
            "Next": "After",
        },
        "After": {"Type": "Pass", "End": True},
    },
}


async def until(pilot, condition, seconds: float = 4.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


def test_the_list_and_the_view_follow_an_execution_another_process_writes(tmp_path, monkeypatch):
    monkeypatch.setattr(ExecutionsScreen, "RELOAD_EVERY", 0.1)
    monkeypatch.setattr(ExecutionScreen, "FOLLOW_EVERY", 0.1)
    db, gate = tmp_path / "db", tmp_path / "gate"
    run_case(db, "happy", "done-before")
    (tmp_path / "definition.json").write_text(json.dumps(GATED))
    (tmp_path / "handlers.py").write_text(HANDLERS.format(gate=str(gate)))
    app = ReplayApp(db)
    writer = None

    async def script(pilot):
        nonlocal writer
        table = app.screen.query_one("#executions")
        assert table.row_count == 1
        writer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tui.cli",
                "run",
                str(tmp_path / "definition.json"),
                "--handlers",
                str(tmp_path / "handlers.py"),
                "--db",
                str(db),
                "--name",
                "live",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

        def rows() -> dict:
            return {
                str(table.get_row_at(i)[0]): table.get_row_at(i) for i in range(table.row_count)
            }

        await until(pilot, lambda: "live" in rows() and rows()["live"][3] == "6")
        assert str(rows()["live"][2]) == "RUNNING"  # up to the Task's start: the handler waits
        table.move_cursor(row=list(rows()).index("live"))
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, ExecutionScreen) and len(screen.execution.events) == 6
        await pilot.press("end")
        assert screen.query_one(Inspector).shown["type"] == "LambdaFunctionStarted"
        gate.touch()  # the handler answers; the writer records the rest and ends
        await until(pilot, lambda: screen.execution.doc["status"] == "SUCCEEDED")
        await pilot.pause()  # the timeline's move reaches the inspector
        total = len(screen.execution.events)
        assert total > 5 and screen.query_one(ScrubBar).total == total
        assert screen.query_one(Inspector).shown["type"] == "ExecutionSucceeded"  # still at the end
        assert "SUCCEEDED" in str(screen.query_one("#title").render())
        assert screen.execution.events.events_read == total  # each event read once
        await pilot.press("escape")
        await until(pilot, lambda: str(rows()["live"][2]) == "SUCCEEDED")

    try:
        drive(app, script)
    finally:
        gate.touch()
        if writer is not None:
            assert writer.wait(timeout=10) == 0, writer.stderr.read()


def test_the_list_reloads_only_on_a_change_and_leaves_the_focus_where_it_is(tmp_path):
    db = tmp_path / "db"
    run_case(db, "happy", "a-1")
    app = ReplayApp(db)

    async def script(pilot):
        screen = app.screen
        refills = []
        fill = screen.refill
        screen.refill = lambda text="": refills.append(text) or fill(text)
        screen.reload_live()
        assert refills == []  # nothing changed: the table is left alone
        await pilot.press("slash", "a")  # typing a filter
        run_case(db, "happy", "a-2")  # another writer adds an execution
        screen.reload_live()
        assert refills[-1] == "a" and screen.query_one("#executions").row_count == 2
        assert app.focused is screen.query_one("#filter")

    drive(app, script)


def test_keys_while_the_db_is_busy_are_messages_then_work(long_db, small_limits):
    app = ReplayApp(long_db, "long")

    async def script(pilot):
        screen = app.screen
        events, total = screen.execution.events, len(screen.execution.events)
        app.seam._lock.acquire()  # as while a branch runs in its worker thread
        try:
            await pilot.press("end")
            assert any("busy" in n.message for n in app._notifications)
            assert screen.query_one(Timeline).row_cells(total - 1)[0] == "…"
            assert screen.query_one(Inspector).shown["event"] == 1  # not moved
        finally:
            app.seam._lock.release()
        await pilot.press("end")
        assert screen.query_one(Inspector).shown["event"] == total
        assert screen.cursor.state == fold(events.between(1, total))
        assert screen.query_one(Timeline).row_cells(total - 1)[1] == "ExecutionFailed"

    drive(app, script)


def test_an_execution_deleted_while_shown_is_a_message(tmp_path, small_limits):
    from replay.history import EXECUTIONS
    from store import EventLog

    db = tmp_path / "db"
    api.run(db, json.dumps(LOOP), {"limit": 300}, state_machine_name="loop", name="gone", seed=1)
    app = ReplayApp(db, "gone")

    async def script(pilot):
        screen = app.screen
        with EventLog(db) as log:  # as another process might
            log.delete_doc(EXECUTIONS, screen.arn)
        await pilot.press("end")
        assert any("no execution" in n.message for n in app._notifications)
        assert isinstance(app.screen, ExecutionScreen)  # still running, still there
        await pilot.press("escape")
        assert isinstance(app.screen, ExecutionsScreen)

    drive(app, script)
