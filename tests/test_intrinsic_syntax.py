"""What `validate` says about a malformed intrinsic call: the whole message, with the offset
of the problem, so a user can find it in a long definition."""

from __future__ import annotations

import json

import pytest

from replay import api
from replay.asl.intrinsics import IntrinsicSyntaxError, parse_intrinsic

# fmt: off
BROKEN = [
    ("Foo.Array(1)", "expected an intrinsic function call starting with 'States.' (at offset 0)"),
    ("States.(1)", "expected a function name after 'States.' (at offset 0)"),
    ("States.Nope(1)", "unknown intrinsic function 'States.Nope' (at offset 0)"),
    ("States.Array 1", "expected '(' after States.Array (at offset 13)"),
    ("States.Array(1", "missing ')' to close States.Array( (at offset 14)"),
    ("States.Array(1,2", "missing ')' to close States.Array( (at offset 16)"),
    ("States.Array(States.Array(1)", "missing ')' to close States.Array( (at offset 28)"),
    ("States.Array(1 2)", "expected ',' or ')' but found '2' (at offset 15)"),
    ("States.Array(1,", "expected an argument but the text ended (at offset 15)"),
    ("States.Array(1,)", "unexpected ')' where an argument was expected (at offset 15)"),
    ("States.Array(foo)", "unexpected 'foo' where an argument was expected (at offset 13)"),
    ("States.Array(01)", "invalid number '01' (at offset 13)"),
    ("States.Array(1a)", "invalid number '1a' (at offset 13)"),
    ("States.Array(1_0)", "invalid number '1_' (at offset 13)"),
    ("States.Array(1.5.2)", "invalid number '1.5.' (at offset 13)"),
    ("States.Array(-)", "invalid number (at offset 13)"),
    ("States.Array('abc)", "unterminated string literal (at offset 13)"),
    ("States.Array('abc\\", "unterminated string literal (at offset 13)"),
    ("States.Array(1, 'abc\\'", "unterminated string literal (at offset 16)"),
    ("States.Array($.a[0)", "unbalanced brackets in path (at offset 13)"),
    ("States.Array($.a])", "unbalanced brackets in path (at offset 13)"),
    ("States.Array($.a['x)", "unbalanced brackets or quotes in path (at offset 13)"),
    ("States.Array(1, $.a[0", "unbalanced brackets or quotes in path (at offset 16)"),
    ("States.Array(1) x", "unexpected 'x' after the closing parenthesis (at offset 16)"),
    ("States.MathAdd(1)", "States.MathAdd takes exactly 2 arguments, got 1 (at offset 0)"),
    ("States.Array(States.MathAdd(1))",
     "States.MathAdd takes exactly 2 arguments, got 1 (at offset 13)"),
    ("States.UUID(1)", "States.UUID takes no arguments, got 1 (at offset 0)"),
    ("States.MathRandom(1)", "States.MathRandom takes 2 or 3 arguments, got 1 (at offset 0)"),
    ("States.Format()", "States.Format takes at least 1 argument, got 0 (at offset 0)"),
    ("States.ArrayLength(1, 2)", "States.ArrayLength takes exactly 1 argument, got 2 (at offset 0)"),
]
# fmt: on


@pytest.mark.parametrize("text, problem", BROKEN)
def test_syntax_errors_give_the_problem_and_its_offset(text, problem):
    with pytest.raises(IntrinsicSyntaxError) as caught:
        parse_intrinsic(text)
    assert str(caught.value) == f"invalid intrinsic function call {text!r}: {problem}"


def test_validate_reports_the_message_at_the_field():
    text = "States.Array(1 2)"
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True, "Parameters": {"a.$": text}}},
    }
    diagnostics = [str(d) for d in api.validate(json.dumps(definition))]
    assert len(diagnostics) == 1
    assert diagnostics[0].startswith("/States/P/Parameters/a.$: ")
    assert "expected ',' or ')' but found '2' (at offset 15)" in diagnostics[0]


def test_a_non_string_is_not_a_call():
    with pytest.raises(IntrinsicSyntaxError) as caught:
        parse_intrinsic(5)  # type: ignore[arg-type]
    assert str(caught.value) == "an intrinsic function call must be a string, not 5"


@pytest.mark.parametrize(
    "text, paths",
    [
        ("States.Array($.a[?(@.k == ')')], 1)", ["$.a[?(@.k == ')')]", 1]),
        ('States.Array($.a[?(@.k == "]")],$.b)', ['$.a[?(@.k == "]")]', "$.b"]),
        ("States.Array($.a[1] , 2)", ["$.a[1]", 2]),
        ("States.Array($.a\t,2)", ["$.a", 2]),
        ("States.Array($.a['x\\')'])", ["$.a['x\\')']"]),
        ("States.Array( $.x )", ["$.x"]),
        ("States.Array($$.Execution.Id)", ["$$.Execution.Id"]),
        (
            "States.Array($.a['\\''], 1)",
            ["$.a['\\'']", 1],
        ),  # an escaped quote, then the closing one
        ("States.Array(1, $.a['q\\'x'], 2)", [1, "$.a['q\\'x']", 2]),
        ("States.Array($.a[?(@.X == 1)], 2)", ["$.a[?(@.X == 1)]", 2]),
        ("States.Array($.X, $.XX)", ["$.X", "$.XX"]),
        ("States.Array(')', $.a['\\''])", [")", "$.a['\\'']"]),
    ],
)
def test_paths_run_to_the_next_top_level_separator(text, paths):
    args = parse_intrinsic(text).args
    assert [getattr(a, "text", getattr(a, "value", None)) for a in args] == paths
