"""Wait on the virtual clock: how long each form waits (the time the next event is recorded at)
and the runtime errors AWS gives for values it cannot use."""

from __future__ import annotations

from typing import Any

import pytest

from replay import api
from tests.helpers import output, run

JSONPATH_CAUSE = "An error occurred while executing the state 'W' (entered at the event id #2). "


def wait(tmp, fields: dict, input_value: Any = None, **extra: Any) -> dict:
    d = {"StartAt": "W", "States": {"W": {"Type": "Wait", "End": True, **fields}}, **extra}
    return run(tmp, d, {} if input_value is None else input_value)


def waited(tmp) -> float:
    """Seconds between WaitStateEntered and WaitStateExited."""
    events = {e["type"]: e["timestamp"] for e in api.events(tmp / "db", "exec")}
    return (events["WaitStateExited"] - events["WaitStateEntered"]) / 1_000_000


@pytest.mark.parametrize(
    "fields, input_value, seconds",
    [
        ({"Seconds": 90}, None, 90),
        ({"Seconds": 0}, None, 0),
        ({"SecondsPath": "$.s"}, {"s": 5}, 5),
        ({"SecondsPath": "$.s"}, {"s": 5.0}, 5),
        ({"SecondsPath": "$.s"}, {"s": 0}, 0),
        ({"Timestamp": "2026-01-01T00:01:00Z"}, None, 60),
        ({"Timestamp": "2026-01-01T01:00:30+01:00"}, None, 30),
        ({"Timestamp": "2025-12-31T23:00:00-02:00"}, None, 3600),
        ({"Timestamp": "2025-06-01T00:00:00Z"}, None, 0),  # in the past: no wait
        ({"TimestampPath": "$.t"}, {"t": "2026-01-01T00:00:07.5Z"}, 7.5),
        ({"TimestampPath": "$.t"}, {"t": "2026-01-01T00:00:02z"}, 2),
    ],
)
def test_how_long_each_form_waits(tmp_path, fields, input_value, seconds):
    r = wait(tmp_path, fields, input_value)
    assert r["status"] == "SUCCEEDED"
    assert waited(tmp_path) == seconds


def test_jsonata_seconds_and_timestamp(tmp_path):
    r = wait(
        tmp_path,
        {"Seconds": "{% $states.input.n * 2 %}", "Output": "{% 'done' %}"},
        {"n": 4},
        QueryLanguage="JSONata",
    )
    assert (output(r), waited(tmp_path)) == ("done", 8)


def test_wait_passes_its_input_through_the_paths(tmp_path):
    r = wait(
        tmp_path, {"Seconds": 1, "InputPath": "$.a", "OutputPath": "$.b"}, {"a": {"b": 3}, "c": 0}
    )
    assert output(r) == 3


def test_seconds_path_reads_the_effective_input(tmp_path):
    r = wait(tmp_path, {"SecondsPath": "$.s", "InputPath": "$.in"}, {"in": {"s": 3}})
    assert (r["status"], waited(tmp_path)) == ("SUCCEEDED", 3)


def test_wait_assign_sees_the_input(tmp_path):
    d = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 1, "Assign": {"x.$": "$.v"}, "Next": "P"},
            "P": {"Type": "Pass", "Parameters": {"x.$": "$x"}, "End": True},
        },
    }
    assert output(run(tmp_path, d, {"v": 7})) == {"x": 7}


@pytest.mark.parametrize(
    "fields, input_value, cause",
    [
        (
            {"SecondsPath": "$.s"},
            {"s": -2},
            "The SecondsPath parameter references a negative value: $.s == -2",
        ),
        (
            {"SecondsPath": "$.s"},
            {"s": -2.0},
            "The SecondsPath parameter references a negative value: $.s == -2",
        ),
        (
            {"SecondsPath": "$.s"},
            {"s": 2.5},
            "The SecondsPath parameter cannot be parsed as a long value: $.s == 2.5",
        ),
        (
            {"SecondsPath": "$.s"},
            {"s": "5"},
            "The SecondsPath parameter cannot be parsed as a long value: $.s == 5",
        ),
        (
            {"SecondsPath": "$.s"},
            {"s": True},
            "The SecondsPath parameter cannot be parsed as a long value: $.s == True",
        ),
        (
            {"SecondsPath": "$.x"},
            {"s": 1},
            "The SecondsPath parameter does not reference an input value: $.x",
        ),
        (
            {"TimestampPath": "$.t"},
            {"t": "2026-01-01T00:00:07"},
            (
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                "date-time format string: $.t == 2026-01-01T00:00:07"
            ),
        ),
        (
            {"TimestampPath": "$.t"},
            {"t": "2026-02-30T00:00:00Z"},
            (
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                "date-time format string: $.t == 2026-02-30T00:00:00Z"
            ),
        ),
        (
            {"TimestampPath": "$.t"},
            {"t": 1767225600},
            (
                "The TimestampPath parameter does not reference a valid ISO-8601 extended offset "
                "date-time format string: $.t == 1767225600"
            ),
        ),
        (
            {"TimestampPath": "$.x"},
            {"t": "2026-01-01T00:00:07Z"},
            "The TimestampPath parameter does not reference an input value: $.x",
        ),
    ],
)
def test_jsonpath_runtime_errors(tmp_path, fields, input_value, cause):
    r = wait(tmp_path, fields, input_value)
    assert (r["status"], r["error"], r["cause"]) == (
        "FAILED",
        "States.Runtime",
        JSONPATH_CAUSE + cause,
    )
    assert [e["type"] for e in api.history(tmp_path / "db", "exec")][-2:] == [
        "WaitStateEntered",
        "ExecutionFailed",
    ]


@pytest.mark.parametrize(
    "fields, location, cause",
    [
        (
            {"Seconds": "{% -1 %}"},
            "Seconds",
            "The Seconds field must be a non-negative integer, but was: -1",
        ),
        (
            {"Seconds": "{% 1.5 %}"},
            "Seconds",
            "The Seconds field must be a non-negative integer, but was: 1.5",
        ),
        (
            {"Seconds": "{% true %}"},
            "Seconds",
            "The Seconds field must be a non-negative integer, but was: True",
        ),
        (
            {"Timestamp": "{% 'nope' %}"},
            "Timestamp",
            (
                "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format "
                "string: nope"
            ),
        ),
    ],
)
def test_jsonata_values_fail_with_an_evaluation_error(tmp_path, fields, location, cause):
    r = wait(tmp_path, fields, QueryLanguage="JSONata")
    assert (r["error"], r["cause"]) == ("States.QueryEvaluationError", JSONPATH_CAUSE + cause)
    failed = api.history(tmp_path / "db", "exec")[2]
    assert failed["type"] == "EvaluationFailed"
    assert failed["evaluationFailedEventDetails"]["location"] == location
