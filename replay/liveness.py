"""Which executions a live process is writing: the writer holds an exclusive `flock` on
DB/running/<sha1 of the ARN>.lock while it runs, and the OS drops it when the process dies
(kill -9 included). An execution whose log says RUNNING but whose lock is free is interrupted:
`resume` continues it. A Distributed Map child execution is written by its parent's process,
so its parent's lock tells."""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
from pathlib import Path
from types import TracebackType

_DIR = "running"
_held: dict[Path, int] = {}  # locks this process holds (a run inside a resume takes it again)


def lock_path(db: str | os.PathLike[str], arn: str) -> Path:
    return Path(db) / _DIR / (hashlib.sha1(arn.encode("utf-8")).hexdigest() + ".lock")


class Busy(Exception):
    """Another process holds the execution's lock."""


class ExecutionLock:
    """Held by the process that writes an execution, for as long as it writes it."""

    def __init__(self, db: str | os.PathLike[str], arn: str) -> None:
        self.path = lock_path(db, arn)
        self._fd: int | None = None

    def __enter__(self) -> "ExecutionLock":
        if self.path in _held:
            _held[self.path] += 1
            return self
        self.path.parent.mkdir(exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise Busy(str(self.path)) from None
                raise
            if _same_file(fd, self.path):  # not a file a finishing writer just unlinked
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        _held[self.path] = 1
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if _held.get(self.path, 0) > 1 or self._fd is None:
            if self.path in _held:
                _held[self.path] -= 1
            return
        fd, self._fd = self._fd, None
        del _held[self.path]
        try:
            self.path.unlink(missing_ok=True)  # unlinked while still held: see _same_file
        finally:
            os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def is_running(db: str | os.PathLike[str], doc: dict) -> bool:
    """Whether a live process holds the lock of the execution (or of the one writing it).

    Only reads: works on a read-only db directory."""
    writer = doc.get("parentExecution") or doc["executionArn"]
    try:
        fd = os.open(lock_path(db, writer), os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False
