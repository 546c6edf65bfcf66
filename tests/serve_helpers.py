"""Helpers for the endpoint tests: a boto3 client of a server on a thread, and a check of raw
responses against botocore's service model (required members there, no member it lacks)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import botocore.session
from botocore.config import Config

ROLE = "arn:aws:iam::123456789012:role/sfn-replay-test"
MODEL = botocore.session.get_session().get_service_model("stepfunctions")
_SESSION = boto3.session.Session()


def client(url: str, key: str = "test", region: str = "us-east-1", raw: list | None = None):
    """A Step Functions client of the endpoint at `url`; with `raw`, each response's JSON body
    (operation, body) is appended to it."""
    c = _SESSION.client(
        "stepfunctions",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, inject_host_prefix=False),
    )
    if raw is not None:

        def keep(http_response, model, **_: Any) -> None:
            raw.append((model.name, http_response.status_code, json.loads(http_response.content)))

        c.meta.events.register("after-call.sfn.*", keep)
        c.meta.events.register("after-call-error.sfn.*", lambda **kw: None)
    return c


def shape_problems(value: Any, shape: Any, where: str = "") -> list[str]:
    """What in a raw JSON response does not fit `shape` of the service model."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return [f"{where}: not an object"]
        out = [f"{where}.{m}: required, missing" for m in shape.required_members if m not in value]
        for key, item in value.items():
            if key not in shape.members:
                out.append(f"{where}.{key}: not a member of {shape.name}")
            else:
                out += shape_problems(item, shape.members[key], f"{where}.{key}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [
            p for i, v in enumerate(value) for p in shape_problems(v, shape.member, f"{where}[{i}]")
        ]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{where}: not a map"]
        return [p for k, v in value.items() for p in shape_problems(v, shape.value, f"{where}.{k}")]
    expected = {
        "string": str,
        "timestamp": (int, float),
        "boolean": bool,
        "integer": int,
        "long": int,
        "double": (int, float),
        "float": (int, float),
    }[kind]
    if not isinstance(value, expected) or (kind in ("integer", "long") and isinstance(value, bool)):
        return [f"{where}: {type(value).__name__} is not a {kind}"]
    if kind == "string" and shape.enum and value not in shape.enum:
        return [f"{where}: {value!r} is not one of {shape.enum}"]
    return []


def check_shapes(raw: list) -> None:
    """Every 200 answer in `raw` fits its operation's output shape."""
    assert raw, "no response recorded"
    for operation, status, body in raw:
        if status != 200:
            continue
        shape = MODEL.operation_model(operation).output_shape
        problems = shape_problems(body, shape, operation) if shape is not None else []
        assert not problems, problems


def pass_chain(n: int) -> dict:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Pass", "Result": {"done": True}, "End": True}
    return {"StartAt": "S0", "States": states}


WAIT_FOR_TOKEN = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.err", "Next": "Rejected"}],
            "Next": "Done",
        },
        "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "no"},
        "Done": {"Type": "Succeed"},
    },
}


def token_of(c: Any, execution_arn: str) -> str:
    """The task token the execution sent (in the TaskScheduled parameters)."""
    events = c.get_execution_history(executionArn=execution_arn)["events"]
    scheduled = [e for e in events if e["type"] == "TaskScheduled"][-1]
    return json.loads(scheduled["taskScheduledEventDetails"]["parameters"])["MessageBody"]["token"]
