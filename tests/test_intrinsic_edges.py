"""Intrinsic functions at their edges: the exact cause of each argument error (function name,
argument position, what was wanted and what was given), seeded States.MathRandom against
values printed by `java.util.Random`, and the limits of the functions' arguments."""

from __future__ import annotations

from typing import Any

import pytest

from replay.asl.env import Env
from replay.asl.errors import INTRINSIC_FAILURE, StatesError
from replay.asl.intrinsics import compile_intrinsic
from replay.asl.jsonpath import compile_path
from replay.rand import SeededRandom


def ev(text: str, data: Any = None) -> Any:
    return compile_intrinsic(text, compile_path)(Env(data, rng=SeededRandom(7)))


def cause(text: str, data: Any = None) -> str:
    """What follows "had the following error: " in the cause of a States.IntrinsicFailure."""
    with pytest.raises(StatesError) as caught:
        ev(text, data)
    assert caught.value.error == INTRINSIC_FAILURE
    prefix = f"The function '{text}' had the following error: "
    assert caught.value.cause.startswith(prefix)
    return caught.value.cause[len(prefix) :]


def bad(function: str, detail: str) -> str:
    return f"Invalid arguments in States.{function}: {detail}"


# fmt: off
ERRORS = [
    ("States.MathAdd($.a, 1)", {"a": "x"},
     bad("MathAdd", "argument 1 must be an integer, but was string x")),
    ("States.MathAdd(1, $.a)", {"a": "y"},
     bad("MathAdd", "argument 2 must be an integer, but was string y")),
    ("States.MathAdd($.a, 1)", {"a": 2147483648},
     bad("MathAdd", "argument 1 must be an integer between -2147483648 and 2147483647, "
                    "but was 2147483648")),
    ("States.MathAdd(1, $.a)", {"a": ["é"]},
     bad("MathAdd", 'argument 2 must be an integer, but was array ["é"]')),
    ("States.MathAdd(1, $.a)", {"a": -2147483649},
     bad("MathAdd", "argument 2 must be an integer between -2147483648 and 2147483647, "
                    "but was -2147483649")),
    ("States.MathRandom($.a, 5)", {"a": "x"},
     bad("MathRandom", "argument 1 must be an integer, but was string x")),
    ("States.MathRandom(1, $.a)", {"a": "x"},
     bad("MathRandom", "argument 2 must be an integer, but was string x")),
    ("States.MathRandom(1, 5, $.a)", {"a": "x"},
     bad("MathRandom", "argument 3 must be an integer, but was string x")),
    ("States.MathRandom(1, 5, $.a)", {"a": 2**63},
     bad("MathRandom", "argument 3 must be an integer between -9223372036854775808 and "
                       "9223372036854775807, but was 9223372036854775808")),
    ("States.MathRandom(1, 5, $.a)", {"a": -2**63 - 1},
     bad("MathRandom", "argument 3 must be an integer between -9223372036854775808 and "
                       "9223372036854775807, but was -9223372036854775809")),
    ("States.MathRandom(5, 1)", None,
     bad("MathRandom", "the end (1) must be greater than the start (5)")),
    ("States.ArrayPartition($.a, 1)", {"a": "x"},
     bad("ArrayPartition", "argument 1 must be an array, but was string x")),
    ("States.ArrayPartition($.a, $.n)", {"a": [1], "n": "2"},
     bad("ArrayPartition", "argument 2 must be an integer, but was string 2")),
    ("States.ArrayPartition($.a, -1)", {"a": [1]},
     bad("ArrayPartition", "the chunk size must be a positive integer, but was -1")),
    ("States.ArrayContains($.a, 1)", {"a": {"k": 1}},
     bad("ArrayContains", 'argument 1 must be an array, but was object {"k": 1}')),
    ("States.ArrayRange($.a, 2, 1)", {"a": "x"},
     bad("ArrayRange", "argument 1 must be an integer, but was string x")),
    ("States.ArrayRange(1, $.a, 1)", {"a": [2]},
     bad("ArrayRange", "argument 2 must be an integer, but was array [2]")),
    ("States.ArrayRange(1, 2, $.a)", {"a": None},
     bad("ArrayRange", "argument 3 must be an integer, but was null null")),
    ("States.ArrayRange(1, 2, 0)", None, bad("ArrayRange", "the step must not be 0")),
    ("States.ArrayGetItem($.a, 0)", {"a": "x"},
     bad("ArrayGetItem", "argument 1 must be an array, but was string x")),
    ("States.ArrayGetItem($.a, $.i)", {"a": [1], "i": "0"},
     bad("ArrayGetItem", "argument 2 must be an integer, but was string 0")),
    ("States.ArrayGetItem($.a, 1)", {"a": [1]},
     bad("ArrayGetItem", "the index 1 is out of bounds for an array of length 1")),
    ("States.ArrayLength($.a)", {"a": None},
     bad("ArrayLength", "argument 1 must be an array, but was null null")),
    ("States.ArrayUnique($.a)", {"a": 1},
     bad("ArrayUnique", "argument 1 must be an array, but was number 1")),
    ("States.StringSplit($.a, ',')", {"a": 1},
     bad("StringSplit", "argument 1 must be a string, but was number 1")),
    ("States.StringSplit('a', $.d)", {"d": True},
     bad("StringSplit", "argument 2 must be a string, but was boolean true")),
    ("States.StringToJson($.a)", {"a": 1},
     bad("StringToJson", "argument 1 must be a string, but was number 1")),
    ("States.StringToJson($.a)", {"a": "{bad"},
     bad("StringToJson", "the string is not valid JSON: {bad")),
    ("States.StringToJson($.a)", {"a": "NaN"},
     bad("StringToJson", "the string is not valid JSON: NaN")),
    ("States.JsonMerge($.a, $.b, false)", {"a": [], "b": {}},
     bad("JsonMerge", "argument 1 must be a JSON object, but was array []")),
    ("States.JsonMerge($.a, $.b, false)", {"a": {}, "b": "x"},
     bad("JsonMerge", "argument 2 must be a JSON object, but was string x")),
    ("States.JsonMerge($.a, $.b, $.c)", {"a": {}, "b": {}, "c": "false"},
     bad("JsonMerge", "argument 3 must be a boolean, but was string false")),
    ("States.JsonMerge($.a, $.b, true)", {"a": {}, "b": {}},
     bad("JsonMerge", "deep merging is not supported, the third argument must be false")),
    ("States.Format($.t, 1)", {"t": {"k": 1}},
     bad("Format", 'argument 1 must be a string, but was object {"k": 1}')),
    ("States.Base64Encode($.a)", {"a": 1.5},
     bad("Base64Encode", "argument 1 must be a string, but was number 1.5")),
    ("States.Base64Decode($.a)", {"a": 1},
     bad("Base64Decode", "argument 1 must be a string, but was number 1")),
    ("States.Hash('x', $.a)", {"a": 1}, bad("Hash", "argument 2 must be a string, but was number 1")),
    ("States.Hash($.a, 'MD5')", {"a": 1}, bad("Hash", "argument 1 must be a string, but was number 1")),
    ("States.Hash('x', 'SHA-2')", None,
     bad("Hash", "the algorithm must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512, but was "
                 "SHA-2")),
    ("States.Base64Encode($.a)", {"a": "a" * 10_001},
     bad("Base64Encode", "the input string must not be longer than 10000 characters, but has "
                         "10001")),
    ("States.Hash($.a, 'MD5')", {"a": "a" * 10_001},
     bad("Hash", "the input string must not be longer than 10000 characters, but has 10001")),
    ("States.Base64Decode($.a)", {"a": "a" * 10_001},
     bad("Base64Decode", "the input string must not be longer than 10000 characters, but has "
                         "10001")),
]
# fmt: on


@pytest.mark.parametrize("text, data, detail", ERRORS)
def test_argument_errors_name_the_function_the_argument_and_the_value(text, data, detail):
    assert cause(text, data) == detail


def test_a_long_argument_is_cut_in_the_message():
    detail = cause("States.MathAdd($.a, 1)", {"a": "x" * 5000})
    assert len(detail) == 1000
    assert detail.startswith(bad("MathAdd", "argument 1 must be an integer, but was string xxx"))


# `new java.util.Random(seed).nextInt(bound)`, printed by a JVM (Java 17), for these seeds and
# bounds: powers of two take the multiply-shift path, 1500000000 rejects draws for seed 0.
BOUNDS = [1, 2, 7, 8, 10, 100, 1 << 30, 1500000000, 2**31 - 1, 1000]
JAVA = {
    0: [0, 1, 5, 5, 0, 60, 784870680, 516548029, 1569741360, 360],
    1: [0, 1, 4, 5, 5, 85, 784774492, 215764588, 1569548985, 985],
    42: [0, 1, 1, 5, 0, 30, 781215565, 117392763, 1562431130, 130],
    -7: [0, 0, 4, 2, 2, 62, 288967331, 577934662, 577934662, 662],
    123456789012345: [0, 1, 0, 5, 4, 74, 718490087, 1436980174, 1436980174, 174],
    2**63 - 1: [0, 0, 3, 2, 3, 13, 288774956, 577549913, 577549913, 913],
    -(2**63): [0, 1, 5, 5, 0, 60, 784870680, 516548029, 1569741360, 360],
    99: [0, 1, 4, 5, 7, 87, 775732893, 836448458, 1551465787, 787],
}


@pytest.mark.parametrize("seed", list(JAVA))
def test_seeded_math_random_matches_java(seed):
    got = [ev("States.MathRandom(0, $.b, $.s)", {"b": bound, "s": seed}) for bound in BOUNDS]
    assert got == JAVA[seed]


def test_seeded_math_random_offsets_by_the_start():
    # new Random(42).nextInt(20) == 10, new Random(-1).nextInt(1000) == 913
    assert ev("States.MathRandom(-10, 10, 42)") == 0
    assert ev("States.MathRandom(5, 1005, -1)") == 918


@pytest.mark.parametrize(
    "text, value",
    [
        ("States.MathAdd(2147483647, -2147483648)", -1),
        ("States.MathAdd(-2147483648, 0)", -2147483648),
        ("States.MathAdd(0, 2147483647)", 2147483647),
        ("States.MathAdd(2147483646.5, 0)", 2147483647),  # rounded half up, then in range
        ("States.ArrayGetItem(States.Array(1, 2), 0)", 1),
        ("States.ArrayRange(-3, 3, 3)", [-3, 0, 3]),
        ("States.ArrayPartition(States.Array(1, 2, 3), 3)", [[1, 2, 3]]),
    ],
)
def test_values_at_the_limits(text, value):
    assert ev(text) == value


def runtime_cause(text: str, data: Any, variables: dict) -> str:
    with pytest.raises(StatesError) as caught:
        compile_intrinsic(text, compile_path)(Env(data, variables=variables))
    assert caught.value.error == "States.Runtime"
    return caught.value.cause


@pytest.mark.parametrize(
    "path, variables, quoted",
    [
        ("$v.nope", {"v": {"a": 1}}, '{"a":1}'),  # the variable's value, not the input
        ("$v[5]", {"v": [1]}, "[1]"),
        ("$_u.k", {"_u": {"z": 0}}, '{"z":0}'),
        ("$.nope", {"v": {"a": 1}}, '{"i":1}'),
    ],
)
def test_a_missing_path_quotes_the_document_it_was_read_from(path, variables, quoted):
    text = f"States.Format('{{}}', {path})"
    assert runtime_cause(text, {"i": 1}, variables) == (
        f"The function '{text}' had the following error: The JsonPath argument for the field "
        f"'{path}' could not be found in the input '{quoted}'"
    )


def test_an_open_escape_in_any_string_argument_fails_when_evaluated():
    assert cause(r"States.Array('a\p')") == (
        "the string literal contains the open escape sequence '\\p'"
    )


def test_escaped_braces_in_a_format_template_are_not_placeholders():
    assert ev(r"States.Format('\{\} {}', 1)") == "{} 1"
    assert ev(r"States.Format('\{\}')") == "{}"


def test_a_bad_path_in_a_nested_call_names_the_whole_call():
    from replay.asl.intrinsics import IntrinsicSyntaxError

    text = "States.Array(States.Array($.a[?(@.x ==)]))"
    with pytest.raises(IntrinsicSyntaxError) as caught:
        compile_intrinsic(text, compile_path)
    assert str(caught.value).startswith(
        f"invalid intrinsic function call {text!r}: invalid path '$.a[?(@.x ==)]'"
    )


@pytest.mark.parametrize(
    "encoded, decoded",
    [
        ("YWJjZGVmZw", "abcdefg"),  # ten characters, padding left out
        ("YWJjZGVmZw==", "abcdefg"),
        ("YW Jj", "abc"),  # blanks are ignored
        ("/w==", "\ufffd"),  # not UTF-8: the replacement character, as Java's String does
    ],
)
def test_base64_decode(encoded, decoded):
    assert ev(f"States.Base64Decode('{encoded}')") == decoded


@pytest.mark.parametrize("encoded", ["YW*Jj", "Y!WJj", "a$b="])
def test_base64_decode_rejects_characters_outside_the_alphabet(encoded):
    assert cause(f"States.Base64Decode('{encoded}')") == bad(
        "Base64Decode", "the input is not a valid Base64 string"
    )


def test_invalid_json_is_shown_up_to_200_characters():
    assert cause("States.StringToJson($.a)", {"a": "{" * 200}) == bad(
        "StringToJson", "the string is not valid JSON: " + "{" * 200
    )
    assert cause("States.StringToJson($.a)", {"a": "{" * 201}) == bad(
        "StringToJson", "the string is not valid JSON: " + "{" * 200 + "..."
    )


@pytest.mark.parametrize(
    "text, data",
    [
        ("States.Format('{}', 1, 2)", None),
        ("States.Format($.t, 1, 2)", {"t": "{}"}),  # a template read from the input
    ],
)
def test_format_needs_one_value_per_placeholder(text, data):
    assert cause(text, data) == bad(
        "Format", "the template has 1 placeholder(s) but 2 value(s) were given"
    )


@pytest.mark.parametrize(
    "text, data, value",
    [
        ("States.StringSplit('', '')", None, []),
        ("States.StringSplit('ab', '')", None, ["ab"]),
        (
            "States.ArrayUnique($.a)",
            {"a": [[1], [2], [1], {"k": [1]}, {"k": [2]}]},
            [[1], [2], {"k": [1]}, {"k": [2]}],
        ),
        ("States.ArrayContains($.a, $.v)", {"a": [[1]], "v": [2]}, False),
        ("States.ArrayRange(-2147483648, -2147483648, 1)", None, [-2147483648]),
        ("States.ArrayRange(2147483647, 2147483647, 1)", None, [2147483647]),
        ("States.JsonToString($.a)", {"a": {"é": "ü"}}, '{"é":"ü"}'),
        ("States.StringToJson($.a)", {"a": ""}, None),
        ("States.StringToJson($.a)", {"a": " \n\t"}, None),
        ("States.StringToJson($.a)", {"a": " [1] "}, [1]),
    ],
)
def test_edge_values(text, data, value):
    assert ev(text, data) == value


@pytest.mark.parametrize(
    "value, shown",
    [
        (float("inf"), "Infinity"),
        (float("-inf"), "-Infinity"),
        (float("nan"), "NaN"),
    ],
)
def test_java_double_names_the_special_values_as_java_does(value, shown):
    from replay.asl.intrinsics.values import java_double

    assert java_double(value) == shown
