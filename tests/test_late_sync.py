"""A closed log's last commits reach the disk soon after, not while the caller waits."""

from __future__ import annotations

import os
import time

from store import EventLog, late_sync


def test_closing_a_written_log_syncs_it_within_the_delay(tmp_path, monkeypatch):
    late_sync.sync_now()  # what earlier tests left to sync is not this test's
    synced: list[float] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path)):  # this db's only
            synced.append(time.monotonic())
        real_fsync(fd)

    monkeypatch.setattr(late_sync.os, "fsync", fsync)
    with EventLog(tmp_path / "db") as log:
        log.append("s", [{"a": 1}])
    closed = time.monotonic()
    assert not synced  # the caller did not wait for the disk
    deadline = closed + late_sync.DELAY * 4 + 1
    while not synced and time.monotonic() < deadline:
        time.sleep(0.05)
    assert synced and synced[0] - closed < late_sync.DELAY * 4 + 1


def test_a_log_opened_only_to_read_leaves_nothing_to_sync(tmp_path, monkeypatch):
    with EventLog(tmp_path / "db") as log:
        log.append("s", [{"a": 1}])
    late_sync.sync_now()
    waiting = []
    monkeypatch.setattr(late_sync, "sync_soon", waiting.append)
    monkeypatch.setattr("store.env.sync_soon", waiting.append)
    with EventLog(tmp_path / "db", readonly=True) as log:
        assert list(log.read("s")) == [{"a": 1}]
    with EventLog(tmp_path / "db") as log:  # writable, but nothing written
        log.length("s")
    assert waiting == []


def test_what_waits_is_synced_at_exit(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(late_sync, "_fsync", synced.append)
    with late_sync._lock:
        late_sync._waiting.add(str(tmp_path / "x"))
    late_sync.sync_now()  # what atexit runs
    assert synced == [str(tmp_path / "x")]
