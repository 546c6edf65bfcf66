"""Read-only commands open the db read-only: they work on a read-only directory, create
nothing (not even LMDB's lock file), never create a db at a mistyped path, and `state`
answers when its snapshot cache cannot be written (read-only, full disk)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from store import EventLog, StoreFullError
from tests.helpers import START
from tui.cli import app

LOOP = Path(__file__).resolve().parents[1] / "bench" / "loop_definition.json"
runner = CliRunner()
READ_COMMANDS = [
    ["list"],
    ["history", "a"],
    ["history", "a", "--format", "aws"],
    ["state", "a", "--at", "700"],
    ["tree", "a"],
    ["diff", "a", "b"],
    ["export", "a"],
    ["replay", "a"],
]


def cli(*args: object):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("ro") / "db"
    for name, limit in (("a", 200), ("b", 201)):  # 808 events: state at 700 needs snapshots
        api.run(
            db,
            LOOP.read_text(),
            {"limit": limit},
            state_machine_name="loop",
            name=name,
            seed=1,
            start_micros=START,
        )
    return db


@pytest.fixture
def db(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db"
    shutil.copytree(pristine, copy)
    return copy


def _files(db: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in db.iterdir()}


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: c[0])
def test_mistyped_db_is_not_created(tmp_path: Path, command: list[str]) -> None:
    typo = tmp_path / "dbb"
    result = cli(*command, "--db", typo)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"sfn-replay: no such db at {typo}"
    assert not typo.exists()


def test_read_commands_create_nothing(db: Path) -> None:
    (db / "lock.mdb").unlink()  # a writable open would make it again
    before = _files(db)
    for command in READ_COMMANDS:
        if command[0] == "state":
            continue  # state may cache snapshots when it can write: see below
        result = cli(*command, "--db", db)
        assert result.exit_code in (0, 1), (command, result.output)
        assert _files(db) == before, command
    assert cli("replay", "a", "--db", db).stdout.strip() == "identical"


def test_read_only_directory(db: Path) -> None:
    before = _files(db)
    for path in (db / "data.mdb", db / "lock.mdb", db):
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        for command in READ_COMMANDS:
            result = cli(*command, "--db", db)
            assert result.exit_code in (0, 1), (command, result.output)
        shown = cli("state", "a", "--at", "700", "--db", db, "--json")
        assert shown.exit_code == 0
        if os.geteuid() != 0:  # root writes through any mode bits: nothing to assert there
            assert _files(db) == before
            with EventLog(db, readonly=True) as log:
                arn = "arn:aws:states:us-east-1:123456789012:execution:loop:a"
                assert log.snapshot_at_or_before(arn, 808) is None  # no cache written
    finally:
        for path in (db, db / "data.mdb", db / "lock.mdb"):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_state_on_a_full_disk_answers(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(pristine, tmp_path / "cached")
    expected = api.state(tmp_path / "cached", "a", 700)  # with its snapshots written
    full = tmp_path / "full"
    shutil.copytree(pristine, full)

    def disk_full(self, body):
        raise StoreFullError(self.path, "no space left on device")

    monkeypatch.setattr(EventLog, "_write", disk_full)
    assert api.state(full, "a", 700) == expected
    monkeypatch.undo()
    with EventLog(full, readonly=True) as log:  # and nothing was cached
        arn = "arn:aws:states:us-east-1:123456789012:execution:loop:a"
        assert log.snapshot_at_or_before(arn, 808) is None


def test_unknown_execution_in_an_existing_db(db: Path) -> None:
    result = cli("history", "nothing-here", "--db", db)
    assert result.exit_code == 2
    assert result.stderr.strip() == "sfn-replay: no execution named 'nothing-here' in the db"
