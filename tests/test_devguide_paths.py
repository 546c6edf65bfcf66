"""The Developer Guide's rules for JSONPath input and output processing (InputPath,
Parameters, ResultSelector, ResultPath, OutputPath), one test per rule, through `replay.api.run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import mock_config, output, run

LAMBDA = "arn:aws:states:::lambda:invoke"


def pass_state(input_value: Any, tmp: Path, name: str = "exec", **fields: Any) -> dict:
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True, **fields}}}
    return run(tmp, definition, input_value, name=name)


def task_state(input_value: Any, result: Any, tmp: Path, **fields: Any) -> dict:
    definition = {
        "StartAt": "T",
        "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}},
    }
    return run(
        tmp,
        definition,
        input_value,
        mocks=mock_config({"T": {"0": {"Return": result}}}),
        test_case="t",
    )


def test_input_path_selects_the_effective_input(tmp_path: Path) -> None:
    """InputPath selects the part of the state input the state works on."""
    assert output(pass_state({"a": {"b": 1}, "c": 2}, tmp_path, InputPath="$.a")) == {"b": 1}


def test_input_path_null_gives_an_empty_object(tmp_path: Path) -> None:
    """InputPath null: the input is discarded and the state sees {}."""
    assert output(pass_state({"a": 1}, tmp_path, InputPath=None)) == {}


def test_output_path_null_gives_an_empty_object(tmp_path: Path) -> None:
    """OutputPath null: the state's output is {}."""
    assert output(pass_state({"a": 1}, tmp_path, OutputPath=None)) == {}


def test_output_path_selects_from_the_combined_output(tmp_path: Path) -> None:
    """OutputPath selects a portion of the state output (after ResultPath)."""
    r = pass_state({"a": 1}, tmp_path, Result={"x": 5}, ResultPath="$.r", OutputPath="$.r.x")
    assert output(r) == 5


def test_result_path_default_replaces_the_input(tmp_path: Path) -> None:
    """ResultPath `$` (the default): the result becomes the output."""
    assert output(pass_state({"a": 1}, tmp_path, Result={"r": 2})) == {"r": 2}


def test_result_path_null_discards_the_result(tmp_path: Path) -> None:
    """ResultPath null: the result is discarded and the input passes through."""
    assert output(pass_state({"a": 1}, tmp_path, Result={"r": 2}, ResultPath=None)) == {"a": 1}


def test_result_path_adds_the_result_to_the_input(tmp_path: Path) -> None:
    """ResultPath `$.x`: the result is placed in the input at x, creating missing objects and
    overwriting what was there."""
    r = pass_state({"a": 1, "x": {"old": True}}, tmp_path, Result=2, ResultPath="$.x.y")
    assert output(r) == {"a": 1, "x": {"old": True, "y": 2}}
    r = pass_state({"a": 1}, tmp_path, name="b", Result=2, ResultPath="$.a")
    assert output(r) == {"a": 2}


def test_result_path_applies_to_the_raw_input_not_the_input_path_one(tmp_path: Path) -> None:
    """ResultPath combines the result with the state's original input, whatever InputPath
    selected."""
    r = pass_state({"a": {"k": 1}, "b": 2}, tmp_path, InputPath="$.a", ResultPath="$.r")
    assert output(r) == {"a": {"k": 1}, "b": 2, "r": {"k": 1}}


def test_result_path_on_a_non_object_is_a_result_path_match_failure(tmp_path: Path) -> None:
    """States.ResultPathMatchFailure: ResultPath cannot be applied to the input received."""
    r = pass_state([1, 2], tmp_path, Result=1, ResultPath="$.x")
    assert (r["status"], r["error"]) == ("FAILED", "States.ResultPathMatchFailure")
    assert r["cause"] == "Unable to apply ResultPath '$.x' to input '[1,2]'"


def test_parameters_dollar_fields_select_and_others_are_literal(tmp_path: Path) -> None:
    """Parameters: a key ending in `.$` takes the value its path selects (from the effective
    input or, with `$$`, the Context object); other keys are literal, even if they look like
    paths."""
    r = pass_state(
        {"a": 1},
        tmp_path,
        Parameters={
            "v.$": "$.a",
            "lit": "$.a",
            "name.$": "$$.Execution.Name",
            "all.$": "$",
            "nested": {"w.$": "$.a"},
        },
    )
    assert output(r) == {"v": 1, "lit": "$.a", "name": "exec", "all": {"a": 1}, "nested": {"w": 1}}


def test_parameters_see_the_input_path_selection(tmp_path: Path) -> None:
    """InputPath is applied before Parameters."""
    r = pass_state({"a": {"b": 3}}, tmp_path, InputPath="$.a", Parameters={"v.$": "$.b"})
    assert output(r) == {"v": 3}


def test_parameters_path_that_selects_nothing_is_a_runtime_error(tmp_path: Path) -> None:
    """A `.$` path that matches nothing fails the state with States.Runtime (AWS's cause,
    recorded in the corpus: "The JSONPath ... specified for the field ... could not be found
    in the input ...")."""
    r = pass_state({"a": 1}, tmp_path, Parameters={"v.$": "$.nope"})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert r["cause"].endswith(
        "The JSONPath '$.nope' specified for the field 'v.$' could not "
        "be found in the input '{\"a\":1}'"
    )


def test_input_path_that_selects_nothing_is_a_runtime_error(tmp_path: Path) -> None:
    """An InputPath or OutputPath that matches nothing fails with States.Runtime (AWS's cause:
    "Invalid path '$.x' : No results for path: $['x']", recorded in the corpus)."""
    for field in ("InputPath", "OutputPath"):
        r = pass_state({"a": 1}, tmp_path, name=field, **{field: "$.nope"})
        assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
        assert r["cause"].endswith("Invalid path '$.nope' : No results for path: $['nope']")


def test_a_name_missing_before_the_last_step_is_named_in_the_cause(tmp_path: Path) -> None:
    """Jayway's own wording when a path stops before its last name: "Missing property in path"
    up to the missing name; a missing last name is "No results for path" with the whole path."""
    r = pass_state({"a": {"b": 1}}, tmp_path, OutputPath="$.x.y.z")
    assert r["cause"].endswith("Invalid path '$.x.y.z' : Missing property in path $['x']")
    r = pass_state({"a": {"b": 1}}, tmp_path, name="deeper", OutputPath="$.a.c.d")
    assert r["cause"].endswith("Invalid path '$.a.c.d' : Missing property in path $['a']['c']")
    r = pass_state({"a": {"b": 1}}, tmp_path, name="last", InputPath="$.a.c")
    assert r["cause"].endswith("Invalid path '$.a.c' : No results for path: $['a']['c']")


def test_result_selector_shapes_the_result_before_result_path(tmp_path: Path) -> None:
    """ResultSelector builds a new result from the task result (its `$`), then ResultPath
    places it."""
    r = task_state(
        {"in": 1},
        {"Payload": {"x": 7}, "StatusCode": 200},
        tmp_path,
        ResultSelector={"x.$": "$.Payload.x", "k": "lit"},
        ResultPath="$.out",
    )
    assert output(r) == {"in": 1, "out": {"x": 7, "k": "lit"}}


def test_pass_parameters_become_the_output(tmp_path: Path) -> None:
    """A Pass state's Parameters (without Result) make its result."""
    assert output(pass_state({"a": 1}, tmp_path, Parameters={"b.$": "$.a"})) == {"b": 1}


def test_intrinsic_in_parameters(tmp_path: Path) -> None:
    """A `.$` field's value may be an intrinsic function call on paths."""
    r = pass_state({"n": "x"}, tmp_path, Parameters={"s.$": "States.Format('hi {}', $.n)"})
    assert output(r) == {"s": "hi x"}


def test_result_selector_path_that_selects_nothing_is_a_runtime_error(tmp_path: Path) -> None:
    """A ResultSelector `.$` path that matches nothing in the result fails with
    States.Runtime, worded as for Parameters."""
    r = task_state({}, {"Payload": 1}, tmp_path, ResultSelector={"x.$": "$.nope"})
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert r["cause"].endswith(
        "The JSONPath '$.nope' specified for the field 'x.$' could not "
        "be found in the input '{\"Payload\":1}'"
    )


def test_the_guides_input_result_output_example(tmp_path: Path) -> None:
    """amazon-states-language-input-output-processing: InputPath `$.numbers`, ResultPath
    `$.sum`, a task returning 7: the output is the input plus "sum": 7; with OutputPath
    `$.sum` it is 7."""
    state_input = {"title": "Numbers to add", "numbers": {"val1": 3, "val2": 4}}
    r = task_state(
        state_input, 7, tmp_path, InputPath="$.numbers", ResultPath="$.sum", OutputPath="$"
    )
    assert output(r) == {**state_input, "sum": 7}
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": LAMBDA,
                "End": True,
                "InputPath": "$.numbers",
                "ResultPath": "$.sum",
                "OutputPath": "$.sum",
            }
        },
    }
    r = run(
        tmp_path,
        definition,
        state_input,
        name="sum",
        mocks=mock_config({"T": {"0": {"Return": 7}}}),
        test_case="t",
    )
    assert output(r) == 7


def test_a_path_can_yield_a_selection(tmp_path: Path) -> None:
    """The same page: `$.a[0:2]` on {"a": [1, 2, 3, 4]} gives [1, 2]."""
    assert output(pass_state({"a": [1, 2, 3, 4]}, tmp_path, InputPath="$.a[0:2]")) == [1, 2]


def test_result_path_must_be_a_reference_path() -> None:
    """ResultPath takes a reference path: dot and bracket names and indexes only; the
    operators `@ .. , : ? *` are not supported."""
    from replay.asl.validate import validate_definition

    def result_path_errors(path: str) -> list[str]:
        definition = {
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True, "ResultPath": path}},
        }
        return [d.pointer for d in validate_definition(definition)]

    for path in ("$.a[*]", "$..a", "$.a[0:1]", "$['a','b']", "$.a[?(@.b)]", "$.a[0,1]"):
        assert result_path_errors(path) == ["/States/P/ResultPath"], path
    for path in ("$", "$.a", "$['a'].b[0]", "$.a[-1]"):
        assert result_path_errors(path) == [], path


def test_a_dollar_field_must_hold_a_path_or_an_intrinsic() -> None:
    """A Parameters key ending in `.$` must hold a path (or an intrinsic function call): a
    number, null, plain text or a malformed path is rejected, one diagnostic at the field."""
    from replay.asl.validate import validate_definition

    for value in (5, None, "nope", "$.a[", "States.Nope(1)"):
        definition = {
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "End": True, "Parameters": {"a.$": value}}},
        }
        assert [d.pointer for d in validate_definition(definition)] == [
            "/States/P/Parameters/a.$"
        ], value
