"""The events a Task records, per kind of resource, as `history --format aws` shows them:
TaskScheduled details (timeout, heartbeat, parameters), Started/Submitted/Succeeded/Failed,
and the virtual time at which a slow answer times out."""

from __future__ import annotations

import json
from typing import Any

import pytest

from replay import api
from tests.helpers import mock_config, output, run

OK = {"0": {"Return": {"ok": 1}}}


def run_task(
    tmp,
    state: dict,
    answers: dict | None = OK,
    input_value: Any = None,
    handlers: dict | None = None,
) -> dict:
    d = {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True, **state}}}
    mocks = mock_config({"T": answers}) if answers is not None else None
    return run(
        tmp,
        d,
        {} if input_value is None else input_value,
        mocks=mocks,
        test_case="t" if mocks else None,
        handlers=handlers,
    )


def task_events(tmp) -> list[tuple[str, dict]]:
    """(type, details) of the events between TaskStateEntered and the end."""
    out = []
    for event in api.history(tmp / "db", "exec")[2:]:
        details = [v for k, v in event.items() if k.endswith("EventDetails")]
        out.append((event["type"], details[0] if details else {}))
    return out


def test_service_task_scheduled_carries_timeout_and_heartbeat(tmp_path):
    run_task(
        tmp_path,
        {
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "Parameters": {"k.$": "$.v"},
        },
        input_value={"v": 2},
    )
    assert task_events(tmp_path)[0] == (
        "TaskScheduled",
        {
            "resourceType": "lambda",
            "resource": "invoke",
            "region": "us-east-1",
            "parameters": '{"k":2}',
            "timeoutInSeconds": 60,
            "heartbeatInSeconds": 10,
        },
    )


def test_scheduled_without_timeouts_has_neither_field(tmp_path):
    run_task(tmp_path, {"Resource": "arn:aws:states:::sns:publish"})
    kind, details = task_events(tmp_path)[0]
    assert kind == "TaskScheduled"
    assert "timeoutInSeconds" not in details and "heartbeatInSeconds" not in details


def test_timeout_and_heartbeat_paths_are_read_from_the_input(tmp_path):
    run_task(
        tmp_path,
        {
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "TimeoutSecondsPath": "$.t",
            "HeartbeatSecondsPath": "$.h",
        },
        input_value={"t": 30, "h": 5},
    )
    details = task_events(tmp_path)[0][1]
    assert (details["timeoutInSeconds"], details["heartbeatInSeconds"]) == (30, 5)


def test_activity_scheduled_carries_resource_input_timeout_and_heartbeat(tmp_path):
    arn = "arn:aws:states:us-east-1:123456789012:activity:act"
    run_task(
        tmp_path,
        {"Resource": arn, "HeartbeatSeconds": 10, "TimeoutSeconds": 60},
        input_value={"a": 1},
    )
    assert task_events(tmp_path)[:3] == [
        (
            "ActivityScheduled",
            {
                "resource": arn,
                "input": '{"a":1}',
                "inputDetails": {"truncated": False},
                "timeoutInSeconds": 60,
                "heartbeatInSeconds": 10,
            },
        ),
        ("ActivityStarted", {"workerName": "sfn-replay"}),
        ("ActivitySucceeded", {"output": '{"ok":1}', "outputDetails": {"truncated": False}}),
    ]


def test_an_activity_nothing_answers_does_not_exist(tmp_path):
    arn = "arn:aws:states:us-east-1:123456789012:activity:review"
    result = run_task(tmp_path, {"Resource": arn, "Retry": [{"ErrorEquals": ["States.ALL"]}]}, None)
    assert (result["status"], result["error"]) == ("FAILED", "States.Runtime")
    assert result["cause"] == (
        "An error occurred while executing the state 'T' (entered at the event id #2). "
        "The activity review does not exist."
    )
    assert task_events(tmp_path) == [("ExecutionFailed", task_events(tmp_path)[0][1])]


def test_a_handler_stands_in_for_an_activity_worker(tmp_path):
    arn = "arn:aws:states:us-east-1:123456789012:activity:review"
    handlers = {"T": lambda value, context: {"seen": value}}
    result = run_task(tmp_path, {"Resource": arn}, None, {"a": 1}, handlers=handlers)
    assert json.loads(result["output"]) == {"seen": {"a": 1}}
    assert [kind for kind, _ in task_events(tmp_path)][:3] == [
        "ActivityScheduled",
        "ActivityStarted",
        "ActivitySucceeded",
    ]
    assert api.replay(tmp_path / "db", "exec") is None


def test_lambda_function_arn_records_lambda_events_with_the_input(tmp_path):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    run_task(tmp_path, {"Resource": arn}, input_value={"a": 1})
    assert task_events(tmp_path)[:3] == [
        (
            "LambdaFunctionScheduled",
            {"resource": arn, "input": '{"a":1}', "inputDetails": {"truncated": False}},
        ),
        ("LambdaFunctionStarted", {}),
        ("LambdaFunctionSucceeded", {"output": '{"ok":1}', "outputDetails": {"truncated": False}}),
    ]


@pytest.mark.parametrize(
    "resource, resource_type, action, submitted",
    [
        ("arn:aws:states:::aws-sdk:s3:getObject", "aws-sdk:s3", "getObject", False),
        (
            "arn:aws:states:::aws-sdk:dynamodb:query.waitForTaskToken",
            "aws-sdk:dynamodb",
            "query.waitForTaskToken",
            True,
        ),
        ("arn:aws:states:::ecs:runTask.sync", "ecs", "runTask.sync", True),
        ("arn:aws:states:::glue:startJobRun.sync:2", "glue", "startJobRun.sync:2", True),
        ("arn:aws:states:::states:startExecution", "states", "startExecution", False),
    ],
)
def test_service_integrations_name_type_and_action(
    tmp_path, resource, resource_type, action, submitted
):
    run_task(tmp_path, {"Resource": resource})
    kinds = [kind for kind, _ in task_events(tmp_path)]
    expected = ["TaskScheduled", "TaskStarted"] + ["TaskSubmitted"] * submitted
    assert kinds[: len(expected) + 1] == expected + ["TaskSucceeded"]
    for kind, details in task_events(tmp_path)[: len(expected) + 1]:
        assert (details["resourceType"], details["resource"]) == (resource_type, action), kind


def test_a_wait_for_task_token_task_sees_a_token(tmp_path):
    run_task(
        tmp_path,
        {
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"token.$": "$$.Task.Token"},
        },
    )
    sent = task_events(tmp_path)[0][1]["parameters"]
    assert len(sent) == len('{"token":""}') + 36


def test_failed_carries_error_and_cause_when_present(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke"},
        {"0": {"Throw": {"Error": "E", "Cause": "why"}}},
    )
    assert (r["status"], r["error"], r["cause"]) == ("FAILED", "E", "why")
    assert task_events(tmp_path)[2] == (
        "TaskFailed",
        {"resourceType": "lambda", "resource": "invoke", "error": "E", "cause": "why"},
    )


def test_failed_without_cause_has_no_cause_field(tmp_path):
    run_task(
        tmp_path, {"Resource": "arn:aws:states:::lambda:invoke"}, {"0": {"Throw": {"Error": "E"}}}
    )
    assert task_events(tmp_path)[2] == (
        "TaskFailed",
        {"resourceType": "lambda", "resource": "invoke", "error": "E"},
    )


def test_heartbeat_fires_before_the_timeout(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "HeartbeatSeconds": 3},
        {"0": {"Return": 1, "Delay": 4}},
    )
    assert (r["status"], r["error"]) == ("FAILED", "States.HeartbeatTimeout")
    assert r["stopDate"].startswith("2026-01-01T00:00:03.000")
    assert task_events(tmp_path)[2] == (
        "TaskTimedOut",
        {"resourceType": "lambda", "resource": "invoke", "error": "States.HeartbeatTimeout"},
    )


def test_timeout_fires_when_the_answer_takes_exactly_that_long(tmp_path):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    r = run_task(tmp_path, {"Resource": arn, "TimeoutSeconds": 5}, {"0": {"Return": 1, "Delay": 5}})
    assert (r["status"], r["error"]) == ("FAILED", "States.Timeout")
    assert r["stopDate"].startswith("2026-01-01T00:00:05.000")
    assert task_events(tmp_path)[2] == ("LambdaFunctionTimedOut", {"error": "States.Timeout"})


def test_timeout_alone_fires_at_its_time(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 7},
        {"0": {"Return": 1, "Delay": 100}},
    )
    assert (r["error"], r["stopDate"][:23]) == ("States.Timeout", "2026-01-01T00:00:07.000")


def test_an_answer_within_the_limits_takes_its_delay(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "HeartbeatSeconds": 3},
        {"0": {"Return": 1, "Delay": 2.5}},
    )
    assert (r["status"], output(r)) == ("SUCCEEDED", 1)
    assert r["stopDate"].startswith("2026-01-01T00:00:02.500")


def test_timeouts_are_retried_like_other_errors(tmp_path):
    r = run_task(
        tmp_path,
        {
            "Resource": "arn:aws:states:::lambda:invoke",
            "TimeoutSeconds": 2,
            "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 1}],
        },
        {"0": {"Return": 1, "Delay": 9}, "1": {"Return": 2}},
    )
    assert (r["status"], output(r)) == ("SUCCEEDED", 2)
    assert r["stopDate"].startswith("2026-01-01T00:00:03.000")


@pytest.mark.parametrize(
    "field, value",
    [
        ("TimeoutSecondsPath", 0),
        ("TimeoutSecondsPath", -3),
        ("TimeoutSecondsPath", "5"),
        ("TimeoutSecondsPath", 1.5),
        ("TimeoutSecondsPath", True),
        ("HeartbeatSecondsPath", 0),
    ],
)
def test_a_non_positive_or_non_integer_path_value_is_a_runtime_error(tmp_path, field, value):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", field: "$.t"},
        input_value={"t": value},
    )
    name = field.removesuffix("Path")
    assert (r["status"], r["error"]) == ("FAILED", "States.Runtime")
    assert r["cause"].endswith(f"The {name} field must be a positive integer: {value}")


def test_a_missing_timeout_path_is_a_runtime_error_naming_the_path(tmp_path):
    r = run_task(
        tmp_path, {"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.x"}
    )
    assert r["error"] == "States.Runtime"
    assert r["cause"].endswith("Invalid path '$.x' : No results for path: $['x']")


def test_a_positive_path_value_of_one_is_accepted(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.t"},
        input_value={"t": 1},
    )
    assert r["status"] == "SUCCEEDED"
    assert task_events(tmp_path)[0][1]["timeoutInSeconds"] == 1


def test_result_selector_and_result_path_shape_the_output(tmp_path):
    r = run_task(
        tmp_path,
        {
            "Resource": "arn:aws:states:::lambda:invoke",
            "ResultSelector": {"v.$": "$.ok"},
            "ResultPath": "$.r",
        },
        input_value={"in": 0},
    )
    assert output(r) == {"in": 0, "r": {"v": 1}}


def test_assign_sees_the_task_result(tmp_path):
    d = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Assign": {"got.$": "$.ok"},
                "Next": "P",
            },
            "P": {"Type": "Pass", "Parameters": {"g.$": "$got"}, "End": True},
        },
    }
    r = run(tmp_path, d, {}, mocks=mock_config({"T": OK}), test_case="t")
    assert output(r) == {"g": 1}


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:ecs:us-east-1:123456789012:task:x",  # another service's ARN
        "arn:aws:sqs:us-east-1::queue:x",  # no account
        "arn:aws:foo:us-east-1:123456789012:function:x",  # a function, but not Lambda's
        "arn:aws:states:us-east-1::foo:bar",  # Step Functions, region but no account
    ],
)
def test_an_arn_of_no_known_integration_is_recorded_whole(tmp_path, resource):
    run_task(tmp_path, {"Resource": resource})
    assert [e for e in task_events(tmp_path)[:3]] == [
        (
            "TaskScheduled",
            {
                "resourceType": "unknown",
                "resource": resource,
                "region": "us-east-1",
                "parameters": "{}",
            },
        ),
        ("TaskStarted", {"resourceType": "unknown", "resource": resource}),
        (
            "TaskSucceeded",
            {
                "resourceType": "unknown",
                "resource": resource,
                "output": '{"ok":1}',
                "outputDetails": {"truncated": False},
            },
        ),
    ]


def test_an_sdk_action_keeps_every_part_after_the_service(tmp_path):
    run_task(tmp_path, {"Resource": "arn:aws:states:::aws-sdk:sfn:startExecution.sync:2"})
    assert task_events(tmp_path)[0][1]["resource"] == "startExecution.sync:2"


def test_a_handler_gets_the_effective_input_and_the_context(tmp_path):
    seen = []

    def handler(payload, context):
        seen.append((payload, context["State"]["Name"], context["Task"]["Token"] != ""))
        return "done"

    arn = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    r = run_task(
        tmp_path,
        {"Resource": arn, "Parameters": {"k.$": "$.v"}},
        None,
        input_value={"v": 3},
        handlers={arn: handler},
    )
    assert output(r) == "done"
    assert seen == [({"k": 3}, "T", True)]


BIG = "x" * 200_000


@pytest.mark.parametrize(
    "resource, named",
    [
        ("arn:aws:states:::lambda:invoke", "lambda"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:f",
            "arn:aws:lambda:us-east-1:123456789012:function:f",
        ),
    ],
)
def test_an_oversized_result_fails_the_task_naming_the_resource(tmp_path, resource, named):
    r = run_task(tmp_path, {"Resource": resource}, {"0": {"Return": [BIG, BIG]}})
    cause = (
        f"The state/task '{named}' returned a result with a size exceeding the maximum "
        "number of bytes service limit."
    )
    assert (r["error"], r["cause"]) == ("States.DataLimitExceeded", cause)
    kind, details = task_events(tmp_path)[2]
    assert kind.endswith("Failed")
    assert (details["error"], details["cause"]) == ("States.DataLimitExceeded", cause)


def test_oversized_parameters_fail_the_state_naming_it(tmp_path):
    r = run_task(
        tmp_path,
        {"Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"a.$": "$.s", "b.$": "$.s"}},
        input_value={"s": BIG},
    )
    assert (r["error"], r["cause"]) == (
        "States.DataLimitExceeded",
        (
            "The state/task 'T' returned a result with a size "
            "exceeding the maximum number of bytes service limit."
        ),
    )


def test_replay_answers_each_retried_invocation_from_the_record(tmp_path):
    d = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "End": True,
                "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 3, "IntervalSeconds": 1}],
            }
        },
    }
    answers = {
        "0": {"Throw": {"Error": "Boom"}},
        "1": {"Throw": {"Error": "Boom"}},
        "2": {"Return": {"third": True}},
    }
    r = run(tmp_path, d, {}, mocks=mock_config({"T": answers}), test_case="t")
    assert output(r) == {"third": True}
    assert api.replay(tmp_path / "db", "exec") is None
    fixed = json.dumps({"StartAt": "T", "States": {"T": dict(d["States"]["T"], Retry=[])}})
    diverged = api.replay(tmp_path / "db", "exec", fixed)
    assert diverged is not None


def test_replay_answers_distributed_map_children_by_invocation(tmp_path):
    """Children of a Distributed Map call the same Task in an order the random schedule
    picks; replay must give each call the answer it had, not the answer of the n-th child."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True},
        },
    }
    d = json.dumps(
        {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": processor}}}
    )
    mocks = mock_config({"T": {str(i): {"Return": i} for i in range(4)}})
    orders = set()
    for seed in range(6):
        name = f"s{seed}"
        r = api.run(
            tmp_path / "db",
            d,
            [0, 1, 2, 3],
            state_machine_name="sm",
            name=name,
            seed=seed,
            start_micros=0,
            mocks=mocks,
            test_case="t",
            schedule="random",
        )
        orders.add(r["output"])
        assert api.replay(tmp_path / "db", name) is None, name
    assert len(orders) > 1  # the schedule did reorder the calls


def test_lambda_scheduled_has_no_heartbeat_field(tmp_path):
    """LambdaFunctionScheduledEventDetails (AWS's API) has timeoutInSeconds but no heartbeat."""
    run_task(
        tmp_path,
        {
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "HeartbeatSeconds": 10,
            "TimeoutSeconds": 60,
        },
    )
    kind, details = task_events(tmp_path)[0]
    assert kind == "LambdaFunctionScheduled"
    assert details["timeoutInSeconds"] == 60 and "heartbeatInSeconds" not in details
