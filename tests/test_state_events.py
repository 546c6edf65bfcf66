"""What every state records and how failures travel, as the history shows them: StateEntered /
StateExited details, assigned variables, EvaluationFailed, the located cause of runtime errors,
which errors Retry and Catch can match, and what a Catcher passes on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replay import api
from tests.helpers import mock_config, output, run

FALSE = {"truncated": False}


def events(tmp) -> list[dict]:
    return api.history(tmp / "db", "exec")


def details(event: dict) -> dict:
    found = [v for k, v in event.items() if k.endswith("EventDetails")]
    return found[0] if found else {}


def machine(states: dict, **extra: Any) -> dict:
    return {"StartAt": next(iter(states)), "States": states, **extra}


def jsonata(states: dict) -> dict:
    return machine(states, QueryLanguage="JSONata")


def test_entered_and_exited_carry_name_and_payload(tmp_path):
    run(tmp_path, machine({"P": {"Type": "Pass", "Result": {"r": 2}, "End": True}}), {"a": 1})
    entered, exited = events(tmp_path)[1:3]
    assert (entered["type"], details(entered)) == (
        "PassStateEntered",
        {"name": "P", "input": '{"a":1}', "inputDetails": FALSE},
    )
    assert (exited["type"], details(exited)) == (
        "PassStateExited",
        {"name": "P", "output": '{"r":2}', "outputDetails": FALSE},
    )


def test_each_entered_links_to_the_previous_exited(tmp_path):
    d = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}})
    run(tmp_path, d, {})
    links = [(e["id"], e["previousEventId"], e["type"]) for e in events(tmp_path)]
    assert links == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "PassStateEntered"),
        (3, 2, "PassStateExited"),
        (4, 3, "PassStateEntered"),
        (5, 4, "PassStateExited"),
        (6, 5, "ExecutionSucceeded"),
    ]


def test_a_fail_state_records_no_exited(tmp_path):
    r = run(tmp_path, machine({"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}), {})
    assert (r["error"], r["cause"]) == ("E", "c")
    assert [e["type"] for e in events(tmp_path)] == [
        "ExecutionStarted",
        "FailStateEntered",
        "ExecutionFailed",
    ]


def test_assigned_variables_are_recorded_sorted_as_json_text(tmp_path):
    d = machine(
        {"P": {"Type": "Pass", "Assign": {"z": 1, "a": {"k": [1]}, "m.$": "$.v"}, "End": True}}
    )
    run(tmp_path, d, {"v": "x"})
    assert details(events(tmp_path)[2]) == {
        "name": "P",
        "output": '{"v":"x"}',
        "outputDetails": FALSE,
        "assignedVariables": {"a": '{"k":[1]}', "m": '"x"', "z": "1"},
        "assignedVariablesDetails": FALSE,
    }
    assert list(details(events(tmp_path)[2])["assignedVariables"]) == ["a", "m", "z"]


def test_assign_sees_input_context_variables_and_random_but_not_its_own_state(tmp_path):
    d = jsonata(
        {
            "P": {
                "Type": "Pass",
                "Assign": {
                    "b": "{% $states.input.v %}",
                    "a": "{% $states.context.State.Name %}",
                    "r": "{% $random() < 1 %}",
                },
                "Next": "Q",
            },
            "Q": {"Type": "Pass", "Assign": {"c": "{% $a & $b %}"}, "Next": "R"},
            "R": {"Type": "Pass", "Output": "{% [$c, $r] %}", "End": True},
        }
    )
    assert output(run(tmp_path, d, {"v": "x"})) == ["Px", True]


def test_variables_assigned_in_a_state_are_not_visible_in_its_own_output(tmp_path):
    d = jsonata({"P": {"Type": "Pass", "Assign": {"c": 1}, "Output": "{% $c %}", "End": True}})
    r = run(tmp_path, d, {})
    assert (r["status"], r["error"]) == ("FAILED", "States.QueryEvaluationError")


def test_jsonpath_assign_reads_the_result_the_context_and_variables(tmp_path):
    d = machine(
        {
            "A": {"Type": "Pass", "Assign": {"x": 5}, "Next": "P"},
            "P": {
                "Type": "Pass",
                "Result": {"r": 1},
                "Assign": {
                    "res.$": "$.r",
                    "name.$": "$$.State.Name",
                    "old.$": "$x",
                    "u.$": "States.UUID()",
                },
                "Next": "Q",
            },
            "Q": {
                "Type": "Pass",
                "Parameters": {"res.$": "$res", "name.$": "$name", "old.$": "$old", "u.$": "$u"},
                "End": True,
            },
        }
    )
    out = output(run(tmp_path, d, {}))
    assert (out["res"], out["name"], out["old"], len(out["u"])) == (1, "P", 5, 36)


def test_an_evaluation_failure_records_where_it_happened(tmp_path):
    d = jsonata(
        {
            "A": {"Type": "Pass", "Next": "P"},
            "P": {"Type": "Pass", "Output": "{% $x.y.z() %}", "End": True},
        }
    )
    r = run(tmp_path, d, {})
    cause = (
        "An error occurred while executing the state 'P' (entered at the event id #4). "
        "The JSONata expression '$x.y.z()' specified for the field 'Output' returned "
        "nothing (undefined)."
    )
    assert (r["error"], r["cause"]) == ("States.QueryEvaluationError", cause)
    failed = events(tmp_path)[4]
    # linked, as AWS does, to what the state's StateEntered links to
    assert (failed["type"], failed["previousEventId"]) == ("EvaluationFailed", 3)
    assert details(failed) == {
        "cause": cause,
        "error": "States.QueryEvaluationError",
        "state": "P",
        "location": "Output",
    }


def test_a_wait_evaluation_failure_links_to_its_entered(tmp_path):
    d = jsonata(
        {
            "A": {"Type": "Pass", "Next": "W"},
            "W": {"Type": "Wait", "Seconds": "{% 'a' & 1 %}", "End": True},
        }
    )
    run(tmp_path, d, {})
    failed = events(tmp_path)[4]
    assert (failed["type"], failed["previousEventId"]) == ("EvaluationFailed", 4)
    assert details(failed)["location"] == "Seconds"


def test_a_map_evaluation_failure_also_fails_the_map(tmp_path):
    d = jsonata(
        {
            "M": {
                "Type": "Map",
                "Items": "{% 5 %}",
                "End": True,
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            }
        }
    )
    run(tmp_path, d, {})
    assert [e["type"] for e in events(tmp_path)][2:] == [
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]
    assert details(events(tmp_path)[2])["location"] == "Items"


def test_a_parallel_evaluation_failure_also_fails_the_parallel(tmp_path):
    d = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "Arguments": "{% $x.y.z() %}",
                "End": True,
                "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}],
            }
        }
    )
    run(tmp_path, d, {})
    assert [e["type"] for e in events(tmp_path)][2:] == [
        "EvaluationFailed",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_a_jsonata_map_over_an_object_input_fails_without_a_location(tmp_path):
    d = jsonata(
        {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            }
        }
    )
    r = run(tmp_path, d, {"a": 1})
    assert (r["error"], r["cause"]) == (
        "States.QueryEvaluationError",
        (
            "An error occurred while executing the state 'M' (entered at the event id #2). "
            'Map state input must be an array but was: {"a":1}'
        ),
    )
    failed = events(tmp_path)[2]
    assert failed["type"] == "EvaluationFailed" and "location" not in details(failed)


def test_an_oversized_output_names_the_state(tmp_path):
    d = jsonata({"A": {"Type": "Pass", "Output": "{% $pad('', 300000, 'x') %}", "End": True}})
    r = run(tmp_path, d, {})
    assert (r["error"], r["cause"]) == (
        "States.DataLimitExceeded",
        (
            "The state/task 'A' returned a result with a size "
            "exceeding the maximum number of bytes service limit."
        ),
    )


def test_a_distributed_map_iteration_sees_its_child_execution_in_the_context(tmp_path):
    d = machine(
        {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "X",
                    "States": {
                        "X": {
                            "Type": "Pass",
                            "End": True,
                            "Parameters": {"e.$": "$$.Execution.Name", "s.$": "$$.State.Name"},
                        }
                    },
                },
            }
        }
    )
    out = output(run(tmp_path, d, [1, 2]))
    names = [item["e"] for item in out]
    assert "exec" not in names and len(set(names)) == 2
    assert [item["s"] for item in out] == ["X", "X"]


def test_a_runtime_error_in_a_branch_is_located_once_at_the_inner_state(tmp_path):
    d = machine(
        {
            "PP": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "X",
                        "States": {
                            "X": {"Type": "Pass", "Parameters": {"a.$": "$.nope"}, "End": True}
                        },
                    }
                ],
            }
        }
    )
    r = run(tmp_path, d, {})
    assert r["error"] == "States.Runtime"
    assert r["cause"].startswith(
        "An error occurred while executing the state 'X' (entered at the event id #4). "
        "The JSONPath '$.nope'"
    )
    assert r["cause"].count("An error occurred") == 1


def test_other_errors_keep_their_cause_as_given(tmp_path):
    r = run(tmp_path, machine({"F": {"Type": "Fail", "Error": "States.Timeout", "Cause": "c"}}))
    assert (r["error"], r["cause"]) == ("States.Timeout", "c")


def test_a_fail_state_raising_states_runtime_is_located(tmp_path):
    r = run(tmp_path, machine({"F": {"Type": "Fail", "Error": "States.Runtime", "Cause": "c"}}))
    assert r["cause"] == (
        "An error occurred while executing the state 'F' (entered at the event id #2). c"
    )


def test_an_oversized_input_fails_on_entering(tmp_path):
    d = machine({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}})
    run(tmp_path, d, {})
    r = api.branch(tmp_path / "db", "exec", 3, name="b", input_override={"t": "x" * 300_000})
    assert (r["status"], r["error"]) == ("FAILED", "States.DataLimitExceeded")
    assert r["cause"] == (
        "The state/task 'B' returned a result with a size exceeding the "
        "maximum number of bytes service limit."
    )


# -- which errors Retry and Catch match -------------------------------------------------------


def _caught(tmp, error: str, error_equals: list[str], *, name: str) -> dict:
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "End": True,
                "Catch": [{"ErrorEquals": error_equals, "Next": "C"}],
            },
            "C": {"Type": "Pass", "Result": "caught", "End": True},
        }
    )
    mocks = mock_config({"T": {"0": {"Throw": {"Error": error, "Cause": "x"}}}})
    return run(tmp, d, {}, mocks=mocks, test_case="t", name=name)


@pytest.mark.parametrize(
    "error, error_equals, caught",
    [
        ("Boom", ["Boom"], True),
        ("Boom", ["Other", "Boom"], True),
        ("Boom", ["boom"], False),
        ("Boom", ["States.ALL"], True),
        ("States.Timeout", ["States.ALL"], True),
        ("States.Runtime", ["States.ALL"], False),
        ("States.Runtime", ["States.Runtime"], False),  # AWS: always fails the execution
        ("Boom", ["States.TaskFailed"], True),
        ("States.Timeout", ["States.TaskFailed"], False),
        ("States.Runtime", ["States.TaskFailed"], False),
        ("States.Timeout", ["States.Timeout"], True),
    ],
)
def test_error_equals_matching(tmp_path, error, error_equals, caught):
    r = _caught(tmp_path, error, error_equals, name="m")
    assert (r["status"] == "SUCCEEDED") is caught
    if caught:
        assert output(r) == "caught"
    else:
        assert r["error"] == error


def test_a_fail_state_without_error_is_matched_only_by_wildcards(tmp_path):
    d = machine(
        {
            "PP": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail"}}}],
                "Catch": [
                    {"ErrorEquals": ["States.TaskFailed"], "Next": "T"},
                    {"ErrorEquals": ["States.ALL"], "Next": "A"},
                ],
            },
            "T": {"Type": "Pass", "Result": "taskfailed", "End": True},
            "A": {"Type": "Pass", "Result": "all", "End": True},
        }
    )
    assert output(run(tmp_path, d, {})) == "all"


def test_catcher_result_path_assign_and_output_shape_what_follows(tmp_path):
    d = machine(
        {
            "PP": {
                "Type": "Parallel",
                "Next": "D",
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "c"}},
                    }
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "D",
                        "ResultPath": "$.err",
                        "Assign": {"e.$": "$.Error"},
                    }
                ],
            },
            "D": {"Type": "Pass", "Parameters": {"in.$": "$", "e.$": "$e"}, "End": True},
        }
    )
    r = run(tmp_path, d, {"k": 1})
    assert output(r) == {"in": {"k": 1, "err": {"Error": "Boom", "Cause": "c"}}, "e": "Boom"}
    exited = next(e for e in events(tmp_path) if e["type"] == "ParallelStateExited")
    assert details(exited)["output"] == '{"k":1,"err":{"Error":"Boom","Cause":"c"}}'
    assert details(exited)["assignedVariables"] == {"e": '"Boom"'}


def test_jsonata_catcher_sees_error_output_and_the_state_input(tmp_path):
    d = jsonata(
        {
            "A": {"Type": "Pass", "Next": "P"},
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "c"}},
                    }
                ],
                "Catch": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "Next": "D",
                        "Output": "{% $states.errorOutput %}",
                        "Assign": {
                            "e": "{% $states.errorOutput.Error %}",
                            "inp": "{% $states.input %}",
                        },
                    }
                ],
            },
            "D": {"Type": "Pass", "Output": "{% [$e, $inp, $states.input] %}", "End": True},
        }
    )
    r = run(tmp_path, d, {"k": 1})
    assert output(r) == ["Boom", {"k": 1}, {"Error": "Boom", "Cause": "c"}]
    kinds = [e["type"] for e in events(tmp_path)]
    assert kinds[5:8] == ["FailStateEntered", "ParallelStateFailed", "ParallelStateExited"]


def test_a_catcher_failing_to_build_its_output_fails_the_execution_located(tmp_path):
    d = jsonata(
        {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "B"}}}],
                "Catch": [
                    {"ErrorEquals": ["States.ALL"], "Next": "D", "Output": "{% $nothing.here %}"}
                ],
            },
            "D": {"Type": "Pass", "End": True},
        }
    )
    r = run(tmp_path, d, {})
    assert r["error"] == "States.QueryEvaluationError"
    assert r["cause"].startswith(
        "An error occurred while executing the state 'P' (entered at the event id #2). "
    )


def test_catch_after_a_retried_state_records_each_attempt(tmp_path):
    d = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "End": True,
                "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}],
                "Catch": [{"ErrorEquals": ["Boom"], "Next": "C"}],
            },
            "C": {"Type": "Pass", "End": True},
        }
    )
    mocks = mock_config({"T": {"0": {"Throw": {"Error": "Boom", "Cause": "x"}}}})
    r = run(tmp_path, d, {"k": 1}, mocks=mocks, test_case="t")
    assert output(r) == {"Error": "Boom", "Cause": "x"}
    kinds = [e["type"] for e in events(tmp_path)]
    assert kinds.count("TaskFailed") == 3 and kinds.count("TaskStateExited") == 1
    assert kinds.count("TaskStateEntered") == 1


def test_a_variable_over_256_kib_is_a_runtime_error(tmp_path):
    limit = 256 * 1024

    def pad(n: int) -> dict:  # a string variable of n bytes as JSON text
        return jsonata(
            {
                "A": {
                    "Type": "Pass",
                    "End": True,
                    "Assign": {"a": "{% $pad('', " + str(n - 2) + ", 'x') %}"},
                }
            }
        )

    assert run(tmp_path, pad(limit), {}, name="ok")["status"] == "SUCCEEDED"
    big = run(tmp_path, pad(limit + 1), {}, name="big")
    assert big["error"] == "States.Runtime"
    assert big["cause"].endswith(
        f"The variable 'a' is {limit + 1} bytes, over the limit of {limit} bytes for a variable."
    )


def test_assign_total_at_the_limit_is_accepted(tmp_path):
    half = "x" * (128 * 1024 - 2)
    d = machine({"P": {"Type": "Pass", "Assign": {"a.$": "$.t", "b.$": "$.t"}, "End": True}})
    assert run(tmp_path, d, {"t": half}, name="ok")["status"] == "SUCCEEDED"
    r = run(tmp_path, d, {"t": half + "x"}, name="over")
    assert r["cause"].endswith(
        f"The variables assigned by this state total {256 * 1024 + 2} "
        f"bytes, over the limit of {256 * 1024} bytes for one Assign."
    )


def test_branch_with_a_new_definition_runs_the_new_states(tmp_path):
    d = machine(
        {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Result": "old", "End": True}}
    )
    run(tmp_path, d, {})
    new = json.dumps(
        machine(
            {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Result": "new", "End": True},
            }
        )
    )
    api.branch(tmp_path / "db", "exec", 3, name="b", definition_text=new)
    assert (
        json.loads(
            api.history(tmp_path / "db", "b")[-1]["executionSucceededEventDetails"]["output"]
        )
        == "new"
    )


def test_an_evaluation_failure_inside_an_iteration_is_recorded_once(tmp_path):
    """The iteration's state records the EvaluationFailed; the Map only fails, once."""
    inner = {
        "StartAt": "X",
        "States": {"X": {"Type": "Pass", "Output": "{% $nope %}", "End": True}},
    }
    d = jsonata({"M": {"Type": "Map", "Items": [1], "ItemProcessor": inner, "End": True}})
    run(tmp_path, d, {})
    assert [e["type"] for e in events(tmp_path)][4:] == [
        "PassStateEntered",
        "EvaluationFailed",
        "MapIterationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_an_evaluation_failure_inside_a_branch_is_recorded_once(tmp_path):
    inner = {
        "StartAt": "X",
        "States": {"X": {"Type": "Pass", "Output": "{% $nope %}", "End": True}},
    }
    d = jsonata({"P": {"Type": "Parallel", "Branches": [inner], "End": True}})
    run(tmp_path, d, {})
    assert [e["type"] for e in events(tmp_path)][3:] == [
        "PassStateEntered",
        "EvaluationFailed",
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_a_task_failing_its_parallel_branch_is_then_aborted(tmp_path):
    """AWS closes the failed Task of a branch with TaskStateAborted (it never exited), on each
    attempt of a retried Parallel; a Fail state has nothing to abort."""
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]
    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "Retry": retry,
                "Branches": [{"StartAt": "T", "States": {"T": task}}],
                "End": True,
            }
        }
    )
    mocks = mock_config({"T": {"0-1": {"Throw": {"Error": "Boom", "Cause": "bad"}}}})
    run(tmp_path, d, {}, mocks=mocks, test_case="t")
    attempt = ["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateAborted"]
    assert [e["type"] for e in events(tmp_path)][1:] == [
        "ParallelStateEntered",
        "ParallelStateStarted",
        *attempt,
        "ParallelStateStarted",
        *attempt,
        "ParallelStateFailed",
        "ExecutionFailed",
    ]


def test_a_task_failing_at_the_top_level_is_not_aborted(tmp_path):
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    mocks = mock_config({"T": {"0": {"Throw": {"Error": "Boom", "Cause": "bad"}}}})
    run(tmp_path, machine({"T": task}), {}, mocks=mocks, test_case="t")
    assert "TaskStateAborted" not in [e["type"] for e in events(tmp_path)]
