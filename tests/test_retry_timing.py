"""Retry as a user sees it in the history: when each attempt is scheduled on the virtual clock
(IntervalSeconds, BackoffRate, MaxDelaySeconds, JitterStrategy), how many attempts there are,
which retrier and which catcher an error picks."""

from __future__ import annotations

import itertools
from typing import Any

from replay import api
from tests.helpers import mock_config, output, run

LAMBDA = "arn:aws:states:::lambda:invoke"
SECOND = 1_000_000


def task(retry: list[dict], catch: list[dict] | None = None, **extra: Any) -> dict:
    state = {"Type": "Task", "Resource": LAMBDA, "Retry": retry, "End": True, **extra}
    states = {"T": state}
    if catch is not None:
        state["Catch"] = catch
        states["Done"] = {"Type": "Pass", "End": True}
    return {"StartAt": "T", "States": states}


def throws(*errors: str) -> dict:
    """Mocks where invocation i throws errors[i]; the last one repeats."""
    responses = {
        str(i): {"Throw": {"Error": e, "Cause": f"attempt {i}"}} for i, e in enumerate(errors)
    }
    return mock_config({"T": responses})


def attempt_times(tmp, name: str = "exec") -> list[int]:
    """Microseconds after the start at which each attempt was scheduled."""
    events = api.events(tmp / "db", name)
    start = events[0]["timestamp"]
    return [e["timestamp"] - start for e in events if e["type"] == "TaskScheduled"]


def gaps(times: list[int]) -> list[float]:
    return [(b - a) / SECOND for a, b in itertools.pairwise(times)]


def run_retry(
    tmp,
    retry: list[dict],
    *errors: str,
    name: str = "exec",
    seed: int = 1,
    catch: list[dict] | None = None,
) -> dict:
    return run(
        tmp, task(retry, catch), {}, mocks=throws(*errors), test_case="t", name=name, seed=seed
    )


def test_defaults_retry_three_times_at_one_two_four_seconds(tmp_path):
    r = run_retry(tmp_path, [{"ErrorEquals": ["Boom"]}], "Boom")
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Boom", "attempt 0")
    assert gaps(attempt_times(tmp_path)) == [1, 2, 4]


def test_backoff_rate_multiplies_the_interval(tmp_path):
    retry = [{"ErrorEquals": ["Boom"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 1.5}]
    run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == [2, 3, 4.5]


def test_max_delay_seconds_caps_the_interval(tmp_path):
    retry = [
        {
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 3,
            "MaxAttempts": 5,
            "BackoffRate": 2,
            "MaxDelaySeconds": 10,
        }
    ]
    r = run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == [3, 6, 10, 10, 10]
    assert r["stopDate"].startswith("2026-01-01T00:00:39")


def test_max_delay_above_every_interval_changes_nothing(tmp_path):
    retry = [
        {
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 3,
            "MaxAttempts": 3,
            "BackoffRate": 2,
            "MaxDelaySeconds": 12,
        }
    ]
    run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == [3, 6, 12]


def test_max_attempts_zero_never_retries(tmp_path):
    r = run_retry(tmp_path, [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}], "Boom")
    assert r["status"] == "FAILED"
    assert attempt_times(tmp_path) == [0]


def test_a_retry_that_succeeds_continues_with_the_answer(tmp_path):
    mocks = mock_config(
        {"T": {"0": {"Throw": {"Error": "Boom", "Cause": "x"}}, "1": {"Return": {"ok": True}}}}
    )
    r = run(
        tmp_path,
        task([{"ErrorEquals": ["Boom"], "IntervalSeconds": 5}]),
        {},
        mocks=mocks,
        test_case="t",
    )
    assert (r["status"], output(r)) == ("SUCCEEDED", {"ok": True})
    assert gaps(attempt_times(tmp_path)) == [5]


JITTER = [
    {
        "ErrorEquals": ["Boom"],
        "IntervalSeconds": 8,
        "MaxAttempts": 6,
        "BackoffRate": 2,
        "MaxDelaySeconds": 100,
        "JitterStrategy": "FULL",
    }
]
UNJITTERED = [8, 16, 32, 64, 100, 100]


def test_full_jitter_draws_each_delay_below_the_unjittered_one(tmp_path):
    for seed in range(3):
        run_retry(tmp_path, JITTER, "Boom", name=f"s{seed}", seed=seed)
        delays = gaps(attempt_times(tmp_path, f"s{seed}"))
        assert len(delays) == len(UNJITTERED)
        assert all(0 <= d < cap for d, cap in zip(delays, UNJITTERED)), delays
        assert sum(delays) < 0.9 * sum(UNJITTERED), delays
        assert len(set(delays)) == len(delays), delays  # drawn afresh, not one factor


def test_full_jitter_spreads_delays_over_the_whole_interval(tmp_path):
    retry = [
        {
            "ErrorEquals": ["Boom"],
            "IntervalSeconds": 10,
            "MaxAttempts": 40,
            "BackoffRate": 1,
            "JitterStrategy": "FULL",
        }
    ]
    run_retry(tmp_path, retry, "Boom")
    delays = gaps(attempt_times(tmp_path))
    assert len(delays) == 40 and max(delays) < 10
    assert 3 < sum(delays) / len(delays) < 7  # uniform over [0, 10): mean about 5
    assert min(delays) < 2 and max(delays) > 8


def test_full_jitter_is_reproducible_by_seed_and_varies_across_seeds(tmp_path):
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        run_retry(tmp_path, JITTER, "Boom", name=name, seed=seed)
        runs[name] = gaps(attempt_times(tmp_path, name))
    assert runs["a"] == runs["b"]
    assert runs["a"] != runs["c"]
    assert api.replay(tmp_path / "db", "a") is None


def test_jitter_none_is_the_plain_backoff(tmp_path):
    retry = [dict(JITTER[0], JitterStrategy="NONE")]
    run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == UNJITTERED


def test_each_retrier_counts_its_own_attempts(tmp_path):
    retry = [
        {"ErrorEquals": ["A"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 10},
        {"ErrorEquals": ["B"], "IntervalSeconds": 3, "MaxAttempts": 2, "BackoffRate": 2},
    ]
    r = run_retry(tmp_path, retry, "A", "B", "A", "B", "B")
    # A: 1 s; B: 3 s; A again: 10 s (its second); B again: 6 s; B a third time: exhausted
    assert gaps(attempt_times(tmp_path)) == [1, 3, 10, 6]
    assert (r["error"], r["cause"]) == ("B", "attempt 4")


def test_the_first_matching_retrier_wins_even_when_exhausted(tmp_path):
    retry = [
        {"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 1},
        {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 50, "MaxAttempts": 5},
    ]
    r = run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == [1]
    assert r["status"] == "FAILED"


def test_a_retrier_that_does_not_match_is_skipped(tmp_path):
    retry = [
        {"ErrorEquals": ["Other"], "IntervalSeconds": 1},
        {"ErrorEquals": ["Boom"], "IntervalSeconds": 7, "MaxAttempts": 1},
    ]
    run_retry(tmp_path, retry, "Boom")
    assert gaps(attempt_times(tmp_path)) == [7]


def test_retry_count_is_in_the_context_object(tmp_path):
    d = task(
        [{"ErrorEquals": ["Boom"], "MaxAttempts": 2}], Parameters={"n.$": "$$.State.RetryCount"}
    )
    run(tmp_path, d, {}, mocks=throws("Boom"), test_case="t")
    sent = [
        e["taskScheduledEventDetails"]["parameters"]
        for e in api.history(tmp_path / "db", "exec")
        if e["type"] == "TaskScheduled"
    ]
    assert sent == ['{"n":0}', '{"n":1}', '{"n":2}']


def test_retries_exhausted_then_the_matching_catcher_runs(tmp_path):
    catch = [
        {"ErrorEquals": ["Other"], "Next": "Done", "ResultPath": "$.wrong"},
        {"ErrorEquals": ["Boom"], "Next": "Done", "ResultPath": "$.err"},
        {"ErrorEquals": ["States.ALL"], "Next": "Done", "ResultPath": "$.late"},
    ]
    r = run_retry(tmp_path, [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}], "Boom", catch=catch)
    assert output(r) == {"err": {"Error": "Boom", "Cause": "attempt 0"}}
    assert len(attempt_times(tmp_path)) == 2


def test_no_matching_catcher_fails_with_the_last_error(tmp_path):
    catch = [{"ErrorEquals": ["Other"], "Next": "Done"}]
    r = run_retry(
        tmp_path, [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}], "Boom", "Late", catch=catch
    )
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Late", "attempt 1")
