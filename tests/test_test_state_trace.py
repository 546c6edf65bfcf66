"""`test-state --inspection-level TRACE`: an HTTP Task's HTTP request and response, the
connection's secrets shown only with --reveal-secrets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from replay import api
from replay.test_state import TestStateError

REPO = Path(__file__).resolve().parent.parent
CONNECTION = "arn:aws:events:us-east-1:123456789012:connection/Stripe/81210c42"
CONNECTIONS = {
    CONNECTION: {
        "AuthorizationType": "API_KEY",
        "AuthParameters": {
            "ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "sk_secret"},
            "InvocationHttpParameters": {
                "QueryStringParameters": [{"Key": "account", "Value": "acct_secret"}]
            },
        },
    }
}
HTTP_TASK = {
    "Type": "Task",
    "Resource": "arn:aws:states:::http:invoke",
    "Parameters": {
        "ApiEndpoint.$": "States.Format('https://api.stripe.com/v1/customers/{}', $.id)",
        "Method": "POST",
        "Authentication": {"ConnectionArn": CONNECTION},
        "Headers": {"Content-Type": "application/x-www-form-urlencoded"},
        "QueryParameters": {"expand": "sources"},
        "RequestBody": {"name.$": "$.name", "tags": ["a", "b"]},
        "Transform": {
            "RequestBodyEncoding": "URL_ENCODED",
            "RequestEncodingOptions": {"ArrayFormat": "BRACKETS"},
        },
    },
    "ResultSelector": {"status.$": "$.StatusCode"},
    "Catch": [{"ErrorEquals": ["States.Http.StatusCode.404"], "Next": "Missing"}],
    "Next": "Done",
}
INPUT = {"id": "cus_1", "name": "Jo Do"}
RESULT = {
    "Headers": {"content-type": ["application/json"]},
    "ResponseBody": {"id": "cus_1"},
    "StatusCode": 200,
    "StatusText": "OK",
}
HEADERS_TAIL = "User-Agent: Amazon|StepFunctions|HttpInvoke|us-east-1, Range: bytes=0-262144]"


HANDLERS_PY = f"HANDLERS = {{'arn:aws:states:::http:invoke': lambda i, c: {RESULT!r}}}\n"


def run(state=HTTP_TASK, mock=None, level="TRACE", **options) -> dict:
    mock = {"result": json.dumps(RESULT)} if mock is None else mock
    return api.test_state(json.dumps(state), INPUT, inspection_level=level, mock=mock, **options)


def revealed(**options) -> dict:
    """At TRACE with secrets revealed, which AWS allows without a mock only: a handler
    answers."""
    handlers = {"arn:aws:states:::http:invoke": lambda value, context: RESULT}
    text = json.dumps(HTTP_TASK)
    return api.test_state(
        text, INPUT, inspection_level="TRACE", handlers=handlers, reveal_secrets=True, **options
    )


def test_trace_gives_the_request_made_and_the_response_of_an_http_task():
    response = run()
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == {"status": 200}
    data = response["inspectionData"]
    assert json.loads(data["afterResultSelector"]) == {"status": 200}  # DEBUG's data stays
    assert data["request"] == {
        "protocol": "https",
        "method": "POST",
        "url": "https://api.stripe.com/v1/customers/cus_1?expand=sources",
        "headers": "[Content-Type: application/x-www-form-urlencoded, " + HEADERS_TAIL,
        "body": "name=Jo%20Do&tags%5B%5D=a&tags%5B%5D=b",
    }
    assert data["response"] == {
        "protocol": "https",
        "statusCode": "200",
        "statusMessage": "OK",
        "headers": "[content-type: application/json]",
        "body": '{"id":"cus_1"}',
    }


def test_only_trace_shows_http_and_only_for_http_tasks():
    debug = run(level="DEBUG")["inspectionData"]
    assert "request" not in debug and "response" not in debug and "afterParameters" in debug
    assert "inspectionData" not in run(level="INFO")
    lambda_task = {**HTTP_TASK, "Resource": "arn:aws:states:::lambda:invoke"}
    assert "request" not in run(lambda_task)["inspectionData"]


def test_the_connections_data_shows_only_when_secrets_are_revealed():
    hidden = run(connections=CONNECTIONS)["inspectionData"]["request"]
    assert "secret" not in json.dumps(hidden)
    shown = revealed(connections=CONNECTIONS)["inspectionData"]["request"]
    assert shown["url"].endswith("?expand=sources&account=acct_secret")
    assert shown["headers"] == (
        "[Content-Type: application/x-www-form-urlencoded, x-api-key: sk_secret, " + HEADERS_TAIL
    )


def test_a_status_failure_shows_the_response_status_and_the_catch_takes_it():
    error = {"errorOutput": {"error": "States.Http.StatusCode.404", "cause": "Not Found"}}
    response = run(mock=error)
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "Missing")
    data = response["inspectionData"]
    assert data["request"]["url"].startswith("https://api.stripe.com/v1/customers/cus_1")
    assert data["response"] == {
        "protocol": "https",
        "statusCode": "404",
        "statusMessage": "Not Found",
    }
    socket = run(mock={"errorOutput": {"error": "States.Http.Socket", "cause": "reset"}})
    assert socket["status"] == "FAILED"
    assert "request" in socket["inspectionData"] and "response" not in socket["inspectionData"]


def test_jsonata_arguments_make_the_request():
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::http:invoke",
        "Arguments": {
            "ApiEndpoint": "{% 'https://a.example/items/' & $states.input.id %}",
            "Method": "GET",
        },
        "End": True,
    }
    request = run(state)["inspectionData"]["request"]
    assert (request["method"], request["url"]) == ("GET", "https://a.example/items/cus_1")


def test_connections_that_cannot_be_read_are_refused():
    with pytest.raises(TestStateError, match="--connections: a connection must be"):
        run(connections={CONNECTION: "key"})


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", "test-state", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trace_and_reveal_secrets_from_the_command_line(tmp_path):
    definition = tmp_path / "call.json"
    definition.write_text(json.dumps(HTTP_TASK))
    connections = tmp_path / "connections.json"
    connections.write_text(json.dumps(CONNECTIONS))
    common = [
        str(definition),
        "--input",
        json.dumps(INPUT),
        "--mock",
        json.dumps({"result": RESULT}),
    ]
    common += ["--inspection-level", "trace", "--connections", str(connections)]
    hidden = cli(*common)
    assert hidden.returncode == 0, hidden.stderr
    data = json.loads(hidden.stdout)["inspectionData"]
    assert data["response"]["statusCode"] == "200" and "secret" not in json.dumps(data["request"])
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS_PY)
    answered = [arg for arg in common if arg not in ("--mock", json.dumps({"result": RESULT}))]
    shown = cli(*answered, "--handlers", str(handlers), "--reveal-secrets")
    assert (
        "x-api-key: sk_secret" in json.loads(shown.stdout)["inspectionData"]["request"]["headers"]
    )
    connections.write_text("[]")
    bad = cli(*common)
    assert bad.returncode == 2 and bad.stderr.startswith("sfn-replay: --connections: ")
