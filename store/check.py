"""`check`: verify every record and index of a store, and say what is damaged.

Three passes, each only if the one before leaves the file safe to go on with:
LMDB's header against the file size (:mod:`store.meta`), LMDB's B-trees walked offline by
py-lmdb's verifier (when the installed py-lmdb has one: it reads the file with plain reads,
so a damaged tree cannot crash us), then our records through LMDB: checksums, decoding,
stream ids, positions contiguous from 1, snapshots at existing positions, blob digests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import lmdb

from store.checksum import unseal
from store.codec import unpack
from store.errors import StoreError, StoreMissingError, translate
from store.index import split_record_key
from store.log import EventLog
from store.meta import DATA_FILE, check_data_file

__all__ = ["CheckReport", "check_store"]

_MAX_PROBLEMS = 200


class CheckReport(list):
    """The problems found (one line each; empty when the store is sound), with `counts`:
    how many streams, records, docs, blobs and snapshots were checked."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = dict.fromkeys(("streams", "records", "docs", "blobs", "snapshots"), 0)

    def add(self, problem: str) -> None:
        if len(self) < _MAX_PROBLEMS:
            self.append(problem)
        elif len(self) == _MAX_PROBLEMS:
            self.append("... (further problems not listed)")


def check_store(path: str | os.PathLike[str]) -> CheckReport:
    """Verify the store at `path`. Raises StoreError only when it cannot be opened at all."""
    path = Path(path)
    if not (path / DATA_FILE).is_file():
        raise StoreMissingError(path, "no data.mdb")
    check_data_file(path)
    report = CheckReport()
    for problem in _lmdb_structure(path):
        report.add(f"{path / DATA_FILE}: {problem}")
    if report:
        return report  # a damaged tree: do not let LMDB walk it
    with EventLog(path, readonly=True) as log:
        try:
            _Walk(log, report).run()
        except lmdb.Error as exc:
            report.add(str(translate(path, exc)))
    return report


def _lmdb_structure(path: Path) -> list[str]:
    try:
        from lmdb import verify  # py-lmdb >= 3.0
    except ImportError:
        return []
    try:
        return list(verify.verify(str(path)))
    except verify.VerifyError as exc:
        return [str(exc)]
    except OSError as exc:
        raise StoreError(f"event store {path}: cannot read {DATA_FILE}: {exc.strerror}") from exc


class _Walk:
    """One read transaction over every db of an open EventLog."""

    def __init__(self, log: EventLog, report: CheckReport) -> None:
        self.log, self.report = log, report
        self.file = log.path / DATA_FILE
        self.names: dict[int, str] = {}  # stream int -> stream id
        self.lengths: dict[int, int] = {}

    def problem(self, what: str, detail: str) -> None:
        self.report.add(f"{self.file}: {what}: {detail}")

    def run(self) -> None:
        log = self.log
        with log._env.begin() as txn:  # type: ignore[union-attr]
            self.streams(txn.cursor(log._streams))
            self.records(txn.cursor(log._records))
            self.docs(txn.cursor(log._docs))
            self.blobs(txn.cursor(log._blobs))
            self.snapshots(txn.cursor(log._snaps))

    def decode(self, key: bytes, value: bytes, what: str) -> Any:
        payload = unseal(key, value)
        if payload is None:
            self.problem(what, "fails its checksum")
            return None
        try:
            return unpack(payload)
        except (ValueError, TypeError) as exc:  # msgpack's errors are ValueErrors
            self.problem(what, f"does not decode ({exc})")
            return None

    def streams(self, cur: lmdb.Cursor) -> None:
        for key, value in cur:
            name = key.decode("utf-8", "replace")
            payload = unseal(key, value)
            if payload is None or len(payload) != 8:
                self.problem(f"the id of stream {name!r}", "fails its checksum")
                continue
            sid = int.from_bytes(payload, "big")
            if sid in self.names:
                self.problem(f"stream {name!r}", f"has the id of {self.names[sid]!r}")
            self.names[sid] = name
            self.report.counts["streams"] += 1

    def records(self, cur: lmdb.Cursor) -> None:
        expected: dict[int, int] = {}
        for key, value in cur:
            self.report.counts["records"] += 1
            sid, pos = self.position(key, "record")
            if sid is None:
                continue
            what = f"record {pos} of stream {self.names[sid]!r}"
            want = expected.get(sid, 1)
            if pos != want:
                self.problem(what, f"comes where record {want} should be (a gap)")
            expected[sid] = pos + 1
            self.decode(key, value, what)
        self.lengths = {sid: nxt - 1 for sid, nxt in expected.items()}
        for sid, name in self.names.items():
            if sid not in self.lengths:
                self.problem(f"stream {name!r}", "has no records")

    def position(self, key: bytes, kind: str) -> tuple[int | None, int]:
        if len(key) != 16:
            self.problem(f"a {kind} key", f"{key.hex()} is not (stream, position)")
            return None, 0
        sid, pos = split_record_key(key)
        if sid not in self.names:
            self.problem(f"{kind} {pos} of stream #{sid}", "belongs to no known stream")
            return None, pos
        return sid, pos

    def docs(self, cur: lmdb.Cursor) -> None:
        for key, value in cur:
            self.report.counts["docs"] += 1
            table, nul, name = key.decode("utf-8", "replace").partition("\0")
            if not nul:
                self.problem(f"doc key {key!r:.80}", "has no table")
                continue
            self.decode(key, value, f"doc {table}/{name}")

    def blobs(self, cur: lmdb.Cursor) -> None:
        for key, value in cur:
            self.report.counts["blobs"] += 1
            if hashlib.sha256(value).digest() != key:
                self.problem(f"blob {key.hex()}", "does not match its digest")

    def snapshots(self, cur: lmdb.Cursor) -> None:
        for key, value in cur:
            self.report.counts["snapshots"] += 1
            sid, pos = self.position(key, "snapshot")
            if sid is None:
                continue
            what = f"snapshot {pos} of stream {self.names[sid]!r}"
            if not 1 <= pos <= self.lengths.get(sid, 0):
                self.problem(what, f"is past the stream's end ({self.lengths.get(sid, 0)})")
            self.decode(key, value, what)
