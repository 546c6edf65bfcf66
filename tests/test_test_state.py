"""`test-state`: one state run once, with AWS's TestState verdict and data-flow inspection."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replay import api
from replay.clock import parse_iso
from replay.test_state import TestStateError

START = parse_iso("2026-01-01T00:00:00Z")

REPO = Path(__file__).resolve().parent.parent
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:charge"

CHARGE = {
    "Type": "Task",
    "Resource": LAMBDA,
    "InputPath": "$.order",
    "Parameters": {"amount.$": "$.total", "currency": "EUR"},
    "ResultSelector": {"receipt.$": "$.id"},
    "ResultPath": "$.payment",
    "OutputPath": "$.payment",
    "Retry": [
        {
            "ErrorEquals": ["Card.Throttled"],
            "IntervalSeconds": 2,
            "BackoffRate": 3,
            "MaxAttempts": 2,
        }
    ],
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund"}],
    "Next": "Ship",
}
ORDER = {"order": {"total": 30}}


ITERATE = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
OTHER = {"StartAt": "Q", "States": {"Q": {"Type": "Pass", "End": True}}}
WRITER = {
    "Resource": "arn:aws:states:::s3:putObject",
    "Parameters": {"Bucket": "out", "Prefix": "runs"},
}


def run(state: dict, value=ORDER, **options) -> dict:
    return api.test_state(json.dumps(state), value, **options)


def loads(response: dict, key: str):
    return json.loads(response["inspectionData"][key])


def test_success_gives_the_output_and_the_next_state():
    response = run(CHARGE, mock={"result": json.dumps({"id": "r-1"})})
    assert response == {"output": '{"receipt":"r-1"}', "status": "SUCCEEDED", "nextState": "Ship"}


def test_debug_shows_each_step_of_the_data_flow():
    response = run(CHARGE, mock={"result": {"id": "r-1"}}, inspection_level="DEBUG")
    assert loads(response, "input") == ORDER
    assert loads(response, "afterInputPath") == {"total": 30}
    assert loads(response, "afterParameters") == {"amount": 30, "currency": "EUR"}
    assert loads(response, "result") == {"id": "r-1"}
    assert loads(response, "afterResultSelector") == {"receipt": "r-1"}
    assert loads(response, "afterResultPath") == {**ORDER, "payment": {"receipt": "r-1"}}
    assert "inspectionData" not in run(CHARGE, mock={"result": {"id": "r-1"}})  # INFO


def test_an_error_a_retry_covers_is_retriable_with_the_backoff():
    mock = {"errorOutput": {"error": "Card.Throttled", "cause": "slow down"}}
    response = run(CHARGE, mock=mock, inspection_level="DEBUG", retrier_retry_count=1)
    assert (response["status"], response["error"], response["cause"]) == (
        "RETRIABLE",
        "Card.Throttled",
        "slow down",
    )
    details = response["inspectionData"]["errorDetails"]
    assert details == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}  # 2 * 3 ** 1


def test_once_the_retries_are_spent_the_catch_takes_the_error():
    mock = {"errorOutput": {"error": "Card.Throttled", "cause": "slow down"}}
    response = run(CHARGE, mock=mock, inspection_level="DEBUG", retrier_retry_count=2)
    assert response["status"] == "CAUGHT_ERROR" and response["nextState"] == "Refund"
    error = {"Error": "Card.Throttled", "Cause": "slow down"}
    assert json.loads(response["output"]) == {**ORDER, "error": error}
    assert response["inspectionData"]["errorDetails"] == {"catchIndex": 0}


def test_an_error_nothing_handles_fails():
    state = {k: v for k, v in CHARGE.items() if k not in ("Retry", "Catch")}
    response = run(state, mock={"errorOutput": {"error": "Card.Declined"}})
    assert response == {"error": "Card.Declined", "status": "FAILED"}


def test_choice_pass_wait_and_fail():
    choice = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
        "Default": "Small",
    }
    assert run(choice, {"n": 3})["nextState"] == "Big"
    assert run(choice, {"n": 0})["nextState"] == "Small"
    wait = {"Type": "Wait", "Seconds": 86400, "Next": "Later"}  # costs no time
    assert run(wait, {"a": 1}) == {"output": '{"a":1}', "status": "SUCCEEDED", "nextState": "Later"}
    passing = {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": True}
    assert json.loads(run(passing, {"a": 1})["output"]) == {"a": 1, "r": {"x": 1}}
    fail = {"Type": "Fail", "Error": "Bad", "Cause": "because"}
    assert run(fail, {}) == {"error": "Bad", "cause": "because", "status": "FAILED"}


def test_jsonata_arguments_output_and_variables():
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Arguments": {"amount": "{% $states.input.total * $rate %}"},
        "Assign": {"last": "{% $states.result.id %}"},
        "Output": "{% {'paid': $states.result.id} %}",
        "End": True,
    }
    response = run(
        state,
        {"total": 10},
        mock={"result": {"id": "r-9"}},
        variables={"rate": 2},
        inspection_level="DEBUG",
    )
    assert json.loads(response["output"]) == {"paid": "r-9"}
    assert loads(response, "afterArguments") == {"amount": 20}
    assert loads(response, "variables") == {"rate": 2, "last": "r-9"}


def test_a_state_of_a_whole_machine_and_mocks_or_handlers_answer_it():
    machine = {
        "StartAt": "Charge",
        "States": {
            "Charge": dict(CHARGE, Next="Ship"),
            "Ship": {"Type": "Succeed"},
            "Refund": {"Type": "Succeed"},
        },
    }
    mocks = {
        "StateMachines": {"shop": {"TestCases": {"ok": {"Charge": "Paid"}}}},
        "MockedResponses": {"Paid": {"0": {"Return": {"id": "m-1"}}}},
    }
    by_mocks = run(
        machine, state_name="Charge", mocks=mocks, test_case="ok", state_machine_name="shop"
    )
    assert json.loads(by_mocks["output"]) == {"receipt": "m-1"}
    by_handler = run(
        machine,
        state_name="Charge",
        handlers={"Charge": lambda value, ctx: {"id": value["amount"]}},
    )
    assert json.loads(by_handler["output"]) == {"receipt": 30}
    with pytest.raises(
        TestStateError,
        match=r"^State not found in definition \('Nope'; states: Charge, Refund, Ship\)$",
    ):
        run(machine, state_name="Nope")


def test_map_and_parallel_need_a_mock_and_use_it():
    parallel = {
        "Type": "Parallel",
        "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
        "ResultPath": "$.both",
        "End": True,
    }
    with pytest.raises(TestStateError, match="Map or Parallel.*Parallel's result with --mock"):
        run(parallel, {})
    response = run(parallel, {"x": 1}, mock={"result": "[1]"})
    assert json.loads(response["output"]) == {"x": 1, "both": [1]}


def test_a_callback_task_needs_a_mock():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
        "End": True,
    }
    with pytest.raises(TestStateError, match="waitForTaskToken Task needs --mock"):
        run(state, {})
    assert run(state, {}, mock={"result": {"ok": True}})["status"] == "SUCCEEDED"


@pytest.mark.parametrize(
    "mock, message",
    [
        ({}, "--mock must be"),
        ({"result": "{oops"}, "Mocked result must be valid JSON"),
        ({"result": "1", "errorOutput": {"error": "E"}}, r"only one of the following fields"),
        ({"errorOutput": {"cause": "c"}}, "needs an error"),
    ],
)
def test_bad_mocks_are_refused(mock, message):
    with pytest.raises(TestStateError, match=message):
        run(CHARGE, mock=mock)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "test-state", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_from_the_command_line(tmp_path):
    definition = tmp_path / "charge.json"
    definition.write_text(json.dumps(CHARGE))
    ok = cli(str(definition), "--input", json.dumps(ORDER), "--mock", '{"result": "{\\"id\\": 1}"}')
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "SUCCEEDED"
    state = {k: v for k, v in CHARGE.items() if k != "Catch"}
    definition.write_text(json.dumps(state))
    failed = cli(str(definition), "--mock", '{"errorOutput": {"error": "E"}}')
    assert failed.returncode == 1 and json.loads(failed.stdout)["status"] == "FAILED"
    missing = cli(str(definition), "--input", json.dumps(ORDER))
    assert missing.returncode == 2
    assert missing.stderr.startswith("sfn-replay: no mock or handler answers Task state")


def test_the_backoff_is_capped_and_a_runtime_error_is_never_retriable():
    state = {
        "Type": "Task",
        "Resource": LAMBDA,
        "Retry": [
            {
                "ErrorEquals": ["Slow"],
                "IntervalSeconds": 10,
                "BackoffRate": 4,
                "MaxAttempts": 5,
                "MaxDelaySeconds": 30,
            },
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 3},
        ],
        "End": True,
    }
    slow = {"errorOutput": {"error": "Slow"}}
    response = run(state, mock=slow, inspection_level="DEBUG", retrier_retry_count=2)
    assert response["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 30
    spent = run(state, mock=slow, retrier_retry_count=5)
    assert spent["status"] == "FAILED"  # the first matching Retry decides, once spent: no other
    runtime = run(state, mock={"errorOutput": {"error": "States.Runtime"}})
    assert runtime["status"] == "FAILED"


def test_a_catch_assigns_its_variables_and_shapes_the_output():
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": LAMBDA,
        "Catch": [
            {
                "ErrorEquals": ["States.ALL"],
                "Assign": {"why": "{% $states.errorOutput.Cause %}"},
                "Output": "{% {'failed': $states.errorOutput.Error} %}",
                "Next": "Recover",
            }
        ],
        "End": True,
    }
    mock = {"errorOutput": {"error": "Oops", "cause": "disk full"}}
    response = run(state, {}, mock=mock, inspection_level="DEBUG")
    assert response["status"] == "CAUGHT_ERROR"
    assert json.loads(response["output"]) == {"failed": "Oops"}
    assert loads(response, "variables") == {"why": "disk full"}


def test_a_mocked_map_or_parallel_error_is_caught_and_their_input_steps_shown():
    iterate = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    map_state = {
        "Type": "Map",
        "InputPath": "$.order",
        "ItemsPath": "$.items",
        "ItemProcessor": iterate,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}],
        "End": True,
    }
    value = {"order": {"items": [1, 2]}}
    caught = run(map_state, value, mock={"errorOutput": {"error": "Boom", "cause": "item 2"}})
    assert (caught["status"], caught["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert json.loads(caught["output"]) == {"Error": "Boom", "Cause": "item 2"}
    shown = run(map_state, value, mock={"result": [3, 4]}, inspection_level="DEBUG")
    assert loads(shown, "afterInputPath") == {"items": [1, 2]}
    assert "afterParameters" not in shown["inspectionData"]  # a Map has no Parameters step
    parallel = {
        "Type": "Parallel",
        "Parameters": {"n.$": "$.order.items[0]"},
        "Branches": [iterate],
        "End": True,
    }
    both = run(parallel, value, mock={"result": [1]}, inspection_level="DEBUG")
    assert loads(both, "afterParameters") == {"n": 1}


def test_the_context_object_and_its_overrides():
    state = {"Type": "Pass", "Parameters": {"ctx.$": "$$"}, "End": True}
    context = json.loads(run(state, {"a": 1}, start_micros=START)["output"])["ctx"]
    assert context == {  # an Express execution's (no RedriveCount); the state is StateName
        "Execution": {
            "Id": "arn:aws:states:us-east-1:123456789012:express:TestState:test",
            "Input": {"a": 1},
            "StartTime": "2026-01-01T00:00:00.000Z",
            "Name": "test",
            "RoleArn": None,
        },
        "StateMachine": {
            "Id": "arn:aws:states:us-east-1:123456789012:stateMachine:TestState",
            "Name": "TestState",
        },
        "State": {"Name": "StateName", "EnteredTime": "2026-01-01T00:00:00.000Z"},
    }
    now = json.loads(run(state, {})["output"])["ctx"]["Execution"]["StartTime"]
    assert not now.startswith("1970")  # by default, now
    given = run(state, {"a": 1}, context={"Execution": {"Id": "arn:x", "Name": "mine"}})
    assert json.loads(given["output"])["ctx"] == {"Execution": {"Id": "arn:x", "Name": "mine"}}
    assert json.loads(run(state, {}, context={})["output"])["ctx"] == {}  # as given, all of it


def _steps(state: dict, value, **options) -> dict:
    response = run(state, value, inspection_level="DEBUG", **options)
    return {key: value for key, value in response["inspectionData"].items() if key != "input"}


def test_inspection_shows_the_steps_aws_shows_for_each_kind_of_state():
    value = {"box": {"n": 2}}
    plain = {"Type": "Pass", "InputPath": "$.box", "ResultPath": "$.copy", "End": True}
    assert sorted(_steps(plain, value)) == [
        "afterInputPath",
        "afterParameters",
        "afterResultPath",
        "afterResultSelector",
    ]
    fixed = {**plain, "Result": {"k": 1}}  # its input steps are not used: not shown
    assert sorted(_steps(fixed, value)) == ["afterResultPath", "afterResultSelector", "result"]
    rule = {"Variable": "$.n", "NumericEquals": 2, "Next": "Two"}
    choice = {"Type": "Choice", "InputPath": "$.box", "Choices": [rule], "Default": "Other"}
    assert _steps(choice, value) == {"afterInputPath": '{"n":2}'}
    assert _steps({"Type": "Succeed", "InputPath": "$.box"}, value) == {"afterInputPath": '{"n":2}'}
    fail = {"Type": "Fail", "Error": "E"}
    assert _steps(fail, value) == {"afterInputPath": '{"box":{"n":2}}'}
    jsonata = {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": True}
    assert _steps(jsonata, value) == {}


def test_a_mocked_map_shows_its_items_and_settings_not_its_result():
    iterate = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    map_state = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "MaxConcurrency": 2,
        "ToleratedFailureCount": 1,
        "ItemProcessor": iterate,
        "End": True,
    }
    shown = _steps(map_state, {"items": [5, 6]}, mock={"result": "[7,8]"})
    assert shown == {
        "afterInputPath": '{"items":[5,6]}',
        "afterItemsPath": "[5,6]",
        "afterResultSelector": "[7,8]",
        "afterResultPath": "[7,8]",
        "maxConcurrency": 2,
        "toleratedFailureCount": 1,
    }
    jsonata = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.items %}",
        "ToleratedFailurePercentage": "{% 10 %}",
        "ItemProcessor": iterate,
        "End": True,
    }
    shown = _steps(jsonata, {"items": [5]}, mock={"result": "[7]"})
    assert shown == {"maxConcurrency": 0, "toleratedFailurePercentage": 10.0}


@pytest.mark.parametrize(
    "state, mock, message",
    [
        ({"Type": "Pass", "End": True}, {"result": "1"}, "State type 'Pass' is not supported"),
        ({"Type": "Succeed"}, {"errorOutput": {"error": "E"}}, "State type 'Succeed' is not"),
        ({"Type": "Map", "ItemProcessor": ITERATE, "End": True}, {"result": "{}"}, "an array"),
        (
            {"Type": "Map", "ItemProcessor": ITERATE, "ResultWriter": WRITER, "End": True},
            {"result": "[]"},
            "must be a JSON object",
        ),
        ({"Type": "Parallel", "Branches": [ITERATE], "End": True}, {"result": "{}"}, "an array"),
        (
            {"Type": "Parallel", "Branches": [ITERATE, OTHER], "End": True},
            {"result": "[1]"},
            "same number of items as number of Parallel branches",
        ),
    ],
)
def test_a_mock_must_fit_the_state_it_answers(state, mock, message):
    with pytest.raises(TestStateError, match=message):
        run(state, {}, mock=mock)


def test_a_mock_and_revealed_secrets_do_not_go_together():
    with pytest.raises(TestStateError, match="RevealSecrets when a mock is specified"):
        run(CHARGE, mock={"result": "{}"}, reveal_secrets=True)


def test_a_retriable_state_has_a_retry_count_and_the_role_given():
    task = {"Type": "Task", "Resource": LAMBDA, "Parameters": {"c.$": "$$"}, "End": True}
    options = {"mock": {"result": "{}"}, "inspection_level": "DEBUG", "retrier_retry_count": 2}
    role = "arn:aws:iam::123456789012:role/tester"
    context = loads(run(task, {}, role_arn=role, **options), "afterParameters")["c"]
    assert context["State"]["RetryCount"] == 2 and context["Execution"]["RoleArn"] == role
    given = {"State": {"Name": "Mine"}}
    shown = run(task, {}, context=given, **options)
    assert loads(shown, "afterParameters") == {"c": given}  # a retry keeps the given object


@pytest.mark.parametrize(
    "context, message",
    [
        ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Planet": {}}, "Field 'Planet' is not allowed"),
        ({"Execution": {"Color": "red"}}, "Field 'Color' is not allowed"),
        ({"Execution": {"Id": 7}}, "Execution.Id must be a string"),
        ({"State": {"RetryCount": "1"}}, "State.RetryCount must be an integer"),
        ({"Task": {"Token": "t"}}, "Context object contains 'Task' when state is not a Task"),
    ],
)
def test_a_context_object_aws_refuses_is_refused(context, message):
    with pytest.raises(TestStateError, match="^Invalid Context object provided: " + message):
        run(CHARGE, context=context, mock={"result": "{}"})


def test_a_callback_task_uses_the_token_of_the_context_given():
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"t.$": "$$.Task.Token"}},
        "End": True,
    }
    shown = run(
        state,
        {},
        context={"Task": {"Token": "tok-1"}},
        mock={"result": "{}"},
        inspection_level="DEBUG",
    )
    assert loads(shown, "afterParameters")["MessageBody"] == {"t": "tok-1"}
