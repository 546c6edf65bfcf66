"""Pass, Succeed, Fail, Choice and Parallel as a user sees them: outputs, errors and causes,
assigned variables and the events each records."""

from __future__ import annotations

from typing import Any

from replay import api
from tests.helpers import output, run


def machine(states: dict, **extra: Any) -> dict:
    return {"StartAt": next(iter(states)), "States": states, **extra}


def jsonata(states: dict) -> dict:
    return machine(states, QueryLanguage="JSONata")


def types(tmp, name: str = "exec") -> list[str]:
    return [e["type"] for e in api.history(tmp / "db", name)]


def test_pass_result_replaces_the_effective_input_and_assign_sees_the_result(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Pass",
                "InputPath": "$.in",
                "Result": {"r": 1},
                "ResultPath": "$.out",
                "Assign": {"got.$": "$.r"},
                "Next": "Q",
            },
            "Q": {"Type": "Pass", "Parameters": {"got.$": "$got", "all.$": "$"}, "End": True},
        }
    )
    r = run(tmp_path, d, {"in": {"x": 0}})
    assert output(r) == {"got": 1, "all": {"in": {"x": 0}, "out": {"r": 1}}}


def test_pass_without_result_passes_the_parameters_on(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Pass",
                "Parameters": {"v.$": "$.a"},
                "Assign": {"k.$": "$.v"},
                "Next": "Q",
            },
            "Q": {"Type": "Pass", "Parameters": {"k.$": "$k", "in.$": "$"}, "End": True},
        }
    )
    assert output(run(tmp_path, d, {"a": 5})) == {"k": 5, "in": {"v": 5}}


def test_succeed_applies_its_paths_and_assign(tmp_path):
    d = machine({"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}})
    r = run(tmp_path, d, {"a": {"b": 1}})
    assert (r["status"], output(r)) == ("SUCCEEDED", 1)
    assert types(tmp_path) == [
        "ExecutionStarted",
        "SucceedStateEntered",
        "SucceedStateExited",
        "ExecutionSucceeded",
    ]


def test_jsonata_succeed_output_and_assign(tmp_path):
    d = jsonata(
        {
            "A": {"Type": "Pass", "Next": "S"},
            "S": {"Type": "Succeed", "Output": "{% $states.input.a * 2 %}"},
        }
    )
    assert output(run(tmp_path, d, {"a": 4})) == 8


def test_fail_reads_error_and_cause_from_paths(tmp_path):
    d = machine(
        {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('c{}', $.n)"}}
    )
    r = run(tmp_path, d, {"e": "E1", "n": 2})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "E1", "c2")


def test_jsonata_fail_error_and_cause(tmp_path):
    d = jsonata(
        {
            "F": {
                "Type": "Fail",
                "Error": "{% $states.input.e %}",
                "Cause": "{% 'x' & $states.input.e %}",
            }
        }
    )
    r = run(tmp_path, d, {"e": "E1"})
    assert (r["error"], r["cause"]) == ("E1", "xE1")


def test_fail_without_error_or_cause(tmp_path):
    r = run(tmp_path, machine({"F": {"Type": "Fail"}}), {})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", None, None)
    failed = api.history(tmp_path / "db", "exec")[-1]
    assert failed["executionFailedEventDetails"] == {}


def test_choice_takes_the_first_rule_that_holds(tmp_path):
    d = machine(
        {
            "C": {
                "Type": "Choice",
                "Default": "D",
                "Choices": [
                    {"Variable": "$.a", "NumericGreaterThan": 5, "Next": "Big"},
                    {"Variable": "$.a", "NumericGreaterThan": 1, "Next": "Mid"},
                ],
            },
            "Big": {"Type": "Pass", "Result": "big", "End": True},
            "Mid": {"Type": "Pass", "Result": "mid", "End": True},
            "D": {"Type": "Pass", "Result": "default", "End": True},
        }
    )
    got = [output(run(tmp_path, d, {"a": a}, name=f"a{a}")) for a in (9, 3, 0)]
    assert got == ["big", "mid", "default"]


def test_choice_output_is_the_effective_input_through_output_path(tmp_path):
    d = machine(
        {
            "C": {
                "Type": "Choice",
                "InputPath": "$.in",
                "OutputPath": "$.v",
                "Choices": [{"Variable": "$.v", "IsPresent": True, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    assert output(run(tmp_path, d, {"in": {"v": 3}})) == 3


def test_no_matching_choice_and_no_default_fails(tmp_path):
    d = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    r = run(tmp_path, d, {"a": 2})
    assert (r["error"], r["cause"]) == ("States.NoChoiceMatched", "No Matches!")


def test_jsonata_choice_state_and_rule_assign_and_rule_output(tmp_path):
    d = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Default": "D",
                "Assign": {"s": "{% $states.input.a %}"},
                "Choices": [
                    {
                        "Condition": "{% $states.input.a = 1 %}",
                        "Next": "E",
                        "Assign": {"r": "{% $states.input.a + 10 %}"},
                        "Output": "{% {'in': $states.input} %}",
                    }
                ],
            },
            "E": {"Type": "Pass", "Output": "{% [$states.input, $r, $s] %}", "End": True},
            "D": {"Type": "Pass", "Output": "{% [$states.input, $s] %}", "End": True},
        }
    )
    assert output(run(tmp_path, d, {"a": 1}, name="hit")) == [{"in": {"a": 1}}, 11, 1]
    assert output(run(tmp_path, d, {"a": 2}, name="miss")) == [{"a": 2}, 2]
    exited = api.history(tmp_path / "db", "hit")[2]["stateExitedEventDetails"]
    assert exited["assignedVariables"] == {"r": "11", "s": "1"}


def test_jsonpath_choice_rule_assign(tmp_path):
    d = machine(
        {
            "C": {
                "Type": "Choice",
                "Default": "E",
                "Choices": [
                    {"Variable": "$.a", "NumericEquals": 1, "Next": "E", "Assign": {"hit.$": "$.a"}}
                ],
            },
            "E": {"Type": "Pass", "Parameters": {"hit.$": "$hit"}, "End": True},
        }
    )
    assert output(run(tmp_path, d, {"a": 1})) == {"hit": 1}


def test_parallel_gives_each_branch_the_effective_input_and_collects_in_order(tmp_path):
    branch = [
        {
            "StartAt": f"W{i}",
            "States": {
                f"W{i}": {"Type": "Wait", "Seconds": 5 - i, "OutputPath": "$.v", "End": True}
            },
        }
        for i in range(3)
    ]
    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "InputPath": "$.in",
                "Branches": branch,
                "ResultSelector": {"all.$": "$"},
                "ResultPath": "$.out",
                "Assign": {"n.$": "States.ArrayLength($)"},
                "Next": "Q",
            },
            "Q": {"Type": "Pass", "Parameters": {"n.$": "$n", "out.$": "$.out"}, "End": True},
        }
    )
    r = run(tmp_path, d, {"in": {"v": 7}})
    assert output(r) == {"n": 3, "out": {"all": [7, 7, 7]}}
    assert r["stopDate"].startswith("2026-01-01T00:00:05")  # branches wait side by side
    t = types(tmp_path)
    assert t[1:3] == ["ParallelStateEntered", "ParallelStateStarted"]
    assert t[-5:-3] == ["ParallelStateSucceeded", "ParallelStateExited"]


def test_jsonpath_choice_state_assign_and_default_output_path(tmp_path):
    d = machine(
        {
            "C": {
                "Type": "Choice",
                "Default": "E",
                "Assign": {"s.$": "$.a"},
                "OutputPath": "$.b",
                "Choices": [{"Variable": "$.a", "NumericEquals": 1, "Next": "E"}],
            },
            "E": {"Type": "Pass", "Parameters": {"s.$": "$s", "in.$": "$"}, "End": True},
        }
    )
    assert output(run(tmp_path, d, {"a": 2, "b": [0]})) == {"s": 2, "in": [0]}


def test_jsonata_choice_state_output_on_both_branches(tmp_path):
    d = jsonata(
        {
            "C": {
                "Type": "Choice",
                "Default": "E",
                "Output": "{% $states.input.a + 1 %}",
                "Choices": [{"Condition": "{% $states.input.a = 1 %}", "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        }
    )
    assert output(run(tmp_path, d, {"a": 1}, name="rule")) == 2
    assert output(run(tmp_path, d, {"a": 5}, name="default")) == 6


def test_parallel_events_link_to_the_last_event_of_the_branches(tmp_path):
    d = machine(
        {
            "P": {
                "Type": "Parallel",
                "Next": "N",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 2, "End": True}}},
                    {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
                ],
            },
            "N": {"Type": "Pass", "End": True},
        }
    )
    run(tmp_path, d, {})
    links = [
        (e["id"], e["previousEventId"], e["type"]) for e in api.history(tmp_path / "db", "exec")
    ]
    assert links[1:10] == [
        (2, 0, "ParallelStateEntered"),
        (3, 2, "ParallelStateStarted"),
        (4, 3, "WaitStateEntered"),
        (5, 3, "PassStateEntered"),
        (6, 5, "PassStateExited"),
        (7, 4, "WaitStateExited"),
        (8, 7, "ParallelStateSucceeded"),
        (9, 8, "ParallelStateExited"),
        (10, 9, "PassStateEntered"),
    ]


def test_jsonata_wait_output_reads_the_state_input(tmp_path):
    d = machine(
        {"W": {"Type": "Wait", "Seconds": 1, "End": True, "Output": "{% $states.input.n %}"}},
        QueryLanguage="JSONata",
    )
    assert output(run(tmp_path, d, {"n": 4})) == 4
