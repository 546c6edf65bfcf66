"""The Developer Guide's rules for Retry and Catch ("Handling errors in Step Functions
workflows", concepts-error-handling), one test per rule, each run through `replay.api.run`.

Where the recorded AWS executions of the shared corpus contradict the guide, the recording wins
and the test says so (States.DataLimitExceeded is caught by States.ALL on AWS, see
error_handling.test_states_errors.test_task_lambda_catch_state_all_data_limit_exceeded_*).
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from replay import api
from tests.helpers import mock_config, output, run

LAMBDA = "arn:aws:states:::lambda:invoke"
T0 = datetime.fromisoformat("2026-01-01T00:00:00+00:00")


def throw(error: str, cause: str = "c") -> dict:
    return {"Throw": {"Error": error, "Cause": cause}}


def task(**fields: Any) -> dict:
    """One Task T; with a Catch, T and its catchers go on to the Pass state Caught."""
    if "Catch" not in fields:
        return {
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}},
        }
    return {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": LAMBDA, "Next": "Caught", **fields},
            "Caught": {"Type": "Pass", "End": True},
        },
    }


def attempts(tmp: Path, name: str = "exec") -> list[float]:
    """Seconds from the start at which each attempt of the task was scheduled."""
    return [
        (datetime.fromisoformat(e["timestamp"]) - T0).total_seconds()
        for e in api.history(tmp / "db", name)
        if e["type"] == "TaskScheduled"
    ]


def run_mocked(
    tmp: Path, definition: dict, responses: dict, name: str = "exec", input_value: Any = None
) -> dict:
    return run(
        tmp,
        definition,
        {} if input_value is None else input_value,
        name=name,
        mocks=mock_config({"T": responses}),
        test_case="t",
    )


# --- Retry ----------------------------------------------------------------------------------


def test_retry_defaults_are_interval_1_max_attempts_3_backoff_2(tmp_path: Path) -> None:
    """IntervalSeconds defaults to 1, MaxAttempts to 3, BackoffRate to 2.0."""
    d = task(Retry=[{"ErrorEquals": ["Boom"]}])
    r = run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert (r["status"], r["error"]) == ("FAILED", "Boom")
    assert attempts(tmp_path) == [0, 1, 3, 7]


def test_backoff_rate_multiplies_the_interval_after_each_attempt(tmp_path: Path) -> None:
    """BackoffRate: the multiplier by which the retry interval increases at each attempt."""
    d = task(
        Retry=[
            {"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 1.5, "MaxAttempts": 3}
        ]
    )
    run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert attempts(tmp_path) == [0, 2, 5, 9.5]


def test_max_attempts_zero_never_retries(tmp_path: Path) -> None:
    """MaxAttempts 0: the error is never retried."""
    d = task(Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 0}])
    r = run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert r["error"] == "Boom" and attempts(tmp_path) == [0]


def test_max_delay_seconds_caps_the_interval(tmp_path: Path) -> None:
    """MaxDelaySeconds: the maximum value up to which a retry interval can increase."""
    d = task(
        Retry=[
            {
                "ErrorEquals": ["Boom"],
                "IntervalSeconds": 4,
                "BackoffRate": 3,
                "MaxAttempts": 3,
                "MaxDelaySeconds": 10,
            }
        ]
    )
    run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert attempts(tmp_path) == [0, 4, 14, 24]


def test_full_jitter_waits_a_random_part_of_each_interval(tmp_path: Path) -> None:
    """JitterStrategy FULL: each delay is drawn between 0 and the computed interval (NONE, the
    default, waits the interval itself)."""
    retrier = {"ErrorEquals": ["Boom"], "IntervalSeconds": 8, "MaxAttempts": 3}
    run_mocked(
        tmp_path,
        task(Retry=[{**retrier, "JitterStrategy": "FULL"}]),
        {"0-9": throw("Boom")},
        name="full",
    )
    times = attempts(tmp_path, "full")
    waits = [b - a for a, b in pairwise(times)]
    assert all(0 <= w <= limit for w, limit in zip(waits, [8, 16, 32])), waits
    assert waits != [8, 16, 32]
    run_mocked(tmp_path, task(Retry=[retrier]), {"0-9": throw("Boom")}, name="none")
    assert attempts(tmp_path, "none") == [0, 8, 24, 56]


def test_first_matching_retrier_applies(tmp_path: Path) -> None:
    """Retriers are scanned in order; the first whose ErrorEquals names the error applies."""
    d = task(
        Retry=[
            {"ErrorEquals": ["Other"], "IntervalSeconds": 50},
            {"ErrorEquals": ["Boom"], "IntervalSeconds": 5, "MaxAttempts": 1},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 100},
        ]
    )
    run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert attempts(tmp_path) == [0, 5]


def test_a_retriers_count_spans_the_errors_it_matches(tmp_path: Path) -> None:
    """The guide's "Complex Retry Scenarios": a retrier's parameters apply across all visits
    to it in one run of the state. Retriers [ErrorA, ErrorB] (MaxAttempts 2) and [ErrorC]
    (interval 5); errors A, B, C, B: waits of 1 and 2 s, then 5 s, then the fourth error finds
    the first retrier spent and the Catch applies (amazon-states-language-errors.md)."""
    d = task(
        Retry=[
            {
                "ErrorEquals": ["ErrorA", "ErrorB"],
                "IntervalSeconds": 1,
                "BackoffRate": 2.0,
                "MaxAttempts": 2,
            },
            {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5},
        ],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    r = run_mocked(
        tmp_path,
        d,
        {
            "0": throw("ErrorA"),
            "1": throw("ErrorB"),
            "2": throw("ErrorC"),
            "3": throw("ErrorB"),
            "4": {"Return": {}},
        },
    )
    assert attempts(tmp_path) == [0, 1, 3, 8]
    assert output(r) == {"Error": "ErrorB", "Cause": "c"}


def test_retry_counts_start_again_when_the_state_is_entered_again(tmp_path: Path) -> None:
    """ "Once the system transitions to another state, no matter how, all Retrier parameters
    are reset": entered again (a loop), the state may retry again as many times."""
    d = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA,
                "ResultPath": None,
                "Next": "Again",
                "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}],
            },
            "Again": {
                "Type": "Choice",
                "Default": "Done",
                "Choices": [{"Variable": "$.loop", "BooleanEquals": True, "Next": "Flip"}],
            },
            "Flip": {"Type": "Pass", "Result": False, "ResultPath": "$.loop", "Next": "T"},
            "Done": {"Type": "Succeed"},
        },
    }
    responses = {"0": throw("Boom"), "1": {"Return": 1}, "2": throw("Boom"), "3": {"Return": 1}}
    r = run_mocked(tmp_path, d, responses, input_value={"loop": True})
    assert r["status"] == "SUCCEEDED"
    assert len(attempts(tmp_path)) == 4


def test_retry_is_tried_before_catch(tmp_path: Path) -> None:
    """With Retry and Catch, retriers apply first; the Catch only when retrying is over."""
    d = task(
        Retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 2}],
        Catch=[{"ErrorEquals": ["Boom"], "Next": "Caught"}],
    )
    r = run_mocked(tmp_path, d, {"0-9": throw("Boom")})
    assert len(attempts(tmp_path)) == 3 and output(r) == {"Error": "Boom", "Cause": "c"}


def test_retry_of_a_parallel_runs_its_branches_again(tmp_path: Path) -> None:
    """Retry is available on Parallel states: a failed branch fails the state with the
    branch's error, and a retry runs every branch again."""
    branch = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [branch],
                "End": True,
                "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 3}],
            }
        },
    }
    r = run_mocked(tmp_path, d, {"0": throw("Boom"), "1": {"Return": "ok"}})
    assert output(r) == ["ok"]
    assert attempts(tmp_path) == [0, 3]


# --- Catch ----------------------------------------------------------------------------------


def caught(**catcher: Any) -> dict:
    return task(Catch=[{"Next": "Caught", **catcher}])


def test_catch_output_is_the_error_object_by_default(tmp_path: Path) -> None:
    """Without ResultPath, the catcher's output is {"Error": ..., "Cause": ...}."""
    r = run_mocked(
        tmp_path, caught(ErrorEquals=["Boom"]), {"0": throw("Boom", "why")}, input_value={"a": 1}
    )
    assert output(r) == {"Error": "Boom", "Cause": "why"}


def test_catch_result_path_keeps_the_input(tmp_path: Path) -> None:
    """A catcher's ResultPath places the error output in the state's input."""
    r = run_mocked(
        tmp_path,
        caught(ErrorEquals=["Boom"], ResultPath="$.error"),
        {"0": throw("Boom", "why")},
        input_value={"a": 1},
    )
    assert output(r) == {"a": 1, "error": {"Error": "Boom", "Cause": "why"}}


def test_first_matching_catcher_applies(tmp_path: Path) -> None:
    """Catchers are scanned in order; the first that names the error is used."""
    d = task(
        Catch=[
            {"ErrorEquals": ["Other"], "Next": "Caught", "ResultPath": "$.other"},
            {"ErrorEquals": ["Boom"], "Next": "Caught", "ResultPath": "$.boom"},
            {"ErrorEquals": ["States.ALL"], "Next": "Caught", "ResultPath": "$.all"},
        ]
    )
    r = run_mocked(tmp_path, d, {"0": throw("Boom")})
    assert list(output(r)) == ["boom"]


def test_uncaught_error_fails_the_execution_with_its_name_and_cause(tmp_path: Path) -> None:
    """An error no catcher names fails the whole execution."""
    r = run_mocked(tmp_path, caught(ErrorEquals=["Other"]), {"0": throw("Boom", "why")})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Boom", "why")


def test_states_all_matches_any_error_name(tmp_path: Path) -> None:
    """States.ALL: a wildcard that matches any error name (a custom one here)."""
    r = run_mocked(tmp_path, caught(ErrorEquals=["States.ALL"]), {"0": throw("My.Custom")})
    assert output(r)["Error"] == "My.Custom"


def test_task_failed_matches_any_error_but_a_timeout(tmp_path: Path) -> None:
    """States.TaskFailed acts as a wildcard for any error name except States.Timeout."""
    r = run_mocked(tmp_path, caught(ErrorEquals=["States.TaskFailed"]), {"0": throw("Mine")})
    assert output(r)["Error"] == "Mine"
    slow = task(TimeoutSeconds=5, Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])
    r = run_mocked(tmp_path, slow, {"0": {"Return": 1, "Delay": 10}}, name="slow")
    assert (r["status"], r["error"]) == ("FAILED", "States.Timeout")


def test_states_timeout_also_names_a_heartbeat_timeout(tmp_path: Path) -> None:
    """States.Timeout: a Task ran longer than TimeoutSeconds *or failed to heartbeat for
    longer than HeartbeatSeconds*; so it catches States.HeartbeatTimeout, which
    States.TaskFailed (every error but a timeout) does not."""
    d = task(
        TimeoutSeconds=60,
        HeartbeatSeconds=5,
        Catch=[
            {"ErrorEquals": ["States.TaskFailed"], "Next": "Caught", "ResultPath": "$.task_failed"},
            {"ErrorEquals": ["States.Timeout"], "Next": "Caught"},
        ],
    )
    r = run_mocked(tmp_path, d, {"0": {"Return": 1, "Delay": 30}})
    assert output(r)["Error"] == "States.HeartbeatTimeout"


def runtime_failure(**fields: Any) -> dict:
    """A Task whose OutputPath selects nothing: States.Runtime after the task answered."""
    return task(OutputPath="$.missing", **fields)


def test_states_all_does_not_catch_or_retry_states_runtime(tmp_path: Path) -> None:
    """A retry or catch on States.ALL won't catch States.Runtime errors."""
    d = runtime_failure(
        Retry=[{"ErrorEquals": ["States.ALL"]}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    )
    r = run_mocked(tmp_path, d, {"0-9": {"Return": {"a": 1}}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert len(attempts(tmp_path)) == 1


def test_states_runtime_is_never_retried(tmp_path: Path) -> None:
    """A States.Runtime error isn't retriable: not even a retrier naming it retries it."""
    d = runtime_failure(Retry=[{"ErrorEquals": ["States.Runtime"]}])
    r = run_mocked(tmp_path, d, {"0-9": {"Return": {"a": 1}}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert len(attempts(tmp_path)) == 1


def test_a_catcher_naming_states_runtime_does_not_catch_it(tmp_path: Path) -> None:
    """A States.Runtime error always causes the execution to fail: a catcher that names it
    explicitly passes over it too."""
    d = runtime_failure(Catch=[{"ErrorEquals": ["States.Runtime"], "Next": "Caught"}])
    r = run_mocked(tmp_path, d, {"0": {"Return": {"a": 1}}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")


def test_task_failed_does_not_catch_states_runtime(tmp_path: Path) -> None:
    """States.Runtime always fails the execution: the States.TaskFailed wildcard no more
    catches it than States.ALL does."""
    d = runtime_failure(Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}])
    r = run_mocked(tmp_path, d, {"0": {"Return": {"a": 1}}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")


# --- what the definition must say -----------------------------------------------------------


def diagnostics(retry: list | None = None, catch: list | None = None) -> list[str]:
    from replay.asl.validate import validate_definition

    fields: dict[str, Any] = {}
    if retry is not None:
        fields["Retry"] = retry
    if catch is not None:
        fields["Catch"] = catch
    return [str(d) for d in validate_definition(task(**fields))]


def test_states_all_must_be_alone_in_error_equals() -> None:
    """States.ALL must appear alone in its ErrorEquals array (retrier or catcher)."""
    assert any(
        "must appear alone" in d
        for d in diagnostics(retry=[{"ErrorEquals": ["States.ALL", "Boom"]}])
    )
    assert any(
        "must appear alone" in d
        for d in diagnostics(catch=[{"ErrorEquals": ["Boom", "States.ALL"], "Next": "Caught"}])
    )


def test_states_all_must_be_in_the_last_entry() -> None:
    """States.ALL must appear in the last retrier / catcher."""
    found = diagnostics(
        catch=[
            {"ErrorEquals": ["States.ALL"], "Next": "Caught"},
            {"ErrorEquals": ["Boom"], "Next": "Caught"},
        ]
    )
    assert found == [
        '/States/T/Catch/0/ErrorEquals: "States.ALL" must appear only in the last entry'
    ]


def test_retrier_field_ranges() -> None:
    """ErrorEquals is a non-empty array; IntervalSeconds and MaxDelaySeconds are positive
    integers, MaxAttempts a non-negative one, BackoffRate >= 1.0, JitterStrategy FULL or
    NONE."""
    bad = {
        "ErrorEquals": [],
        "IntervalSeconds": 0,
        "MaxAttempts": -1,
        "BackoffRate": 0.5,
        "MaxDelaySeconds": 0,
        "JitterStrategy": "HALF",
    }
    found = diagnostics(retry=[bad])
    for field in (
        "ErrorEquals",
        "IntervalSeconds",
        "MaxAttempts",
        "BackoffRate",
        "MaxDelaySeconds",
        "JitterStrategy",
    ):
        assert any(d.startswith(f"/States/T/Retry/0/{field}:") for d in found), (field, found)
    assert diagnostics(retry=[{"ErrorEquals": ["Boom"], "MaxAttempts": 0, "BackoffRate": 1}]) == []
