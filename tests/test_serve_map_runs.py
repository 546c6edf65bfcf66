"""`serve`: DescribeMapRun, ListMapRuns and UpdateMapRun of Distributed Map states, through boto3
against a server started by the test."""

from __future__ import annotations

import json

import pytest

from replay.endpoint.local import running
from tests.serve_helpers import ROLE, check_shapes, client
from tests.test_serve import wait_done

# odd items fail their child execution; even ones succeed
PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Odd?",
    "States": {
        "Odd?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.odd", "BooleanEquals": True, "Next": "Boom"}],
            "Default": "Fine",
        },
        "Boom": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
        "Fine": {"Type": "Pass", "End": True},
    },
}


def fan(tolerated: int | None = None, **extra) -> dict:
    state = {"Type": "Map", "Label": "Fan", "MaxConcurrency": 2, "ItemProcessor": PROCESSOR}
    if tolerated is not None:
        state["ToleratedFailureCount"] = tolerated
    return {"StartAt": "M", "States": {"M": {**state, "End": True, **extra}}}


def items(*odd: bool) -> str:
    return json.dumps([{"odd": value} for value in odd])


@pytest.fixture
def raw():
    return []


@pytest.fixture
def sfn(tmp_path, raw):
    with running(tmp_path / "db") as url:
        yield client(url, raw=raw)


def start(sfn, definition: dict, input_text: str, name: str = "m", wait: bool = True) -> str:
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    run = sfn.start_execution(stateMachineArn=arn["stateMachineArn"], input=input_text)
    if wait:
        wait_done(sfn, run["executionArn"])
    return run["executionArn"]


def only_run(sfn, execution: str) -> dict:
    (listed,) = sfn.list_map_runs(executionArn=execution)["mapRuns"]
    return listed


def test_a_map_run_within_its_tolerance_succeeded_with_its_counts(sfn, raw):
    execution = start(sfn, fan(tolerated=1), items(False, True, False))
    listed = only_run(sfn, execution)
    assert listed["executionArn"] == execution
    assert listed["stateMachineArn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:m"
    run = sfn.describe_map_run(mapRunArn=listed["mapRunArn"])
    assert (run["status"], run["executionArn"]) == ("SUCCEEDED", execution)
    assert (run["startDate"], run["stopDate"]) == (listed["startDate"], listed["stopDate"])
    assert run["maxConcurrency"] == 2 and run["toleratedFailureCount"] == 1
    assert run["toleratedFailurePercentage"] == 0
    for counts in (run["itemCounts"], run["executionCounts"]):
        assert counts["total"] == 3 and counts["succeeded"] == 2 and counts["failed"] == 1
        assert counts["pending"] == counts["running"] == counts["resultsWritten"] == 0
    children = sfn.list_executions(mapRunArn=listed["mapRunArn"])["executions"]
    assert sorted(c["status"] for c in children) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    assert run["redriveCount"] == 0 and "redriveDate" not in run
    check_shapes(raw)


def test_a_map_run_over_its_tolerance_failed_and_is_redriven_with_its_execution(sfn, raw):
    execution = start(sfn, fan(), items(True, False))
    arn = only_run(sfn, execution)["mapRunArn"]
    run = sfn.describe_map_run(mapRunArn=arn)
    assert run["status"] == "FAILED" and run["itemCounts"]["failed"] == 1
    assert run["redriveCount"] == 0
    sfn.redrive_execution(executionArn=execution)
    assert wait_done(sfn, execution)["status"] == "FAILED"  # the odd item fails again
    again = sfn.describe_map_run(mapRunArn=arn)
    assert again["status"] == "FAILED" and again["redriveCount"] == 1
    assert again["redriveDate"] >= run["stopDate"] and again["stopDate"] >= again["redriveDate"]
    assert again["itemCounts"]["failed"] == 1 and again["itemCounts"]["total"] == 2
    check_shapes(raw)


WAITING = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": True,
        }
    },
}


def test_a_map_run_waiting_is_running_and_aborted_with_its_execution(sfn, raw):
    definition = {
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "ItemProcessor": WAITING, "End": True}},
    }
    execution = start(sfn, definition, "[1]", wait=False)  # ListMapRuns: once it waits
    arn = only_run(sfn, execution)["mapRunArn"]
    assert ":mapRun:m/M:" in arn  # no Label: the state's name
    run = sfn.describe_map_run(mapRunArn=arn)
    assert run["status"] == "RUNNING" and "stopDate" not in run
    assert run["executionCounts"]["running"] == 1 and run["maxConcurrency"] == 0
    stopped = sfn.stop_execution(executionArn=execution)
    run = sfn.describe_map_run(mapRunArn=arn)
    assert run["status"] == "ABORTED" and run["stopDate"] == stopped["stopDate"]
    check_shapes(raw)


def test_map_runs_of_an_execution_are_listed_a_page_at_a_time(sfn, raw):
    two = {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Map",
                "ItemProcessor": PROCESSOR,
                "ItemsPath": "$.a",
                "ResultPath": None,
                "Next": "B",
            },
            "B": {"Type": "Map", "ItemProcessor": WAITING, "ItemsPath": "$.none", "End": True},
        },
    }
    execution = start(sfn, two, json.dumps({"a": [{"odd": False}], "none": []}))
    first = sfn.list_map_runs(executionArn=execution, maxResults=1)
    rest = sfn.list_map_runs(executionArn=execution, maxResults=1, nextToken=first["nextToken"])
    assert "nextToken" not in rest
    arns = [r["mapRunArn"] for r in first["mapRuns"] + rest["mapRuns"]]
    assert [arn.split(":")[6] for arn in arns] == ["m/B", "m/A"]  # newest first
    empty = sfn.describe_map_run(mapRunArn=arns[0])  # no items: no child executions
    assert empty["status"] == "SUCCEEDED" and empty["itemCounts"]["total"] == 0
    plain = start(sfn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "{}", "p")
    assert sfn.list_map_runs(executionArn=plain)["mapRuns"] == []
    check_shapes(raw)


def test_update_map_run_is_kept_for_its_record(sfn, raw):
    execution = start(sfn, fan(tolerated=1), items(False))
    arn = only_run(sfn, execution)["mapRunArn"]
    sfn.update_map_run(mapRunArn=arn, maxConcurrency=5, toleratedFailurePercentage=12.5)
    run = sfn.describe_map_run(mapRunArn=arn)
    assert (run["maxConcurrency"], run["toleratedFailurePercentage"]) == (5, 12.5)
    assert run["toleratedFailureCount"] == 1 and run["status"] == "SUCCEEDED"
    sfn.update_map_run(mapRunArn=arn, toleratedFailureCount=3)
    run = sfn.describe_map_run(mapRunArn=arn)
    assert (run["maxConcurrency"], run["toleratedFailureCount"]) == (5, 3)
    with pytest.raises(sfn.exceptions.ValidationException):
        sfn.update_map_run(mapRunArn=arn, toleratedFailurePercentage=101)
    check_shapes(raw)


def test_map_run_errors_are_aws_errors(sfn):
    execution = start(sfn, fan(), items(False))
    unknown = only_run(sfn, execution)["mapRunArn"][:-4] + "0000"
    cases = [
        (sfn.exceptions.ResourceNotFound, lambda: sfn.describe_map_run(mapRunArn=unknown)),
        (
            sfn.exceptions.ResourceNotFound,
            lambda: sfn.update_map_run(mapRunArn=unknown, maxConcurrency=1),
        ),
        (sfn.exceptions.InvalidArn, lambda: sfn.describe_map_run(mapRunArn="arn:nope")),
        (sfn.exceptions.InvalidArn, lambda: sfn.describe_map_run(mapRunArn=execution)),
        (sfn.exceptions.InvalidArn, lambda: sfn.list_map_runs(executionArn="x")),
        (
            sfn.exceptions.ExecutionDoesNotExist,
            lambda: sfn.list_map_runs(executionArn=execution + "x"),
        ),
        (
            sfn.exceptions.InvalidToken,
            lambda: sfn.list_map_runs(executionArn=execution, nextToken="bad"),
        ),
    ]
    for error, call in cases:
        with pytest.raises(error):
            call()


def test_a_batching_map_run_counts_items_and_the_results_its_writer_wrote(tmp_path, raw):
    """A Map Run recorded by `run --s3-root` (the server has no S3 of its own), described by
    the server over the same db."""
    from tests.test_distributed_map import test_item_reader_batcher_and_result_writer

    test_item_reader_batcher_and_result_writer(tmp_path)  # the "parent" execution, 3 items
    with running(tmp_path / "db") as url:
        sfn = client(url, raw=raw)
        (parent,) = [
            e["executionArn"]
            for e in sfn.list_executions(
                stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:sm"
            )["executions"]
        ]
        run = sfn.describe_map_run(mapRunArn=only_run(sfn, parent)["mapRunArn"])
    assert run["status"] == "SUCCEEDED"
    items, executions = run["itemCounts"], run["executionCounts"]
    assert (items["total"], items["succeeded"], items["resultsWritten"]) == (3, 3, 3)
    assert (executions["total"], executions["succeeded"], executions["resultsWritten"]) == (2, 2, 2)
    assert items["pending"] == executions["pending"] == 0
    check_shapes(raw)


def by_path() -> dict:
    """fan() with its settings read from the input (after InputPath) by paths."""
    state = {
        "Type": "Map",
        "InputPath": "$.job",
        "ItemsPath": "$.items",
        "MaxConcurrencyPath": "$.limits.concurrency",
        "ToleratedFailureCountPath": "$.limits.count",
        "ToleratedFailurePercentagePath": "$.limits.percent",
        "ItemProcessor": PROCESSOR,
        "End": True,
    }
    return {"StartAt": "M", "States": {"M": state}}


def test_settings_given_by_paths_are_the_values_the_map_run_used(sfn, raw):
    limits = {"concurrency": 3, "count": 1, "percent": "12.5"}  # AWS takes a number as text
    job = {"items": [{"odd": False}, {"odd": True}, {"odd": False}], "limits": limits}
    execution = start(sfn, by_path(), json.dumps({"job": job}))
    run = sfn.describe_map_run(mapRunArn=only_run(sfn, execution)["mapRunArn"])
    assert run["status"] == "SUCCEEDED"  # one failure, one tolerated
    assert (run["maxConcurrency"], run["toleratedFailureCount"]) == (3, 1)
    assert run["toleratedFailurePercentage"] == 12.5
    job["limits"] = {"concurrency": 1, "count": 0, "percent": 0}
    execution = start(sfn, by_path(), json.dumps({"job": job}), name="none-tolerated")
    run = sfn.describe_map_run(mapRunArn=only_run(sfn, execution)["mapRunArn"])
    assert run["status"] == "FAILED" and run["maxConcurrency"] == 1
    check_shapes(raw)


def by_jsonata() -> dict:
    """fan() in JSONata: a variable assigned before the Map and the Map's input decide."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Odd?",
        "States": {
            "Odd?": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $states.input.odd %}", "Next": "Boom"}],
                "Default": "Fine",
            },
            "Boom": {"Type": "Fail", "Error": "Odd", "Cause": "odd item"},
            "Fine": {"Type": "Pass", "End": True},
        },
    }
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Limits",
        "States": {
            "Limits": {
                "Type": "Pass",
                "Assign": {"slots": "{% $states.input.slots %}"},
                "Next": "M",
            },
            "M": {
                "Type": "Map",
                "Items": "{% $states.input.items %}",
                "MaxConcurrency": "{% $slots * 2 %}",
                "ToleratedFailurePercentage": "{% $states.input.percent %}",
                "ToleratedFailureCount": "{% $count($states.input.items) - 3 %}",
                "ItemProcessor": processor,
                "End": True,
            },
        },
    }


def test_settings_given_by_jsonata_are_the_values_the_map_run_used(sfn, raw):
    odd = [{"odd": False}, {"odd": True}, {"odd": True}, {"odd": False}]
    execution = start(sfn, by_jsonata(), json.dumps({"slots": 2, "percent": 50, "items": odd}))
    arn = only_run(sfn, execution)["mapRunArn"]
    run = sfn.describe_map_run(mapRunArn=arn)
    assert run["status"] == "SUCCEEDED"  # two of four failed: 50% tolerated
    assert (run["maxConcurrency"], run["toleratedFailureCount"]) == (4, 1)
    assert run["toleratedFailurePercentage"] == 50
    sfn.update_map_run(mapRunArn=arn, maxConcurrency=7)  # UpdateMapRun's value wins
    assert sfn.describe_map_run(mapRunArn=arn)["maxConcurrency"] == 7
    low = json.dumps({"slots": 1, "percent": 25, "items": odd})
    execution = start(sfn, by_jsonata(), low, name="quarter")
    run = sfn.describe_map_run(mapRunArn=only_run(sfn, execution)["mapRunArn"])
    assert run["status"] == "FAILED"  # one failure tolerated by count, the second not
    assert (run["maxConcurrency"], run["toleratedFailurePercentage"]) == (2, 25)
    check_shapes(raw)


def test_failures_of_a_map_run_that_succeeded_are_not_redrivable(sfn, raw):
    execution = start(sfn, fan(tolerated=1), items(False, True, False))
    run = sfn.describe_map_run(mapRunArn=only_run(sfn, execution)["mapRunArn"])
    for counts in (run["itemCounts"], run["executionCounts"]):
        assert counts["failed"] == counts["failuresNotRedrivable"] == 1
    failed = start(sfn, fan(), items(False, True, False), name="redrivable")
    run = sfn.describe_map_run(mapRunArn=only_run(sfn, failed)["mapRunArn"])
    assert run["status"] == "FAILED" and run["executionCounts"]["failed"] >= 1
    assert run["executionCounts"]["failuresNotRedrivable"] == 0  # redriven with its parent
    assert run["itemCounts"]["failuresNotRedrivable"] == 0
    check_shapes(raw)
