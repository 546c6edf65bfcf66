"""Which run writes an execution, and which children outlive their parent's end (replay.detached),
on an executions index as the runs leave it."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay.detached import goes_on, unfinished, writer_of
from replay.history import EXECUTIONS
from store import EventLog

ARN = "arn:aws:states:us-east-1:123456789012:execution:"


@pytest.fixture
def log(tmp_path: Path):
    with EventLog(tmp_path / "db") as opened:
        yield opened


def put(log: EventLog, name: str, status: str, parent: str | None = None, root=None) -> dict:
    doc = {"executionArn": ARN + name, "status": status}
    if parent is not None:
        doc["parentExecution"] = ARN + parent
    if root is not None:
        doc["rootExecution"] = ARN + root
    log.put_doc(EXECUTIONS, doc["executionArn"], doc)
    return doc


def test_a_child_is_written_by_its_root_s_run_else_its_parent_s(log):
    top = put(log, "top", "SUCCEEDED")
    child = put(log, "child", "RUNNING", parent="top")
    grandchild = put(log, "grandchild", "RUNNING", parent="child", root="top")
    assert writer_of(log, top) is None
    assert writer_of(log, child) == top
    assert writer_of(log, grandchild) == top  # its root's run, not its parent's


def test_the_children_still_running_parents_before_children(log):
    parent = put(log, "p", "SUCCEEDED")
    put(log, "a-done", "SUCCEEDED", parent="p")
    put(log, "b-grandchild", "RUNNING", parent="c-child", root="p")
    put(log, "c-child", "RUNNING", parent="p")
    put(log, "d-other", "RUNNING", parent="elsewhere")
    names = [doc["executionArn"].removeprefix(ARN) for doc in unfinished(log, parent)]
    assert names == ["c-child", "b-grandchild"]


def test_a_run_goes_on_while_it_or_a_child_outliving_it_is_unfinished(log):
    running = put(log, "running", "RUNNING")
    assert goes_on(log, running)
    ended = put(log, "ended", "SUCCEEDED")
    put(log, "ended-child", "FAILED", parent="ended")
    assert not goes_on(log, ended)
    put(log, "ended-waiting-child", "RUNNING", parent="ended")
    assert goes_on(log, ended)
