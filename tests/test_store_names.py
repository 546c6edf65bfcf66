"""Nothing merged, nothing half-written: an execution name is taken atomically, by runs (two
processes at once), branches, Distributed Map children and imports; an import is all or
nothing and never appends to a half-written execution."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replay import api
from replay.history import EXECUTIONS
from replay.runner import RunError
from store import EventLog
from tests.helpers import START

REPO = Path(__file__).resolve().parents[1]
LOOP = REPO / "bench" / "loop_definition.json"
# Imports the CLI, then waits for a shared instant, so that both processes reach the name
# check together (imports alone vary by tens of ms, the check-to-first-write gap is < 1 ms).
AT_INSTANT = (
    "import sys, time; sys.argv[0] = 'sfn-replay'; from tui.cli import app; "
    "at = float(sys.argv.pop(1)); time.sleep(max(0.0, at - time.time())); app()"
)


def _assert_one_history(db: Path, name: str) -> list[dict]:
    events = api.events(db, name)
    assert [e["type"] for e in events].count("ExecutionStarted") == 1
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["previousEventId"] < e["id"] for e in events)
    return events


def test_two_processes_same_name_one_runs(tmp_path: Path) -> None:
    db = tmp_path / "db"
    names = [f"y{i}" for i in range(3)]  # three rounds at once, a pair of processes each
    big_input = tmp_path / "input.json"  # a big input widens the gap between check and write
    big_input.write_text(json.dumps({"limit": 100, "pad": [{"k": i} for i in range(20000)]}))
    at = str(time.time() + 1.0)
    procs = {
        name: [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    AT_INSTANT,
                    at,
                    "run",
                    str(LOOP),
                    "--input",
                    str(big_input),
                    "--name",
                    name,
                    "--db",
                    str(db),
                    "--seed",
                    str(k),
                ],
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k in range(2)
        ]
        for name in names
    }
    for name, pair in procs.items():
        outs = [p.communicate(timeout=60) for p in pair]
        codes = sorted(p.returncode for p in pair)
        assert codes == [0, 2], (name, outs)
        loser = outs[[p.returncode for p in pair].index(2)][1]
        assert loser.startswith("sfn-replay: ExecutionAlreadyExists") and loser.count("\n") == 1
        assert len(_assert_one_history(db, name)) == 4 * 100 + 8
    assert sorted(d["name"] for d in api.list_executions(db)) == names


def test_name_taken_between_check_and_first_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race, made deterministic: the early check sees nothing, the write must refuse."""
    definition = LOOP.read_text()
    api.run(
        tmp_path,
        definition,
        {"limit": 3},
        state_machine_name="sm",
        name="y",
        seed=1,
        start_micros=START,
    )
    before = api.events(tmp_path, "y")
    monkeypatch.setattr(EventLog, "get_doc", lambda self, table, key: None)
    monkeypatch.setattr(EventLog, "length", lambda self, stream: 0)
    with pytest.raises(RunError, match="ExecutionAlreadyExists: an execution named 'y'"):
        api.run(
            tmp_path,
            definition,
            {"limit": 3},
            state_machine_name="sm",
            name="y",
            seed=2,
            start_micros=START,
        )
    monkeypatch.undo()
    assert api.events(tmp_path, "y") == before


def _aws_pages(tmp_path: Path, limit: int) -> tuple[list[dict], str]:
    definition = LOOP.read_text()
    api.run(
        tmp_path / "src",
        definition,
        {"limit": limit},
        state_machine_name="loop",
        name="x",
        seed=1,
        start_micros=START,
    )
    return [api.export(tmp_path / "src", "x")], definition


def _nothing_stored(db: Path) -> None:
    with EventLog(db, readonly=True) as log:
        assert log.streams() == [] and list(log.docs(EXECUTIONS)) == []


def test_import_killed_half_way_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages, definition = _aws_pages(tmp_path, 400)  # 1,608 events: several of the old chunks
    real = EventLog.append_many
    calls: list[int] = []

    def dies_on_second_append(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EventLog, "append_many", dies_on_second_append)
    try:
        api.import_history(
            tmp_path / "db", pages, definition, state_machine_name="loop", name="imp"
        )
    except KeyboardInterrupt:
        _nothing_stored(tmp_path / "db")
    else:  # one write: nothing to interrupt, and the execution is whole
        assert len(_assert_one_history(tmp_path / "db", "imp")) == 4 * 400 + 8

    real_put = EventLog._put_records

    def dies_inside_the_transaction(self, *args):
        real_put(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(EventLog, "_put_records", dies_inside_the_transaction)
    with pytest.raises(KeyboardInterrupt):
        api.import_history(
            tmp_path / "db2", pages, definition, state_machine_name="loop", name="imp"
        )
    _nothing_stored(tmp_path / "db2")
    monkeypatch.undo()
    api.import_history(tmp_path / "db2", pages, definition, state_machine_name="loop", name="imp")
    assert len(_assert_one_history(tmp_path / "db2", "imp")) == 4 * 400 + 8


def test_import_never_appends_to_a_half_written_execution(tmp_path: Path) -> None:
    pages, definition = _aws_pages(tmp_path, 200)
    arn = "arn:aws:states:us-east-1:123456789012:execution:loop:imp"
    with EventLog(tmp_path / "db") as log:  # what an older version left: events, no record
        log.append(arn, api.events(tmp_path / "src", "x")[:512])
    for _ in range(2):
        with pytest.raises(RunError, match="ExecutionAlreadyExists: the db holds events of"):
            api.import_history(
                tmp_path / "db", pages, definition, state_machine_name="loop", name="imp"
            )
    with EventLog(tmp_path / "db", readonly=True) as log:
        assert log.length(arn) == 512
    report = api.check(tmp_path / "db")
    assert any("events without an execution record" in p for p in report)
    with pytest.raises(RunError, match="ExecutionAlreadyExists: the db holds events of"):
        api.run(
            tmp_path / "db",
            definition,
            {"limit": 1},
            state_machine_name="loop",
            name="imp",
            seed=1,
            start_micros=START,
        )


def test_import_twice_is_refused(tmp_path: Path) -> None:
    pages, definition = _aws_pages(tmp_path, 5)
    api.import_history(tmp_path / "db", pages, definition, state_machine_name="loop", name="imp")
    with pytest.raises(RunError, match="ExecutionAlreadyExists: an execution named 'imp'"):
        api.import_history(
            tmp_path / "db", pages, definition, state_machine_name="loop", name="imp"
        )
    _assert_one_history(tmp_path / "db", "imp")


def test_branch_name_taken_between_check_and_first_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    definition = LOOP.read_text()
    api.run(
        tmp_path,
        definition,
        {"limit": 3},
        state_machine_name="sm",
        name="p",
        seed=1,
        start_micros=START,
    )
    api.branch(tmp_path, "p", 6, name="b")
    before = api.events(tmp_path, "b")
    arn = "arn:aws:states:us-east-1:123456789012:execution:sm:b"
    real_get, real_length = EventLog.get_doc, EventLog.length
    monkeypatch.setattr(
        EventLog,
        "get_doc",
        lambda self, table, key: None if key == arn else real_get(self, table, key),
    )
    monkeypatch.setattr(
        EventLog, "length", lambda self, stream: 0 if stream == arn else real_length(self, stream)
    )
    with pytest.raises(RunError, match="ExecutionAlreadyExists: an execution named 'b'"):
        api.branch(tmp_path, "p", 6, name="b", seed=5)
    monkeypatch.undo()
    assert api.events(tmp_path, "b") == before


def test_distributed_map_child_name_taken(tmp_path: Path) -> None:
    child = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    definition = json.dumps(
        {
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "Label": "Fan",
                    "End": True,
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                        **child,
                    },
                }
            },
        }
    )

    def run(db: Path) -> dict:
        return api.run(
            db,
            definition,
            [1, 2],
            state_machine_name="sm",
            name="parent",
            seed=2,
            start_micros=START,
        )

    run(tmp_path / "first")
    children = [
        d["executionArn"] for d in api.list_executions(tmp_path / "first") if d.get("mapRunArn")
    ]
    assert len(children) == 2
    with EventLog(tmp_path / "second") as log:  # the same child ARN already has events
        log.append(
            children[1],
            [{"id": 1, "type": "ExecutionStarted"}],
            docs={(EXECUTIONS, children[1]): {"executionArn": children[1]}},
        )
    with pytest.raises(RunError, match="ExecutionAlreadyExists: an execution named"):
        run(tmp_path / "second")
    with EventLog(tmp_path / "second", readonly=True) as log:
        assert log.length(children[1]) == 1  # never appended to
