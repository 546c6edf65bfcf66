"""TestState at TRACE through the endpoint (boto3): an HTTP Task's request and response in
botocore's InspectionData shapes, the connection's secrets only with revealSecrets."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from replay.endpoint.local import running
from tests.serve_helpers import check_shapes, client
from tests.test_test_state_trace import CONNECTIONS, HANDLERS_PY, HTTP_TASK, INPUT, RESULT

REPO = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::123456789012:role/tester"


@pytest.fixture
def raw():
    return []


@pytest.fixture
def sfn(tmp_path, raw):
    handlers = tmp_path / "handlers.py"
    handlers.write_text(HANDLERS_PY)
    with running(tmp_path / "db", connections=CONNECTIONS, handlers_file=handlers) as url:
        yield client(url, raw=raw)


def trace(sfn, **request) -> dict:
    return sfn.test_state(
        definition=json.dumps(HTTP_TASK),
        input=json.dumps(INPUT),
        inspectionLevel="TRACE",
        mock={"result": json.dumps(RESULT)},
        **request,
    )


def test_trace_through_boto3_gives_the_http_request_and_response(sfn, raw):
    data = trace(sfn)["inspectionData"]
    assert data["request"]["url"] == "https://api.stripe.com/v1/customers/cus_1?expand=sources"
    assert data["request"]["method"] == "POST" and "secret" not in json.dumps(data["request"])
    assert data["response"]["statusCode"] == "200"
    assert data["response"]["headers"] == "[content-type: application/json]"
    answered = {"definition": json.dumps(HTTP_TASK), "input": json.dumps(INPUT)}
    answered |= {"inspectionLevel": "TRACE", "roleArn": ROLE}  # answered by --handlers
    revealed = sfn.test_state(**answered, revealSecrets=True)["inspectionData"]["request"]
    assert "x-api-key: sk_secret" in revealed["headers"]
    assert revealed["url"].endswith("&account=acct_secret")
    debug = sfn.test_state(**{**answered, "inspectionLevel": "DEBUG"}, revealSecrets=True)
    assert "request" not in debug["inspectionData"]
    with pytest.raises(sfn.exceptions.ValidationException, match="RevealSecrets when a mock"):
        trace(sfn, revealSecrets=True)
    check_shapes(raw)
    assert any(
        name == "TestState" and "request" in body.get("inspectionData", {}) for name, _, body in raw
    )


def test_reveal_secrets_must_be_a_boolean(sfn):
    url = sfn.meta.endpoint_url
    body = {"definition": json.dumps(HTTP_TASK), "revealSecrets": "yes"}
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "X-Amz-Target": "AWSStepFunctions.TestState",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"].endswith("ValidationException")


def test_serve_refuses_connections_it_cannot_read(tmp_path):
    bad = tmp_path / "connections.json"
    bad.write_text(json.dumps({"arn:aws:events:us-east-1:1:connection/c/1": []}))
    command = [sys.executable, "-m", "tui.cli", "serve", "--db", str(tmp_path / "db")]
    done = subprocess.run(
        [*command, "--port", "0", "--connections", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "sfn-replay: --connections: a connection must be a JSON object\n"
