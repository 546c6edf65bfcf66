"""EventLog: an append-only, multi-stream record log in one LMDB environment.

The store knows nothing about what it stores. It keeps:

* streams of records (ordered, positions 1, 2, ...; the source of truth),
* docs: small mutable ``(table, key) -> value`` records (caches / indexes),
* content-addressed blobs (sha256 hex),
* snapshots: cached values at a stream position (rebuildable).

Durability: commits run with ``sync=False``, so a committed transaction is in
the OS page cache when ``append`` returns; that survives ``kill -9`` of the
process (not a power cut). The writer fsyncs at most a second after a commit
(checked on the next commit), on :meth:`EventLog.sync` and on close.

Map size: the LMDB map is address space, not disk. Without ``writemap`` (not
used: a full disk would then be SIGBUS instead of an error) data.mdb grows
only as pages are used, so the 1 GiB default costs nothing. If it fills up,
the map doubles and the transaction is retried, up to ``max_map_size``.

Concurrency: one writer at a time (LMDB's lock, across processes); readers in
any process never block it (MVCC). An EventLog must not cross ``fork`` and
is not thread-safe; open one per process (LMDB forbids opening the same
store twice in one process).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import lmdb

from store.checksum import seal, seal_items, unseal
from store.codec import pack, pack_all, unpack
from store.env import DEFAULT_MAP_SIZE, MAX_MAP_SIZE, LmdbStore
from store.errors import (
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
)
from store.index import (
    at_or_before,
    blob_key,
    doc_key,
    doc_prefix,
    last_position,
    pack_sid,
    record_key,
    record_keys,
    scan,
    split_doc_key,
    stream_key,
    unpack_sid,
)
from store.meta import DATA_FILE

__all__ = ["DEFAULT_MAP_SIZE", "MAX_MAP_SIZE", "EventLog", "blob_digest"]

_CHUNK = 512  # items per read transaction when iterating


def blob_digest(data: bytes) -> str:
    """The name a blob is stored under: the sha256 hex digest of its bytes."""
    return hashlib.sha256(data).hexdigest()


class EventLog(LmdbStore):
    """Append-only record streams plus docs, blobs and snapshots in one LMDB env.

    Opening: see :class:`store.env.LmdbStore` (``readonly``, ``create``, ``open_existing``).
    """

    def _corrupt(self, what: str, problem: str = "fails its checksum") -> StoreCorruptError:
        return StoreCorruptError(self.path, f"{self.path / DATA_FILE}: {what} {problem}")

    def _open(self, key: bytes, value: bytes, what: str) -> Any:
        """Decode a sealed value, or raise StoreCorruptError naming the record `what`."""
        payload = unseal(key, value)
        if payload is None:
            raise self._corrupt(what)
        try:
            return unpack(payload)
        except (ValueError, TypeError) as exc:  # a checksum that matches, bytes that don't decode
            raise self._corrupt(what, f"does not decode ({exc})") from exc

    # -- streams ----------------------------------------------------------

    def _sid(self, txn: lmdb.Transaction, stream: str, *, create: bool = False) -> int:
        """Stream int of `stream` (0 if absent and not `create`)."""
        sid = self._sids.get(stream)
        if sid:
            return sid
        key = stream_key(stream)
        raw = txn.get(key, db=self._streams)
        if raw is not None:
            payload = unseal(key, raw)
            if payload is None or len(payload) != 8:
                raise self._corrupt(f"the id of stream {stream!r}")
            return unpack_sid(payload)
        if not create:
            return 0
        sid = txn.stat(self._streams)["entries"] + 1
        txn.put(key, seal(key, pack_sid(sid)), db=self._streams)
        return sid

    def _tail(self, txn: lmdb.Transaction, stream: str, sid: int) -> int:
        """Current length of stream `sid`: the cache if still true, else a seek."""
        cached = self._lengths.get(stream)
        if cached is not None and txn.get(record_key(sid, cached + 1), db=self._records) is None:
            return cached  # positions are contiguous, so nothing at n+1 means length n
        return last_position(txn.cursor(self._records), sid)

    def append(
        self,
        stream: str,
        records: Sequence[Any],
        *,
        docs: Mapping[tuple[str, str], Any] | None = None,
    ) -> int:
        """Append `records` and upsert `docs` in one transaction; return the new length."""
        return self.append_many({stream: records}, docs=docs)[stream]

    def append_many(
        self,
        batches: Mapping[str, Sequence[Any]],
        *,
        docs: Mapping[tuple[str, str], Any] | None = None,
        new_streams: Collection[str] = (),
        new_docs: Collection[tuple[str, str]] = (),
        blobs: Collection[bytes] = (),
    ) -> dict[str, int]:
        """Append to several streams, upsert `docs` and store `blobs` (as `put_blob` does), all
        in one transaction; return the new length of each stream.

        In the same transaction, each of `new_streams` must have no records and each of
        `new_docs` must not exist yet: otherwise StoreConflictError, and nothing is written.
        """
        packed = {}
        for stream, records in batches.items():
            if stream not in self._sids:
                stream_key(stream)  # validate before doing any work
            packed[stream] = pack_all(records)
        doc_items = []
        for (table, key), value in (docs or {}).items():
            raw_key = doc_key(table, key)
            doc_items.append((raw_key, seal(raw_key, pack(value))))
        absent = [(doc_key(t, k), (t, k)) for t, k in new_docs] if new_docs else []
        blob_items = [(bytes.fromhex(blob_digest(data)), bytes(data)) for data in blobs]
        if not (doc_items or any(packed.values()) or new_streams or absent or blob_items):
            return {stream: self.length(stream) for stream in batches}

        def body(txn: lmdb.Transaction) -> dict[str, tuple[int, int]]:
            if new_streams or absent:
                self._check_new(txn, new_streams, absent)
            out = {}
            for stream, values in packed.items():
                sid = self._sid(txn, stream, create=bool(values))
                n = self._tail(txn, stream, sid) if sid else 0
                if values:
                    self._put_records(txn, stream, sid, n, values)
                out[stream] = (sid, n + len(values))
            if doc_items:
                txn.cursor(self._docs).putmulti(doc_items)
            if blob_items:
                txn.cursor(self._blobs).putmulti(blob_items, overwrite=False)
            return out

        lengths = {}
        for stream, (sid, length) in self._write(body).items():
            if sid:
                self._sids[stream] = sid
                self._lengths[stream] = length
            lengths[stream] = length
        return lengths

    def _check_new(
        self,
        txn: lmdb.Transaction,
        streams: Collection[str],
        docs: list[tuple[bytes, tuple[str, str]]],
    ) -> None:
        for raw_key, doc in docs:  # docs first: a stream conflict then means "no doc"
            if txn.get(raw_key, db=self._docs) is not None:
                raise StoreConflictError(self.path, doc=doc)
        for stream in streams:
            sid = self._sid(txn, stream)
            if sid and last_position(txn.cursor(self._records), sid):
                raise StoreConflictError(self.path, stream=stream)

    def _put_records(
        self, txn: lmdb.Transaction, stream: str, sid: int, n: int, values: list[bytes]
    ) -> None:
        items = seal_items(record_keys(sid, n + 1, len(values)), values)
        cur = txn.cursor(self._records)
        _, added = cur.putmulti(items, append=True)  # fast path: newest stream
        if added == 0:  # an older stream: its keys sort before the db's end
            _, added = cur.putmulti(items, overwrite=False)
        if added != len(items):
            raise self._corrupt(f"stream {stream!r}", "has gaps")

    def length(self, stream: str) -> int:
        """Number of records in `stream` (0 if it does not exist)."""

        def body(txn: lmdb.Transaction) -> int:
            sid = self._sid(txn, stream)
            return last_position(txn.cursor(self._records), sid) if sid else 0

        return self._read(body)

    def read(self, stream: str, start: int = 1, stop: int | None = None) -> Iterator[Any]:
        """Records at positions `start`..`stop` inclusive (`stop` None: the end now)."""

        def body(txn: lmdb.Transaction) -> tuple[int, int]:
            sid = self._sid(txn, stream)
            return sid, (last_position(txn.cursor(self._records), sid) if sid else 0)

        sid, end = self._read(body)
        if sid:
            self._sids[stream] = sid
        last = end if stop is None else min(stop, end)
        return self._iter_records(stream, sid, max(start, 1), last)

    def _iter_records(self, stream: str, sid: int, start: int, stop: int) -> Iterator[Any]:
        pos = start
        while pos <= stop:
            first = record_key(sid, pos)
            items = self._scan(self._records, first, pack_sid(sid), min(_CHUNK, stop - pos + 1))
            n = len(items)  # keys are unique and sorted: first and last in place, none missing
            if (
                not n
                or items[0][0] != first
                or (n > 1 and items[-1][0] != record_key(sid, pos + n - 1))
            ):
                raise self._corrupt(f"stream {stream!r}", f"misses records from {pos}")
            payloads = [unseal(key, value) for key, value in items]
            if None in payloads:
                i = payloads.index(None)
                self._open(*items[i], f"record {pos + i} of stream {stream!r}")  # raises
            yield from map(unpack, payloads)
            pos += len(items)

    def _scan(self, db: Any, start: bytes, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
        return self._read(lambda txn: scan(txn.cursor(db), start, prefix, limit))

    def _iter_prefix(self, db: Any, prefix: bytes) -> Iterator[tuple[bytes, bytes]]:
        """All items whose key starts with `prefix`, one short read txn per chunk."""
        start = prefix
        while True:
            items = self._scan(db, start, prefix, _CHUNK)
            yield from items
            if len(items) < _CHUNK:
                return
            start = items[-1][0] + b"\0"  # the next key strictly after the last one

    def streams(self) -> list[str]:
        """All stream ids, sorted."""
        out = []
        for key, value in self._iter_prefix(self._streams, b""):
            name = key.decode("utf-8", "replace")
            if unseal(key, value) is None:
                raise self._corrupt(f"the id of stream {name!r}")
            out.append(name)
        return out

    # -- docs -------------------------------------------------------------

    def put_doc(self, table: str, key: str, value: Any) -> None:
        """Insert or replace doc `(table, key)`."""
        raw_key = doc_key(table, key)
        raw = seal(raw_key, pack(value))
        self._write(lambda txn: txn.put(raw_key, raw, db=self._docs))

    def get_doc(self, table: str, key: str) -> Any | None:
        """The doc's value, or None if absent."""
        raw_key = doc_key(table, key)
        raw = self._read(lambda txn: txn.get(raw_key, db=self._docs))
        return None if raw is None else self._open(raw_key, raw, f"doc {table}/{key}")

    def delete_doc(self, table: str, key: str) -> bool:
        """Remove a doc; True if it existed."""
        raw_key = doc_key(table, key)
        return bool(self._write(lambda txn: txn.delete(raw_key, db=self._docs)))

    def docs(self, table: str) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` of every doc in `table`, sorted by key."""
        return self.find_docs(table, "")

    def find_docs(self, table: str, prefix: str) -> Iterator[tuple[str, Any]]:
        """``(key, value)`` of the docs in `table` whose key starts with `prefix`."""
        raw_prefix = doc_prefix(table, prefix)
        for raw_key, raw in self._iter_prefix(self._docs, raw_prefix):
            name = raw_key.decode("utf-8", "replace").replace("\0", "/", 1)
            value = self._open(raw_key, raw, f"doc {name}")
            yield split_doc_key(raw_key)[1], value

    # -- blobs ------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        """Store `data` under its sha256 hex digest (idempotent); return the digest."""
        digest = blob_digest(data)
        key = bytes.fromhex(digest)
        if self._read(lambda txn: txn.get(key, db=self._blobs)) is None:
            self._write(lambda txn: txn.put(key, bytes(data), db=self._blobs, overwrite=False))
        return digest

    def get_blob(self, digest: str) -> bytes | None:
        """The blob with this sha256 hex digest, or None."""
        key = blob_key(digest)
        if key is None:
            return None
        data = self._read(lambda txn: txn.get(key, db=self._blobs))
        if data is not None and hashlib.sha256(data).digest() != key:
            raise self._corrupt(f"blob {digest.lower()}", "does not match its digest")
        return data

    # -- snapshots --------------------------------------------------------

    def put_snapshot(self, stream: str, position: int, value: Any) -> bool:
        """Cache `value` as the state of `stream` after `position` records.

        A cache: on a read-only log or a full disk nothing is written and the answer is
        False (the caller keeps its value in memory)."""
        if position < 1:
            raise ValueError(f"snapshot position must be >= 1, got {position}")
        if self.readonly:
            return False
        payload = pack(value)

        def body(txn: lmdb.Transaction) -> int:
            sid = self._sid(txn, stream)
            if not sid:
                raise StoreError(f"event store {self.path}: no stream {stream!r} to snapshot")
            key = record_key(sid, position)
            txn.put(key, seal(key, payload), db=self._snaps)
            return sid

        try:
            self._sids[stream] = self._write(body)
        except StoreFullError:
            return False
        return True

    def snapshot_at_or_before(self, stream: str, position: int) -> tuple[int, Any] | None:
        """``(pos, value)`` of the latest snapshot with pos <= `position`, or None."""

        def body(txn: lmdb.Transaction) -> tuple[int, bytes, bytes] | None:
            sid = self._sid(txn, stream)
            found = at_or_before(txn.cursor(self._snaps), sid, position) if sid else None
            return None if found is None else (*found, record_key(sid, found[0]))

        found = self._read(body)
        if found is None:
            return None
        pos, raw, key = found
        return pos, self._open(key, raw, f"snapshot {pos} of stream {stream!r}")
