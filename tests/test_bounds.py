"""No input makes a step run unbounded, and no execution breaks the db: linear-time
StringMatches, bounded JSONata and intrinsics, virtual time that stays within what a timestamp
can show."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay.clock import MAX_MICROS, iso_aws, iso_context, parse_iso
from replay.world import MockConfigError
from tests.helpers import mock_config, output, run
from tui.cli import app

runner = CliRunner()


def cli(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def write(tmp: Path, name: str, value) -> Path:
    path = tmp / name
    path.write_text(json.dumps(value))
    return path


# -- Choice StringMatches ---------------------------------------------------------------------


def _choice(pattern: str) -> dict:
    return {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.s", "StringMatches": pattern, "Next": "Yes"}],
                "Default": "No",
            },
            "Yes": {"Type": "Pass", "Result": "yes", "End": True},
            "No": {"Type": "Pass", "Result": "no", "End": True},
        },
    }


def test_string_matches_does_not_backtrack(tmp_path):
    began = time.perf_counter()
    result = run(tmp_path, _choice("*a*a*a*a*a*a*a*a*b"), {"s": "a" * 100})
    assert output(result) == "no"
    assert (
        run(tmp_path, _choice("*a*a*a*a*a*a*a*a*b"), {"s": "a" * 20_000 + "b"}, name="e2")["output"]
        == '"yes"'
    )
    assert time.perf_counter() - began < 2


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        ("a*b*c", "abc", True),
        ("a*b*c", "aXbYbZc", True),
        ("a*b*c", "acb", False),
        ("*.log", "x.log", True),
        ("*.log", ".lo", False),
        ("ab*ba", "aba", False),
        ("ab*ba", "abba", True),
        (r"a\*b", "a*b", True),
        (r"a\*b", "aXb", False),
        ("a\\\\*", "a\\xyz", True),
        ("a\\\\*", "axyz", False),
        ("**", "", True),
        ("x*", "x\ny", True),
        ("", "", True),
        ("", "a", False),
        ("a\\", "a\\", True),
    ],
)
def test_string_matches_semantics(tmp_path, pattern, text, expected):
    result = run(tmp_path, _choice(pattern), {"s": text})
    assert output(result) == ("yes" if expected else "no")


# -- virtual time beyond year 9999 ------------------------------------------------------------


def test_clock_formatting_never_raises():
    cycle = 146_097 * 86_400 * 10**6  # 400 Gregorian years
    assert iso_aws(MAX_MICROS) == "9999-12-31T23:59:59.999999+00:00"
    assert iso_aws(MAX_MICROS + 1) == "10000-01-01T00:00:00.000000+00:00"
    assert iso_context(MAX_MICROS + 1 + 2500 * cycle + 1234) == "1010000-01-01T00:00:00.001Z"
    assert iso_aws(parse_iso("0001-01-01T00:00:00Z") - 1) == "0000-12-31T23:59:59.999999+00:00"
    assert iso_context(parse_iso("2026-03-01T12:00:00Z") - 5000 * cycle) == (
        "-1997974-03-01T12:00:00.000Z"
    )
    assert iso_aws(10**40).endswith("+00:00")
    assert iso_context(parse_iso("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00.000Z"


_BAD_WAITS = {
    "seconds": ({"Type": "Wait", "Seconds": 10**15, "End": True}, {}),
    "seconds-path": ({"Type": "Wait", "SecondsPath": "$.s", "End": True}, {"s": 1e300}),
    "timestamp": ({"Type": "Wait", "Timestamp": "9999-12-31T23:59:59-05:00", "End": True}, {}),
    "timestamp-path": (
        {"Type": "Wait", "TimestampPath": "$.t", "End": True},
        {"t": "9999-12-31T20:00:00-08:00"},
    ),
}


@pytest.mark.parametrize("kind", sorted(_BAD_WAITS))
def test_wait_past_year_9999_fails_the_execution_not_the_db(tmp_path, kind):
    state, input_value = _BAD_WAITS[kind]
    db = tmp_path / "db"
    good = write(
        tmp_path, "good.json", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    )
    bad = write(tmp_path, "bad.json", {"StartAt": "W", "States": {"W": state}})
    assert cli("run", good, "--db", db, "--name", "good").exit_code == 0
    result = cli(
        "run", bad, "--db", db, "--name", "bad", "--input", json.dumps(input_value), "--json"
    )
    assert result.exit_code == 1, result.output
    described = json.loads(result.stdout)
    assert described["error"] == "States.Runtime"
    assert "9999-12-31T23:59:59.999Z" in described["cause"]
    listed = cli("list", "--db", db)
    assert listed.exit_code == 0, listed.output
    for name in ("good", "bad"):
        for command in (
            ("history", name),
            ("history", name, "--format", "aws"),
            ("state", name, "--at", "-1"),
            ("state", name, "--at", "1"),
        ):
            answer = cli(*command, "--db", db)
            assert answer.exit_code == 0, (command, answer.output)


def test_retry_backoff_past_year_9999_fails_with_runtime(tmp_path):
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "End": True,
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "MaxAttempts": 99999,
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                    }
                ],
            }
        },
    }
    mocks = mock_config({"T": {"0": {"Throw": {"Error": "E", "Cause": "c"}}}})
    began = time.perf_counter()
    result = run(tmp_path, definition, mocks=mocks, test_case="t")
    assert time.perf_counter() - began < 3
    assert result["status"] == "FAILED" and result["error"] == "States.Runtime"
    assert "Cannot retry E" in result["cause"]
    assert parse_iso(result["stopDate"]) <= MAX_MICROS
    assert cli("list", "--db", tmp_path / "db").exit_code == 0


def test_a_task_delay_beyond_a_year_is_refused_as_a_bad_mock(tmp_path):
    definition = {
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
        },
    }
    mocks = mock_config({"T": {"0": {"Return": 1, "Delay": 1e300}}})
    with pytest.raises(MockConfigError, match="MockedResponses/T/0"):
        run(tmp_path, definition, mocks=mocks, test_case="t")
    assert not (tmp_path / "db").exists()


# -- intrinsics with huge arguments -----------------------------------------------------------


def _intrinsic(tmp: Path, expression: str, input_value=None, name: str = "exec") -> dict:
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"r.$": expression}, "End": True}},
    }
    return run(tmp, definition, input_value, name=name)


@pytest.mark.parametrize(
    "expression, input_value, message",
    [
        ("States.ArrayRange(0, 100000000, 1)", None, "more than the maximum of 1000"),
        ("States.ArrayRange(0, $.n, 1)", {"n": 1e8}, "more than the maximum of 1000"),
        ("States.ArrayRange(0, $.n, 1)", {"n": 1e300}, "must be an integer between"),
        (
            "States.ArrayPartition(States.Array(1, 2), $.n)",
            {"n": 1e12},
            "must be an integer between",
        ),
        ("States.Base64Encode($.s)", {"s": "a" * 10_001}, "longer than 10000 characters"),
        ("States.Base64Decode($.s)", {"s": "QUFB" * 2501}, "longer than 10000 characters"),
        ("States.Hash($.s, 'SHA-256')", {"s": "é" * 10_001}, "longer than 10000 characters"),
        ("States.MathRandom(0, $.n)", {"n": 2**31}, "must be an integer between"),
        (
            "States.Format('" + "{}" * 20 + "', " + ", ".join(["$.s"] * 20) + ")",
            {"s": "x" * 200_000},
            "longer than 262144 characters",
        ),
    ],
)
def test_intrinsic_limits_fail_quickly(tmp_path, expression, input_value, message):
    began = time.perf_counter()
    result = _intrinsic(tmp_path, expression, input_value)
    assert time.perf_counter() - began < 2
    assert result["error"] == "States.IntrinsicFailure", result
    assert message in result["cause"]


@pytest.mark.parametrize(
    "expression, input_value",
    [
        ("States.ArrayLength(States.ArrayRange(1, 1000, 1))", None),
        ("States.Base64Encode($.s)", {"s": "a" * 10_000}),
        ("States.Hash($.s, 'MD5')", {"s": "a" * 10_000}),
        ("States.Format('{}{}', $.s, $.s)", {"s": "x" * 100_000}),
    ],
)
def test_intrinsics_at_their_limits_succeed(tmp_path, expression, input_value):
    assert _intrinsic(tmp_path, expression, input_value)["status"] == "SUCCEEDED"


# -- JSONata: bounded memory as well as time --------------------------------------------------

_RSS_PROBE = """
import json, resource, sys, tempfile
from replay import api
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
answers = []
with tempfile.TemporaryDirectory() as db:
    for index, expression in enumerate(sys.argv[1:]):
        definition = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {
            "Type": "Pass", "Output": "{% " + expression + " %}", "End": True}}}
        result = api.run(db, json.dumps(definition), {}, state_machine_name="sm",
                         name=f"e{index}")
        answers.append({"error": result["error"], "cause": result["cause"]})
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"answers": answers, "grownKiB": grown}))
"""

_RUNAWAY = {
    "$pad('', 2000000000, 'x')": "pad",
    "$join([1..200000].$string(), $pad('', 1000, '-'))": "join",
    "$replace($pad('', 100000, 'a'), 'a', $pad('', 2000, 'b'))": "replace",
    "$replace($pad('', 100000, 'a'), /a/, $pad('', 2000, 'b'))": "replace",
}


def test_jsonata_string_builders_are_bounded():
    began = time.perf_counter()
    probe = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, *_RUNAWAY],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert probe.returncode == 0, probe.stderr
    report = json.loads(probe.stdout)
    assert time.perf_counter() - began < 5
    for answer, function in zip(report["answers"], _RUNAWAY.values(), strict=True):
        assert answer["error"] == "States.QueryEvaluationError"
        assert f'The result of function "{function}" would be longer than' in answer["cause"]
    assert report["grownKiB"] < 200 * 1024  # the process did not balloon


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("$pad('ab', 5)", "ab   "),
        ("$pad('ab', -5, '#')", "###ab"),
        ("'ab' ~> $pad(4, 'x')", "abxx"),
        ("$join(['a', 'b'], '-')", "a-b"),
        ("$join('a')", "a"),
        ("$join(['a', 'b'])", "ab"),
        ("$replace('abcb', 'b', 'X', 1)", "aXcb"),
        ("$replace('aaa', /a/, 'bb')", "bbbbbb"),
        ("$replace('abc abc', /b(c)/, '[$1]')", "a[c] a[c]"),
        ("'a b' ~> $replace(' ', '_')", "a_b"),
        ("$pad($pad('', 10000, 'y'), 10001)", "y" * 10000 + " "),
        ("$split('a,b,,c', ',')", ["a", "b", "", "c"]),
        ("$split('a,b,c', ',', 2)", ["a", "b"]),
        ("$split('abc', '')", ["a", "b", "c"]),
        ("$split('a1b22c', /\\d+/)", ["a", "b", "c"]),
        ("'a b' ~> $split(' ')", ["a", "b"]),
        ("$split('abc', 'x')", ["abc"]),
        ("$count($split($pad('', 1000000, 'x'), 'x', 999999))", 999999),
    ],
)
def test_guarded_string_builders_keep_their_results(tmp_path, expression, expected):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}},
    }
    assert output(run(tmp_path, definition)) == expected


@pytest.mark.parametrize(
    "expression, message",
    [
        (
            "$count($reduce([1..25], function($a, $b){ $append($a, $a) }, [1]))",
            "D2015: The maximum sequence length of 1000000 was exceeded",
        ),
        ("$count([1..2000000])", "D2015: The maximum sequence length of 1000000 was exceeded"),
        ("$count($range(1, 2000000, 1))", 'function "range" must not exceed 1e6'),
        (
            "$count($split($pad('', 2000000, 'x'), ''))",
            'The result of function "split" would have more than 1000000 items',
        ),
        (
            "$count($split($pad('', 2000000, 'x'), /x/))",
            'The result of function "split" would have more than 1000000 items',
        ),
    ],
)
def test_jsonata_sequences_are_bounded(tmp_path, expression, message):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Output": "{% " + expression + " %}", "End": True}},
    }
    began = time.perf_counter()
    result = run(tmp_path, definition)
    assert time.perf_counter() - began < 3
    assert result["error"] == "States.QueryEvaluationError"
    assert message in result["cause"]


def test_jsonata_sequences_up_to_the_bound_work(tmp_path):
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "Output": "{% $count([1..1000000]) + $count($range(1, 1000, 1)) %}",
                "End": True,
            }
        },
    }
    assert output(run(tmp_path, definition)) == 1_001_000


# -- JSONPath filter regexes (`=~`) run in linear time ------------------------------------------


@pytest.mark.parametrize(
    "pattern, text, matches",
    [
        # a backtracking engine takes ~12 s and ~4 s on these (and doubles with each "a" more)
        ("(a+)+b", "a" * 26, False),
        ("(a|aa)*c", "a" * 34, False),
        ("(a+)+b", "a" * 60 + "b", True),
        # Jayway's =~ matches the whole text; a backreference falls back to Python's re
        (".*b.d.*", "abcde", True),
        ("b.d", "abcde", False),
        (".*(a)\\1.*", "xaay", True),
    ],
)
def test_jsonpath_regex_filters_do_not_backtrack(tmp_path, pattern, text, matches):
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "InputPath": f"$.items[?(@.s =~ /{pattern}/)]", "End": True}
        },
    }
    began = time.perf_counter()
    result = run(tmp_path, definition, {"items": [{"s": text}]})
    assert time.perf_counter() - began < 2
    assert output(result) == ([{"s": text}] if matches else [])
