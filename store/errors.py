"""The store's exceptions: every one is a StoreError whose ``str()`` is one line."""

from __future__ import annotations

import os

import lmdb

__all__ = [
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreMissingError",
    "StoreVersionError",
    "translate",
]


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


class StoreMissingError(_PathError):
    """A store opened read-only (or as existing) is not there."""

    def _message(self) -> str:
        return f"no such db at {self.path}"


class StoreCorruptError(_PathError):
    """The files are not a readable event store; `detail` names the file and the record."""

    def _message(self) -> str:
        return f"event store {self.path} is damaged: {self.detail}"


class StoreVersionError(_PathError):
    """The store was written in a format this program does not read."""

    def _message(self) -> str:
        return f"event store {self.path}: {self.detail}"


class StoreConflictError(_PathError):
    """An append that must create a stream or doc found it already there (nothing written).

    `stream` is the stream that already has records, or `doc` the ``(table, key)`` that
    already exists."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        stream: str | None = None,
        doc: tuple[str, str] | None = None,
    ) -> None:
        self.stream, self.doc = stream, doc
        what = (
            f"stream {stream!r} already has records"
            if stream is not None
            else (f"doc {doc[0]}/{doc[1]} already exists" if doc else "conflict")
        )
        super().__init__(path, what)


_CORRUPT = tuple(
    getattr(lmdb, name)
    for name in (
        "CorruptedError",
        "InvalidError",
        "VersionMismatchError",
        "PageNotFoundError",
        "PanicError",
        "BadChecksumError",
        "IncompatibleError",
    )
    if hasattr(lmdb, name)
)


def translate(path: str | os.PathLike[str], exc: lmdb.Error) -> StoreError:
    """The StoreError for an lmdb error raised on the store at `path`."""
    if isinstance(exc, lmdb.DiskError):
        return StoreFullError(path, "no space left on device")
    if isinstance(exc, lmdb.MapFullError):
        return StoreFullError(path, "map size limit reached")
    if isinstance(exc, _CORRUPT):
        return StoreCorruptError(path, f"{os.path.join(path, 'data.mdb')}: {exc}")
    if isinstance(exc, (lmdb.LockError, lmdb.ReadersFullError)):
        return StoreLockedError(path, str(exc))
    if isinstance(exc, lmdb.ReadonlyError):
        return StoreError(f"event store {os.fspath(path)}: permission denied ({exc})")
    return StoreError(f"event store {os.fspath(path)}: {exc}")
