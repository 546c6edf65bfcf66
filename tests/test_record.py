"""The executions index record: defined once, written by runs, children and imports alike,
and checked by `check`."""

from __future__ import annotations

import json

import pytest

from replay import api
from replay.history import EXECUTIONS
from replay.record import SETUP, SUMMARY, execution_record, setup_of
from store import EventLog
from tests.helpers import START, mock_config

TASK = {
    "StartAt": "T",
    "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}},
}


def test_every_writer_writes_the_same_fields(tmp_path):
    db = tmp_path / "db"
    api.run(
        db,
        json.dumps(TASK),
        {},
        state_machine_name="sm",
        name="run",
        seed=1,
        start_micros=START,
        mocks=mock_config({"T": {"0": {"Return": 1}}}),
        test_case="t",
    )
    api.branch(db, "run", 2, name="branch")
    api.import_history(
        db, [api.export(db, "run")], json.dumps(TASK), state_machine_name="sm", name="copy"
    )
    for doc in api.list_executions(db):
        assert set(SUMMARY) <= doc.keys(), doc
        assert doc.keys() - set(SUMMARY) <= set(SETUP) | {"events"}, doc


def test_a_record_takes_only_its_fields():
    with pytest.raises(TypeError, match="colour"):
        execution_record(
            arn="a",
            name="n",
            state_machine_arn="s",
            state_machine_name="m",
            status="RUNNING",
            start=0,
            stop=None,
            events=1,
            seed=0,
            colour="red",
        )
    record = execution_record(
        arn="a",
        name="n",
        state_machine_arn="s",
        state_machine_name="m",
        status="RUNNING",
        start=0,
        stop=None,
        events=1,
        seed=0,
        parent="p",
        forkAt=3,
        stopReason="killed",
        mocks=None,
    )
    assert setup_of(record) == {"parent": "p", "forkAt": 3}  # no None, no stop reason


def test_check_names_a_damaged_record(tmp_path):
    db = tmp_path / "db"
    api.run(
        db,
        json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        {},
        state_machine_name="sm",
        name="x",
        seed=1,
        start_micros=START,
    )
    assert api.check(db) == []
    with EventLog(db) as log:
        arn, doc = next(log.docs(EXECUTIONS))
        log.put_doc(EXECUTIONS, arn, {k: v for k, v in doc.items() if k != "name"})
    problems = api.check(db)
    assert len(problems) == 1 and "record is damaged: field 'name' is missing" in problems[0]
