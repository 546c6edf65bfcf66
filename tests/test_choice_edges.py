"""Choice edge cases: `...Path` comparisons between two input values of the wrong type, strings
outside the Basic Multilingual Plane and lone surrogates, a trailing backslash in
StringMatches, and the wording of `validate`'s diagnostics for bad operands."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replay import api
from replay.asl.choice import compile_rule
from replay.asl.env import Env
from replay.asl.jsonpath import compile_path


def holds_path(operator: str, a: Any, b: Any) -> bool:
    """Does `{"Variable": "$.a", operator + "Path": "$.b"}` hold?"""
    rule = {"Variable": "$.a", operator + "Path": "$.b", "Next": "N"}
    return compile_rule(rule, compile_path)(Env({"a": a, "b": b}))


def holds(operator: str, operand: Any, value: Any) -> bool:
    rule = {"Variable": "$.v", operator: operand, "Next": "N"}
    return compile_rule(rule, compile_path)(Env({"v": value}))


T1, T2 = "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z"


@pytest.mark.parametrize(
    "operator, a, b, expected",
    [
        ("StringLessThan", "a", "b", True),
        ("StringLessThan", "b", "a", False),
        ("StringLessThan", "a", 1, False),
        ("StringLessThan", 1, "a", False),
        ("StringLessThan", 1, 2, False),
        ("StringGreaterThanEquals", None, None, False),
        ("StringEquals", "a", "a", True),
        ("StringEquals", 1, 1, False),
        ("NumericLessThan", 1, 2, True),
        ("NumericLessThan", 1, "2", False),
        ("NumericLessThan", "1", 2, False),
        ("NumericEquals", True, True, False),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", True, 1, False),
        ("BooleanEquals", 1, 1, False),
        ("TimestampLessThan", T1, T2, True),
        ("TimestampLessThan", T2, T1, False),
        ("TimestampLessThan", 1, T2, False),
        ("TimestampLessThan", T1, 2, False),
        ("TimestampLessThan", 1, 2, False),
        ("TimestampEquals", T1, "2020-01-01T01:00:00+01:00", True),
        ("TimestampEquals", T1, "not a time", False),
    ],
)
def test_path_comparisons_of_two_input_values(operator, a, b, expected):
    assert holds_path(operator, a, b) is expected


@pytest.mark.parametrize(
    "a, b, less",
    [
        ("\U0001f600", "\uffff", True),  # U+1F600 is D83D DE00 in UTF-16: before U+FFFF
        ("a\U0001f600", "a\uffff", True),
        ("\ud800", "\uffff", True),  # a lone surrogate (JSON "\ud800") orders as its code unit
        ("\uffff", "\ud800", False),
        ("x\udfff", "x\ue000", True),
    ],
)
def test_strings_order_by_utf16_code_units_between_input_values(a, b, less):
    assert holds_path("StringLessThan", a, b) is less
    assert holds_path("StringGreaterThan", b, a) is less


def test_a_literal_compares_with_a_lone_surrogate_in_the_input():
    assert holds("StringLessThan", "\uffff", "\ud800") is True
    assert holds("StringGreaterThan", "\ud800", "\uffff") is True
    assert holds("StringLessThanEquals", "\ud800", "\ud800") is True


def test_a_trailing_backslash_in_string_matches_is_literal():
    assert holds("StringMatches", "a\\", "a\\") is True
    assert holds("StringMatches", "a\\", "a") is False
    assert holds("StringMatches", "*\\", "xyz\\") is True


def _diagnostics(operator: str, operand: Any) -> list[str]:
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Default": "E",
                "Choices": [{"Variable": "$.v", operator: operand, "Next": "E"}],
            },
            "E": {"Type": "Succeed"},
        },
    }
    return [str(d) for d in api.validate(json.dumps(definition))]


@pytest.mark.parametrize(
    "operator, operand, message",
    [
        (
            "TimestampEquals",
            "x",
            (
                '"TimestampEquals" must be an ISO 8601 timestamp with an offset '
                '(e.g. 2016-03-14T01:59:00Z), not "x"'
            ),
        ),
        ("NumericEquals", {}, '"NumericEquals" must be a number, not an object'),
        ("NumericEquals", [1], '"NumericEquals" must be a number, not a list'),
        ("NumericEquals", False, '"NumericEquals" must be a number, not false'),
        ("NumericEquals", None, '"NumericEquals" must be a number, not null'),
        ("NumericEquals", 'a"b\\', '"NumericEquals" must be a number, not "a\\"b\\\\"'),
        ("StringEquals", 1.5, '"StringEquals" must be a string, not 1.5'),
        ("BooleanEquals", "true", '"BooleanEquals" must be true or false, not "true"'),
    ],
)
def test_validate_names_the_bad_operand(operator, operand, message):
    assert _diagnostics(operator, operand) == [f"/States/C/Choices/0/{operator}: {message}"]
