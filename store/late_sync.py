"""The last fsync of a closed log, off the caller's path.

A commit is in the OS's page cache as soon as it returns, which a killed process does not
lose; only a power cut can lose what was not yet synced. So closing a log that holds unsynced
commits does not wait for the disk: a daemon thread fsyncs its data file within `DELAY`
seconds, and whatever is still waiting when the interpreter exits is synced then.
"""

from __future__ import annotations

import _thread
import atexit
import os
import threading
import time

DELAY = 0.5  # seconds

_lock = threading.Lock()
_waiting: set[str] = set()
_thread_pid = 0  # the process whose thread runs (a forked child has none)


def sync_soon(path: str) -> None:
    """fsync the file at `path` within DELAY seconds, and before the interpreter exits."""
    global _thread_pid
    with _lock:
        _waiting.add(path)
        if _thread_pid != os.getpid():
            _thread_pid = os.getpid()
            _thread.start_new_thread(_run, ())  # without waiting for it to start


def sync_now() -> None:
    """fsync every file waiting (at exit, or for a caller that wants it done)."""
    with _lock:
        paths = list(_waiting)
        _waiting.clear()
    for path in paths:
        _fsync(path)


def _run() -> None:
    global _thread_pid
    while True:
        time.sleep(DELAY)
        sync_now()
        with _lock:
            if not _waiting:
                _thread_pid = 0
                return


def _fsync(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # gone (a deleted temporary db): nothing to keep
    try:
        os.fsync(fd)
    except OSError:
        pass  # the data stays in the page cache; nothing better to do from a background thread
    finally:
        os.close(fd)


atexit.register(sync_now)
