"""Tests of the store package: codec, EventLog streams/docs/blobs/snapshots, durability."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import lmdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import store.env
import store.index
import store.meta
from store import (
    EventLog,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreMissingError,
    StoreVersionError,
    pack,
    unpack,
)

REPO = str(Path(__file__).resolve().parents[1])

# -- codec -----------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**300), max_value=2**300)
    | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1])
    | st.floats(allow_nan=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_codec_round_trip(value: object) -> None:
    back = unpack(pack(value))
    assert back == value
    assert repr(back) == repr(value)  # same types too: bool stays bool, -0.0 stays -0.0


def test_codec_lists_and_bigints() -> None:
    assert unpack(pack({"t": (1, (2, 3))})) == {"t": [1, [2, 3]]}
    big = 10**40
    assert unpack(pack([big, -big])) == [big, -big]
    assert type(unpack(pack(2**64))) is int
    with pytest.raises(TypeError, match="cannot store"):
        pack({"x": object()})
    assert unpack(pack("ü€😀")) == "ü€😀"


# -- streams ---------------------------------------------------------------


@pytest.fixture
def log(tmp_path: Path):
    with EventLog(tmp_path / "db") as opened:
        yield opened


def test_append_and_read_positions(log: EventLog) -> None:
    assert log.length("a") == 0 and list(log.read("a")) == []
    assert log.append("a", [{"n": 1}, {"n": 2}]) == 2
    assert log.append("b", ["b1"]) == 1
    assert log.append("a", [{"n": 3}]) == 3  # older stream: keys before the db's end
    assert log.append("b", ["b2", "b3"]) == 3
    assert log.append("a", []) == 3
    assert [r["n"] for r in log.read("a")] == [1, 2, 3]
    assert list(log.read("a", 2)) == [{"n": 2}, {"n": 3}]
    assert list(log.read("a", 2, 2)) == [{"n": 2}]
    assert list(log.read("a", 3, 99)) == [{"n": 3}]
    assert list(log.read("a", 3, 2)) == []
    assert list(log.read("b")) == ["b1", "b2", "b3"]
    assert log.length("a") == 3 and log.length("b") == 3
    assert log.streams() == ["a", "b"]


def test_read_many_chunks_and_reopen(tmp_path: Path) -> None:
    with EventLog(tmp_path) as log:
        for i in range(1, 1301):
            log.append("s", [i])
        log.append("s", list(range(1301, 2001)))
    with EventLog(tmp_path, readonly=True) as ro:
        assert list(ro.read("s")) == list(range(1, 2001))
        assert list(ro.read("s", 1000, 1600)) == list(range(1000, 1601))
        with pytest.raises(StoreError, match="read-only"):
            ro.append("s", [1])
    with EventLog(tmp_path) as log:
        assert log.append("s", [2001]) == 2001


def test_other_process_appends_between_ours(log: EventLog) -> None:
    """The writer's length cache must notice appends by another process."""
    log.append("s", [1, 2])
    log.append("t", ["t"])  # "t" in the child is an unknown stream name to our cache
    code = f"""
import sys; sys.path.insert(0, {REPO!r})
from store import EventLog
with EventLog({str(log.path)!r}) as other:
    print(other.append("s", [3, 4]), other.append("u", ["u"]))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    assert out.split() == ["4", "1"]
    assert log.append("s", [5]) == 5
    assert list(log.read("s")) == [1, 2, 3, 4, 5]
    assert log.append("u", ["u2"]) == 2
    assert log.streams() == ["s", "t", "u"]


# -- docs ------------------------------------------------------------------


def test_docs_in_same_transaction(log: EventLog) -> None:
    n = log.append("x1", [{"e": 1}], docs={("ex", "x1"): {"events": 1}})
    assert n == 1 and log.get_doc("ex", "x1") == {"events": 1}
    log.append("x1", [{"e": 2}], docs={("ex", "x1"): {"events": 2}, ("by", "k/x1"): "x1"})
    assert log.get_doc("ex", "x1") == {"events": 2}
    assert log.get_doc("by", "k/x1") == "x1"
    log.append("x2", [], docs={("ex", "x0"): None})  # docs only: no stream is created
    assert log.streams() == ["x1"]
    log.put_doc("ex2", "a", 1)  # another table whose name extends "ex"
    assert list(log.docs("ex")) == [("x0", None), ("x1", {"events": 2})]
    assert list(log.find_docs("ex", "x1")) == [("x1", {"events": 2})]
    assert list(log.docs("ex2")) == [("a", 1)]
    assert log.get_doc("ex", "nope") is None
    assert log.delete_doc("ex", "x0") is True and log.delete_doc("ex", "x0") is False


def test_docs_sorted_across_chunks(log: EventLog) -> None:
    keys = [f"k{i:05d}" for i in range(1200)]
    log.append("s", [0], docs={("t", k): i for i, k in enumerate(reversed(keys))})
    assert [k for k, _ in log.docs("t")] == keys


def test_bad_doc_keys_append_nothing(log: EventLog) -> None:
    with pytest.raises(ValueError):
        log.append("s", [1], docs={("t", "x" * 600): 1})
    with pytest.raises(ValueError):
        log.append("s", [1], docs={("bad\0table", "k"): 1})
    with pytest.raises(TypeError):
        log.append("s", [1], docs={("t", "k"): object()})
    assert log.length("s") == 0


# -- blobs -----------------------------------------------------------------


def test_blobs_idempotent(log: EventLog) -> None:
    data = b'{"StartAt": "A"}'
    digest = log.put_blob(data)
    assert digest == hashlib.sha256(data).hexdigest()
    assert log.put_blob(data) == digest
    assert log.get_blob(digest) == data
    assert log.get_blob(digest.upper()) == data
    assert log.get_blob("0" * 64) is None
    assert log.get_blob("not-a-digest") is None


# -- snapshots -------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sets(st.integers(1, 10**6), max_size=30),
    st.sets(st.integers(1, 10**6), max_size=10),
    st.lists(st.integers(0, 10**6 + 1), min_size=1, max_size=30),
    st.booleans(),
)
def test_snapshot_at_or_before(
    positions: set[int], other: set[int], queries: list[int], other_first: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp, EventLog(tmp) as log:
        order = ["b", "a"] if other_first else ["a", "b"]
        for name in order:
            log.append(name, [0])
        for p in positions:
            log.put_snapshot("a", p, {"at": p})
        for p in other:
            log.put_snapshot("b", p, {"b": p})
        for q in queries:
            best = max((p for p in positions if p <= q), default=None)
            got = log.snapshot_at_or_before("a", q)
            assert got == (None if best is None else (best, {"at": best}))
        assert log.snapshot_at_or_before("nope", 5) is None


def test_snapshot_needs_stream(log: EventLog) -> None:
    with pytest.raises(StoreError, match="no stream"):
        log.put_snapshot("ghost", 1, {})
    log.append("s", [1])
    log.put_snapshot("s", 1, "v1")
    log.put_snapshot("s", 1, "v1b")  # snapshots are caches: replaceable
    assert log.snapshot_at_or_before("s", 1) == (1, "v1b")


# -- map size, disk full, sync ---------------------------------------------


def test_map_grows(tmp_path: Path) -> None:
    chunk = [os.urandom(1 << 16).hex()]  # 128 KiB per record
    with EventLog(tmp_path, map_size=128 * 1024) as log:
        for _ in range(40):  # ~5 MiB
            log.append("s", chunk, docs={("t", "k"): len(chunk[0])})
        assert log.length("s") == 40
        assert all(r == chunk[0] for r in log.read("s"))


def test_map_cap_raises_store_full(tmp_path: Path) -> None:
    big = os.urandom(1 << 18).hex()  # 512 KiB
    with EventLog(tmp_path, map_size=256 * 1024, max_map_size=1 << 20) as log:
        log.append("s", ["small"])
        with pytest.raises(StoreFullError) as info:
            for _ in range(10):
                log.append("s", [big])
        assert str(tmp_path) in str(info.value) and "full" in str(info.value)
        assert next(log.read("s")) == "small"  # still readable


def test_disk_full_is_store_full(log: EventLog, monkeypatch: pytest.MonkeyPatch) -> None:
    log.append("s", [1])

    def no_space(*args: object) -> int:
        raise lmdb.DiskError("mdb_txn_commit: No space left on device")

    monkeypatch.setattr(log, "_tail", no_space)
    with pytest.raises(StoreFullError, match="no space left"):
        log.append("s", [2])
    monkeypatch.undo()
    assert log.append("s", [2]) == 2


def test_writer_syncs_after_interval(log: EventLog, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(log, "sync", lambda: calls.append(1))
    log.append("s", [1])
    assert calls == []  # within a second of opening
    monkeypatch.setattr(store.env, "SYNC_INTERVAL", -1.0)
    log.append("s", [2])
    assert calls == [1]


# -- errors ----------------------------------------------------------------


def test_open_errors(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        EventLog(afile)
    with pytest.raises(StoreError, match="cannot create"):
        EventLog(afile / "sub")
    with pytest.raises(StoreError, match="no such db at"):
        EventLog(tmp_path / "missing", readonly=True)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "data.mdb").write_bytes(b"not lmdb" * 2000)
    with pytest.raises(StoreCorruptError, match="damaged"):
        EventLog(bad)


def test_open_twice_and_closed(tmp_path: Path) -> None:
    log = EventLog(tmp_path)
    with pytest.raises(StoreLockedError, match="already open"):
        EventLog(tmp_path)
    log.close()
    log.close()
    with pytest.raises(StoreError, match="closed"):
        log.length("s")


def test_not_used_across_fork(log: EventLog) -> None:
    log.append("s", [1])
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            log.length("s")
            code = 1
        except StoreError as exc:
            code = 0 if "fork" in str(exc) else 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert log.length("s") == 1


# -- durability and concurrency across processes ---------------------------


def test_kill_9_loses_no_committed_append(tmp_path: Path) -> None:
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {REPO!r})
        from store import EventLog
        log = EventLog({str(tmp_path)!r})
        i = 0
        while True:
            i += 1
            n = log.append("s", [{{"i": i, "pad": "x" * 200}}], docs={{("t", "n"): i}})
            print(n, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    printed: list[int] = []
    try:
        for line in proc.stdout:
            printed.append(int(line))
            if printed[-1] >= 200:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        rest = proc.stdout.read()  # the same buffered reader: lines it already holds count too
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    printed += [int(x) for x in rest.split() if x.isdigit()]
    assert printed == list(range(1, len(printed) + 1)) and printed[-1] >= 200
    with EventLog(tmp_path) as log:
        length = log.length("s")
        assert length >= printed[-1]
        assert [r["i"] for r in log.read("s")] == list(range(1, length + 1))
        assert log.get_doc("t", "n") == length
        assert log.append("s", [{"i": length + 1}]) == length + 1  # writer lock recovered


def test_concurrent_reader_in_other_process(tmp_path: Path) -> None:
    target = 3000
    with EventLog(tmp_path, map_size=64 * 1024) as log:
        log.append("s", [{"i": 1, "pad": ""}])
        code = textwrap.dedent(f"""
            import sys; sys.path.insert(0, {REPO!r})
            from store import EventLog
            seen = 0
            with EventLog({str(tmp_path)!r}, readonly=True, map_size=64 * 1024) as log:
                print("ready", flush=True)
                while seen < {target}:
                    n = log.length("s")
                    assert n >= seen, (n, seen)
                    last = list(log.read("s", n, n))
                    assert last[0]["i"] == n, (last, n)
                    seen = n
                assert [r["i"] for r in log.read("s")] == list(range(1, {target} + 1))
            print("ok", seen, flush=True)
        """)
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        try:
            assert proc.stdout.readline().strip() == "ready"
            for i in range(2, target + 1):  # grows the map past the reader's mapping
                log.append("s", [{"i": i, "pad": "p" * 300}])
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, err
        assert out.split() == ["ok", str(target)]


# -- integrity: exclusive appends, checksums, format, header, read-only ----


def test_new_stream_and_doc_are_checked_in_the_append(log: EventLog) -> None:
    assert log.append_many(
        {"s": [1]}, docs={("t", "s"): 1}, new_streams=["s"], new_docs=[("t", "s")]
    ) == {"s": 1}
    with pytest.raises(StoreConflictError) as info:
        log.append_many({"s": [2]}, docs={("t", "s"): 2}, new_streams=["s"], new_docs=[("t", "s")])
    assert info.value.doc == ("t", "s") and info.value.stream is None
    log.append("orphan", [1])  # records but no doc: the stream check catches it
    with pytest.raises(StoreConflictError) as info:
        log.append_many(
            {"orphan": [2], "other": [1]}, new_streams=["orphan"], new_docs=[("t", "orphan")]
        )
    assert info.value.stream == "orphan"
    assert list(log.read("s")) == [1] and log.get_doc("t", "s") == 1
    assert list(log.read("orphan")) == [1] and log.length("other") == 0  # nothing written


def _flip(path: Path, needle: bytes, offset: int = 0) -> None:
    """Flip one bit of the live copy of `needle` in data.mdb (the last one: LMDB copies on
    write, so earlier copies may be stale pages)."""
    data = bytearray((path / "data.mdb").read_bytes())
    at = data.rfind(needle)
    assert at >= 0
    data[at + offset] ^= 0x01
    (path / "data.mdb").write_bytes(data)


def test_flipped_record_byte_is_named(tmp_path: Path) -> None:
    with EventLog(tmp_path) as log:
        log.append("s", [{"v": f"value-{i:04d}"} for i in range(1, 301)])
    _flip(tmp_path, b"value-0123", 8)
    with EventLog(tmp_path, readonly=True) as log:
        assert next(log.read("s", 122, 122)) == {"v": "value-0122"}
        with pytest.raises(StoreCorruptError) as info:
            list(log.read("s"))
    message = str(info.value)
    assert "data.mdb" in message and "record 123 of stream 's'" in message
    assert "checksum" in message and "\n" not in message


def test_flipped_doc_snapshot_and_blob_bytes(tmp_path: Path) -> None:
    with EventLog(tmp_path) as log:
        log.append("s", [1, 2], docs={("t", "k"): "doc-value-xyz"})
        log.put_snapshot("s", 2, "snap-value-xyz")
        digest = log.put_blob(b"blob-value-xyz")
    for needle in (b"doc-value-xyz", b"snap-value-xyz", b"blob-value-xyz"):
        _flip(tmp_path, needle, 3)
    with EventLog(tmp_path, readonly=True) as log:
        with pytest.raises(StoreCorruptError, match="doc t/k fails its checksum"):
            log.get_doc("t", "k")
        with pytest.raises(StoreCorruptError, match="doc t/k fails"):
            list(log.docs("t"))
        with pytest.raises(StoreCorruptError, match="snapshot 2 of stream 's' fails"):
            log.snapshot_at_or_before("s", 5)
        with pytest.raises(StoreCorruptError, match=f"blob {digest} does not match"):
            log.get_blob(digest)


def test_record_under_a_wrong_key_fails(tmp_path: Path) -> None:
    """The key is in the checksum: a value that moves to another key is caught."""
    with EventLog(tmp_path) as log:
        log.append("s", ["a", "b"])
    env = lmdb.open(str(tmp_path), max_dbs=8)
    records = env.open_db(b"records")
    with env.begin(write=True) as txn:
        first = txn.get(store.index.record_key(1, 1), db=records)
        txn.put(store.index.record_key(1, 2), first, db=records)
    env.close()
    with EventLog(tmp_path) as log, pytest.raises(StoreCorruptError, match="record 2 of"):
        list(log.read("s"))


def test_missing_record_is_not_skipped(tmp_path: Path) -> None:
    with EventLog(tmp_path) as log:
        log.append("s", [1, 2, 3])
    env = lmdb.open(str(tmp_path), max_dbs=8)
    with env.begin(write=True) as txn:
        txn.delete(store.index.record_key(1, 2), db=env.open_db(b"records", txn=txn))
    env.close()
    with EventLog(tmp_path) as log, pytest.raises(StoreCorruptError, match="misses records"):
        list(log.read("s"))


def test_older_format_is_a_clear_error(tmp_path: Path) -> None:
    env = lmdb.open(str(tmp_path), max_dbs=8)
    with env.begin(write=True) as txn:
        txn.put(b"format", pack(1), db=env.open_db(b"meta", txn=txn))
    env.close()
    for readonly in (False, True):
        with pytest.raises(StoreVersionError, match="store format 1.*reads format 2"):
            EventLog(tmp_path, readonly=readonly)


@pytest.mark.parametrize("size", [0, 100, 4096, 12288])
def test_truncated_data_file_is_caught_before_mapping(
    tmp_path: Path, size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store.meta, "_RETRY_SECONDS", 0.001)
    with EventLog(tmp_path) as log:
        log.append("s", [os.urandom(100).hex() for _ in range(500)])
    full = (tmp_path / "data.mdb").stat().st_size
    os.truncate(tmp_path / "data.mdb", size)
    for readonly in (False, True):
        with pytest.raises(StoreCorruptError) as info:
            EventLog(tmp_path, readonly=readonly)
        assert f"data.mdb is truncated: {size} bytes, the db needs" in str(info.value)
    needed = int(str(info.value).rsplit(" ", 1)[1])
    assert needed == full or size < 200


def test_readonly_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreMissingError, match="no such db at"):
        EventLog(tmp_path / "typo", readonly=True)
    assert not (tmp_path / "typo").exists()
    with EventLog(tmp_path / "db") as log:
        log.append("s", [1])
    (tmp_path / "db" / "lock.mdb").unlink()
    with EventLog(tmp_path / "db", readonly=True) as ro:
        assert list(ro.read("s")) == [1]
        assert ro.put_snapshot("s", 1, "cache") is False  # a cache: skipped, not an error
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["data.mdb"]


def test_snapshot_skipped_when_the_disk_is_full(
    log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    log.append("s", [1])

    def full(*args: object) -> None:
        raise lmdb.DiskError("mdb_txn_commit: No space left on device")

    monkeypatch.setattr(log, "_sid", full)
    assert log.put_snapshot("s", 1, "cache") is False
    monkeypatch.undo()
    assert log.snapshot_at_or_before("s", 1) is None
    assert log.put_snapshot("s", 1, "cache") is True


def test_open_existing_falls_back_to_readonly(tmp_path: Path) -> None:
    with pytest.raises(StoreMissingError):
        EventLog.open_existing(tmp_path / "typo")
    assert not (tmp_path / "typo").exists()
    with EventLog(tmp_path / "db") as log:
        log.append("s", [1])
    with EventLog.open_existing(tmp_path / "db") as log:
        assert not log.readonly
    os.chmod(tmp_path / "db" / "data.mdb", 0o444)
    try:
        with EventLog.open_existing(tmp_path / "db") as log:
            assert log.readonly == (os.geteuid() != 0)
            assert list(log.read("s")) == [1]
    finally:
        os.chmod(tmp_path / "db" / "data.mdb", 0o644)


def test_readonly_without_a_usable_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only directory (for a user other than root): the lock file cannot be opened."""
    with EventLog(tmp_path) as log:
        log.append("s", [1])
    real_open = lmdb.open

    def lock_denied(path: str, **options: object) -> lmdb.Environment:
        if options.get("lock", True):
            raise lmdb.ReadonlyError("mdb_env_open: Permission denied")
        return real_open(path, **options)

    monkeypatch.setattr(lmdb, "open", lock_denied)
    with EventLog(tmp_path, readonly=True) as log:
        assert list(log.read("s")) == [1]
    with EventLog.open_existing(tmp_path) as log:  # writable refused: read-only instead
        assert log.readonly and list(log.read("s")) == [1]


def test_check_store_reports_each_kind_of_damage(tmp_path: Path) -> None:
    from store.check import check_store

    with EventLog(tmp_path) as log:
        log.append("s", [1, 2, 3], docs={("t", "k"): "v"})
        log.append("u", [1])
        log.put_snapshot("s", 3, "ok")
        log.put_snapshot("s", 9, "past the end")
        log.put_blob(b"blob")
    clean = check_store(tmp_path)
    assert clean == [
        (f"{tmp_path / 'data.mdb'}: snapshot 9 of stream 's': is past the stream's end (3)")
    ]
    assert clean.counts == {"streams": 2, "records": 4, "docs": 1, "blobs": 1, "snapshots": 2}
    env = lmdb.open(str(tmp_path), max_dbs=8)
    with env.begin(write=True) as txn:
        records = env.open_db(b"records", txn=txn)
        txn.delete(store.index.record_key(1, 2), db=records)
        txn.delete(store.index.record_key(2, 1), db=records)
        txn.put(store.index.record_key(7, 1), b"\0\0\0\0x", db=records)
        txn.put(bytes(32), b"not the blob", db=env.open_db(b"blobs", txn=txn))
    env.close()
    problems = [p.split(": ", 1)[1] for p in check_store(tmp_path)]
    assert problems == [
        "record 3 of stream 's': comes where record 2 should be (a gap)",
        "record 1 of stream #7: belongs to no known stream",
        "stream 'u': has no records",
        f"blob {'00' * 32}: does not match its digest",
        "snapshot 9 of stream 's': is past the stream's end (3)",
    ]


def test_a_store_being_created_is_not_called_truncated(tmp_path: Path) -> None:
    """Another process may have made data.mdb but not yet written LMDB's meta pages."""
    with EventLog(tmp_path / "made") as log:
        log.append("s", [1])
    whole = (tmp_path / "made" / "data.mdb").read_bytes()
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "data.mdb").write_bytes(b"")
    timer = threading.Timer(0.1, (tmp_path / "db" / "data.mdb").write_bytes, [whole])
    timer.start()
    try:
        with EventLog(tmp_path / "db", readonly=True) as log:
            assert list(log.read("s")) == [1]
    finally:
        timer.join()


def test_blobs_ride_in_the_same_transaction(tmp_path):
    from store import StoreConflictError
    from store.log import blob_digest

    with EventLog(tmp_path / "db") as log:
        log.append_many(
            {"s": [1]},
            docs={("t", "k"): {"d": blob_digest(b"def")}},
            new_docs=[("t", "k")],
            blobs=[b"def"],
        )
        assert log.get_blob(blob_digest(b"def")) == b"def"
        with pytest.raises(StoreConflictError):  # refused: nothing of it is written
            log.append_many({"s": [2]}, new_docs=[("t", "k")], blobs=[b"other"])
        assert log.get_blob(blob_digest(b"other")) is None
        assert list(log.read("s")) == [1]
