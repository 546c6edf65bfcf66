"""Which executions a live process is writing: the writer holds a write lock on one byte of the
db's data file while it runs, and the OS drops it when the process dies, `kill -9` included. An
execution whose log says RUNNING but whose lock is free is interrupted: `resume` continues it. A
child execution (Distributed Map, startExecution) is written by its parent's process, so its
parent's lock tells (its root's, for a child of a child).

The locks are advisory open-file-description locks (Linux) on bytes far past the end of LMDB's
data.mdb, at an offset drawn from the execution's ARN: they belong to the open file, as `flock`
locks do; LMDB takes no lock on that file; and no file is created for them (creating a file per
db or per run costs milliseconds)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import struct
from pathlib import Path
from types import TracebackType
from typing import Self

LOCK_FILE = "data.mdb"  # LMDB's data file: every db has one
_BASE = 1 << 62  # far beyond any data
# Open file description locks where the platform has them; POSIX record locks elsewhere (those
# belong to the process: never test a lock in the process that may hold it).
_SETLK = getattr(fcntl, "F_OFD_SETLK", fcntl.F_SETLK)
_GETLK = getattr(fcntl, "F_OFD_GETLK", fcntl.F_GETLK)
_FLOCK = "@hhqqi4x"  # struct flock: l_type, l_whence, l_start, l_len, l_pid
_held: dict[tuple[Path, int], int] = {}  # locks this process holds (a run inside a resume)


class Busy(Exception):
    """Another process holds the execution's lock."""


def _offset(arn: str) -> int:
    return _BASE + int.from_bytes(hashlib.sha1(arn.encode("utf-8")).digest()[:6], "big")


def _flock(kind: int, offset: int) -> bytes:
    return struct.pack(_FLOCK, kind, os.SEEK_SET, offset, 1, 0)


class ExecutionLock:
    """Held by the process that writes an execution, for as long as it writes it."""

    def __init__(self, db: str | os.PathLike[str], arn: str) -> None:
        self.key = (Path(db) / LOCK_FILE, _offset(arn))
        self._fd: int | None = None

    def __enter__(self) -> Self:
        if self.key in _held:
            _held[self.key] += 1
            return self
        path, offset = self.key
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.fcntl(fd, _SETLK, _flock(fcntl.F_WRLCK, offset))
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise Busy(f"{path} at {offset}") from None
            raise
        self._fd = fd
        _held[self.key] = 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.key not in _held:
            return
        _held[self.key] -= 1
        if _held[self.key] == 0:
            del _held[self.key]
        if self._fd is not None:
            os.close(self._fd)  # drops the lock
            self._fd = None


def is_running(db: str | os.PathLike[str], doc: dict) -> bool:
    """Whether a live process holds the lock of the execution (or of the one writing it).

    Only reads: works on a read-only db directory."""
    writer = doc.get("rootExecution") or doc.get("parentExecution") or doc["executionArn"]
    offset = _offset(writer)
    if (Path(db) / LOCK_FILE, offset) in _held:
        return True
    try:
        fd = os.open(Path(db) / LOCK_FILE, os.O_RDONLY)
    except OSError:  # no data file: nothing to run
        return False
    try:
        answer = fcntl.fcntl(fd, _GETLK, _flock(fcntl.F_WRLCK, offset))
    finally:
        os.close(fd)
    return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK
