"""Static validation of definitions: no false alarms on AWS-accepted definitions, one
diagnostic (pointer and message) per kind of mistake, and never an exception."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replay.asl.validate import Diagnostic, check_jsonata, validate_definition, validate_text
from replay.asl.validate_expr import JsonataSyntaxError

CASES = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "cases"
CORPUS = sorted(CASES.glob("*/definition.json")) if CASES.is_dir() else []


def _provides(module: str, name: str) -> bool:
    """Whether a module written concurrently has landed, with the name the validator calls."""
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


HAVE_CHOICE = _provides("replay.asl.choice", "compile_rule")
HAVE_INTRINSICS = _provides("replay.asl.intrinsics", "parse_intrinsic")

LAMBDA = "arn:aws:lambda:us-east-1:111111111111:function:f"
S3_GET = "arn:aws:states:::s3:getObject"
TS = "2016-03-14T01:59:00Z"
JSONATA = {"QueryLanguage": "JSONata"}


def machine(states: dict, start: str = "A", **top: Any) -> dict:
    return {"StartAt": start, "States": states, **top}


def one(**state: Any) -> dict:
    """A machine with the single state A."""
    return machine({"A": state})


def task(**fields: Any) -> dict:
    return one(**{"Type": "Task", "Resource": LAMBDA, "End": True, **fields})


def sub(start: str = "I", **state: Any) -> dict:
    """A nested machine (branch or processor) of one state, a Succeed unless given."""
    return machine({start: state or {"Type": "Succeed"}}, start)


def map_(**fields: Any) -> dict:
    return one(**{"Type": "Map", "End": True, "ItemProcessor": sub(), **fields})


def config(**processor_config: Any) -> dict:
    return map_(ItemProcessor={**sub(), "ProcessorConfig": processor_config})


def choice(*rules: dict, **fields: Any) -> dict:
    return one(Type="Choice", Choices=list(rules), **fields)


def retry(*retriers: dict) -> dict:
    return task(Retry=list(retriers))


def found(definition: Any) -> list[str]:
    return [str(d) for d in validate_definition(definition)]


def assert_reports(definition: Any, pointer: str, message: str) -> None:
    """Some diagnostic is at `pointer` and its message contains `message`."""
    diagnostics = validate_definition(definition)
    assert any(d.pointer == pointer and message in d.message for d in diagnostics), [
        str(d) for d in diagnostics
    ]


# --- no false alarms -----------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS, reason="conformance corpus not present")
@pytest.mark.parametrize("path", CORPUS, ids=[p.parent.name for p in CORPUS])
def test_corpus_definitions_accepted_by_aws_are_valid(path: Path) -> None:
    text = path.read_text()
    assert validate_text(text) == []
    assert validate_definition(json.loads(text)) == []


# fmt: off
VALID = [
    one(Type="Pass", Result={"a": 1}, ResultPath="$.r", InputPath="$", OutputPath=None, End=True),
    one(Type="Pass", Output="{% $states.input %}", Assign={"x": 1}, End=True, **JSONATA),
    task(Parameters={"a.$": "$.a", "b.$": "$$.Execution.Id", "c.$": "$v"},
         ResultSelector={"r.$": "$.Payload"}, TimeoutSeconds=60, HeartbeatSeconds=10,
         Retry=[{"ErrorEquals": ["A"], "IntervalSeconds": 2, "MaxAttempts": 0, "BackoffRate": 1,
                 "MaxDelaySeconds": 5, "JitterStrategy": "FULL"},
                {"ErrorEquals": ["States.ALL"], "Comment": "last"}],
         Catch=[{"ErrorEquals": ["States.ALL"], "Next": "A", "ResultPath": "$.error"}]),
    task(Resource="arn:aws:states:::lambda:invoke", Arguments={"Payload": "{% $states.input %}"},
         TimeoutSeconds="{% 5 %}", **JSONATA,
         Catch=[{"ErrorEquals": ["States.ALL"], "Next": "A", "Output": "{% $states.errorOutput %}",
                 "Assign": {"err": "{% $states.errorOutput %}"}}]),
    machine({"C": {"Type": "Choice", "Default": "F", "Assign": {"v.$": "$.a"},
                   "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "S"}]},
             "S": {"Type": "Succeed"},
             "F": {"Type": "Fail", "ErrorPath": "$.e", "Cause": "c"}}, "C"),
    machine({"C": {"Type": "Choice", "Default": "S", **JSONATA,
                   "Choices": [{"Condition": "{% $states.input.a > 1 %}", "Next": "S",
                                "Output": {"x": 1}, "Assign": {"y": 2}}]},
             "S": {"Type": "Succeed", "Output": "{% 1 %}", **JSONATA}}, "C"),
    one(Type="Wait", SecondsPath="$.s", End=True),
    one(Type="Wait", Timestamp=TS, End=True),
    one(Type="Parallel", Branches=[sub("B", Type="Pass", End=True)], End=True),
    map_(ItemsPath="$.items", ItemSelector={"v.$": "$$.Map.Item.Value"}, MaxConcurrency=2,
         ToleratedFailurePercentage=50, Label="L",
         ItemProcessor={**sub(), "ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                     "ExecutionType": "EXPRESS"}},
         ItemReader={"Resource": S3_GET, "ReaderConfig": {"InputType": "JSON"},
                     "Parameters": {"Bucket.$": "$.bucket", "Key": "k"}},
         ItemBatcher={"MaxItemsPerBatch": 10, "BatchInput": {"f.$": "$.f"}},
         ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"}}),
    one(Type="Map", Iterator=sub(), Parameters={"x.$": "$"}, MaxConcurrencyPath="$max", End=True),
    machine({"A": {"Type": "Map", "Items": "{% [1, 2] %}", "MaxConcurrency": "{% 1 %}",
                   "ItemProcessor": sub(), "End": True}}, QueryLanguage="JSONata"),
    machine({"A": {"Type": "Pass", "End": True}}, Comment="c", Version="1.0", TimeoutSeconds=10),
]
# fmt: on


@pytest.mark.parametrize("definition", VALID)
def test_valid_definitions_have_no_diagnostics(definition: dict) -> None:
    assert found(definition) == []


def test_jsonata_brackets_inside_strings_regexes_and_comments_are_fine() -> None:
    for text in ("'{' & $x", '"(]" & `a b`', "$match($s, /\\(/)", "/* ( */ 1", "$a / 2 / ($b)"):
        check_jsonata(text)


# --- one diagnostic per kind of mistake ----------------------------------------------------


def test_diagnostic_str_is_pointer_colon_message() -> None:
    diagnostic = Diagnostic("/States/A/Next", 'state "Nowhere" does not exist')
    assert str(diagnostic) == '/States/A/Next: state "Nowhere" does not exist'


def test_next_naming_a_missing_state() -> None:
    assert found(one(Type="Pass", Next="Nowhere")) == [
        '/States/A/Next: state "Nowhere" does not exist'
    ]


def test_not_json_reports_line_and_column() -> None:
    (diagnostic,) = validate_text('{\n  "StartAt": ,\n}')
    assert diagnostic.pointer == ""
    assert diagnostic.message.startswith("not JSON: ")
    assert "line 2 column 14" in diagnostic.message


@pytest.mark.parametrize("text", ["", "NaN", '{"a": Infinity}', b"\xff", 42])
def test_other_unparsable_inputs(text: Any) -> None:
    (diagnostic,) = validate_text(text)
    assert diagnostic.pointer == "" and diagnostic.message.startswith("not JSON")


def test_duplicate_state_names_in_the_text() -> None:
    text = (
        '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Succeed"}}}'
    )
    assert [str(d) for d in validate_text(text)] == ['/States/A: duplicate state name "A"']


def test_duplicate_field_in_the_text() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "End": true}}}'
    assert [str(d) for d in validate_text(text)] == ['/States/A/End: duplicate field "End"']


def test_duplicate_state_names_across_nested_machines() -> None:
    definition = one(Type="Parallel", Branches=[sub("A", Type="Pass", End=True)], End=True)
    assert found(definition) == [
        '/States/A/Branches/0/States/A: duplicate state name "A" (also defined at /States/A)'
    ]


def test_unknown_type_state_still_counts_its_next_for_reachability() -> None:
    definition = machine({"A": {"Type": "Foo", "Next": "B"}, "B": {"Type": "Succeed"}})
    assert found(definition) == ['/States/A/Type: unknown state type "Foo"']


# fmt: off
BROKEN = [
    # (definition, pointer, message fragment)
    # -- the machine
    ([], "", "the definition must be a JSON object, not an empty list"),
    ({"States": {"A": {"Type": "Succeed"}}}, "", 'missing required field "StartAt"'),
    ({"StartAt": "A"}, "", 'missing required field "States"'),
    (machine({}), "/States", "at least one state"),
    (machine({"A": {"Type": "Succeed"}}, "B"), "/StartAt", 'state "B" does not exist'),
    (machine({"A": {"Type": "Succeed"}}, 7), "/StartAt", "StartAt must be a state name"),
    ({**one(Type="Succeed"), "Foo": 1}, "/Foo",
     'field "Foo" is not supported in the state machine'),
    ({**one(Type="Succeed"), "TimeoutSeconds": 0}, "/TimeoutSeconds", "positive integer"),
    ({**one(Type="Succeed"), "QueryLanguage": "jsonata"}, "/QueryLanguage",
     "QueryLanguage must be"),
    (machine({"A": {"Type": "Succeed"}, "B": {"Type": "Succeed"}}), "/States/B",
     'state "B" is not reachable from StartAt'),
    (machine({"A" * 81: {"Type": "Succeed"}}, "A" * 81), "/States/" + "A" * 81,
     "state name is longer than 80 characters"),
    # -- type, fields, query language
    (one(Type="Foo"), "/States/A/Type", 'unknown state type "Foo"'),
    (one(End=True), "/States/A", 'missing required field "Type"'),
    (machine({"A": 3}), "/States/A", "a state must be an object"),
    (one(Type="Pass", End=True, Foo=1), "/States/A/Foo",
     'field "Foo" is not supported in Pass states'),
    (one(Type="Pass", End=True, Resource=LAMBDA), "/States/A/Resource",
     "not supported in Pass states"),
    (one(Type="Succeed", Next="A"), "/States/A/Next",
     'field "Next" is not supported in Succeed states'),
    (one(Type="Fail", InputPath="$"), "/States/A/InputPath", "not supported in Fail states"),
    (one(Type="Pass", End=True, Comment=5), "/States/A/Comment", "Comment must be a string"),
    (one(Type="Pass", Parameters={}, End=True, **JSONATA), "/States/A/Parameters",
     'field "Parameters" is not supported in JSONata states (use Arguments)'),
    (task(ResultSelector={}, **JSONATA), "/States/A/ResultSelector",
     "not supported in JSONata states"),
    (task(Arguments={}), "/States/A/Arguments",
     'field "Arguments" is only supported in JSONata states (use Parameters)'),
    (one(Type="Pass", Output=1, End=True), "/States/A/Output", "only supported in JSONata states"),
    (one(Type="Pass", QueryLanguage="YAML", End=True), "/States/A/QueryLanguage",
     'QueryLanguage must be "JSONPath" or "JSONata"'),
    (machine({"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}, **JSONATA),
     "/States/A", "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata'"),
    # -- Next / End
    (one(Type="Pass"), "/States/A", 'one of "Next" or "End": true is required'),
    (one(Type="Pass", End=False), "/States/A", 'one of "Next" or "End": true is required'),
    (one(Type="Pass", End=True, Next="A"), "/States/A", 'only one of "Next" and "End" may be set'),
    (one(Type="Pass", End="yes"), "/States/A/End", "End must be true or false"),
    (one(Type="Pass", Next=1), "/States/A/Next", "Next must be a state name"),
    (choice({"Variable": "$.a", "IsNull": True, "Next": "A"}, End=True), "/States/A/End",
     'field "End" is not supported in Choice states'),
    # -- Task
    (one(Type="Task", End=True), "/States/A", 'missing required field "Resource"'),
    (task(Resource="lambda"), "/States/A/Resource", "Resource must be an ARN string"),
    (task(Resource=["arn:aws:x:::y"]), "/States/A/Resource", "must be an ARN string"),
    (task(TimeoutSeconds=5, TimeoutSecondsPath="$.t"), "/States/A/TimeoutSecondsPath",
     'only one of "TimeoutSeconds" and "TimeoutSecondsPath" may be set'),
    (task(HeartbeatSeconds=1, HeartbeatSecondsPath="$.t"), "/States/A/HeartbeatSecondsPath",
     "only one of"),
    (task(TimeoutSeconds=0), "/States/A/TimeoutSeconds",
     "TimeoutSeconds must be a positive integer"),
    (task(TimeoutSeconds=10, HeartbeatSeconds=10), "/States/A/HeartbeatSeconds",
     "smaller than TimeoutSeconds"),
    (task(TimeoutSecondsPath="t"), "/States/A/TimeoutSecondsPath", "must start with '$'"),
    (task(Credentials="role"), "/States/A/Credentials", "Credentials must be an object"),
    (task(TimeoutSecondsPath="$.t", **JSONATA), "/States/A/TimeoutSecondsPath",
     "not supported in JSONata states (use TimeoutSeconds)"),
    # -- Retry
    (task(Retry={}), "/States/A/Retry", "Retry must be a list"),
    (retry({}), "/States/A/Retry/0", 'missing required field "ErrorEquals"'),
    (retry({"ErrorEquals": []}), "/States/A/Retry/0/ErrorEquals", "non-empty list"),
    (retry({"ErrorEquals": [1]}), "/States/A/Retry/0/ErrorEquals/0", "must be a string"),
    (retry({"ErrorEquals": ["E"], "IntervalSeconds": 0}), "/States/A/Retry/0/IntervalSeconds",
     "IntervalSeconds must be a positive integer"),
    (retry({"ErrorEquals": ["E"], "IntervalSeconds": 1.5}), "/States/A/Retry/0/IntervalSeconds",
     "positive integer"),
    (retry({"ErrorEquals": ["E"], "MaxAttempts": -1}), "/States/A/Retry/0/MaxAttempts",
     "MaxAttempts must be a non-negative integer"),
    (retry({"ErrorEquals": ["E"], "BackoffRate": 0.5}), "/States/A/Retry/0/BackoffRate",
     "BackoffRate must be a number >= 1.0"),
    (retry({"ErrorEquals": ["E"], "MaxDelaySeconds": 0}), "/States/A/Retry/0/MaxDelaySeconds",
     "MaxDelaySeconds must be a positive integer"),
    (retry({"ErrorEquals": ["E"], "JitterStrategy": "HALF"}), "/States/A/Retry/0/JitterStrategy",
     'JitterStrategy must be "FULL" or "NONE"'),
    (retry({"ErrorEquals": ["E"], "Foo": 1}), "/States/A/Retry/0/Foo",
     'field "Foo" is not supported in a retrier'),
    (retry({"ErrorEquals": ["States.ALL", "E"]}), "/States/A/Retry/0/ErrorEquals",
     '"States.ALL" must appear alone'),
    (retry({"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["E"]}),
     "/States/A/Retry/0/ErrorEquals",
     '"States.ALL" must appear only in the last entry'),
    (task(Retry=["x"]), "/States/A/Retry/0", "must be an object"),
    # -- Catch
    (task(Catch=[{"ErrorEquals": ["E"]}]), "/States/A/Catch/0", 'missing required field "Next"'),
    (task(Catch=[{"ErrorEquals": ["E"], "Next": "Z"}]), "/States/A/Catch/0/Next",
     'state "Z" does not exist'),
    (task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "A"},
                 {"ErrorEquals": ["E"], "Next": "A"}]),
     "/States/A/Catch/0/ErrorEquals", "only in the last entry"),
    (task(Catch=[{"ErrorEquals": ["E"], "Next": "A", "ResultPath": "x"}]),
     "/States/A/Catch/0/ResultPath", "must start with '$'"),
    (task(Catch=[{"ErrorEquals": ["E"], "Next": "A", "Output": 1}]), "/States/A/Catch/0/Output",
     'field "Output" is not supported in a JSONPath catcher'),
    (task(Catch=[{"ErrorEquals": ["E"], "Next": "A", "ResultPath": "$.e"}], **JSONATA),
     "/States/A/Catch/0/ResultPath", 'field "ResultPath" is not supported in a JSONata catcher'),
    (task(Catch=[{"ErrorEquals": ["E"], "Next": "A", "Output": "{% $x "}], **JSONATA),
     "/States/A/Catch/0/Output", "must end with '%}'"),
    # -- Wait
    (one(Type="Wait", End=True), "/States/A",
     'exactly one of "Seconds", "SecondsPath", "Timestamp", "TimestampPath" is required'),
    (one(Type="Wait", Seconds=1, Timestamp=TS, End=True), "/States/A/Timestamp",
     'only one of "Seconds" and "Timestamp" may be set'),
    (one(Type="Wait", Seconds=-1, End=True), "/States/A/Seconds",
     "Seconds must be a non-negative integer"),
    (one(Type="Wait", Timestamp="yesterday", End=True), "/States/A/Timestamp", "RFC 3339"),
    (one(Type="Wait", SecondsPath="$.[", End=True), "/States/A/SecondsPath", "invalid JSONPath"),
    (one(Type="Wait", SecondsPath="$.s", End=True, **JSONATA), "/States/A/SecondsPath",
     "not supported in JSONata states (use Seconds)"),
    # -- Fail
    (one(Type="Fail", Error="E", ErrorPath="$.e"), "/States/A/ErrorPath",
     'only one of "Error" and "ErrorPath"'),
    (one(Type="Fail", Cause="C", CausePath="$.c"), "/States/A/CausePath",
     'only one of "Cause" and "CausePath"'),
    (one(Type="Fail", Error=1), "/States/A/Error", "Error must be a string"),
    (one(Type="Fail", CausePath="cause"), "/States/A/CausePath", "must start with '$'"),
    # -- Choice
    (one(Type="Choice"), "/States/A", 'missing required field "Choices"'),
    (choice(), "/States/A/Choices", "non-empty list"),
    (choice({"Variable": "$.a", "IsNull": True, "Next": "A"}, Default="Z"), "/States/A/Default",
     'state "Z" does not exist'),
    (choice({"Variable": "$.a", "IsNull": True, "Next": "Z"}), "/States/A/Choices/0/Next",
     'state "Z" does not exist'),
    (choice({"Variable": "$.a", "IsNull": True}), "/States/A/Choices/0",
     'missing required field "Next"'),
    (choice({"Variable": "$.a", "IsNull": True, "Next": "A", "Output": {}}),
     "/States/A/Choices/0/Output", "only supported in JSONata states"),
    (choice({"Next": "A"}, **JSONATA), "/States/A/Choices/0", 'missing required field "Condition"'),
    (choice({"Condition": "$.a", "Next": "A"}, **JSONATA), "/States/A/Choices/0/Condition",
     "Condition must be a JSONata expression"),
    (choice({"Condition": "{% ) %}", "Next": "A"}, **JSONATA), "/States/A/Choices/0/Condition",
     "invalid JSONata expression"),
    (choice({"Condition": True, "Next": "A", "Variable": "$"}, **JSONATA),
     "/States/A/Choices/0/Variable", 'field "Variable" is not supported in a JSONata choice rule'),
    # -- Parallel
    (one(Type="Parallel", End=True), "/States/A", 'missing required field "Branches"'),
    (one(Type="Parallel", Branches=[], End=True), "/States/A/Branches", "non-empty list"),
    (one(Type="Parallel", Branches=[{"States": {"B": {"Type": "Succeed"}}}], End=True),
     "/States/A/Branches/0", 'missing required field "StartAt"'),
    (one(Type="Parallel", Branches=[{**sub("B"), "TimeoutSeconds": 1}], End=True),
     "/States/A/Branches/0/TimeoutSeconds", "not supported in a Parallel branch"),
    (one(Type="Parallel", Branches=[5], End=True), "/States/A/Branches/0",
     "a Parallel branch must be a JSON object"),
    (one(Type="Parallel", Branches=[machine({"B": {"Type": "Succeed"}, "C": {"Type": "Succeed"}},
                                            "B")], End=True),
     "/States/A/Branches/0/States/C", 'state "C" is not reachable from StartAt'),
    (one(Type="Parallel", Branches=[sub("B", Type="Pass", Next="A")], End=True),
     "/States/A/Branches/0/States/B/Next", 'state "A" does not exist'),
    # -- Map
    (one(Type="Map", End=True), "/States/A", 'missing required field "ItemProcessor"'),
    (map_(Iterator=sub("J")), "/States/A/Iterator",
     'only one of "ItemProcessor" and "Iterator" may be set'),
    (config(Mode="FAST"), "/States/A/ItemProcessor/ProcessorConfig/Mode",
     'Mode must be "INLINE" or "DISTRIBUTED"'),
    (config(Mode="DISTRIBUTED"), "/States/A/ItemProcessor/ProcessorConfig",
     'missing required field "ExecutionType"'),
    (config(ExecutionType="SLOW"), "/States/A/ItemProcessor/ProcessorConfig/ExecutionType",
     "ExecutionType must be"),
    (config(Foo=1), "/States/A/ItemProcessor/ProcessorConfig/Foo",
     "not supported in ProcessorConfig"),
    (map_(ItemProcessor=sub(Type="Pass", Next="Z")), "/States/A/ItemProcessor/States/I/Next",
     'state "Z" does not exist'),
    (map_(ItemsPath="items"), "/States/A/ItemsPath", "must start with '$'"),
    (map_(Items=[1]), "/States/A/Items",
     'field "Items" is only supported in JSONata states (use ItemsPath)'),
    (map_(ItemsPath="$.a", **JSONATA), "/States/A/ItemsPath",
     "not supported in JSONata states (use Items)"),
    (map_(Items="items", **JSONATA), "/States/A/Items",
     "Items must be a list or a JSONata expression"),
    (map_(ItemSelector={"v.$": "Map.Item"}), "/States/A/ItemSelector/v.$", "must start with '$'"),
    (map_(ItemSelector={}, Parameters={}), "/States/A/Parameters",
     'only one of "ItemSelector" and "Parameters"'),
    (map_(MaxConcurrency=-1), "/States/A/MaxConcurrency",
     "MaxConcurrency must be a non-negative integer"),
    (map_(MaxConcurrency=1, MaxConcurrencyPath="$.m"), "/States/A/MaxConcurrencyPath",
     "only one of"),
    (map_(ToleratedFailurePercentage=101), "/States/A/ToleratedFailurePercentage",
     "from 0 to 100"),
    (map_(ToleratedFailureCount=-2), "/States/A/ToleratedFailureCount", "non-negative integer"),
    (map_(ToleratedFailureCountPath="$.c", ToleratedFailureCount=1),
     "/States/A/ToleratedFailureCountPath", "only one of"),
    (map_(Label=3), "/States/A/Label", "Label must be a string"),
    (map_(ItemReader={"ReaderConfig": {}}), "/States/A/ItemReader",
     'missing required field "Resource"'),
    (map_(ItemReader={"Resource": S3_GET, "Arguments": {}}), "/States/A/ItemReader/Arguments",
     'field "Arguments" is not supported in ItemReader'),
    (map_(ItemReader={"Resource": S3_GET, "Parameters": {"Key.$": "k"}}),
     "/States/A/ItemReader/Parameters/Key.$", "must start with '$'"),
    (map_(ItemBatcher={"MaxItems": 1}), "/States/A/ItemBatcher/MaxItems",
     "not supported in ItemBatcher"),
    (map_(ItemBatcher={"BatchInput": {"a.$": 5}}), "/States/A/ItemBatcher/BatchInput/a.$",
     "must be a string"),
    (map_(ResultWriter={"Resource": "s3"}), "/States/A/ResultWriter/Resource",
     "must be an ARN string"),
    # -- paths, templates, variables, JSONata
    (one(Type="Pass", InputPath="input", End=True), "/States/A/InputPath", "must start with '$'"),
    (one(Type="Pass", OutputPath=3, End=True), "/States/A/OutputPath", "must be a path or null"),
    (one(Type="Pass", ResultPath="$$.Execution", End=True), "/States/A/ResultPath",
     "ResultPath must be a reference path on the state input"),
    (one(Type="Pass", ResultPath="$.a[*]", End=True), "/States/A/ResultPath", "reference path"),
    (one(Type="Pass", Parameters={"x": {"y.$": "y"}}, End=True), "/States/A/Parameters/x/y.$",
     "must start with '$'"),
    (one(Type="Pass", Parameters={"a/b~c.$": "nope"}, End=True), "/States/A/Parameters/a~1b~0c.$",
     "must start with '$'"),
    (one(Type="Pass", Parameters={"x.$": None}, End=True), "/States/A/Parameters/x.$",
     "must be a string"),
    (one(Type="Pass", Assign={"1x": 1}, End=True), "/States/A/Assign/1x",
     'invalid variable name "1x"'),
    (one(Type="Pass", Assign=[1], End=True), "/States/A/Assign", "Assign must be an object"),
    (one(Type="Pass", Output="{% $states.input", End=True, **JSONATA), "/States/A/Output",
     "a JSONata expression must end with '%}'"),
    (one(Type="Pass", Output={"a": ["{% ($x %}"]}, End=True, **JSONATA), "/States/A/Output/a/0",
     "invalid JSONata expression"),
    (one(Type="Pass", Assign={"x": "{%  %}"}, End=True, **JSONATA), "/States/A/Assign/x",
     "the JSONata expression is empty"),
    (task(Arguments={"a": "{% 'x %}"}, **JSONATA), "/States/A/Arguments/a",
     "String literal must be terminated"),
]
# fmt: on


@pytest.mark.parametrize(("definition", "pointer", "message"), BROKEN)
def test_broken_definition_is_reported(definition: Any, pointer: str, message: str) -> None:
    assert_reports(definition, pointer, message)


def test_check_jsonata_rejects_unbalanced_brackets() -> None:
    for text in ("(", "[1, 2", "{'a': 1", "a)", "(]", "/* x", "'x", "$match($s, /x"):
        with pytest.raises(JsonataSyntaxError):
            check_jsonata(text)


@pytest.mark.skipif(not HAVE_INTRINSICS, reason="replay.asl.intrinsics not written yet")
def test_intrinsic_syntax_errors_are_reported() -> None:
    broken = one(Type="Pass", Parameters={"x.$": "States.Format('a', $.b"}, End=True)
    assert_reports(broken, "/States/A/Parameters/x.$", "invalid intrinsic function call")
    fine = one(Type="Pass", Parameters={"x.$": "States.Format('{}', $.b)"}, End=True)
    assert found(fine) == []
    fail = one(Type="Fail", ErrorPath="States.Format(")
    assert_reports(fail, "/States/A/ErrorPath", "invalid intrinsic function call")
    unknown = one(Type="Pass", Parameters={"x.$": "States.Nope($.a)"}, End=True)
    assert_reports(unknown, "/States/A/Parameters/x.$", "States.Nope")


@pytest.mark.skipif(not HAVE_CHOICE, reason="replay.asl.choice not written yet")
def test_choice_rule_errors_come_from_compile_rule() -> None:
    bad_operand = choice({"Variable": "$.a", "NumericEquals": "one", "Next": "A"})
    assert_reports(bad_operand, "/States/A/Choices/0/NumericEquals", "must be a number")
    nested = choice({"And": [{"Variable": "a", "IsNull": True}], "Next": "A"})
    assert_reports(nested, "/States/A/Choices/0/And/0/Variable", "must be a path")
    no_operator = choice({"Variable": "$.a", "Next": "A"})
    assert_reports(no_operator, "/States/A/Choices/0", "comparison operator")
    with_extras = machine(
        {
            "A": {
                "Type": "Choice",
                "Default": "Z",
                "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "A", "Comment": "c"}],
            },
            "Z": {"Type": "Succeed"},
        }
    )
    assert found(with_extras) == []


# --- never raises --------------------------------------------------------------------------

KEYS = [
    "StartAt", "States", "Type", "Next", "End", "Choices", "Default", "Branches", "ItemProcessor",
    "Iterator", "ProcessorConfig", "Mode", "Retry", "Catch", "ErrorEquals", "Parameters",
    "Assign", "QueryLanguage", "Resource", "Seconds", "Variable", "Condition", "And", "Not",
    "x.$", "Items",
]  # fmt: skip
STRINGS = [
    "A", "B", "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map", "JSONata",
    "JSONPath", "$", "$.a", "$$.x", "$v", "$.a[?(@.b > 1)]", "States.Format('{}', $.a)",
    "States.ALL", "{% $x %}", "{% (", LAMBDA, "DISTRIBUTED",
]  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(STRINGS)
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=40,
)


def _no_internal_error(diagnostics: list[Diagnostic]) -> None:
    assert isinstance(diagnostics, list)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    assert not any("internal validator error" in d.message for d in diagnostics), diagnostics


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_arbitrary_json_never_raises(value: Any) -> None:
    _no_internal_error(validate_definition(value))
    _no_internal_error(validate_definition({"StartAt": "A", "States": {"A": value}}))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    _no_internal_error(validate_text(text))


def _containers(value: Any, path: tuple = ()) -> list[tuple]:
    """The paths of every object and list inside `value`, itself included."""
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    paths = [path]
    for key, item in items:
        paths.extend(_containers(item, (*path, key)))
    return paths


def _mutate(document: Any, data: st.DataObject) -> Any:
    """Replace, delete or insert a value somewhere in a copy of `document`, 1 to 3 times."""
    document = copy.deepcopy(document)
    for _ in range(data.draw(st.integers(1, 3))):
        target = document
        for key in data.draw(st.sampled_from(_containers(document))):
            target = target[key]
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        action = data.draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "insert" or not keys:
            if isinstance(target, dict):
                target[data.draw(st.sampled_from(KEYS))] = data.draw(JSON)
            else:
                target.append(data.draw(JSON))
        elif action == "delete":
            del target[data.draw(st.sampled_from(keys))]
        else:
            target[data.draw(st.sampled_from(keys))] = data.draw(JSON)
    return document


BASES = VALID + [json.loads(p.read_text()) for p in CORPUS[::25]]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BASES), st.data())
def test_mutated_valid_definitions_never_raise(base: dict, data: st.DataObject) -> None:
    mutated = _mutate(base, data)
    _no_internal_error(validate_definition(mutated))
    _no_internal_error(validate_text(json.dumps(mutated)))


# --- terminal states and follow-on noise ----------------------------------------------------

LOOP = {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Wait", "Seconds": 1, "Next": "A"}}


def test_machine_without_terminal_state_is_rejected() -> None:
    """AWS MISSING_END_STATE ("The workflow does not have a terminal state", API reference
    ValidateStateMachineDefinitionDiagnostic): every path from StartAt loops forever."""
    expected = (
        '/States: MISSING_END_STATE: no terminal state (Succeed, Fail or "End": true) '
        "can be reached from StartAt; every path loops forever"
    )
    assert found(machine(LOOP)) == [expected]


def test_loop_with_an_exit_has_a_terminal_state() -> None:
    """A loop is fine when some path leaves it (a Choice Default, a Catch)."""
    states = {
        "A": {"Type": "Pass", "Next": "C"},
        "C": {
            "Type": "Choice",
            "Default": "Done",
            "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "A"}],
        },
        "Done": {"Type": "Succeed"},
    }
    assert found(machine(states)) == []
    caught = {
        "T": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Next": "T",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}],
        },
        "F": {"Type": "Fail"},
    }
    assert found(machine(caught, start="T")) == []


def test_terminal_state_that_cannot_be_reached_does_not_count() -> None:
    states = {**LOOP, "C": {"Type": "Succeed"}}
    diagnostics = found(machine(states))
    assert any("MISSING_END_STATE" in d for d in diagnostics), diagnostics
    assert '/States/C: state "C" is not reachable from StartAt' in diagnostics


@pytest.mark.parametrize(
    "wrap, pointer",
    [
        (lambda inner: one(Type="Parallel", Branches=[inner], End=True), "/States/A/Branches/0"),
        (lambda inner: one(Type="Map", ItemProcessor=inner, End=True), "/States/A/ItemProcessor"),
    ],
)
def test_nested_machine_without_terminal_state_is_rejected(wrap: Any, pointer: str) -> None:
    """Each Parallel branch and Map processor needs its own terminal state."""
    inner = {"StartAt": "X", "States": {"X": {"Type": "Pass", "Next": "X"}}}
    assert_reports(wrap(inner), pointer + "/States", "MISSING_END_STATE")


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Pass", "Next": "Bee"},  # a typo in Next
        {"Type": "Pass"},  # Next forgotten
        {"Type": "Pass", "Next": 5},
        {"Type": "Choice", "Choices": {"Variable": "$.a"}, "Default": "B"},
        {"Type": "Task", "Resource": LAMBDA, "End": True, "Catch": [{"ErrorEquals": ["X"]}]},
        "not a state",
    ],
)
def test_one_broken_transition_is_reported_once(state: Any) -> None:
    """When a transition cannot be read, B being unreachable (or no terminal state being
    reachable) follows from that one mistake: only the mistake is reported."""
    diagnostics = found(machine({"A": state, "B": {"Type": "Pass", "Next": "A"}}))
    assert len(diagnostics) == 1, diagnostics
    assert "reachable" not in diagnostics[0] and "MISSING_END_STATE" not in diagnostics[0]


def test_unreachable_region_is_one_diagnostic() -> None:
    """States only reachable from an unreachable state are named in its diagnostic."""
    states = {
        "A": {"Type": "Succeed"},
        "C": {"Type": "Pass", "Next": "D"},
        "D": {"Type": "Pass", "Next": "C"},
        "X": {"Type": "Pass", "Next": "C"},
    }
    expected = (
        '/States/X: state "X" is not reachable from StartAt (nor are the states it '
        'leads to: "C", "D")'
    )
    assert found(machine(states)) == [expected]


def test_bad_path_is_one_diagnostic_naming_the_problem() -> None:
    """An unclosed bracket says what was expected, once."""
    expected = (
        "/States/A/InputPath: invalid JSONPath '$.a[': could not parse the token at "
        "position 2: expected ?, ', 0-9, *"
    )
    assert found(one(Type="Pass", InputPath="$.a[", End=True)) == [expected]
