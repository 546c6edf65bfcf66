"""The interpreter on small definitions: every state type, the I/O pipeline, errors."""

from __future__ import annotations

import json

from tests.helpers import START, mock_config, output, run, types


def machine(states: dict, start: str | None = None, **extra) -> dict:
    return {"StartAt": start or next(iter(states)), "States": states, **extra}


def test_pass_result_path_and_output_path(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Pass",
                "Result": {"x": 1},
                "ResultPath": "$.r",
                "OutputPath": "$.r",
                "End": True,
            }
        }
    )
    r = run(tmp_path, d, {"a": 1})
    assert r["status"] == "SUCCEEDED"
    assert output(r) == {"x": 1}
    assert types(tmp_path) == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]


def test_parameters_input_path_and_context(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Pass",
                "InputPath": "$.in",
                "Parameters": {
                    "v.$": "$.v",
                    "name.$": "$$.State.Name",
                    "exec.$": "$$.Execution.Name",
                    "fixed": [1, 2],
                },
                "End": True,
            }
        }
    )
    r = run(tmp_path, d, {"in": {"v": 5}})
    assert output(r) == {"v": 5, "name": "P", "exec": "exec", "fixed": [1, 2]}


def test_result_path_null_keeps_input_and_input_path_null_gives_empty(tmp_path):
    d = machine(
        {
            "A": {"Type": "Pass", "Result": 1, "ResultPath": None, "Next": "B"},
            "B": {"Type": "Pass", "InputPath": None, "End": True},
        }
    )
    assert output(run(tmp_path, d, {"k": 1})) == {}


def test_missing_path_is_a_runtime_error_naming_state_and_field(tmp_path):
    d = machine({"P": {"Type": "Pass", "Parameters": {"v.$": "$.nope"}, "End": True}})
    r = run(tmp_path, d, {"a": 1})
    assert r["status"] == "FAILED"
    assert r["error"] == "States.Runtime"
    assert r["cause"] == (
        "An error occurred while executing the state 'P' (entered at the event id #2). "
        "The JSONPath '$.nope' specified for the field 'v.$' could not be found in the input "
        "'{\"a\":1}'"
    )


def test_wait_uses_virtual_time(tmp_path):
    d = machine({"W": {"Type": "Wait", "Seconds": 86400, "End": True}})
    r = run(tmp_path, d)
    assert r["status"] == "SUCCEEDED"
    assert r["stopDate"].startswith("2026-01-02T00:00:00")


def test_task_retry_then_catch(tmp_path):
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Retry": [
                    {
                        "ErrorEquals": ["Boom"],
                        "IntervalSeconds": 10,
                        "MaxAttempts": 2,
                        "BackoffRate": 3,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Done"}],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    mocks = mock_config({"T": {"0-5": {"Throw": {"Error": "Boom", "Cause": "bad"}}}})
    r = run(tmp_path, d, {"a": 1}, mocks=mocks, test_case="t")
    assert output(r) == {"a": 1, "err": {"Error": "Boom", "Cause": "bad"}}
    assert types(tmp_path).count("TaskFailed") == 3
    # 10 s, then 30 s of virtual backoff
    assert r["stopDate"].startswith("2026-01-01T00:00:40")


def test_plain_lambda_arn_records_lambda_events(tmp_path):
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "End": True,
            }
        }
    )
    r = run(
        tmp_path, d, {}, mocks=mock_config({"T": {"0": {"Return": {"ok": True}}}}), test_case="t"
    )
    assert output(r) == {"ok": True}
    assert types(tmp_path)[2:5] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionSucceeded",
    ]


def test_handlers_answer_tasks_and_failures_use_the_exception(tmp_path):
    class Declined(Exception):
        pass

    def charge(payload, context):
        raise Declined("no money")

    d = machine({"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}})
    r = run(tmp_path, d, {}, handlers={"T": charge})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Declined", "no money")


def test_parallel_and_map(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "Next": "M",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": 2, "End": True}}},
                ],
            },
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "X",
                    "States": {"X": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}},
                },
                "End": True,
            },
        }
    )
    r = run(tmp_path, d, {})
    assert output(r) == [{"v": 1}, {"v": 2}]
    t = types(tmp_path)
    assert t.count("MapIterationStarted") == 2 and t.count("ParallelStateSucceeded") == 1


def test_map_failure_fails_the_execution(tmp_path):
    d = machine(
        {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "F",
                    "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}},
                },
                "End": True,
            }
        }
    )
    r = run(tmp_path, d, [1, 2, 3])
    assert (r["status"], r["error"]) == ("FAILED", "E")
    assert "MapStateFailed" in types(tmp_path)


def test_execution_timeout(tmp_path):
    d = machine({"W": {"Type": "Wait", "Seconds": 100, "End": True}}, TimeoutSeconds=5)
    r = run(tmp_path, d)
    assert (r["status"], r["error"]) == ("TIMED_OUT", "States.Timeout")
    assert r["stopDate"].startswith("2026-01-01T00:00:05")


def test_event_limit_fails_the_execution(tmp_path):
    # loops forever on this input, but has a terminal state (validate rejects a machine
    # without one: MISSING_END_STATE)
    d = machine(
        {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {
                "Type": "Choice",
                "Default": "A",
                "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        }
    )
    r = run(tmp_path, d)
    assert r["status"] == "FAILED"
    assert types(tmp_path)[-1] == "ExecutionFailed"


def test_same_seed_same_bytes(tmp_path):
    from replay import api

    d = machine(
        {
            "P": {
                "Type": "Pass",
                "Parameters": {"u.$": "States.UUID()", "r.$": "States.MathRandom(1, 100)"},
                "End": True,
            }
        }
    )
    a = run(tmp_path, d, {}, name="a", seed=9)
    b = run(tmp_path, d, {}, name="b", seed=9)
    assert a["output"] == b["output"]
    ea = api.events(tmp_path / "db", "a")
    eb = api.events(tmp_path / "db", "b")

    def strip(events):
        return [{k: v for k, v in e.items() if k != "executionStartedEventDetails"} for e in events]

    assert strip(ea) == strip(eb)


def test_start_is_recorded(tmp_path):
    from replay import api

    run(tmp_path, machine({"P": {"Type": "Pass", "End": True}}))
    first = api.events(tmp_path / "db", "exec")[0]
    assert first["timestamp"] == START
    assert first["sfnReplay"]["seed"] == 1


def test_task_timeouts_on_the_virtual_clock(tmp_path):
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "TimeoutSeconds": 60,
                "HeartbeatSeconds": 10,
                "End": True,
            }
        }
    )
    slow = mock_config({"T": {"0": {"Return": {"ok": 1}, "Delay": 30}}})
    r = run(tmp_path, d, {}, mocks=slow, test_case="t", name="hb")
    assert (r["status"], r["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert r["stopDate"].startswith("2026-01-01T00:00:10")
    assert "TaskTimedOut" in types(tmp_path, "hb")
    quick = mock_config({"T": {"0": {"Return": {"ok": 1}, "Delay": 5}}})
    assert run(tmp_path, d, {}, mocks=quick, test_case="t", name="ok")["status"] == "SUCCEEDED"


def test_assignments_over_256_kib_are_a_runtime_error(tmp_path):
    d = machine({"P": {"Type": "Pass", "Assign": {"a.$": "$.text", "b.$": "$.text"}, "End": True}})
    r = run(tmp_path, d, {"text": "x" * (130 * 1024)})
    assert r["error"] == "States.Runtime" and "one Assign" in r["cause"]


def test_a_failed_branch_aborts_the_running_siblings(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "Slow",
                        "States": {"Slow": {"Type": "Wait", "Seconds": 60, "End": True}},
                    },
                    {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "E"}}},
                ],
            }
        }
    )
    r = run(tmp_path, d, {})
    assert r["error"] == "E"
    t = types(tmp_path)
    assert t.index("WaitStateAborted") < t.index("ParallelStateFailed")
    assert r["stopDate"].startswith("2026-01-01T00:00:00")


def test_a_failed_iteration_aborts_the_others(tmp_path):
    d = machine(
        {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {
                            "Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Boom"}],
                            "Default": "W",
                        },
                        "W": {"Type": "Wait", "Seconds": 5, "End": True},
                        "Boom": {"Type": "Fail", "Error": "E"},
                    },
                },
            }
        }
    )
    run(tmp_path, d, [0, 1, 2])
    t = types(tmp_path)
    assert t.count("MapIterationAborted") == 2 and t.count("WaitStateAborted") == 2


def test_random_schedule_varies_the_interleaving_with_the_seed_and_replays(tmp_path):
    from replay import api

    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": f"A{b}",
                        "States": {
                            f"A{b}": {"Type": "Pass", "Next": f"B{b}"},
                            f"B{b}": {"Type": "Pass", "End": True},
                        },
                    }
                    for b in range(4)
                ],
            }
        }
    )
    orders = set()
    for seed in range(8):
        name = f"s{seed}"
        result = api.run(
            tmp_path / "db",
            json.dumps(d),
            {},
            state_machine_name="sm",
            name=name,
            seed=seed,
            start_micros=START,
            schedule="random",
        )
        assert json.loads(result["output"]) == [{}, {}, {}, {}]
        entered = [
            e["stateEnteredEventDetails"]["name"]
            for e in api.events(tmp_path / "db", name)
            if e["type"] == "PassStateEntered"
        ]
        orders.add(tuple(entered))
        assert api.replay(tmp_path / "db", name) is None
    assert len(orders) > 1
