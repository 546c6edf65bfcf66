"""A debugger's answers: `state --at failure`, one `--at` syntax everywhere, `diff` of every
difference, ISO times in what `state`, `replay` and `diff` print, the Context object's times."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from replay.timetravel import PositionError
from tests import conformance
from tests.helpers import mock_config, run
from tui.cli import app

TASK = "arn:aws:states:::lambda:invoke"
runner = CliRunner()


def cli(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sfn-replay: "), result.stderr
    return lines[0]


# A Task retried twice, then failing for good: three TaskFailed events, the last one ends it.
RETRIED = {
    "StartAt": "Prep",
    "States": {
        "Prep": {"Type": "Pass", "Result": {"order": 7}, "Next": "Charge"},
        "Charge": {
            "Type": "Task",
            "Resource": TASK,
            "Next": "Done",
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}],
        },
        "Done": {"Type": "Succeed"},
    },
}
ALWAYS_BUSY = mock_config(
    {
        "Charge": {
            "0": {"Throw": {"Error": "Busy", "Cause": "try 1"}},
            "1": {"Throw": {"Error": "Busy", "Cause": "try 2"}},
            "2": {"Throw": {"Error": "Busy", "Cause": "try 3"}},
        }
    }
)
BUSY_ONCE = mock_config(
    {"Charge": {"0": {"Throw": {"Error": "Busy", "Cause": "try 1"}}, "1": {"Return": {"ok": True}}}}
)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("debugger")
    run(tmp, RETRIED, {}, name="failed", mocks=ALWAYS_BUSY, test_case="t")
    run(tmp, RETRIED, {}, name="recovered", mocks=BUSY_ONCE, test_case="t")
    return tmp / "db"


def test_at_failure_is_the_failure_that_ended_the_execution(db):
    shown = api.state(db, "failed", "failure")
    failed = [e for e in api.events(db, "failed") if e["type"] == "TaskFailed"]
    assert len(failed) == 3
    assert shown["event"] == failed[-1]["id"]  # not the first, retried, one
    failure = shown["failure"]
    assert (failure["at"], failure["error"], failure["cause"]) == ("failure:3", "Busy", "try 3")
    assert failure["outcome"] == "ended the execution"
    assert (failure["state"], failure["stateType"]) == ("Charge", "Task")
    assert failure["input"] == {"order": 7}
    assert failure["context"]["State"]["RetryCount"] == 2
    assert failure["context"]["Execution"]["Name"] == "failed"


def test_earlier_failures_are_failure_k_in_order(db):
    failed = [e["id"] for e in api.events(db, "failed") if e["type"] == "TaskFailed"]
    for k, event_id in enumerate(failed, 1):
        shown = api.state(db, "failed", f"failure:{k}")
        assert shown["event"] == event_id
        assert shown["failure"]["cause"] == f"try {k}"
        assert shown["failure"]["context"]["State"]["RetryCount"] == k - 1
    rows = api.failures(db, "failed")
    assert [(r["at"], r["event"], r["state"], r["outcome"]) for r in rows] == [
        ("failure:1", failed[0], "Charge", "retried"),
        ("failure:2", failed[1], "Charge", "retried"),
        ("failure:3", failed[2], "Charge", "ended the execution"),
    ]


def test_a_succeeded_execution_has_no_ending_failure_but_lists_its_failures(db):
    with pytest.raises(PositionError, match="no failure ended recovered .*failure:1"):
        api.state(db, "recovered", "failure")
    assert api.state(db, "recovered", "failure:1")["failure"]["outcome"] == "retried"
    message = one_line_error(cli("state", "recovered", "--at", "failure", "--db", db))
    assert "--failures" in message


def test_failure_caught_then_a_fail_state(tmp_path):
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Next": "Ok",
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Stop"}],
                "Branches": [
                    {
                        "StartAt": "T",
                        "States": {"T": {"Type": "Task", "Resource": TASK, "End": True}},
                    }
                ],
            },
            "Ok": {"Type": "Succeed"},
            "Stop": {"Type": "Fail", "Error": "Order.Failed", "Cause": "gave up"},
        },
    }
    mocks = mock_config({"T": {"0": {"Throw": {"Error": "Card", "Cause": "declined"}}}})
    run(tmp_path, d, {"id": 1}, name="x", mocks=mocks, test_case="t")
    rows = api.failures(tmp_path / "db", "x")
    assert [(r["type"], r["state"], r["error"], r["outcome"]) for r in rows] == [
        ("TaskFailed", "T", "Card", "caught"),
        ("ExecutionFailed", "Stop", "Order.Failed", "ended the execution"),
    ]
    failure = api.state(tmp_path / "db", "x", "failure")["failure"]
    assert (failure["state"], failure["stateType"]) == ("Stop", "Fail")
    assert failure["input"] == {"id": 1, "err": {"Error": "Card", "Cause": "declined"}}


def test_failure_inside_a_map_iteration_and_the_aborted_one(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "W",
                    "States": {
                        "W": {
                            "Type": "Task",
                            "Resource": TASK,
                            "End": True,
                            "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}],
                        }
                    },
                },
            }
        },
    }
    mocks = mock_config({"W": {"0-9": {"Throw": {"Error": "Boom", "Cause": "bad"}}}})
    run(tmp_path, d, {"items": [10, 20]}, name="m", mocks=mocks, test_case="t")
    failure = api.state(tmp_path / "db", "m", "failure")["failure"]
    assert failure["type"] == "TaskFailed" and failure["frame"] == "M#0"
    assert failure["input"] == 10
    outcomes = [r["outcome"] for r in api.failures(tmp_path / "db", "m")]
    assert outcomes == ["retried", "aborted", "ended the execution"]


def test_execution_timeout_is_the_failure(tmp_path):
    d = {
        "StartAt": "W",
        "TimeoutSeconds": 2,
        "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}},
    }
    run(tmp_path, d, {}, name="t")
    failure = api.state(tmp_path / "db", "t", "failure")["failure"]
    assert (failure["type"], failure["error"], failure["state"]) == (
        "ExecutionTimedOut",
        "States.Timeout",
        "W",
    )


def test_cli_at_failure_prints_error_cause_input_and_readable_context(db):
    result = cli("state", "failed", "--at", "failure", "--db", db)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "failure:3" in out and "error: Busy" in out and "cause: try 3" in out
    assert '"order": 7' in out
    assert "$$.State.RetryCount" in out and "$$.Execution.Name" in out
    assert "$$.State.EnteredTime" in out and "failure:1 .. failure:2" in out


def test_cli_failures_lists_them_all(db):
    result = cli("state", "failed", "--failures", "--db", db)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["failure:1", "failure:2", "failure:3"]
    assert "Charge: Busy: try 1" in lines[0] and "(retried)" in lines[0]
    assert "(ended the execution)" in lines[2]
    listed = json.loads(cli("state", "failed", "--failures", "--json", "--db", db).stdout)
    assert [row["cause"] for row in listed] == ["try 1", "try 2", "try 3"]


@pytest.mark.parametrize("at", ["x", "failure:0", "failure:x", "1.5", "", "failures", "-", "99"])
@pytest.mark.parametrize("command", ["state", "branch"])
def test_every_bad_at_is_one_clear_error(db, command, at):
    message = one_line_error(cli(command, "failed", "--at", at, "--db", db))
    assert "--at" in message or "out of range" in message


@pytest.mark.parametrize("at", ["-1", "-3", "2", "failure", "failure:1"])
def test_state_and_branch_take_the_same_positions(db, at):
    event = api.state(db, "failed", at)["event"]
    name = f"b{at.replace(':', '-')}"
    result = cli("branch", "failed", "--at", at, "--name", name, "--db", db)
    assert result.exit_code in (0, 1), result.output
    assert api.tree(db, name)["children"]
    assert [
        c["execution"]["forkAt"]
        for c in api.tree(db, "failed")["children"]
        if c["execution"]["name"] == name
    ] == [event]


def test_branch_at_the_last_event_shares_every_event(db):
    result = cli("branch", "failed", "--at", "-1", "--name", "last", "--db", db)
    assert result.exit_code == 1, result.output  # the parent's outcome: FAILED
    assert api.events(db, "last") == api.events(db, "failed")
    assert api.replay(db, "last") is None
    assert cli("state", "last", "--db", db).exit_code == 0


def test_failures_of_an_imported_history(db, tmp_path):
    exported = api.export(db, "failed")
    aws = {"events": exported["events"]}  # as AWS prints it: no frames of ours
    api.import_history(tmp_path, [aws], json.dumps(RETRIED), state_machine_name="sm", name="imp")
    assert api.failures(tmp_path, "imp") == api.failures(db, "failed")
    assert api.state(tmp_path, "imp", "failure")["failure"]["input"] == {"order": 7}


# -- diff ----------------------------------------------------------------------------------


def _retrying(interval: int, result: dict | None = None) -> dict:
    d = json.loads(json.dumps(RETRIED))
    d["States"]["Charge"]["Retry"][0]["IntervalSeconds"] = interval
    if result is not None:
        d["States"]["Prep"]["Result"] = result
    return d


def test_diff_reports_a_retry_interval_as_a_difference(tmp_path):
    run(tmp_path, _retrying(1), {}, name="one", mocks=BUSY_ONCE, test_case="t")
    run(tmp_path, _retrying(2), {}, name="two", mocks=BUSY_ONCE, test_case="t")
    result = api.diff(tmp_path / "db", "one", "two")
    assert not result["identical"]
    retry = next(
        e["id"]
        for e in api.events(tmp_path / "db", "one")
        if e["type"] == "TaskScheduled" and e["id"] > 5
    )
    first = result["firstDifference"]
    assert first["event"] == retry
    assert [c["field"] for c in first["changes"]] == ["timestamp"]
    assert first["changes"][0]["deltaSeconds"] == 1.0
    assert first["a"]["timestamp"].startswith("2026-01-01T00:00:01")  # ISO, not micros
    # every later event is one second later too: each one is listed
    total = len(api.events(tmp_path / "db", "one"))
    assert [d["event"] for d in result["differences"]] == list(range(retry, total + 1))
    out = cli("diff", "one", "two", "--db", tmp_path / "db")
    assert out.exit_code == 1
    assert f"the first is event {retry}" in out.stdout and "(+1.000000 s;" in out.stdout
    assert f"event {total}: timestamp" in out.stdout


def test_diff_lists_every_differing_field_not_only_the_first(tmp_path):
    run(
        tmp_path,
        _retrying(1, {"order": 7, "note": "a"}),
        {},
        name="x",
        mocks=BUSY_ONCE,
        test_case="t",
    )
    run(
        tmp_path,
        _retrying(1, {"order": 8, "note": "a"}),
        {},
        name="y",
        mocks=BUSY_ONCE,
        test_case="t",
    )
    result = api.diff(tmp_path / "db", "x", "y")
    fields = {(d["event"], c["field"]) for d in result["differences"] for c in d["changes"]}
    assert (3, "stateExitedEventDetails.output.order") in fields  # Prep's output
    assert (4, "stateEnteredEventDetails.input.order") in fields  # Charge's input
    assert not any(field.endswith(".note") for _, field in fields)
    assert len(result["differences"]) > 2  # later events carry the order too
    listed = json.loads(cli("diff", "x", "y", "--json", "--db", tmp_path / "db").stdout)
    assert listed["differences"] == result["differences"]


def test_diff_of_same_runs_started_at_other_times_is_identical_and_exits_0(tmp_path):
    definition = json.dumps(_retrying(1))
    for name, start in (("early", 0), ("late", 10**15)):
        api.run(
            tmp_path,
            definition,
            {},
            state_machine_name="sm",
            name=name,
            seed=3,
            start_micros=start,
            mocks=BUSY_ONCE,
            test_case="t",
        )
    result = cli("diff", "early", "late", "--db", tmp_path)
    assert result.exit_code == 0, result.output
    assert "identical histories" in result.stdout


def test_diff_of_histories_of_other_lengths(tmp_path):
    short = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}
    longer = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    run(tmp_path, short, {}, name="s")
    run(tmp_path, longer, {}, name="l")
    result = api.diff(tmp_path / "db", "s", "l")
    assert [(d["event"], d["a"] is None) for d in result["differences"]] == [
        (4, False),
        (5, True),
        (6, True),
    ]
    assert result["differences"][-1]["changes"] == [
        {"field": "event", "a": None, "b": "ExecutionSucceeded"}
    ]
    out = cli("diff", "s", "l", "--db", tmp_path / "db")
    assert out.exit_code == 1 and "event 6: only in b: ExecutionSucceeded" in out.stdout


# -- ISO times in what the commands print ------------------------------------------------------

RAW_MICROS = re.compile(r"\b\d{13,}\b")


def test_replay_divergence_shows_iso_times_and_what_differs(db):
    changed = _retrying(2)  # the retry one second later
    result = cli(
        "replay", "failed", "--definition", _write(db.parent / "c.json", changed), "--db", db
    )
    assert result.exit_code == 1
    assert not RAW_MICROS.search(result.stdout), result.stdout
    assert "2026-01-01T00:00:01.000000+00:00 -> 2026-01-01T00:00:02.000000+00:00" in result.stdout
    divergence = api.replay(db, "failed", json.dumps(changed))
    assert divergence.to_dict()["changes"] == [
        {
            "field": "timestamp",
            "a": "2026-01-01T00:00:01.000000+00:00",
            "b": "2026-01-01T00:00:02.000000+00:00",
            "deltaSeconds": 1.0,
        }
    ]


def _write(path: Path, value) -> Path:
    path.write_text(json.dumps(value))
    return path


@pytest.mark.parametrize("args", [("--at", "failure"), ("--at", "2"), ("--failures",)])
def test_state_shows_iso_times_never_micros(db, args):
    for extra in ((), ("--json",)):
        result = cli("state", "failed", *args, *extra, "--db", db)
        assert result.exit_code == 0, result.output
        assert not RAW_MICROS.search(result.stdout), result.stdout
    shown = api.state(db, "failed", 2)
    assert shown["time"] == "2026-01-01T00:00:00.000000+00:00"
    assert shown["active"][0]["enteredTime"] == "2026-01-01T00:00:00.000000+00:00"


# -- the Context object's times: milliseconds, as on AWS -------------------------------------


def test_context_times_have_milliseconds_and_history_microseconds(tmp_path):
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "Next": "W",
                "Parameters": {
                    "start.$": "$$.Execution.StartTime",
                    "entered.$": "$$.State.EnteredTime",
                },
            },
            "W": {"Type": "Wait", "Timestamp": "2026-01-01T00:00:01.987654Z", "Next": "T"},
            "T": {"Type": "Task", "Resource": TASK, "ResultPath": "$.task", "Next": "J"},
            "J": {
                "Type": "Pass",
                "QueryLanguage": "JSONata",
                "End": True,
                "Output": "{% $merge([$states.input, {'jsonata': $states.context}]) %}",
            },
        },
    }
    seen = []
    start = 1_767_225_600_123_456  # 2026-01-01T00:00:00.123456Z
    result = api.run(
        tmp_path,
        json.dumps(d),
        {},
        state_machine_name="sm",
        name="ms",
        seed=1,
        start_micros=start,
        handlers={"T": lambda value, context: seen.append(context) or 1},
    )
    out = json.loads(result["output"])
    assert out["start"] == out["jsonata"]["Execution"]["StartTime"] == "2026-01-01T00:00:00.123Z"
    assert out["entered"] == "2026-01-01T00:00:00.123Z"
    assert out["jsonata"]["State"]["EnteredTime"] == "2026-01-01T00:00:01.987Z"
    assert seen[0]["State"]["EnteredTime"] == "2026-01-01T00:00:01.987Z"
    assert seen[0]["Execution"]["StartTime"] == "2026-01-01T00:00:00.123Z"
    events = api.history(tmp_path, "ms")
    assert events[0]["timestamp"] == "2026-01-01T00:00:00.123456+00:00"
    assert events[-1]["timestamp"] == "2026-01-01T00:00:01.987654+00:00"
    task = api.state(tmp_path, "ms", 9)["active"][0]
    assert task["context"]["State"]["EnteredTime"] == "2026-01-01T00:00:01.987Z"
    assert task["enteredTime"] == "2026-01-01T00:00:01.987654+00:00"


# -- the API's defaults are the CLI's --------------------------------------------------------


def test_api_run_defaults_to_an_os_seed_and_now_both_recorded(tmp_path):
    d = json.dumps(
        {
            "StartAt": "U",
            "States": {"U": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "End": True}},
        }
    )
    before = datetime.now(timezone.utc)
    first = api.run(tmp_path, d, state_machine_name="sm", name="a")
    second = api.run(tmp_path, d, state_machine_name="sm", name="b")
    after = datetime.now(timezone.utc)
    assert first["output"] != second["output"]  # other seeds: other UUIDs
    started = datetime.fromisoformat(first["startDate"])
    assert before - timedelta(seconds=1) <= started <= after
    seeds = {doc["name"]: doc["seed"] for doc in api.list_executions(tmp_path)}
    assert seeds["a"] != seeds["b"]
    assert api.replay(tmp_path, "a") is None  # the seed and start time are in the record
    again = api.run(
        tmp_path,
        d,
        state_machine_name="sm",
        name="c",
        seed=seeds["a"],
        start_micros=api.events(tmp_path, "a")[0]["timestamp"],
    )
    assert again["output"] == first["output"]


def test_failures_of_an_aws_history_where_the_map_state_points_at_the_fail_state(tmp_path):
    """As AWS records a retried Map whose iteration reaches a Fail state: MapIterationFailed
    and MapStateFailed both point at the FailStateEntered, MapStateFailed has no details."""

    def event(n, previous, kind, details=None):
        return {"id": n, "previousEventId": previous, "type": kind, "details": details or {}}

    def entered(n, previous, kind, name, value):
        return event(
            n, previous, kind, {"stateEnteredEventDetails": {"name": name, "input": value}}
        )

    iteration = {"mapIterationFailedEventDetails": {"index": 0, "name": "M"}}
    history = [
        event(1, 0, "ExecutionStarted", {"executionStartedEventDetails": {"input": {}}}),
        entered(2, 0, "MapStateEntered", "M", [1]),
        event(3, 2, "MapStateStarted"),
    ]
    for attempt in range(3):  # iteration started, Fail state entered, iteration failed
        base = 4 + 4 * attempt
        history += [
            event(
                base,
                base - 1,
                "MapIterationStarted",
                {"mapIterationStartedEventDetails": {"index": 0, "name": "M"}},
            ),
            entered(base + 1, base, "FailStateEntered", "Stop", attempt),
            event(base + 2, base + 1, "MapIterationFailed", iteration),
        ]
        if attempt < 2:
            history.append(event(base + 3, base + 1, "MapStateStarted"))
    history += [
        event(15, 13, "MapStateFailed"),
        event(
            16,
            15,
            "ExecutionFailed",
            {"executionFailedEventDetails": {"error": "Boom", "cause": "no more"}},
        ),
    ]
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
                "ItemProcessor": {
                    "StartAt": "Stop",
                    "States": {"Stop": {"Type": "Fail", "Error": "Boom", "Cause": "no more"}},
                },
            }
        },
    }
    api.import_history(
        tmp_path,
        [conformance.aws_shape(history)],
        json.dumps(definition),
        state_machine_name="sm",
        name="aws",
    )
    rows = api.failures(tmp_path, "aws")
    assert [(r["event"], r["type"], r["state"], r["outcome"]) for r in rows] == [
        (6, "MapIterationFailed", "Stop", "retried"),
        (10, "MapIterationFailed", "Stop", "retried"),
        (14, "MapIterationFailed", "Stop", "ended the execution"),
    ]
    failure = api.state(tmp_path, "aws", "failure")["failure"]
    assert (failure["error"], failure["cause"], failure["input"]) == ("Boom", "no more", 2)
