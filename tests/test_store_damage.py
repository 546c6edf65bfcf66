"""A damaged db (truncated data.mdb, flipped bytes, broken LMDB pages, an older format) gives
exit 2 and one stderr line naming the file, never a signal and never a different history;
`check` says what is damaged."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import lmdb
import pytest

from replay import api
from store import EventLog, pack
from tests.helpers import START

REPO = Path(__file__).resolve().parents[1]
LOOP = REPO / "bench" / "loop_definition.json"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("pristine") / "db"
    api.run(
        db,
        LOOP.read_text(),
        {"limit": 300},
        state_machine_name="loop",
        name="big",
        seed=1,
        start_micros=START,
    )
    api.state(db, "big", -1)  # writes snapshots too
    return db


@pytest.fixture
def db(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db"
    shutil.copytree(pristine, copy)
    return copy


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_line_exit_2(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)  # negative: a signal
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfn-replay: "), result.stderr
    for word in words:
        assert word in lines[0]


def test_truncated_data_file(db: Path) -> None:
    size = (db / "data.mdb").stat().st_size
    os.truncate(db / "data.mdb", size // 2)
    for command in (["history", "big"], ["list"], ["state", "big", "--at", "5"], ["check"]):
        assert_one_line_exit_2(
            cli(*command, "--db", str(db)),
            str(db / "data.mdb"),
            f"is truncated: {size // 2} bytes, the db needs {size}",
        )


def _flip_last(db: Path, needle: bytes) -> None:
    data = bytearray((db / "data.mdb").read_bytes())
    at = data.rfind(needle)  # the live copy (LMDB copies pages on write)
    assert at > 0
    data[at + 2] ^= 0x04
    (db / "data.mdb").write_bytes(data)


def test_flipped_bytes_in_a_record(db: Path) -> None:
    _flip_last(db, b'"i":123,')  # the input of Increment at i=123: event ~495
    assert_one_line_exit_2(
        cli("history", "big", "--db", str(db)),
        str(db / "data.mdb"),
        "of stream 'arn:aws:states:us-east-1:123456789012:execution:loop:big'",
        "fails its checksum",
    )
    assert_one_line_exit_2(cli("state", "big", "--at", "510", "--db", str(db)), "checksum")
    listed = cli("list", "--db", str(db))
    assert listed.returncode == 0 and "big" in listed.stdout  # the rest still answers
    checked = cli("check", "--db", str(db))
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.count("\n") == 1 and "fails its checksum" in checked.stdout


def test_check_clean_and_missing(db: Path, tmp_path: Path) -> None:
    ok = cli("check", "--db", str(db))
    assert ok.returncode == 0 and ok.stderr == ""
    assert ok.stdout.startswith("ok: 1 stream, 1208 records, 1 doc, 1 blob, 4 snapshots")
    assert_one_line_exit_2(
        cli("check", "--db", str(tmp_path / "typo")), f"no such db at {tmp_path / 'typo'}"
    )
    assert not (tmp_path / "typo").exists()


def _main_root_page(path: Path) -> tuple[int, int]:
    """(page size, page number of the main B-tree's root) from the newest meta page."""
    head = (path / "data.mdb").read_bytes()[:8192]
    metas = []
    for base in (0, struct.unpack_from("<I", head, 16 + 24)[0]):
        meta = base + 16  # LMDB 0.9: 16-byte page header
        psize = struct.unpack_from("<I", head, meta + 24)[0]
        root = struct.unpack_from("<Q", head, meta + 24 + 48 + 40)[0]
        txnid = struct.unpack_from("<Q", head, meta + 24 + 96 + 8)[0]
        metas.append((txnid, psize, root))
    _, psize, root = max(metas)
    return psize, root


@pytest.mark.skipif(lmdb.version()[:2] != (0, 9), reason="page layout of LMDB 0.9")
def test_broken_lmdb_page_is_one_line(db: Path) -> None:
    psize, root = _main_root_page(db)
    with open(db / "data.mdb", "r+b") as f:  # page flags: neither branch nor leaf
        f.seek(root * psize + 10)
        f.write(b"\x00\x00")
    for command in (["history", "big"], ["list"]):
        assert_one_line_exit_2(cli(*command, "--db", str(db)), str(db))
    checked = cli("check", "--db", str(db))
    assert checked.returncode == 1 and str(db / "data.mdb") in checked.stdout


def test_older_format_is_one_line(tmp_path: Path) -> None:
    env = lmdb.open(str(tmp_path / "old"), max_dbs=8)
    with env.begin(write=True) as txn:
        txn.put(b"format", pack(1), db=env.open_db(b"meta", txn=txn))
    env.close()
    for command in (["list"], ["run", str(LOOP), "--input", json.dumps({"limit": 1})]):
        assert_one_line_exit_2(
            cli(*command, "--db", str(tmp_path / "old")), "store format 1", "reads format 2"
        )


def test_check_finds_what_the_records_disagree_on(db: Path) -> None:
    arn = "arn:aws:states:us-east-1:123456789012:execution:loop:big"
    with EventLog(db) as log:
        doc = log.get_doc("executions", arn)
        log.put_doc("executions", arn, dict(doc, events=1300, definition="0" * 64))
        log.append("arn:aws:states:us-east-1:123456789012:execution:loop:half", [{"id": 1}])
    report = api.check(db)
    assert sorted(report) == sorted(
        [
            f"{arn}: 1208 events, its record says 1300",
            f"{arn}: its definition {'0' * 64} is not in the db",
            (
                "arn:aws:states:us-east-1:123456789012:execution:loop:half: events without an "
                "execution record (a half-written execution, e.g. an import interrupted by an older "
                "version)"
            ),
        ]
    )
    assert report.counts["streams"] == 2
