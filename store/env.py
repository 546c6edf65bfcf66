"""The LMDB environment under an EventLog: opening it (the directory, LMDB's header, the lock
file, the named databases, the store's format version) and running transactions on it."""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

import lmdb

from store.codec import pack, unpack
from store.errors import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreMissingError,
    StoreVersionError,
    translate,
)
from store.late_sync import sync_soon
from store.meta import DATA_FILE, check_data_file

__all__ = ["DEFAULT_MAP_SIZE", "FORMAT_VERSION", "MAX_MAP_SIZE", "LmdbStore"]

T = TypeVar("T")

DEFAULT_MAP_SIZE = 1 << 30  # 1 GiB of address space; the file is sparse
MAX_MAP_SIZE = 1 << 40  # 1 TiB
SYNC_INTERVAL = 1.0  # seconds between automatic fsyncs by the writer
_PAGE = 4096

FORMAT_VERSION = 2  # 2: every value carries a crc32 (store.checksum)
DBS = ("meta", "streams", "records", "docs", "blobs", "snapshots")
LOCK_FILE = "lock.mdb"


def prepare_dir(path: Path, create: bool) -> None:
    """Make the store's directory (if `create`), or check that a store is there."""
    if path.exists() and not path.is_dir():
        raise StoreError(f"event store {path}: it is a file, not a directory")
    if not create:
        if not (path / DATA_FILE).is_file():
            raise StoreMissingError(path, "no data.mdb")
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"event store {path}: cannot create directory: {exc.strerror}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise StoreError(f"event store {path}: directory is not writable")


def open_env(path: Path, *, readonly: bool, map_size: int) -> lmdb.Environment:
    """The LMDB environment, after checking that data.mdb is whole (LMDB maps it: reading
    past the end of a truncated file would be SIGBUS).

    Read-only, the lock file is used when it exists and can be opened. Without one, no
    process has the store open (LMDB makes it on open) and making it would write; one that
    cannot be opened (a read-only directory) is done without."""
    check_data_file(path)
    lock = not readonly or (path / LOCK_FILE).exists()
    try:
        return _lmdb_open(path, readonly, map_size, lock)
    except lmdb.Error as exc:
        if "already open in this process" in str(exc):
            raise StoreLockedError(path, "already open in this process") from exc
        if readonly and lock and is_permission_error(exc):
            return _lmdb_open(path, readonly, map_size, False)
        raise translate(path, exc) from exc
    except OSError as exc:
        raise StoreError(f"event store {path}: cannot open: {exc.strerror}") from exc


def _lmdb_open(path: Path, readonly: bool, map_size: int, lock: bool) -> lmdb.Environment:
    return lmdb.open(
        str(path),
        map_size=map_size,
        subdir=True,
        readonly=readonly,
        create=not readonly,
        lock=lock,
        sync=False,
        max_dbs=len(DBS) + 2,
        max_spare_txns=1,
    )


def is_permission_error(exc: BaseException) -> bool:
    """Whether an lmdb or OS error means "not allowed to write here"."""
    if isinstance(exc, (lmdb.ReadonlyError, PermissionError)):
        return True
    codes = (errno.EACCES, errno.EPERM, errno.EROFS)
    return getattr(exc, "errno", None) in codes or any(
        os.strerror(code) in str(exc) for code in codes
    )


def open_dbs(env: lmdb.Environment, path: Path, readonly: bool) -> list:
    """Handles of the named databases (created if writable); checks the format version."""
    try:
        if readonly:  # handles opened in a read txn die with it: let py-lmdb open them
            dbs = [env.open_db(DBS[0].encode(), create=False)]
        else:
            with env.begin(write=True) as txn:
                dbs = [env.open_db(name.encode(), txn=txn) for name in DBS]
                txn.put(b"format", pack(FORMAT_VERSION), db=dbs[0], overwrite=False)
        with env.begin() as txn:
            _check_version(path, txn.get(b"format", db=dbs[0]))
        if readonly:
            dbs += [env.open_db(name.encode(), create=False) for name in DBS[1:]]
    except lmdb.NotFoundError as exc:
        raise StoreCorruptError(path, "its databases are missing") from exc
    except lmdb.Error as exc:
        raise translate(path, exc) from exc
    return dbs


def _check_version(path: Path, raw: bytes | None) -> None:
    version = None if raw is None else unpack(raw)
    if version is None:
        raise StoreCorruptError(path, "no format version: not an sfn-replay store")
    if version != FORMAT_VERSION:
        raise StoreVersionError(
            path,
            (
                f"written in store format {version}, this version of sfn-replay reads format "
                f"{FORMAT_VERSION}: export its executions with the version that wrote it, or use "
                "a new --db"
            ),
        )


class LmdbStore:
    """An LMDB environment with its named dbs, and the read and write transactions on it.

    ``readonly=True`` never writes nor creates anything: a missing store is
    StoreMissingError, and a directory where LMDB's lock file cannot be opened is read
    without it. ``create=False`` opens writable but only an existing store.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        readonly: bool = False,
        create: bool = True,
        map_size: int = DEFAULT_MAP_SIZE,
        max_map_size: int = MAX_MAP_SIZE,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._max_map_size = max(_round_page(max_map_size), _round_page(map_size))
        self._pid = os.getpid()
        self._sids: dict[str, int] = {}  # stream -> int; immutable once committed
        self._lengths: dict[str, int] = {}  # writer's cache, verified in each txn
        prepare_dir(self.path, create and not readonly)
        # commits not yet synced (a new db's first one creates it)
        self._unsynced = not readonly and not (self.path / "data.mdb").exists()
        self._env: lmdb.Environment | None = open_env(
            self.path, readonly=readonly, map_size=_round_page(map_size)
        )
        try:
            dbs = open_dbs(self._env, self.path, readonly)
        except BaseException:
            self._env.close()
            self._env = None
            raise
        self._meta, self._streams, self._records, self._docs, self._blobs, self._snaps = dbs
        self._last_sync = time.monotonic()

    @classmethod
    def open_existing(cls, path: str | os.PathLike[str]) -> Self:
        """An existing store, writable if its files allow, else read-only."""
        path = Path(path)
        files = [path, path / DATA_FILE, path / LOCK_FILE]
        if all(os.access(f, os.W_OK) for f in files if f.exists()):
            try:
                return cls(path, create=False)
            except StoreError as exc:
                if not is_permission_error(exc.__cause__ or exc):
                    raise
        return cls(path, readonly=True)

    # -- lifecycle --------------------------------------------------------

    def close(self) -> None:
        """Close; idempotent. Unsynced commits reach the disk within `late_sync.DELAY`
        seconds (and before the interpreter exits), without making the caller wait."""
        env, self._env = self._env, None
        if env is None or os.getpid() != self._pid:
            return  # never touch an env inherited through fork
        env.close()
        if self._unsynced:
            sync_soon(str(self.path / DATA_FILE))

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
        return f"{type(self).__name__}({str(self.path)!r}, {mode})"

    def sync(self) -> None:
        """Force committed data to disk (fsync)."""
        env = self._live_env()
        if not self._unsynced:
            return  # nothing committed since the last sync (also: read-only)
        self._unsynced = False  # before syncing: a commit meanwhile is synced next time
        try:
            env.sync(True)
        except lmdb.Error as exc:
            self._unsynced = True
            raise translate(self.path, exc) from exc
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
                raise translate(self.path, exc) from exc
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
                raise translate(self.path, exc) from exc
            except OSError as exc:
                raise StoreError(f"event store {self.path}: {exc}") from exc
        self._unsynced = True
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


def _round_page(size: int) -> int:
    return max(_PAGE, -(-int(size) // _PAGE) * _PAGE)
