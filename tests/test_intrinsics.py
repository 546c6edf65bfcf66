"""Intrinsic functions: parser, each function's semantics and errors, and the recorded corpus."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import time
from pathlib import Path
from typing import Any

import pytest

from replay.asl.env import Env
from replay.asl.errors import INTRINSIC_FAILURE, RUNTIME, StatesError
from replay.asl.intrinsics import (
    Call,
    IntrinsicSyntaxError,
    Literal,
    String,
    compile_intrinsic,
    looks_like_intrinsic,
    parse_intrinsic,
)
from replay.asl.intrinsics import Path as PathArg
from replay.asl.intrinsics.arith import java_random_int
from replay.asl.intrinsics.values import java_double, java_round
from replay.asl.jsonpath import compile_path
from replay.rand import SeededRandom

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
CASES = SHARED / "cases"
PACKAGE = Path(__file__).resolve().parents[1] / "replay" / "asl" / "intrinsics"


stand_in_path = compile_path  # the real path compiler


def ev(text: str, data: Any = None, **env: Any) -> Any:
    env.setdefault("rng", SeededRandom(7))
    return compile_intrinsic(text, stand_in_path)(Env(data, **env))


def failure(text: str, data: Any = None, **env: Any) -> StatesError:
    with pytest.raises(StatesError) as info:
        ev(text, data, **env)
    return info.value


def intrinsic_failure(text: str, data: Any = None, **env: Any) -> str:
    error = failure(text, data, **env)
    assert error.error == INTRINSIC_FAILURE, error
    assert error.cause.startswith(f"The function '{text}' had the following error: ")
    return error.cause


# --- recognising and parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("States.Format('x')", True),
        ("States.UUID()", True),
        ("States.NoSuchThing(1)", True),
        ("States.Array (1)", True),
        ("$.a", False),
        ("States.Format", False),
        (" States.Format('x')", False),
        ("States.('x')", False),
        ("{% States %}", False),
    ],
)
def test_looks_like_intrinsic(text: str, expected: bool) -> None:
    assert looks_like_intrinsic(text) is expected


def test_parse_builds_a_small_ast() -> None:
    call = parse_intrinsic("States.Format('a {} b', $.x, States.Array(1, -2.5, true, null))")
    assert call.name == "States.Format"
    template, path, inner = call.args
    assert template == String("a {} b", ("a ", " b"))
    assert path == PathArg("$.x")
    assert inner == Call(
        "States.Array", (Literal(1), Literal(-2.5), Literal(True), Literal(None)), inner.start
    )


def test_parse_numbers_keep_int_and_float() -> None:
    args = parse_intrinsic("States.Array(0, -7, 1.0, 2e3, -0.5)").args
    values = [arg.value for arg in args]
    assert values == [0, -7, 1.0, 2000.0, -0.5]
    assert [type(v) for v in values] == [int, int, float, float, float]


def test_parse_escapes_and_placeholders() -> None:
    (arg,) = parse_intrinsic(r"States.Format('it\'s \{\} {} \\ {x}')").args
    assert arg.value == "it's {} {} \\ {x}"
    assert arg.parts == ("it's {} ", " \\ {x}")
    assert arg.bad_escape is None


def test_parse_paths_with_brackets_and_blanks() -> None:
    call = parse_intrinsic("States.Array( $.a['b, c)'][0] , $$.Execution.Id,$v.x[?(@.k == 1)] )")
    assert [a.text for a in call.args] == [
        "$.a['b, c)'][0]",
        "$$.Execution.Id",
        "$v.x[?(@.k == 1)]",
    ]


def test_parse_empty_and_nested_calls() -> None:
    assert parse_intrinsic("States.Array()").args == ()
    call = parse_intrinsic("States.ArrayGetItem(States.StringSplit($.a, '-'), 0)")
    assert call.args[0].name == "States.StringSplit"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("States.Nope(1)", "unknown intrinsic function 'States.Nope'"),
        ("States.MathAdd(1)", "States.MathAdd takes exactly 2 arguments, got 1"),
        ("States.UUID(1)", "States.UUID takes no arguments, got 1"),
        ("States.MathRandom(1)", "takes 2 or 3 arguments"),
        ("States.Format()", "takes at least 1 argument, got 0"),
        ("States.Format('abc)", "unterminated string literal"),
        ("States.Format('abc\\')", "unterminated string literal"),
        ("States.Array(1) x", "unexpected 'x' after the closing parenthesis"),
        ("States.Array(1,)", "where an argument was expected"),
        ("States.Array(1 2)", "expected ',' or ')'"),
        ("States.Array(1", "missing ')'"),
        ("States.Array(foo)", "unexpected 'foo'"),
        ("States.Array(01)", "invalid number"),
        ("States.Array($.a[0)", "unbalanced"),
        ("Foo.Array(1)", "starting with 'States.'"),
        ("States.(1)", "expected a function name"),
    ],
)
def test_syntax_errors_say_what_and_where(text: str, fragment: str) -> None:
    with pytest.raises(IntrinsicSyntaxError) as info:
        parse_intrinsic(text)
    message = str(info.value)
    assert fragment in message
    assert "at offset" in message


def test_bad_path_is_a_syntax_error_at_compile_time() -> None:
    with pytest.raises(IntrinsicSyntaxError, match="invalid path"):
        compile_intrinsic("States.Array($.a[?(@.x ==)])", stand_in_path)


def test_open_escape_fails_when_evaluated() -> None:
    text = r"States.Format('C:\path {}', 1)"
    parse_intrinsic(text)  # accepted, as AWS accepts the definition
    assert "open escape sequence '\\p'" in intrinsic_failure(text)


# --- States.Format and value rendering -----------------------------------------------------


@pytest.mark.parametrize(
    "value, shown",
    [
        ("text", "text"),
        ("", ""),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (1, "1"),
        (-3, "-3"),
        (1.1, "1.1"),
        (2.0, "2.0"),
        ({"Arg1": 1, "Arg2": []}, "{Arg1=1, Arg2=[]}"),
        ([1, "a", None, {"k": [True]}], "[1, a, null, {k=[true]}]"),
        ('{"Arg1": 1}', '{"Arg1": 1}'),
    ],
)
def test_format_renders_values_as_aws(value: Any, shown: str) -> None:
    assert ev("States.Format('<{}>', $.v)", {"v": value}) == f"<{shown}>"


def test_format_with_several_values_and_escaped_braces() -> None:
    text = r"States.Format('\{{}\} and {}', $.a, 7)"
    assert ev(text, {"a": "x"}) == "{x} and 7"


def test_format_template_from_a_path() -> None:
    env = {"variables": {"t": "It's {}!"}}
    assert ev("States.Format($t, $.v)", {"v": "Pikachu"}, **env) == "It's Pikachu!"


def test_format_placeholder_count_must_match() -> None:
    assert "1 placeholder(s) but 2 value(s)" in intrinsic_failure("States.Format('{}', 1, 2)")
    assert "2 placeholder(s) but 0" in intrinsic_failure("States.Format('{}{}')")
    assert "must be a string" in intrinsic_failure("States.Format($.t)", {"t": 5})


@pytest.mark.parametrize(
    "value, text",
    [
        (1.0, "1.0"),
        (100.0, "100.0"),
        (0.001, "0.001"),
        (1e-4, "1.0E-4"),
        (1.5e-4, "1.5E-4"),
        (123456.789, "123456.789"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (-2.5, "-2.5"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e21, "1.0E21"),
        (0.1, "0.1"),
    ],
)
def test_java_double(value: float, text: str) -> None:
    assert java_double(value) == text


# --- JSON and strings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("null", None),
        ("-0", 0),
        ("1", 1),
        ("1.1", 1.1),
        ("true", True),
        ('"HelloWorld"', "HelloWorld"),
        ('[1, 2, "HelloWorld"]', [1, 2, "HelloWorld"]),
        ('{"Arg1": 1, "Arg2": []}', {"Arg1": 1, "Arg2": []}),
        (' {"a": "é"} ', {"a": "é"}),
    ],
)
def test_string_to_json(text: str, value: Any) -> None:
    result = ev("States.StringToJson($.s)", {"s": text})
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize("text", ["{", "NaN", "[1,]", "1 2"])
def test_string_to_json_rejects_invalid_json(text: str) -> None:
    assert "not valid JSON" in intrinsic_failure("States.StringToJson($.s)", {"s": text})


def test_string_to_json_needs_a_string() -> None:
    assert "argument 1 must be a string" in intrinsic_failure("States.StringToJson($.s)", {"s": 1})


@pytest.mark.parametrize(
    "value, text",
    [
        (None, "null"),
        (0, "0"),
        (1.1, "1.1"),
        ("HelloWorld", '"HelloWorld"'),
        ({"Arg1": 1, "Arg2": []}, '{"Arg1":1,"Arg2":[]}'),
        (["é"], '["é"]'),
    ],
)
def test_json_to_string(value: Any, text: str) -> None:
    assert ev("States.JsonToString($.v)", {"v": value}) == text


def test_json_merge_is_shallow() -> None:
    data = {"a": {"x": 1, "keep": {"deep": 1}}, "b": {"keep": {"other": 2}, "y": 2}}
    assert ev("States.JsonMerge($.a, $.b, false)", data) == {"x": 1, "keep": {"other": 2}, "y": 2}
    assert data["a"] == {"x": 1, "keep": {"deep": 1}}  # inputs untouched


def test_json_merge_errors() -> None:
    assert "deep merging is not supported" in intrinsic_failure(
        "States.JsonMerge($.a, $.a, true)", {"a": {}}
    )
    assert "argument 2 must be a JSON object" in intrinsic_failure(
        "States.JsonMerge($.a, $.b, false)", {"a": {}, "b": [1]}
    )
    assert "argument 3 must be a boolean" in intrinsic_failure(
        "States.JsonMerge($.a, $.a, 'false')", {"a": {}}
    )


@pytest.mark.parametrize(
    "text, delimiters, pieces",
    [
        (" ", ",", [" "]),
        (" , ", ",", [" ", " "]),
        (",,,,", ",", []),
        ("This.is+a,test=string", ".+,=", ["This", "is", "a", "test", "string"]),
        ("split on T and \nnew line", "T\n", ["split on ", " and ", "new line"]),
        ("a[b]c", "[]", ["a", "b", "c"]),
        ("abc", "", ["abc"]),
        ("", ",", []),
    ],
)
def test_string_split_is_a_tokenizer(text: str, delimiters: str, pieces: list) -> None:
    assert ev("States.StringSplit($.s, $.d)", {"s": text, "d": delimiters}) == pieces


def test_string_split_literal_newlines() -> None:
    assert ev("States.StringSplit('Hello\nWorld', '\n')") == ["Hello", "World"]
    assert "argument 2 must be a string" in intrinsic_failure("States.StringSplit('a', 1)")


# --- arrays --------------------------------------------------------------------------------


def test_array() -> None:
    assert ev("States.Array()") == []
    assert ev("States.Array($.a, 'b', 3, null, $.o)", {"a": [1], "o": {"k": 1}}) == [
        [1],
        "b",
        3,
        None,
        {"k": 1},
    ]


@pytest.mark.parametrize(
    "items, size, chunks",
    [
        ([], 1, []),
        ([0], 2, [[0]]),
        ([0, 1, 2], 2, [[0, 1], [2]]),
        ([0, 1, 2, 3], 4, [[0, 1, 2, 3]]),
        ([0, 1], 1, [[0], [1]]),
        ([0, 1, 2], 1.5, [[0, 1], [2]]),
    ],
)
def test_array_partition(items: list, size: Any, chunks: list) -> None:
    assert ev("States.ArrayPartition($.a, $.n)", {"a": items, "n": size}) == chunks


def test_array_partition_errors() -> None:
    assert "positive integer" in intrinsic_failure("States.ArrayPartition($.a, 0)", {"a": [1]})
    assert "argument 1 must be an array" in intrinsic_failure(
        "States.ArrayPartition($.a, 1)", {"a": "x"}
    )
    assert "must be an integer" in intrinsic_failure("States.ArrayPartition($.a, 'x')", {"a": []})


@pytest.mark.parametrize(
    "items, item, found",
    [
        ([], None, False),
        ([], 1, False),
        ([[1, 2, 3], 2], [1, 2, 3], True),
        ([{"1": 2, "2": []}], [], False),
        ([True, False], True, True),
        ([True, False], False, True),
        ([True], 1, False),
        ([1], True, False),
        ([1], 1.0, True),
        ([{"a": 1, "b": 2}], {"b": 2, "a": 1}, True),
        ([None], None, True),
    ],
)
def test_array_contains(items: list, item: Any, found: bool) -> None:
    assert ev("States.ArrayContains($.a, $.v)", {"a": items, "v": item}) is found


@pytest.mark.parametrize(
    "args, values",
    [
        ("1, 9, 2", [1, 3, 5, 7, 9]),
        ("0, 10, 3", [0, 3, 6, 9]),
        ("1, 9, 9", [1]),
        ("10, 0, -4", [10, 6, 2]),
        ("0, 10, -1", []),
        ("5, 5, 1", [5]),
        ("0.5, 2.4, 1", [1, 2]),
        ("0, 999, 1", list(range(1000))),
    ],
)
def test_array_range(args: str, values: list) -> None:
    assert ev(f"States.ArrayRange({args})") == values


def test_array_range_errors() -> None:
    assert "must not be 0" in intrinsic_failure("States.ArrayRange(1, 2, 0)")
    assert "1001 items, more than the maximum of 1000" in intrinsic_failure(
        "States.ArrayRange(0, 1000, 1)"
    )
    assert "argument 2 must be an integer" in intrinsic_failure("States.ArrayRange(1, 'a', 1)")


def test_array_get_item() -> None:
    assert ev("States.ArrayGetItem($.a, 5)", {"a": list(range(1, 10))}) == 6
    assert ev("States.ArrayGetItem($.a, $.i)", {"a": ["x", "y"], "i": 1}) == "y"
    assert "index 2 is out of bounds for an array of length 2" in intrinsic_failure(
        "States.ArrayGetItem($.a, 2)", {"a": [1, 2]}
    )
    assert "index -1 is out of bounds" in intrinsic_failure(
        "States.ArrayGetItem($.a, -1)", {"a": [1, 2]}
    )


def test_array_length_and_unique() -> None:
    assert ev("States.ArrayLength($.a)", {"a": [1, 2, 3]}) == 3
    data = [
        None,
        None,
        True,
        True,
        False,
        1,
        1,
        1.0,
        1.1,
        0,
        "a",
        "a",
        [],
        [],
        [None],
        [None],
        {"a": 1, "b": 2},
        {"b": 2, "a": 1},
        {"a": 1, "b": 1},
    ]
    assert ev("States.ArrayUnique($.a)", {"a": data}) == [
        None,
        True,
        False,
        1,
        1.1,
        0,
        "a",
        [],
        [None],
        {"a": 1, "b": 2},
        {"a": 1, "b": 1},
    ]
    assert "must be an array" in intrinsic_failure("States.ArrayLength($.a)", {"a": {}})


# --- encoding and hashing ------------------------------------------------------------------


def test_base64() -> None:
    assert ev("States.Base64Encode($.s)", {"s": ""}) == ""
    assert ev("States.Base64Encode('Data to encode')") == "RGF0YSB0byBlbmNvZGU="
    assert ev("States.Base64Encode('é')") == "w6k="
    assert ev("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')") == "Data to encode"
    assert ev("States.Base64Decode('w6k')") == "é"  # padding optional


def test_base64_errors() -> None:
    assert "not a valid Base64" in intrinsic_failure("States.Base64Decode('a$b=')")
    assert "not a valid Base64" in intrinsic_failure("States.Base64Decode('abcde')")
    too_long = {"s": "a" * 10_001}
    assert "longer than 10000 characters" in intrinsic_failure("States.Base64Encode($.s)", too_long)
    assert ev("States.Base64Encode($.s)", {"s": "a" * 10_000})
    assert "must be a string" in intrinsic_failure("States.Base64Encode(1)")


@pytest.mark.parametrize(
    "algorithm, name",
    [
        ("MD5", "md5"),
        ("SHA-1", "sha1"),
        ("SHA-256", "sha256"),
        ("SHA-384", "sha384"),
        ("SHA-512", "sha512"),
    ],
)
def test_hash(algorithm: str, name: str) -> None:
    expected = hashlib.new(name, b"input data").hexdigest()
    assert ev("States.Hash($.d, $.a)", {"d": "input data", "a": algorithm}) == expected


def test_hash_errors() -> None:
    assert "must be one of MD5, SHA-1, SHA-256, SHA-384, SHA-512" in intrinsic_failure(
        "States.Hash('x', 'sha256')"
    )
    assert "argument 1 must be a string" in intrinsic_failure("States.Hash(1, 'MD5')")


# --- math, random, uuid --------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, total",
    [
        (-9, 3, -6),
        (1.5, 1.51, 4),
        (-1.5, -1.51, -3),
        (1.49, 0, 1),
        (1.49, -1.49, 0),
        (1.51, 0, 2),
        (-1.49, 0, -1),
        (-1.51, 0, -2),
        (0.5, 0, 1),
        (1.5, 0, 2),
        (2.5, 0, 3),
        (3.5, 0, 4),
        (-0.5, 0.5, 1),
        (-0.5, 0, 0),
        (-1.5, 0, -1),
        (-2.5, 0, -2),
        (-3.5, 0, -3),
    ],
)
def test_math_add_rounds_half_up(a: float, b: float, total: int) -> None:
    result = ev("States.MathAdd($.a, $.b)", {"a": a, "b": b})
    assert result == total and type(result) is int


def test_math_add_literals_and_errors() -> None:
    assert ev("States.MathAdd(1, 2)") == 3
    assert ev("States.MathAdd(States.MathAdd(1, 2), -1)") == 2
    assert "between -2147483648 and 2147483647" in intrinsic_failure(
        "States.MathAdd(2147483648, 1)"
    )
    assert "argument 2 must be an integer, but was string" in intrinsic_failure(
        "States.MathAdd(1, '2')"
    )
    assert "but was boolean" in intrinsic_failure("States.MathAdd(true, 2)")


def test_java_round() -> None:
    assert [java_round(x) for x in (0.49999999999999994, -0.5, 0.5, -2.5, 7.0)] == [0, 0, 1, -2, 7]


def test_math_random_uses_the_execution_source() -> None:
    values = {ev("States.MathRandom(3, 6)", rng=SeededRandom(seed)) for seed in range(60)}
    assert values == {3, 4, 5}
    assert ev("States.MathRandom(-99999, -9999)") in range(-99999, -9999)


def test_math_random_seeded_is_deterministic() -> None:
    first = {ev("States.MathRandom(0, 999, 3)", rng=SeededRandom(s)) for s in range(5)}
    assert len(first) == 1 and 0 <= first.pop() < 999
    assert java_random_int(42, 10) == 0  # `new java.util.Random(42).nextInt(10)`
    seeds = [s * 982_451_653_127 for s in range(300)]
    assert {java_random_int(seed, 7) for seed in seeds} == set(range(7))
    assert {java_random_int(seed, 8) for seed in seeds} == set(range(8))


def test_math_random_errors() -> None:
    assert "must be greater than the start" in intrinsic_failure("States.MathRandom(5, 5)")
    assert "must be an integer" in intrinsic_failure("States.MathRandom('a', 5)")


def test_uuid_comes_from_env_rng() -> None:
    assert ev("States.UUID()", rng=SeededRandom(3)) == SeededRandom(3).uuid()
    assert "no random source" in intrinsic_failure("States.UUID()", rng=None)


# --- paths, errors and performance ---------------------------------------------------------


def test_paths_read_input_context_and_variables() -> None:
    env = {"context": {"Execution": {"Name": "run-1"}}, "variables": {"v": {"x": 2}}}
    assert ev("States.Array($, $$.Execution.Name, $v.x, $v)", {"a": 1}, **env) == [
        {"a": 1},
        "run-1",
        2,
        {"x": 2},
    ]


def test_missing_path_is_a_runtime_error() -> None:
    text = "States.Format('Run {} to {}', $.fromDate, $.toDate)"
    error = failure(text, {"toDate": "b"})
    assert error.error == RUNTIME
    assert error.cause == (
        f"The function '{text}' had the following error: The JsonPath argument for the field "
        """'$.fromDate' could not be found in the input '{"toDate":"b"}'"""
    )


def test_missing_context_path_quotes_the_context() -> None:
    error = failure("States.Array($$.Nope)", {"a": 1}, context={"Execution": {}})
    assert error.error == RUNTIME and error.cause.endswith("""in the input '{"Execution":{}}'""")


def test_evaluation_compiles_once_and_is_fast() -> None:
    evaluate = compile_intrinsic("States.MathAdd($.i, 1)", stand_in_path)
    envs = [Env({"i": i}) for i in range(1000)]
    start = time.perf_counter()
    for env in envs * 20:
        evaluate(env)
    per_call = (time.perf_counter() - start) / 20_000
    assert [evaluate(env) for env in envs[:3]] == [1, 2, 3]
    assert per_call < 20e-6  # a few microseconds; generous bound for slow machines


def test_package_imports_no_impure_modules() -> None:
    forbidden = {"random", "uuid", "time", "datetime", "os", "secrets"}
    for module in PACKAGE.glob("*.py"):
        tree = ast.parse(module.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            assert not {n.split(".")[0] for n in names} & forbidden, module.name


# --- the recorded corpus ---------------------------------------------------------------------

SIMPLE_FEATURES = {"pass", "fail", "succeed", "intrinsics", "context", "variables"}


def _load_checker() -> Any:
    spec = importlib.util.spec_from_file_location("check_cli", SHARED / "tools" / "check_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _simple_cases() -> list[Path]:
    if not CASES.is_dir():
        return []
    chosen = []
    for case in sorted(CASES.iterdir()):
        expected = json.loads((case / "expected.json").read_text())
        features = set(expected.get("features", []))
        definition = json.loads((case / "definition.json").read_text())
        states = definition.get("States", {}).values()
        if (
            "intrinsics" in features
            and features <= SIMPLE_FEATURES
            and "QueryLanguage" not in definition
            and all(s.get("Type") in ("Pass", "Fail", "Succeed") for s in states)
        ):
            chosen.append(case)
    return chosen


def _expression(text: str) -> Any:
    if looks_like_intrinsic(text):
        return compile_intrinsic(text, stand_in_path)
    return stand_in_path(text)


def _template(template: Any) -> Any:
    """Compile a payload template (`key.$` values are paths or intrinsics)."""
    if isinstance(template, dict):
        parts = [
            (k[:-2], _expression(v))
            if k.endswith(".$") and isinstance(v, str)
            else (k, _template(v))
            for k, v in template.items()
        ]
        return lambda env: {k: fn(env) for k, fn in parts}
    if isinstance(template, list):
        items = [_template(item) for item in template]
        return lambda env: [fn(env) for fn in items]
    return lambda env: template


def _put(document: Any, path: str, value: Any) -> Any:
    if path == "$":
        return value
    keys = path[2:].split(".")
    out = dict(document) if isinstance(document, dict) else {}
    node = out
    for key in keys[:-1]:
        node[key] = dict(node.get(key) or {})
        node = node[key]
    node[keys[-1]] = value
    return out


def _run_chain(definition: dict, data: Any, context: dict) -> dict:
    """Run a chain of Pass/Fail/Succeed states with just enough of the JSONPath pipeline."""
    variables: dict = {}
    name = definition["StartAt"]
    while True:
        state = definition["States"][name]
        env = Env(data, context, variables, SeededRandom(11))
        if state["Type"] == "Fail":
            out = {"status": "FAILED", "error": state.get("Error"), "cause": state.get("Cause")}
            for key in ("Error", "Cause"):
                if key + "Path" in state:
                    out[key.lower()] = _expression(state[key + "Path"])(env)
            return out
        if state["Type"] == "Pass":
            effective = stand_in_path(state.get("InputPath", "$"))(env)
            step_env = Env(effective, context, variables, env.rng)
            if "Parameters" in state:
                result = _template(state["Parameters"])(step_env)
            else:
                result = state.get("Result", effective)
            if "Assign" in state:
                assigned = _template(state["Assign"])(Env(result, context, variables, env.rng))
                variables = {**variables, **assigned}
            result_path = state.get("ResultPath", "$")
            data = data if result_path is None else _put(data, result_path, result)
            output_path = state.get("OutputPath", "$")
            data = {} if output_path is None else stand_in_path(output_path)(Env(data))
        if state.get("End") or state["Type"] == "Succeed":
            return {"status": "SUCCEEDED", "output": data}
        name = state["Next"]


def _context(data: Any) -> dict:
    arn = "arn:aws:states:us-east-1:111111111111"
    return {
        "Execution": {
            "Id": f"{arn}:execution:conformance:conformance-exec",
            "Input": data,
            "Name": "conformance-exec",
            "RoleArn": "snf_role_arn",
            "StartTime": "2026-01-01T00:00:00.000Z",
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": f"{arn}:stateMachine:conformance", "Name": "conformance"},
        "State": {"EnteredTime": "2026-01-01T00:00:00.000Z", "Name": "State0", "RetryCount": 0},
    }


SIMPLE_CASES = _simple_cases()


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/conformance is absent")
@pytest.mark.parametrize("case", SIMPLE_CASES, ids=[c.name for c in SIMPLE_CASES])
def test_recorded_corpus_case(case: Path) -> None:
    checker = _load_checker()
    expected = json.loads((case / "expected.json").read_text())
    data = json.loads((case / "input.json").read_text())
    definition = json.loads((case / "definition.json").read_text())
    try:
        got = _run_chain(definition, data, _context(data))
    except StatesError as exc:
        got = {"status": "FAILED", "error": exc.error, "cause": exc.cause}
    assert got["status"] == expected["status"], got
    if got["status"] == "SUCCEEDED":
        assert checker.match(expected["output"], got["output"]), got["output"]
    else:
        assert got["error"] == expected["error"]
        assert expected.get("cause") is None or checker.match(expected["cause"], got["cause"])


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/conformance is absent")
def test_corpus_selection_covers_the_intrinsic_cases() -> None:
    """The simple shape takes in nearly every recorded intrinsic case (the rest use Map,
    Choice or JSONata, which the engine's own conformance run covers)."""
    assert len(SIMPLE_CASES) >= 95
