"""The Developer Guide's rules for the inline Map state and the Parallel state, one test per
rule, through `replay.api.run`. (Distributed Map limits are another helper's part.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from replay import api
from replay.asl.validate import validate_definition
from tests.helpers import output, run, types

PASS = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}


def wait_processor(seconds: int = 5) -> dict:
    return {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}


def fail_on_one() -> dict:
    """Fails for the item 1, waits 10 s for the others."""
    return {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Default": "W",
                "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "F"}],
            },
            "F": {"Type": "Fail", "Error": "Bad", "Cause": "one"},
            "W": {"Type": "Wait", "Seconds": 10, "End": True},
        },
    }


def map_machine(processor: dict = PASS, **fields: Any) -> dict:
    return {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}},
    }


def seconds(description: dict) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(description["startDate"])
    return (datetime.fromisoformat(description["stopDate"]) - start).total_seconds()


def test_items_path_selects_the_array(tmp_path: Path) -> None:
    """ItemsPath selects the array to iterate over (default `$`)."""
    r = run(tmp_path, map_machine(ItemsPath="$.xs"), {"xs": [1, 2], "y": 0})
    assert output(r) == [1, 2]
    assert output(run(tmp_path, map_machine(), [3], name="root")) == [3]


def test_items_path_not_an_array_is_a_runtime_error(tmp_path: Path) -> None:
    """The items must be a JSON array; anything else fails with States.Runtime."""
    r = run(tmp_path, map_machine(ItemsPath="$.xs"), {"xs": {"k": 1}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert r["cause"].endswith('Map state input must be an array but was: {"k":1}')


def test_empty_array_gives_an_empty_result(tmp_path: Path) -> None:
    """No items: no iteration runs and the Map's result is []."""
    r = run(tmp_path, map_machine(), [])
    assert output(r) == [] and "MapIterationStarted" not in types(tmp_path)


def test_results_keep_the_item_order(tmp_path: Path) -> None:
    """The Map's result is an array with each iteration's output at its item's index, whatever
    order they finish in."""
    processor = {
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}},
    }
    items = [{"s": 30}, {"s": 1}, {"s": 10}]
    assert output(run(tmp_path, map_machine(processor), items)) == items


def test_item_selector_sees_the_item_its_index_and_the_state_input(tmp_path: Path) -> None:
    """ItemSelector builds each iteration's input: `$$.Map.Item.Value`, `$$.Map.Item.Index`,
    and `$` the Map state's input."""
    selector = {"v.$": "$$.Map.Item.Value", "i.$": "$$.Map.Item.Index", "c.$": "$.c"}
    r = run(
        tmp_path, map_machine(ItemsPath="$.xs", ItemSelector=selector), {"xs": ["p", "q"], "c": 7}
    )
    assert output(r) == [{"v": "p", "i": 0, "c": 7}, {"v": "q", "i": 1, "c": 7}]


def test_max_concurrency_one_runs_iterations_one_at_a_time(tmp_path: Path) -> None:
    """MaxConcurrency 1: iterations run in sequence."""
    r = run(tmp_path, map_machine(wait_processor(), MaxConcurrency=1), [1, 2, 3])
    assert seconds(r) == 15


def test_max_concurrency_zero_sets_no_limit(tmp_path: Path) -> None:
    """MaxConcurrency 0 (the default): no limit on parallel iterations."""
    r = run(tmp_path, map_machine(wait_processor(), MaxConcurrency=0), [1, 2, 3])
    assert seconds(r) == 5


def test_max_concurrency_bounds_the_running_iterations(tmp_path: Path) -> None:
    """MaxConcurrency N: at most N iterations at once (3 items, N=2: two rounds)."""
    r = run(tmp_path, map_machine(wait_processor(), MaxConcurrency=2), [1, 2, 3])
    assert seconds(r) == 10


def test_negative_max_concurrency_is_rejected() -> None:
    """MaxConcurrency must be a non-negative integer."""
    diagnostics = validate_definition(map_machine(MaxConcurrency=-1))
    assert [d.pointer for d in diagnostics] == ["/States/M/MaxConcurrency"]


def test_a_failed_iteration_fails_the_map_and_aborts_the_others(tmp_path: Path) -> None:
    """An iteration's failure fails the Map state with that error; the running iterations
    are stopped."""
    r = run(tmp_path, map_machine(fail_on_one()), [0, 1, 2])
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Bad", "one")
    assert seconds(r) == 0
    assert "MapIterationAborted" in types(tmp_path)


def test_tolerated_failures_do_not_apply_to_an_inline_map(tmp_path: Path) -> None:
    """ToleratedFailureCount/Percentage are Distributed Map settings: an inline Map still
    fails with its first failed iteration."""
    for name, field in (
        ("count", {"ToleratedFailureCount": 5}),
        ("percentage", {"ToleratedFailurePercentage": 100}),
    ):
        r = run(tmp_path, map_machine(fail_on_one(), **field), [0, 1, 2], name=name)
        assert (r["status"], r["error"]) == ("FAILED", "Bad"), name


def test_map_catch_handles_an_iteration_failure(tmp_path: Path) -> None:
    """Catch is available on Map states."""
    d = map_machine(fail_on_one(), Catch=[{"ErrorEquals": ["Bad"], "Next": "Done"}])
    d["States"]["M"].pop("End")
    d["States"]["M"]["Next"] = "Done"
    d["States"]["Done"] = {"Type": "Pass", "End": True}
    assert output(run(tmp_path, d, [1])) == {"Error": "Bad", "Cause": "one"}


def test_map_result_selector_and_result_path(tmp_path: Path) -> None:
    """ResultSelector and ResultPath apply to the array of iteration results."""
    r = run(
        tmp_path,
        map_machine(ItemsPath="$.xs", ResultSelector={"n.$": "$[1]"}, ResultPath="$.out"),
        {"xs": [4, 5]},
    )
    assert output(r) == {"xs": [4, 5], "out": {"n": 5}}


# --- Parallel -------------------------------------------------------------------------------


def parallel(*branches: dict, **fields: Any) -> dict:
    return {
        "StartAt": "P",
        "States": {"P": {"Type": "Parallel", "Branches": list(branches), "End": True, **fields}},
    }


def test_parallel_output_is_the_branch_outputs_in_branch_order(tmp_path: Path) -> None:
    """Each branch gets the state's effective input; the result is the array of branch
    outputs, in the order of Branches."""
    slow = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 9, "Next": "R"},
            "R": {"Type": "Pass", "Result": "slow", "End": True},
        },
    }
    fast = {"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.a", "End": True}}}
    assert output(run(tmp_path, parallel(slow, fast), {"a": 1})) == ["slow", 1]


def test_a_failed_branch_fails_the_parallel_and_stops_the_others(tmp_path: Path) -> None:
    """If any branch fails, the Parallel state fails with its error and the other branches
    are stopped."""
    bad = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "x"}}}
    r = run(tmp_path, parallel(bad, wait_processor(10)), {})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "Bad", "x")
    assert seconds(r) == 0
    events = types(tmp_path)
    assert "WaitStateAborted" in events and "ParallelStateFailed" in events


def test_parallel_catch_gets_the_branch_error(tmp_path: Path) -> None:
    """Catch on a Parallel state handles a branch's error."""
    bad = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "x"}}}
    d = parallel(bad, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Done"}])
    d["States"]["P"].pop("End")
    d["States"]["P"]["Next"] = "Done"
    d["States"]["Done"] = {"Type": "Pass", "End": True}
    r = run(tmp_path, d, {})
    assert output(r) == {"Error": "Bad", "Cause": "x"}
    assert api.history(tmp_path / "db", "exec")[-1]["type"] == "ExecutionSucceeded"


def test_items_path_applies_after_input_path(tmp_path: Path) -> None:
    """ItemsPath is read from the effective input, i.e. after InputPath."""
    r = run(tmp_path, map_machine(InputPath="$.a", ItemsPath="$.xs"), {"a": {"xs": [1, 2]}})
    assert output(r) == [1, 2]


def test_items_path_that_selects_nothing_is_a_runtime_error(tmp_path: Path) -> None:
    """A reference path that matches nothing fails the state with States.Runtime."""
    r = run(tmp_path, map_machine(ItemsPath="$.nope"), {})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert "'$.nope' specified for the field 'ItemsPath' could not be found" in r["cause"]


def test_iterator_and_parameters_are_the_older_names(tmp_path: Path) -> None:
    """`Iterator` and `Parameters` are the deprecated names of ItemProcessor and ItemSelector,
    still accepted."""
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Iterator": PASS,
                "End": True,
                "Parameters": {"v.$": "$$.Map.Item.Value"},
            }
        },
    }
    assert output(run(tmp_path, d, [1, 2])) == [{"v": 1}, {"v": 2}]


def test_the_guides_map_example_with_parameters(tmp_path: Path) -> None:
    """The guide's "Map State Example With Parameters": InputPath `$.detail`, ItemsPath
    `$.shipped`, Parameters with `$$.Map.Item.Value` and `$.delivery-partner`, and ResultPath
    `$.detail.shipped` overwriting the array in the (whole) input with the results."""
    shipped = [
        {"prod": "R31", "dest-code": 9511, "quantity": 1344},
        {"prod": "S39", "dest-code": 9511, "quantity": 40},
    ]
    state_input = {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {"delivery-partner": "UQS", "shipped": shipped},
    }
    validate = {
        "StartAt": "Validate",
        "States": {
            "Validate": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:ship-val",
                "End": True,
            }
        },
    }
    d = {
        "StartAt": "Validate-All",
        "States": {
            "Validate-All": {
                "Type": "Map",
                "InputPath": "$.detail",
                "ItemsPath": "$.shipped",
                "MaxConcurrency": 0,
                "ResultPath": "$.detail.shipped",
                "Iterator": validate,
                "End": True,
                "Parameters": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner"},
            }
        },
    }
    r = run(tmp_path, d, state_input, handlers={"Validate": lambda value, context: value})
    assert output(r) == {
        "ship-date": "2016-03-14T01:59:00Z",
        "detail": {
            "delivery-partner": "UQS",
            "shipped": [{"parcel": item, "courier": "UQS"} for item in shipped],
        },
    }


def test_iterator_states_transition_only_to_each_other() -> None:
    """States within an Iterator can only transition to each other."""
    inner = {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "After"}}}
    d = {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemProcessor": inner, "Next": "After"},
            "After": {"Type": "Succeed"},
        },
    }
    pointers = [x.pointer for x in validate_definition(d)]
    assert pointers == ["/States/M/ItemProcessor/States/X/Next"]
