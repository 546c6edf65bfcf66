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
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import lmdb

from store.codec import pack, unpack
from store.index import (
    at_or_before,
    blob_key,
    doc_key,
    doc_prefix,
    last_position,
    pack_sid,
    record_key,
    scan,
    split_doc_key,
    stream_key,
    unpack_sid,
)

__all__ = [
    "DEFAULT_MAP_SIZE",
    "MAX_MAP_SIZE",
    "EventLog",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
]

T = TypeVar("T")

DEFAULT_MAP_SIZE = 1 << 30  # 1 GiB of address space; the file is sparse
MAX_MAP_SIZE = 1 << 40  # 1 TiB
SYNC_INTERVAL = 1.0  # seconds between automatic fsyncs by the writer
FORMAT_VERSION = 1
_CHUNK = 512  # items per read transaction when iterating
_PAGE = 4096
_DBS = ("meta", "streams", "records", "docs", "blobs", "snapshots")


class StoreError(Exception):
    """Any failure of the event store; ``str(exc)`` is a one-line message."""


class _PathError(StoreError):
    def __init__(self, path: str | os.PathLike[str], detail: str) -> None:
        self.path = os.fspath(path)
        self.detail = detail
        super().__init__(self._message())

    def _message(self) -> str:
        return f"event store {self.path}: {self.detail}"


class StoreFullError(_PathError):
    """The disk (or the configured map size cap) is full."""

    def _message(self) -> str:
        return f"event store {self.path} is full: {self.detail}"


class StoreLockedError(_PathError):
    """The store is in use in a way that forbids this open."""


class StoreCorruptError(_PathError):
    """The files are not a readable event store."""

    def _message(self) -> str:
        return f"event store {self.path} is damaged or not an event store: {self.detail}"


_CORRUPT = tuple(
    getattr(lmdb, name)
    for name in (
        "CorruptedError", "InvalidError", "VersionMismatchError", "PageNotFoundError",
        "PanicError", "BadChecksumError", "IncompatibleError",
    )
    if hasattr(lmdb, name)
)


class EventLog:
    """Append-only record streams plus docs, blobs and snapshots in one LMDB env."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        map_size: int = DEFAULT_MAP_SIZE,
        max_map_size: int = MAX_MAP_SIZE,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._max_map_size = max(_round_page(max_map_size), _round_page(map_size))
        self._pid = os.getpid()
        self._sids: dict[str, int] = {}  # stream -> int; immutable once committed
        self._lengths: dict[str, int] = {}  # writer's cache, verified in each txn
        self._prepare_dir()
        self._env: lmdb.Environment | None = self._open_env(_round_page(map_size))
        try:
            self._open_dbs()
        except BaseException:
            self._env.close()
            self._env = None
            raise
        self._last_sync = time.monotonic()

    # -- lifecycle --------------------------------------------------------

    def _prepare_dir(self) -> None:
        path = self.path
        if path.exists() and not path.is_dir():
            raise StoreError(f"event store {path}: it is a file, not a directory")
        if self.readonly:
            if not (path / "data.mdb").is_file():
                raise StoreError(f"event store {path}: no store there (no data.mdb)")
            return
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"event store {path}: cannot create directory: {exc.strerror}") from exc
        if not os.access(path, os.W_OK | os.X_OK):
            raise StoreError(f"event store {path}: directory is not writable")

    def _open_env(self, map_size: int) -> lmdb.Environment:
        try:
            return lmdb.open(
                str(self.path),
                map_size=map_size,
                subdir=True,
                readonly=self.readonly,
                create=not self.readonly,
                sync=False,
                max_dbs=len(_DBS) + 2,
                max_spare_txns=1,
            )
        except lmdb.Error as exc:
            if "already open in this process" in str(exc):
                raise StoreLockedError(self.path, "already open in this process") from exc
            raise self._translate(exc) from exc
        except OSError as exc:
            raise StoreError(f"event store {self.path}: cannot open: {exc.strerror}") from exc

    def _open_dbs(self) -> None:
        env = self._env
        assert env is not None
        try:
            if self.readonly:  # handles opened in a read txn die with it: let py-lmdb open
                dbs = [env.open_db(n.encode(), create=False) for n in _DBS]
            else:
                with env.begin(write=True) as txn:
                    dbs = [env.open_db(n.encode(), txn=txn) for n in _DBS]
                    txn.put(b"format", pack(FORMAT_VERSION), db=dbs[0], overwrite=False)
        except lmdb.NotFoundError as exc:
            raise StoreCorruptError(self.path, "its databases are missing") from exc
        except lmdb.Error as exc:
            raise self._translate(exc) from exc
        self._meta, self._streams, self._records, self._docs, self._blobs, self._snaps = dbs
        version = self._read(lambda txn: txn.get(b"format", db=self._meta))
        if version is None or unpack(version) != FORMAT_VERSION:
            found = "none" if version is None else unpack(version)
            raise StoreCorruptError(
                self.path, f"format version {found}, this program reads {FORMAT_VERSION}"
            )

    def close(self) -> None:
        """fsync (if writable) and close; idempotent."""
        env, self._env = self._env, None
        if env is None or os.getpid() != self._pid:
            return  # never touch an env inherited through fork
        try:
            if not self.readonly:
                env.sync(True)
        except lmdb.Error as exc:
            raise self._translate(exc) from exc
        finally:
            env.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "closed" if self._env is None else ("readonly" if self.readonly else "writable")
        return f"EventLog({str(self.path)!r}, {mode})"

    def sync(self) -> None:
        """Force committed data to disk (fsync)."""
        env = self._live_env()
        if self.readonly:
            return
        try:
            env.sync(True)
        except lmdb.Error as exc:
            raise self._translate(exc) from exc
        self._last_sync = time.monotonic()

    # -- transactions -----------------------------------------------------

    def _live_env(self) -> lmdb.Environment:
        if self._env is None:
            raise StoreError(f"event store {self.path}: it is closed")
        if os.getpid() != self._pid:
            raise StoreError(
                f"event store {self.path}: opened in process {self._pid}, used after fork; "
                "open a new EventLog in the child"
            )
        return self._env

    def _read(self, body: Callable[[lmdb.Transaction], T]) -> T:
        """Run `body` in a read transaction, adopting a map grown by another process."""
        env = self._live_env()
        for _ in range(5):
            try:
                with env.begin() as txn:
                    return body(txn)
            except lmdb.MapResizedError:
                env.set_mapsize(0)
            except lmdb.Error as exc:
                raise self._translate(exc) from exc
        raise StoreError(f"event store {self.path}: map keeps being resized, retry")

    def _write(self, body: Callable[[lmdb.Transaction], T]) -> T:
        """Run `body` in one write transaction; the single place the map grows."""
        env = self._live_env()
        if self.readonly:
            raise StoreError(f"event store {self.path}: opened read-only")
        while True:
            try:
                with env.begin(write=True) as txn:
                    result = body(txn)
                break
            except lmdb.MapFullError:
                self._grow(env)
            except lmdb.MapResizedError:
                env.set_mapsize(0)
            except lmdb.Error as exc:
                raise self._translate(exc) from exc
            except OSError as exc:
                raise StoreError(f"event store {self.path}: {exc}") from exc
        if time.monotonic() - self._last_sync > SYNC_INTERVAL:
            self.sync()
        return result

    def _grow(self, env: lmdb.Environment) -> None:
        size = env.info()["map_size"]
        if size >= self._max_map_size:
            raise StoreFullError(
                self.path, f"reached the map size cap of {self._max_map_size} bytes"
            )
        env.set_mapsize(min(size * 2, self._max_map_size))

    def _translate(self, exc: lmdb.Error) -> StoreError:
        if isinstance(exc, lmdb.DiskError):
            return StoreFullError(self.path, "no space left on device")
        if isinstance(exc, lmdb.MapFullError):
            return StoreFullError(self.path, "map size limit reached")
        if isinstance(exc, _CORRUPT):
            return StoreCorruptError(self.path, str(exc))
        if isinstance(exc, (lmdb.LockError, lmdb.ReadersFullError)):
            return StoreLockedError(self.path, str(exc))
        if isinstance(exc, lmdb.ReadonlyError):
            return StoreError(f"event store {self.path}: permission denied ({exc})")
        return StoreError(f"event store {self.path}: {exc}")

    # -- streams ----------------------------------------------------------

    def _sid(self, txn: lmdb.Transaction, stream: str, *, create: bool = False) -> int:
        """Stream int of `stream` (0 if absent and not `create`)."""
        sid = self._sids.get(stream)
        if sid:
            return sid
        key = stream_key(stream)
        raw = txn.get(key, db=self._streams)
        if raw is not None:
            return unpack_sid(raw)
        if not create:
            return 0
        sid = txn.stat(self._streams)["entries"] + 1
        txn.put(key, pack_sid(sid), db=self._streams)
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
    ) -> dict[str, int]:
        """Append to several streams and upsert `docs`, all in one transaction; return the
        new length of each stream."""
        packed = {}
        for stream, records in batches.items():
            if stream not in self._sids:
                stream_key(stream)  # validate before doing any work
            packed[stream] = [pack(r) for r in records]
        doc_items = [(doc_key(t, k), pack(v)) for (t, k), v in (docs or {}).items()]
        if not doc_items and not any(packed.values()):
            return {stream: self.length(stream) for stream in batches}

        def body(txn: lmdb.Transaction) -> dict[str, tuple[int, int]]:
            out = {}
            for stream, values in packed.items():
                sid = self._sid(txn, stream, create=bool(values))
                n = self._tail(txn, stream, sid) if sid else 0
                if values:
                    items = [(record_key(sid, n + i), v) for i, v in enumerate(values, 1)]
                    cur = txn.cursor(self._records)
                    _, added = cur.putmulti(items, append=True)  # fast path: newest stream
                    if added == 0:  # an older stream: its keys sort before the db's end
                        _, added = cur.putmulti(items, overwrite=False)
                    if added != len(items):
                        raise StoreCorruptError(self.path, f"stream {stream!r} has gaps")
                out[stream] = (sid, n + len(values))
            if doc_items:
                txn.cursor(self._docs).putmulti(doc_items)
            return out

        lengths = {}
        for stream, (sid, length) in self._write(body).items():
            if sid:
                self._sids[stream] = sid
                self._lengths[stream] = length
            lengths[stream] = length
        return lengths

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
        return self._iter_records(sid, max(start, 1), last)

    def _iter_records(self, sid: int, start: int, stop: int) -> Iterator[Any]:
        pos = start
        while pos <= stop:
            items = self._scan(
                self._records, record_key(sid, pos), pack_sid(sid), min(_CHUNK, stop - pos + 1)
            )
            if not items:
                raise StoreCorruptError(self.path, f"record {pos} of stream #{sid} is missing")
            for _, value in items:
                yield unpack(value)
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
        return [key.decode("utf-8") for key, _ in self._iter_prefix(self._streams, b"")]

    # -- docs -------------------------------------------------------------

    def put_doc(self, table: str, key: str, value: Any) -> None:
        """Insert or replace doc `(table, key)`."""
        raw_key, raw = doc_key(table, key), pack(value)
        self._write(lambda txn: txn.put(raw_key, raw, db=self._docs))

    def get_doc(self, table: str, key: str) -> Any | None:
        """The doc's value, or None if absent."""
        raw_key = doc_key(table, key)
        raw = self._read(lambda txn: txn.get(raw_key, db=self._docs))
        return None if raw is None else unpack(raw)

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
            yield split_doc_key(raw_key)[1], unpack(raw)

    # -- blobs ------------------------------------------------------------

    def put_blob(self, data: bytes) -> str:
        """Store `data` under its sha256 hex digest (idempotent); return the digest."""
        digest = hashlib.sha256(data).hexdigest()
        key = bytes.fromhex(digest)
        if self._read(lambda txn: txn.get(key, db=self._blobs)) is None:
            self._write(lambda txn: txn.put(key, bytes(data), db=self._blobs, overwrite=False))
        return digest

    def get_blob(self, digest: str) -> bytes | None:
        """The blob with this sha256 hex digest, or None."""
        key = blob_key(digest)
        if key is None:
            return None
        return self._read(lambda txn: txn.get(key, db=self._blobs))

    # -- snapshots --------------------------------------------------------

    def put_snapshot(self, stream: str, position: int, value: Any) -> None:
        """Cache `value` as the state of `stream` after `position` records."""
        if position < 1:
            raise ValueError(f"snapshot position must be >= 1, got {position}")
        raw = pack(value)

        def body(txn: lmdb.Transaction) -> int:
            sid = self._sid(txn, stream)
            if not sid:
                raise StoreError(f"event store {self.path}: no stream {stream!r} to snapshot")
            txn.put(record_key(sid, position), raw, db=self._snaps)
            return sid

        self._sids[stream] = self._write(body)

    def snapshot_at_or_before(self, stream: str, position: int) -> tuple[int, Any] | None:
        """``(pos, value)`` of the latest snapshot with pos <= `position`, or None."""

        def body(txn: lmdb.Transaction) -> tuple[int, bytes] | None:
            sid = self._sid(txn, stream)
            return at_or_before(txn.cursor(self._snaps), sid, position) if sid else None

        found = self._read(body)
        return None if found is None else (found[0], unpack(found[1]))


def _round_page(size: int) -> int:
    return max(_PAGE, -(-int(size) // _PAGE) * _PAGE)
