"""The read-only views behind the terminal UI and `graph`: incremental folding, frame labels,
per-state visits and outcomes, alignment, and the graph renderings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api, api_views, graph, window
from replay.fold import fold
from tests.helpers import START

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "order-pipeline"


def run_case(db: Path, case: str, name: str) -> dict:
    return api.run(
        db,
        (SCENARIO / "definition.json").read_text(),
        json.loads((SCENARIO / "input.json").read_text()),
        state_machine_name="order-pipeline",
        name=name,
        seed=3,
        start_micros=START,
        mocks=json.loads((SCENARIO / "mocks.json").read_text()),
        test_case=case,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "db"
    run_case(path, "happy", "happy-1")
    run_case(path, "payment-declined", "declined-1")
    return path


def test_cursor_matches_a_full_fold_at_every_position_in_any_order(db, monkeypatch):
    monkeypatch.setattr(window, "CHECKPOINT_EVERY", 8)
    events = api_views.load(db, "happy-1").events
    cursor = api_views.Cursor(events)
    moves = list(range(1, len(events) + 1)) + random.Random(5).choices(
        range(1, len(events) + 1), k=60
    )
    for n in moves:
        assert cursor.at(n) == fold(events[:n]), n


def test_each_move_folds_at_most_a_checkpoint_interval(db, monkeypatch):
    monkeypatch.setattr(window, "CHECKPOINT_EVERY", 8)
    events = api_views.load(db, "happy-1").events
    cursor = api_views.Cursor(events)
    cursor.at(len(events))  # the first pass leaves a checkpoint every 8 events
    for n in list(range(len(events) - 1, 0, -1)) + [40, 3, 33, 12]:
        before = cursor.folded
        cursor.at(n)
        assert cursor.folded - before <= 8, n
    before = cursor.folded
    cursor.at(13)
    assert cursor.folded - before == 1  # forward by one: one event


def labels(loaded: api_views.Execution) -> list[str]:
    cursor = api_views.Cursor(loaded.events)
    return [cursor.facts(e["id"]).label for e in loaded.events]


def test_frame_labels_and_state_names(db):
    loaded = api_views.load(db, "happy-1")
    by_type = {(e["type"], label) for e, label in zip(loaded.events, labels(loaded))}
    assert ("PassStateEntered", "ShipItems#2") in by_type
    assert ("TaskStateEntered", "ReserveAndCharge#1") in by_type
    ship = next(e for e in loaded.events if e["type"] == "PassStateEntered")["id"]
    facts = api_views.Cursor(loaded.events).facts
    assert facts(ship).state == "Ship"
    retried = [e["id"] for e in loaded.events if facts(e["id"]).retry]
    assert [(loaded.events[i - 2]["type"], loaded.events[i - 1]["type"]) for i in retried] == [
        ("TaskFailed", "TaskScheduled")
    ] * 2  # ChargePayment throttled twice, then through
    assert facts(1).state is None and facts(len(loaded.events)).state is None  # the execution's


def summary(loaded: api_views.Execution, n: int) -> dict:
    cursor = api_views.Cursor(loaded.events)
    cursor.at(n)
    return cursor.summary()


def test_visits_and_outcomes_follow_the_cursor(db):
    loaded = api_views.load(db, "declined-1")
    total = len(loaded.events)
    failed = next(e["id"] for e in loaded.events if e["type"] == "TaskFailed")
    assert summary(loaded, failed - 1)["ChargePayment"]["outcome"] == "running"
    assert summary(loaded, failed)["ChargePayment"]["outcome"] == "failed"
    end = summary(loaded, total)
    assert end["Refund"] == {"visits": 1, "outcome": "failed"}
    assert "ShipItems" not in end
    happy = api_views.load(db, "happy-1")
    assert summary(happy, len(happy.events))["Ship"] == {"visits": 3, "outcome": "succeeded"}


def test_inspect_shows_input_parameters_result_context_and_error(db):
    loaded = api_views.load(db, "declined-1")
    cursor = api_views.Cursor(loaded.events)
    failed = next(e for e in loaded.events if e["type"] == "TaskFailed")
    shown = api_views.inspect(
        loaded.doc, cursor.at(failed["id"]), failed, cursor.facts(failed["id"]).label
    )
    assert shown["state"] == "ChargePayment" and shown["frame"] == "ReserveAndCharge#1"
    assert shown["parameters"]["Payload"] == {"orderId": "o-1001", "amount": 42.5}
    assert shown["error"] == "Payment.Declined" and shown["cause"] == "card declined"
    assert shown["context"]["State"]["Name"] == "ChargePayment"
    ok = next(e for e in loaded.events if e["type"] == "TaskSucceeded")
    shown = api_views.inspect(loaded.doc, cursor.at(ok["id"]), ok, cursor.facts(ok["id"]).label)
    assert shown["result"]["Payload"] == {"valid": True, "total": 42.5}
    started = loaded.events[0]
    shown = api_views.inspect(loaded.doc, cursor.at(1), started, cursor.facts(1).label)
    assert shown["input"]["orderId"] == "o-1001" and "state" not in shown


def test_align_marks_every_difference(db):
    a = api_views.load(db, "happy-1").events
    b = api_views.load(db, "declined-1").events
    aligned = api_views.align(a, b)
    first = next(i + 1 for i, (x, y) in enumerate(zip(a, b)) if x != y)
    assert aligned.first == first
    assert aligned.differs[-1] == max(len(a), len(b))
    assert api_views.align(a, a).differs == []


def test_outline_nests_branches_and_processors_in_flow_order():
    machine = json.loads((SCENARIO / "definition.json").read_text())
    rows = [(r.depth, r.name) for r in graph.outline(machine)]
    assert rows[:3] == [(0, "ValidateOrder"), (0, "IsValid"), (0, "ReserveAndCharge")]
    assert (1, "branch 2") in rows and (2, "ChargePayment") in rows
    assert rows.index((2, "Ship")) == rows.index((1, "item processor")) + 1
    assert [name for depth, name in rows if depth == 0][-3:] == [
        "Refund",
        "Rejected",
        "ManualReview",
    ]


def test_graph_command_renders_the_path_and_outcomes(db):
    from tui.cli import app

    runner = CliRunner()
    text = runner.invoke(app, ["graph", "declined-1", "--db", str(db)])
    assert text.exit_code == 0, text.output
    assert "✗ ChargePayment (Task)  ×1 failed" in text.output
    assert "· ShipItems (Map)" in text.output
    mermaid = runner.invoke(app, ["graph", "happy-1", "--db", str(db), "--format", "mermaid"])
    assert mermaid.output.startswith("flowchart TD") and "==>" in mermaid.output
    assert "Ship ✓ ×3" in mermaid.output
    dot = runner.invoke(app, ["graph", str(SCENARIO / "definition.json"), "--format", "dot"])
    assert dot.output.startswith("digraph workflow") and "penwidth" not in dot.output
    bad = runner.invoke(app, ["graph", "happy-1", "--db", str(db), "--format", "png"])
    assert bad.exit_code == 2
    (db.parent / "list.json").write_text("[1]")
    bad = runner.invoke(app, ["graph", str(db.parent / "list.json")])
    assert bad.exit_code == 2 and "must be a JSON object" in bad.output + (bad.stderr or "")


def test_imported_histories_get_the_same_frame_labels_by_inference(db, tmp_path):
    own = api_views.load(db, "happy-1")
    pages = [json.loads(json.dumps({"events": api.history(db, "happy-1")}))]
    imported_db = tmp_path / "imported"
    api.import_history(
        imported_db,
        pages,
        (SCENARIO / "definition.json").read_text(),
        state_machine_name="order-pipeline",
        name="imported",
    )
    imported = api_views.load(imported_db, "imported")
    assert all("sfnReplay" not in event for event in imported.events[1:])
    assert labels(imported) == labels(own)
    assert summary(imported, 50) == summary(own, 50)


def test_the_inspector_cuts_huge_sections_but_y_keeps_them():
    from tui.widgets.inspector import SHOWN_CHARACTERS, Inspector, sections

    big = {"event": 1, "type": "TaskSucceeded", "frame": "(root)", "output": ["x" * 50] * 1000}
    inspector = Inspector()
    inspector.shown = big
    assert len(json.loads(inspector.as_json())["output"]) == 1000
    import io

    from rich.console import Console

    console = Console(width=100, record=True, file=io.StringIO())
    console.print(sections(big))
    text = console.export_text()
    assert "more characters (y saves them all)" in text and len(text) < SHOWN_CHARACTERS * 2


def test_a_read_failing_half_way_leaves_the_cursor_and_scout_consistent(db, monkeypatch):
    monkeypatch.setattr(window, "CHUNK", 8)
    monkeypatch.setattr(window, "CHECKPOINT_EVERY", 8)
    events = list(api_views.load(db, "happy-1").events)
    calls = []

    def read(first: int, last: int) -> list[dict]:
        calls.append(first)
        if len(calls) == 3:
            raise OSError("busy for a moment")
        return events[first - 1 : last]

    cursor = window.Cursor(window.History(read, len(events)))
    with pytest.raises(OSError):
        cursor.at(40)
    assert cursor.scouted == 0  # the jump failed: the scout has not moved
    assert cursor.at(40) == fold(events[:40]) and cursor.at(45) == fold(events[:45])
    failures = [e["id"] for e in events if window.is_failure(e["type"])]
    assert cursor.scout(50) and list(cursor.failures) == failures
    assert all(v["state"] == fold(events[:k]) for k, v in cursor.checkpoints.items())
    cursor = window.Cursor(window.History(lambda a, b: events[a - 1 : b], len(events)))
    cursor.at(45)
    assert cursor.scouted == 45  # a jump past the scout did its work on the way
    assert cursor.scout(5) and list(cursor.failures) == failures
    assert cursor.scout_view["state"] == fold(events)
    calls.clear()
    cursor = window.Cursor(window.History(read, len(events)))
    with pytest.raises(OSError):
        cursor.scout(50)
    assert cursor.scouted == 16  # two chunks read, then the third failed
    assert cursor.scout(50) and cursor.scouted == len(events)
    assert list(cursor.failures) == [e["id"] for e in events if window.is_failure(e["type"])]
