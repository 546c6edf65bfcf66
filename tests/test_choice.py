"""JSONPath Choice rules: AWS's comparison semantics, static checks, and the recorded corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from replay.asl.choice import ChoiceRuleError, compile_rule
from replay.asl.choice_ops import parse_timestamp
from replay.asl.env import Env
from replay.asl.errors import RUNTIME, StatesError
from replay.asl.jsonpath import compile_path

CASES = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "cases"


stand_in_path = compile_path  # the real path compiler


def holds(rule: dict, data: Any, **env: Any) -> bool:
    return compile_rule({**rule, "Next": "N"}, stand_in_path)(Env(data, **env))


def check(operator: str, operand: Any, value: Any) -> bool:
    """Does `{"Variable": "$.v", operator: operand}` hold when `$.v` is `value`?"""
    return holds({"Variable": "$.v", operator: operand}, {"v": value})


# --- comparisons -----------------------------------------------------------------------------

# fmt: off
TABLE = [
    # (operator, operand, value, expected)
    ("StringEquals", "abc", "abc", True), ("StringEquals", "abc", "abd", False),
    ("StringEquals", "1", 1, False), ("StringEquals", "", None, False),
    ("StringLessThan", "b", "a", True), ("StringLessThan", "a", "a", False),
    ("StringLessThan", "AB", "A", True), ("StringGreaterThan", "A", "AB", True),
    ("StringGreaterThan", "a", "a", False), ("StringLessThanEquals", "a", "a", True),
    ("StringGreaterThanEquals", "a", "a", True), ("StringGreaterThanEquals", "b", "a", False),
    ("StringLessThan", "a", ["a"], False), ("StringLessThan", "z", 1, False),
    ("NumericEquals", 1, 1.0, True), ("NumericEquals", 1, 1.1, False),
    ("NumericEquals", 1, True, False), ("NumericEquals", 0, False, False),
    ("NumericEquals", 1, "1", False), ("NumericEquals", 0, None, False),
    ("NumericLessThan", 1, 0, True), ("NumericLessThan", 1, 1, False),
    ("NumericLessThan", 1, -2.5, True), ("NumericGreaterThan", 1, 1.5, True),
    ("NumericGreaterThan", 1, 1, False), ("NumericLessThanEquals", 1, 1, True),
    ("NumericGreaterThanEquals", 1.5, 1, False), ("NumericGreaterThanEquals", 1, 2**70, True),
    ("NumericLessThan", 1, True, False), ("NumericGreaterThan", 0, [1], False),
    ("BooleanEquals", True, True, True), ("BooleanEquals", False, False, True),
    ("BooleanEquals", True, False, False), ("BooleanEquals", True, 1, False),
    ("BooleanEquals", False, 0, False), ("BooleanEquals", True, "true", False),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T20:00:55+01:00", True),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000Z", True),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.000000001Z", False),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55", False),
    ("TimestampEquals", "2012-10-09T19:00:55Z", "2012-10-09 19:00:55Z", False),
    ("TimestampEquals", "2012-10-09T19:00:55Z", 1349809255, False),
    ("TimestampLessThan", "2012-10-09T19:00:55Z", "2012-10-09T19:00:54.999Z", True),
    ("TimestampLessThan", "2012-10-09T19:00:55Z", "2012-10-09T21:00:54+02:00", True),
    ("TimestampLessThan", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z", False),
    ("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55.5Z", True),
    ("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2012-10-09T19:00:56-00:00", True),
    ("TimestampLessThanEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:55Z", True),
    ("TimestampGreaterThanEquals", "2012-10-09T19:00:55Z", "2012-10-09T19:00:54Z", False),
    ("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2016-13-05T21:29:29Z", False),
    ("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2016-02-30T21:29:29Z", False),
    ("TimestampGreaterThan", "2012-10-09T19:00:55Z", "2016-12-05T25:29:29Z", False),
    ("IsNull", True, None, True), ("IsNull", True, 0, False), ("IsNull", False, "", True),
    ("IsNumeric", True, 1.5, True), ("IsNumeric", True, True, False),
    ("IsNumeric", True, "1", False), ("IsNumeric", False, None, True),
    ("IsString", True, "", True), ("IsString", True, ["a"], False),
    ("IsString", False, 1, True),
    ("IsBoolean", True, False, True), ("IsBoolean", True, 0, False),
    ("IsBoolean", False, "true", True),
    ("IsTimestamp", True, "2016-03-14T01:59:00Z", True),
    ("IsTimestamp", True, "2016-03-14T01:59:00.123456789-07:30", True),
    ("IsTimestamp", True, "2016-03-14T01:59:00", False),
    ("IsTimestamp", True, "2016-03-14", False), ("IsTimestamp", True, 1457920740, False),
    ("IsTimestamp", False, "2016-03-14T01:59:00+25:00", True),
    ("IsPresent", True, None, True), ("IsPresent", False, None, False),
]
# fmt: on


@pytest.mark.parametrize(("operator", "operand", "value", "expected"), TABLE)
def test_comparison_table(operator: str, operand: Any, value: Any, expected: bool) -> None:
    assert check(operator, operand, value) is expected


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("*.log", "app.log", True),
        ("*.log", "app.log.1", False),
        ("log-*-end", "log--end", True),
        ("log-*-end", "log-a\nb-end", True),
        ("*", "", True),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "acb", False),
        ("a\\*b", "a*b", True),  # \* is a literal asterisk
        ("a\\*b", "axb", False),
        ("a\\\\b", "a\\b", True),  # \\ is a literal backslash
        ("a\\\\*", "a\\anything", True),  # literal backslash, then the wildcard
        ("a.c", "abc", False),  # no regex syntax
        ("(x)+", "(x)+", True),
        ("abc", "ABC", False),
    ],
)
def test_string_matches(pattern: str, text: str, expected: bool) -> None:
    assert check("StringMatches", pattern, text) is expected
    assert check("StringMatches", pattern, 1) is False


def test_strings_order_by_utf16_code_units_as_java_does() -> None:
    # U+FFFF is one code unit 0xFFFF; U+1F600 is the surrogate pair D83D DE00, so it sorts first.
    assert check("StringLessThan", "\uffff", "\U0001f600") is True
    assert check("StringGreaterThan", "\U0001f600", "\uffff") is True
    assert check("StringLessThan", "b", "\U0001f600") is False
    assert check("StringLessThan", "é", "a") is True
    assert holds(
        {"Variable": "$.a", "StringLessThanPath": "$.b"}, {"a": "\U0001f600", "b": "\uffff"}
    )


def test_timestamps_compare_instants_to_the_nanosecond() -> None:
    assert parse_timestamp("1970-01-01T00:00:00Z") == (0, 0)
    assert parse_timestamp("1970-01-01T01:00:00.5+01:00") == (0, 500_000_000)
    assert parse_timestamp("2016-02-29T00:00:00Z") is not None
    assert parse_timestamp("2015-02-29T00:00:00Z") is None
    assert parse_timestamp("2016-03-14T01:59:00.1234567890Z") is None
    assert parse_timestamp("2016-03-14T01:59:0\u0661Z") is None  # ASCII digits only
    # Java's ISO_OFFSET_DATE_TIME: seconds optional, case-insensitive T/Z, offsets to +-18:00.
    assert parse_timestamp("1970-01-01T00:01Z") == (60, 0)
    assert parse_timestamp("1970-01-01t00:00:00z") == (0, 0)
    assert parse_timestamp("1970-01-01T00:00:00+18:00") == (-18 * 3600, 0)
    assert parse_timestamp("1970-01-01T00:00:00+18:01") is None


# --- paths -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "data", "expected"),
    [
        ("StringEqualsPath", {"v": "a", "w": "a"}, True),
        ("StringEqualsPath", {"v": "a", "w": 1}, False),
        ("StringLessThanPath", {"v": "a", "w": "b"}, True),
        ("StringGreaterThanEqualsPath", {"v": "b", "w": "b"}, True),
        ("NumericEqualsPath", {"v": 1, "w": 1.0}, True),
        ("NumericEqualsPath", {"v": 1, "w": True}, False),
        ("NumericEqualsPath", {"v": True, "w": True}, False),
        ("NumericLessThanPath", {"v": 1, "w": 2}, True),
        ("NumericGreaterThanPath", {"v": 1, "w": "0"}, False),
        ("NumericLessThanEqualsPath", {"v": 2, "w": 2}, True),
        ("BooleanEqualsPath", {"v": False, "w": False}, True),
        ("BooleanEqualsPath", {"v": 0, "w": False}, False),
        (
            "TimestampEqualsPath",
            {"v": "2020-01-01T01:00:00+01:00", "w": "2020-01-01T00:00:00Z"},
            True,
        ),
        ("TimestampLessThanPath", {"v": "2020-01-01T00:00:00Z", "w": "2020-01-02T00:00:00Z"}, True),
        ("TimestampLessThanPath", {"v": "2020-01-01T00:00:00Z", "w": "tomorrow"}, False),
        ("TimestampGreaterThanEqualsPath", {"v": "x", "w": "2020-01-01T00:00:00Z"}, False),
    ],
)
def test_path_variants(operator: str, data: dict, expected: bool) -> None:
    assert holds({"Variable": "$.v", operator: "$.w"}, data) is expected


def test_variable_references_and_the_context_object() -> None:
    rule = {"Variable": "$limit.max", "NumericGreaterThanPath": "$$.Execution.Count"}
    env = {"variables": {"limit": {"max": 5}}, "context": {"Execution": {"Count": 3}}}
    assert holds(rule, {}, **env) is True
    assert holds({"Variable": "$", "StringEquals": "x"}, "x") is True
    assert holds({"Variable": "$.a[1]", "IsNull": True}, {"a": [0, None]}) is True


def runtime_error(rule: dict, data: Any, **env: Any) -> StatesError:
    with pytest.raises(StatesError) as caught:
        holds(rule, data, **env)
    assert caught.value.error == RUNTIME
    return caught.value


@pytest.mark.parametrize(
    "operator",
    ["StringEquals", "NumericEquals", "BooleanEquals", "TimestampEquals", "StringMatches",
     "IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"],
)  # fmt: skip
def test_a_missing_variable_is_a_runtime_error(operator: str) -> None:
    operand = {"NumericEquals": 1, "BooleanEquals": True, "TimestampEquals": "2020-01-01T00:00:00Z"}
    value = operand.get(operator, True if operator.startswith("Is") else "x")
    error = runtime_error({"Variable": "$.missing", operator: value}, {"v": 1})
    assert error.cause == (
        "Invalid path '$.missing': The choice state's condition path references an invalid value."
    )


def test_missing_paths_of_path_variants_and_variables() -> None:
    error = runtime_error({"Variable": "$.v", "NumericEqualsPath": "$.nope"}, {"v": 1})
    assert error.cause is not None and error.cause.startswith("Invalid path '$.nope': ")
    error = runtime_error({"Variable": "$.nope", "NumericEqualsPath": "$.v"}, {"v": 1})
    assert error.cause is not None and error.cause.startswith("Invalid path '$.nope': ")
    error = runtime_error({"Variable": "$undefined", "IsNull": True}, {})
    assert error.cause is not None and error.cause.startswith("Invalid path '$undefined': ")


def test_is_present_never_fails() -> None:
    assert holds({"Variable": "$.a.b", "IsPresent": True}, {"a": 1}) is False
    assert holds({"Variable": "$.a.b", "IsPresent": False}, {"a": 1}) is True
    assert holds({"Variable": "$nothing", "IsPresent": False}, {}) is True
    assert holds({"Variable": "$.a", "IsPresent": True}, {"a": None}) is True


# --- And / Or / Not --------------------------------------------------------------------------


def test_boolean_combinators_nest() -> None:
    in_twenties = {
        "And": [
            {"Variable": "$.value", "NumericGreaterThanEquals": 20},
            {"Variable": "$.value", "NumericLessThan": 30},
        ]
    }
    assert holds(in_twenties, {"value": 22}) is True
    assert holds(in_twenties, {"value": 30}) is False
    either = {"Or": [{"Not": in_twenties}, {"Variable": "$.value", "NumericEquals": 25}]}
    assert holds(either, {"value": 25}) is True
    assert holds(either, {"value": 10}) is True
    assert holds({"Not": either}, {"value": 21}) is True
    assert holds({"And": [{"Variable": "$.value", "IsNumeric": True}]}, {"value": 1}) is True


def test_and_or_short_circuit_like_the_guard_idiom_needs() -> None:
    guarded = {
        "And": [
            {"Variable": "$.a", "IsPresent": True},
            {"Variable": "$.a", "StringEquals": "x"},
        ]
    }
    assert holds(guarded, {}) is False
    assert holds(guarded, {"a": "x"}) is True
    fallback = {
        "Or": [{"Variable": "$.a", "IsPresent": False}, {"Variable": "$.a", "IsNull": True}]
    }
    assert holds(fallback, {}) is True
    with pytest.raises(StatesError):
        holds(
            {"Or": [{"Variable": "$.b", "IsNull": True}, {"Variable": "$.a", "IsNull": True}]}, {}
        )


def test_paths_are_compiled_once() -> None:
    compiled: list[str] = []

    def counting(text: str) -> Any:
        compiled.append(text)
        return stand_in_path(text)

    either = [
        {"Variable": "$.a", "NumericLessThanPath": "$.b"},
        {"Variable": "$.c", "IsPresent": True},
    ]
    rule = compile_rule({"Or": either, "Next": "N"}, counting)
    for value in range(5):
        rule(Env({"a": value, "b": 3, "c": 0}))
    assert sorted(compiled) == ["$.a", "$.b", "$.c"]


def test_top_level_fields_and_result_type() -> None:
    rule = {"Variable": "$.a", "IsNull": False, "Next": "N", "Assign": {"x": 1}, "Comment": "c"}
    result = compile_rule(rule, stand_in_path)(Env({"a": 1}))
    assert result is True
    nested = {"Not": {"Variable": "$.a", "IsNull": True, "Comment": "fine"}}
    assert compile_rule(nested, stand_in_path, top_level=True)(Env({"a": 1})) is True
    assert compile_rule({"Variable": "$.a", "IsNull": True}, stand_in_path, top_level=False)(
        Env({"a": None})
    )


# --- static checks ---------------------------------------------------------------------------

V = {"Variable": "$.a"}

# fmt: off
BROKEN = [
    # (rule, keyword arguments, pointer, message fragment)
    ({**V, "IsNull": True}, {"require_next": True}, "", 'missing required field "Next"'),
    ({**V, "IsNull": True, "Next": 3}, {}, "/Next", "Next must be a state name"),
    ({**V, "IsNull": True, "Next": "N"}, {"top_level": False}, "/Next", "only allowed in a top-level"),
    ({"And": [{**V, "IsNull": True, "Next": "N"}], "Next": "N"}, {}, "/And/0/Next",
     "only allowed in a top-level"),
    ({"Or": [V, {**V, "IsNull": True, "Assign": {}}]}, {}, "/Or/0", "needs a comparison operator"),
    ({"Not": {**V, "IsNull": True, "Assign": {}}}, {}, "/Not/Assign", "only allowed in a top-level"),
    ({**V, "Next": "N"}, {}, "", "needs a comparison operator"),
    ({"Next": "N"}, {}, "", "needs a comparison operator"),
    ({**V, "IsNull": True, "IsString": True}, {}, "/IsString", "exactly one operator"),
    ({**V, "IsNull": True, "And": []}, {}, "/And", "exactly one operator"),
    ({**V, "IsNull": True, "Foo": 1}, {}, "/Foo", 'field "Foo" is not supported'),
    ({**V, "IsNull": True, "Output": {}}, {}, "/Output", 'field "Output" is not supported'),
    ({**V, "StringMatchesPath": "$.b"}, {}, "/StringMatchesPath", "not supported"),
    ({**V, "StringEquals": 1}, {}, "/StringEquals", '"StringEquals" must be a string, not 1'),
    ({**V, "StringMatches": None}, {}, "/StringMatches", "must be a string, not null"),
    ({**V, "NumericEquals": "one"}, {}, "/NumericEquals", 'must be a number, not "one"'),
    ({**V, "NumericLessThan": True}, {}, "/NumericLessThan", "must be a number, not true"),
    ({**V, "BooleanEquals": "true"}, {}, "/BooleanEquals", "must be true or false"),
    ({**V, "TimestampEquals": 0}, {}, "/TimestampEquals", "ISO 8601 timestamp"),
    ({**V, "TimestampLessThan": "2016-03-14"}, {}, "/TimestampLessThan", "ISO 8601 timestamp"),
    ({**V, "IsNull": "yes"}, {}, "/IsNull", '"IsNull" must be true or false'),
    ({**V, "IsPresent": 1}, {}, "/IsPresent", '"IsPresent" must be true or false'),
    ({**V, "StringEqualsPath": 3}, {}, "/StringEqualsPath", "must be a path"),
    ({**V, "NumericEqualsPath": "$..."}, {}, "/NumericEqualsPath", "not a valid path"),
    ({"Variable": "a", "IsNull": True}, {}, "/Variable", "must be a path"),
    ({"Variable": 1, "IsNull": True}, {}, "/Variable", "must be a path"),
    ({"IsNull": True}, {}, "", 'missing required field "Variable"'),
    ({"Not": [{**V, "IsNull": True}]}, {}, "/Not", '"Not" takes a single rule'),
    ({"And": []}, {}, "/And", '"And" must be a non-empty list'),
    ({"Or": {**V, "IsNull": True}}, {}, "/Or", '"Or" must be a non-empty list'),
    ({"And": [{**V, "IsNull": True}, 5]}, {}, "/And/1", "must be an object, not 5"),
    ({**V, "And": [{**V, "IsNull": True}]}, {}, "/Variable", 'not allowed with "And"'),
    ({"Or": [{"Not": {"Variable": "x", "IsNull": True}}]}, {}, "/Or/0/Not/Variable",
     "must be a path"),
    ({"And": [{**V, "IsNull": True}, {"Or": [{**V, "NumericEquals": "1"}]}]}, {},
     "/And/1/Or/0/NumericEquals", "must be a number"),
    ([], {}, "", "must be an object, not a list"),
    ({"a/b~": 1, **V, "IsNull": True}, {}, "/a~1b~0", "is not supported"),
]
# fmt: on


@pytest.mark.parametrize(("rule", "kwargs", "pointer", "fragment"), BROKEN)
def test_static_problems(rule: Any, kwargs: dict, pointer: str, fragment: str) -> None:
    with pytest.raises(ChoiceRuleError) as caught:
        compile_rule(rule, stand_in_path, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert caught.value.pointer == pointer
    assert fragment in caught.value.message, caught.value.message
    assert fragment in str(caught.value)


def test_a_top_level_rule_without_next_compiles_unless_required() -> None:
    # The validator strips Next/Assign/Comment before calling compile_rule and checks Next itself.
    assert compile_rule({**V, "IsNull": True}, stand_in_path)(Env({"a": None})) is True


# --- the recorded corpus ---------------------------------------------------------------------


def _load(case: Path) -> tuple[dict, Any, dict]:
    def read(name: str) -> Any:
        return json.loads((case / name).read_text())

    return read("definition.json"), read("input.json"), read("expected.json")


def _branch(state: dict, data: Any) -> str | None:
    env = Env(data)
    for rule in state["Choices"]:
        if compile_rule(rule, stand_in_path)(env):
            return rule["Next"]
    return state.get("Default")


OPERATOR_CASES = sorted(CASES.glob("choice_operators.*")) if CASES.is_dir() else []


@pytest.mark.skipif(not OPERATOR_CASES, reason="conformance corpus not present")
@pytest.mark.parametrize("case", OPERATOR_CASES, ids=[c.name for c in OPERATOR_CASES])
def test_choice_operator_tables(case: Path) -> None:
    definition, data, expected = _load(case)
    assert expected["status"] == "SUCCEEDED"
    states = definition["States"]
    taken = _branch(states[definition["StartAt"]], data)
    assert taken is not None and states[taken]["Type"] == "Pass"
    assert states[taken]["Result"] == expected["output"]


def _jsonpath_choice_first(case: Path) -> bool:
    definition, _, expected = _load(case)
    if not isinstance(definition, dict) or definition.get("QueryLanguage") == "JSONata":
        return False
    start = definition.get("States", {}).get(definition.get("StartAt"), {})
    return (
        start.get("Type") == "Choice"
        and start.get("QueryLanguage") != "JSONata"
        and start.get("InputPath", "$") == "$"
        and bool(expected.get("history"))
    )


OTHER_CASES = (
    [
        c
        for c in sorted(CASES.iterdir())
        if not c.name.startswith("choice_operators.")
        and (c / "definition.json").is_file()
        and _jsonpath_choice_first(c)
    ]
    if CASES.is_dir()
    else []
)


@pytest.mark.skipif(not OTHER_CASES, reason="conformance corpus not present")
@pytest.mark.parametrize("case", OTHER_CASES, ids=[c.name for c in OTHER_CASES])
def test_corpus_machines_that_start_with_a_choice(case: Path) -> None:
    definition, data, expected = _load(case)
    entered = [e for e in expected["history"] if e["type"].endswith("StateEntered")]
    assert len(entered) >= 2, "the history shows no state after the Choice"
    after = entered[1]["details"]["stateEnteredEventDetails"]["name"]
    assert _branch(definition["States"][definition["StartAt"]], data) == after
