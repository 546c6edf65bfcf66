"""Map as the history shows it: MaxConcurrency (on the virtual clock), failure tolerance (in
Distributed mode, the only one AWS applies it in), ItemsPath / ItemSelector / the Map context,
the iteration events and the runtime errors of the Path forms of its numeric fields."""

from __future__ import annotations

from typing import Any

import pytest

from replay import api
from tests.helpers import output, run

# An iteration waits 10 s, or fails with "Bad" for items >= 100.
PROCESSOR = {
    "StartAt": "C",
    "States": {
        "C": {
            "Type": "Choice",
            "Default": "W",
            "Choices": [{"Variable": "$", "NumericGreaterThanEquals": 100, "Next": "F"}],
        },
        "W": {"Type": "Wait", "Seconds": 10, "End": True},
        "F": {"Type": "Fail", "Error": "Bad", "Cause": "too big"},
    },
}
CAUSE = "An error occurred while executing the state 'M' (entered at the event id #2). "


def run_map(
    tmp, fields: dict, input_value: Any, name: str = "exec", distributed: bool = False
) -> dict:
    processor = PROCESSOR
    if distributed:  # failure tolerance is a Distributed Map feature
        processor = {
            **PROCESSOR,
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        }
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "ItemProcessor": processor,
                **fields,
            }
        },
    }
    return run(tmp, d, input_value, name=name)


def seconds_taken(result: dict) -> int:
    return int(result["stopDate"][17:19]) + 60 * int(result["stopDate"][14:16])


@pytest.mark.parametrize(
    "fields, taken",
    [
        ({}, 10),
        ({"MaxConcurrency": 0}, 10),
        ({"MaxConcurrency": 1}, 40),
        ({"MaxConcurrency": 2}, 20),
        ({"MaxConcurrency": 3}, 20),
        ({"MaxConcurrency": 4}, 10),
        ({"MaxConcurrencyPath": "$.c"}, 20),
    ],
)
def test_max_concurrency_limits_the_iterations_in_flight(tmp_path, fields, taken):
    r = run_map(tmp_path, fields, {"items": [1, 2, 3, 4], "c": 2})
    assert (r["status"], output(r)) == ("SUCCEEDED", [1, 2, 3, 4])
    assert seconds_taken(r) == taken


def test_max_concurrency_path_accepts_a_number_written_as_a_string(tmp_path):
    r = run_map(tmp_path, {"MaxConcurrencyPath": "$.c"}, {"items": [1, 2, 3, 4], "c": "1"})
    assert (r["status"], seconds_taken(r)) == ("SUCCEEDED", 40)


@pytest.mark.parametrize(
    "fields, value, cause",
    [
        (
            {"MaxConcurrencyPath": "$.c"},
            "x",
            'The MaxConcurrencyPath field refers to value "x" which is not a valid integer: $.c',
        ),
        (
            {"MaxConcurrencyPath": "$.c"},
            1.5,
            'The MaxConcurrencyPath field refers to value "1.5" which is not a valid integer: $.c',
        ),
        (
            {"MaxConcurrencyPath": "$.c"},
            True,
            'The MaxConcurrencyPath field refers to value "true" which is not a valid integer: $.c',
        ),
        (
            {"MaxConcurrencyPath": "$.c"},
            [1],
            'The MaxConcurrencyPath field refers to value "[1]" which is not a valid integer: $.c',
        ),
        (
            {"MaxConcurrencyPath": "$.nope"},
            1,
            "The MaxConcurrencyPath field refers to a path that does not exist: $.nope",
        ),
        (
            {"ToleratedFailurePercentagePath": "$.c"},
            "x",
            (
                'The ToleratedFailurePercentagePath field refers to value "x" which is not a valid '
                "float: $.c"
            ),
        ),
        (
            {"ToleratedFailurePercentagePath": "$.c"},
            150,
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        (
            {"ToleratedFailurePercentagePath": "$.c"},
            -1,
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
        ({"ToleratedFailureCountPath": "$.c"}, -2, "ToleratedFailureCount cannot be negative."),
        (
            {"ToleratedFailureCountPath": "$.c"},
            0.5,
            (
                'The ToleratedFailureCountPath field refers to value "0.5" which is not a valid '
                "integer: $.c"
            ),
        ),
    ],
)
def test_path_fields_reject_unusable_values(tmp_path, fields, value, cause):
    r = run_map(tmp_path, fields, {"items": [1], "c": value})
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "States.Runtime", CAUSE + cause)


@pytest.mark.parametrize(
    "fields, value",
    [
        ({"ToleratedFailurePercentagePath": "$.c"}, 0),
        ({"ToleratedFailurePercentagePath": "$.c"}, 100),
        ({"ToleratedFailurePercentagePath": "$.c"}, "12.5"),
        ({"ToleratedFailureCountPath": "$.c"}, 3.0),
    ],
)
def test_path_fields_accept_boundary_values(tmp_path, fields, value):
    assert run_map(tmp_path, fields, {"items": [1], "c": value})["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    "fields, items, succeeded",
    [
        ({"ToleratedFailureCount": 1}, [1, 100, 2], True),
        ({"ToleratedFailureCount": 1}, [1, 100, 100], False),
        ({"ToleratedFailureCount": 2}, [100, 100, 2], True),
        ({"ToleratedFailureCountPath": "$.n"}, [100, 100, 2], True),
        ({"ToleratedFailurePercentage": 50}, [1, 100, 2, 100], True),
        ({"ToleratedFailurePercentage": 50}, [100, 100, 2, 100], False),
        ({"ToleratedFailurePercentage": 25}, [1, 100, 2, 3], True),
        ({"ToleratedFailurePercentage": 24}, [1, 100, 2, 3], False),
        ({"ToleratedFailurePercentage": 100}, [100, 100], True),
        ({"ToleratedFailureCount": 1, "ToleratedFailurePercentage": 50}, [100, 100, 1, 2], True),
        ({"ToleratedFailureCount": 2, "ToleratedFailurePercentage": 10}, [100, 100, 1, 2], True),
    ],
)
def test_tolerated_failures(tmp_path, fields, items, succeeded):
    r = run_map(tmp_path, fields, {"items": items, "n": 2}, distributed=True)
    if succeeded:
        assert r["status"] == "SUCCEEDED"
        assert output(r) == [None if i >= 100 else i for i in items]
    else:
        assert (r["error"], r["cause"]) == (
            "States.ExceedToleratedFailureThreshold",
            ("The specified tolerated failure threshold was exceeded"),
        )


def test_an_inline_map_fails_with_its_first_failed_iteration(tmp_path):
    r = run_map(tmp_path, {}, {"items": [1, 100]})
    assert (r["error"], r["cause"]) == ("Bad", "too big")


def test_iteration_events_name_the_map_and_the_index(tmp_path):
    run_map(tmp_path, {"MaxConcurrency": 1}, {"items": [1, 100]})
    shown = [
        (e["type"], e.get(key))
        for e in api.history(tmp_path / "db", "exec")
        for key in [next((k for k in e if k.endswith("EventDetails")), None)]
        if e["type"].startswith("Map") and e["type"] != "MapStateEntered"
    ]
    assert shown == [
        ("MapStateStarted", {"length": 2}),
        ("MapIterationStarted", {"index": 0, "name": "M"}),
        ("MapIterationSucceeded", {"index": 0, "name": "M"}),
        ("MapIterationStarted", {"index": 1, "name": "M"}),
        ("MapIterationFailed", {"index": 1, "name": "M"}),
        ("MapStateFailed", None),
    ]


def test_item_selector_sees_the_map_context_and_the_selected_input(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "End": True,
                "InputPath": "$.in",
                "ItemSelector": {
                    "i.$": "$$.Map.Item.Index",
                    "v.$": "$$.Map.Item.Value",
                    "k.$": "$.k",
                    "s.$": "$$.State.Name",
                },
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            }
        },
    }
    r = run(tmp_path, d, {"in": {"k": 0, "items": [5, 6]}})
    assert output(r) == [{"i": 0, "v": 5, "k": 0, "s": "M"}, {"i": 1, "v": 6, "k": 0, "s": "M"}]


def test_a_failing_item_selector_fails_its_iteration(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemSelector": {"x.$": "$.nope"},
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            }
        },
    }
    r = run(tmp_path, d, [1])
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    types = [e["type"] for e in api.history(tmp_path / "db", "exec")]
    assert types[2:] == [
        "MapStateStarted",
        "MapIterationStarted",
        "MapIterationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_a_jsonpath_map_over_a_non_array_is_a_runtime_error(tmp_path):
    r = run_map(tmp_path, {}, {"items": {"a": 1}})
    assert (r["error"], r["cause"]) == (
        "States.Runtime",
        CAUSE + 'Map state input must be an array but was: {"a":1}',
    )


def test_map_result_goes_through_result_selector_and_assign(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Next": "P",
                "ResultSelector": {"n.$": "States.ArrayLength($)"},
                "Assign": {"all.$": "$"},
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            },
            "P": {"Type": "Pass", "Parameters": {"all.$": "$all", "out.$": "$"}, "End": True},
        },
    }
    assert output(run(tmp_path, d, [1, 2])) == {"all": [1, 2], "out": {"n": 2}}


def test_state_at_an_event_names_each_branch_and_iteration_frame(tmp_path):
    d = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
                    {
                        "StartAt": "M",
                        "States": {
                            "M": {
                                "Type": "Map",
                                "End": True,
                                "ItemProcessor": {
                                    "StartAt": "W",
                                    "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}},
                                },
                            }
                        },
                    },
                ],
            }
        },
    }
    run(tmp_path, d, [1, 2])
    events = api.history(tmp_path / "db", "exec")
    last_wait = [e["id"] for e in events if e["type"] == "WaitStateEntered"][-1]
    active = api.state(tmp_path / "db", "exec", last_wait)["active"]
    assert [(a["frame"], a["state"]) for a in active] == [
        ("(root)", "P"),
        ("P#1", "M"),
        ("P#1/M#0", "W"),
        ("P#1/M#1", "W"),
    ]


def test_failed_and_aborted_iterations_name_the_map_and_the_index(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemSelector": {"x.$": "States.ArrayGetItem($.a, $$.Map.Item.Index)"},
                "ItemsPath": "$.items",
                "ItemProcessor": {
                    "StartAt": "W",
                    "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}},
                },
            }
        },
    }
    r = run(tmp_path, d, {"a": [1], "items": [0, 1]})
    assert r["error"] == "States.IntrinsicFailure"
    assert r["cause"].endswith("the index 1 is out of bounds for an array of length 1")
    shown = [
        (e["type"], next((v for k, v in e.items() if k.endswith("EventDetails")), None))
        for e in api.history(tmp_path / "db", "exec")
    ]
    assert ("MapIterationFailed", {"index": 1, "name": "M"}) in shown
    assert ("MapIterationAborted", {"index": 0, "name": "M"}) in shown


def test_item_selector_sees_variables_and_the_seeded_source(tmp_path):
    d = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"v": 7}, "Next": "M"},
            "M": {
                "Type": "Map",
                "End": True,
                "ItemSelector": {"v.$": "$v", "r.$": "States.MathRandom(1, 2)"},
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            },
        },
    }
    assert output(run(tmp_path, d, [0])) == [{"v": 7, "r": 1}]


@pytest.mark.parametrize("value, succeeded", [("12.5", True), (12.4, False), (100.5, None)])
def test_a_fractional_tolerated_percentage_is_kept(tmp_path, value, succeeded):
    items = [100] + [1] * 7  # one failure in eight is 12.5 %
    r = run_map(
        tmp_path,
        {"ToleratedFailurePercentagePath": "$.p"},
        {"items": items, "p": value},
        distributed=True,
    )
    if succeeded is None:
        assert r["cause"] == CAUSE + "ToleratedFailurePercentage must be between 0 and 100."
    else:
        assert (r["status"] == "SUCCEEDED") is succeeded


def test_an_integer_field_does_not_take_a_float_text(tmp_path):
    r = run_map(tmp_path, {"MaxConcurrencyPath": "$.c"}, {"items": [1], "c": "1e1"})
    assert r["cause"] == CAUSE + (
        'The MaxConcurrencyPath field refers to value "1e1" which is not a valid integer: $.c'
    )


def test_a_succeeded_map_links_its_end_to_the_last_iteration_event(tmp_path):
    run_map(tmp_path, {"MaxConcurrency": 0}, {"items": [1, 2]})
    links = [
        (e["id"], e["previousEventId"], e["type"]) for e in api.history(tmp_path / "db", "exec")
    ]
    last_iteration = max(i for i, _, t in links if t == "MapIterationSucceeded")
    assert links[-3:] == [
        (last_iteration + 1, last_iteration, "MapStateSucceeded"),
        (last_iteration + 2, last_iteration + 1, "MapStateExited"),
        (last_iteration + 3, last_iteration + 2, "ExecutionSucceeded"),
    ]
