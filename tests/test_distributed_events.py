"""Distributed Map as the histories show it: the parent's events, each child execution's own
history and Context object, failures and aborts, the records a ResultWriter writes."""

from __future__ import annotations

import json
from typing import Any

from replay import api
from tests.helpers import START

FALSE = {"truncated": False}
ROLE = "arn:aws:iam::123456789012:role/sfn-replay"
PREFIX = "arn:aws:states:us-east-1:123456789012"


def distributed(processor_states: dict, **fields: Any) -> dict:
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": next(iter(processor_states)),
        "States": processor_states,
    }
    return {
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "Label": "Fan", "End": True, "ItemProcessor": processor, **fields}
        },
    }


def run(tmp, definition: dict, input_value: Any, **options: Any) -> dict:
    return api.run(
        tmp / "db",
        json.dumps(definition),
        input_value,
        state_machine_name="sm",
        name="parent",
        seed=2,
        start_micros=START,
        **options,
    )


def children(tmp) -> list[dict]:
    """The child executions, in the order of their items (their input's `i`)."""
    found = [d for d in api.list_executions(tmp / "db") if d.get("mapRunArn")]

    def key(d: dict) -> Any:
        first = api.history(tmp / "db", d["executionArn"])[0]
        value = json.loads(first["executionStartedEventDetails"]["input"])
        return value["i"] if isinstance(value, dict) else value

    return sorted(found, key=key)


def shown(events: list[dict]) -> list[tuple]:
    return [
        (
            e["type"],
            e["previousEventId"],
            next((v for k, v in e.items() if k.endswith("EventDetails")), None),
        )
        for e in events
    ]


PASS_CONTEXT = {"P": {"Type": "Pass", "End": True, "Parameters": {"ctx.$": "$$", "in.$": "$"}}}
SELECTOR = {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"}


def test_a_child_has_a_history_and_a_context_of_its_own(tmp_path):
    d = distributed(PASS_CONTEXT, ItemsPath="$.items", ItemSelector=SELECTOR)
    r = run(tmp_path, d, {"k": 0, "items": ["a", "b"]})
    out = json.loads(r["output"])
    (first, second) = children(tmp_path)
    name = first["name"]
    arn = f"{PREFIX}:execution:sm/Fan:{name}"
    assert first["executionArn"] == arn and first["stateMachineName"] == "sm/Fan"
    assert (first["status"], second["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert out[0] == {
        "in": {"i": 0, "v": "a", "k": 0},
        "ctx": {
            "Execution": {
                "Id": arn,
                "Input": {"i": 0, "v": "a", "k": 0},
                "StartTime": "2026-01-01T00:00:00.000Z",
                "Name": name,
                "RoleArn": ROLE,
                "RedriveCount": 0,
            },
            "StateMachine": {"Id": f"{PREFIX}:stateMachine:sm/Fan", "Name": "sm/Fan"},
            "State": {"EnteredTime": "2026-01-01T00:00:00.000Z", "Name": "P"},
        },
    }
    assert out[1]["in"] == {"i": 1, "v": "b", "k": 0}
    history = api.history(tmp_path / "db", arn)
    text_in, text_out = '{"i":0,"v":"a","k":0}', json.dumps(out[0], separators=(",", ":"))
    assert shown(history) == [
        ("ExecutionStarted", 0, {"input": text_in, "inputDetails": FALSE, "roleArn": ROLE}),
        ("PassStateEntered", 0, {"name": "P", "input": text_in, "inputDetails": FALSE}),
        ("PassStateExited", 2, {"name": "P", "output": text_out, "outputDetails": FALSE}),
        ("ExecutionSucceeded", 3, {"output": text_out, "outputDetails": FALSE}),
    ]


def test_the_parent_records_the_map_run(tmp_path):
    r = run(tmp_path, distributed(PASS_CONTEXT), [1, 2, 3])
    events = api.history(tmp_path / "db", "parent")
    map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
    assert map_run.startswith(f"{PREFIX}:mapRun:sm/Fan:")
    assert shown(events)[2:6] == [
        ("MapStateStarted", 2, {"length": 3}),
        ("MapRunStarted", 3, {"mapRunArn": map_run}),
        ("MapRunSucceeded", 4, None),
        ("MapStateSucceeded", 5, None),
    ]
    assert all(c["mapRunArn"] == map_run for c in children(tmp_path))
    assert [item["in"] for item in json.loads(r["output"])] == [1, 2, 3]


def test_max_concurrency_runs_children_in_turn_on_the_virtual_clock(tmp_path):
    wait = {"W": {"Type": "Wait", "Seconds": 10, "End": True}}
    r = run(
        tmp_path,
        distributed(wait, MaxConcurrencyPath="$.c", ItemsPath="$.items"),
        {"c": 2, "items": [1, 2, 3, 4]},
    )
    assert r["stopDate"].startswith("2026-01-01T00:00:20")


FAILING = {
    "C": {
        "Type": "Choice",
        "Default": "W",
        "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "F"}],
    },
    "W": {"Type": "Wait", "Seconds": 5, "End": True},
    "F": {"Type": "Fail", "Error": "Bad", "Cause": "zero"},
}


def test_a_failed_child_fails_the_map_run_and_aborts_the_others(tmp_path):
    r = run(tmp_path, distributed(FAILING), [1, 0])
    assert (r["error"], r["cause"]) == (
        "States.ExceedToleratedFailureThreshold",
        "The specified tolerated failure threshold was exceeded",
    )
    kids = {
        json.loads(
            api.history(tmp_path / "db", c["executionArn"])[0]["executionStartedEventDetails"][
                "input"
            ]
        ): c
        for c in children(tmp_path)
    }
    assert (kids[0]["status"], kids[1]["status"]) == ("FAILED", "ABORTED")
    failed = api.history(tmp_path / "db", kids[0]["executionArn"])
    assert shown(failed)[-1] == ("ExecutionFailed", 4, {"error": "Bad", "cause": "zero"})
    aborted = api.history(tmp_path / "db", kids[1]["executionArn"])
    assert [e["type"] for e in aborted][-2:] == ["WaitStateAborted", "ExecutionAborted"]
    parent = [e["type"] for e in api.history(tmp_path / "db", "parent")]
    assert parent[-4:] == ["MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed"]


def test_a_child_failing_without_a_cause_records_only_the_error(tmp_path):
    run(tmp_path, distributed({"F": {"Type": "Fail", "Error": "E"}}, ToleratedFailureCount=1), [1])
    (child,) = children(tmp_path)
    last = api.history(tmp_path / "db", child["executionArn"])[-1]
    assert last["executionFailedEventDetails"] == {"error": "E"}


def test_tolerated_failures_give_null_results(tmp_path):
    r = run(
        tmp_path,
        distributed(
            FAILING,
            ToleratedFailureCount=1,
            ResultPath="$.out",
            ItemsPath="$.items",
            Assign={"got.$": "$"},
        ),
        {"items": [0, 2]},
    )
    assert json.loads(r["output"]) == {"items": [0, 2], "out": [None, 2]}


def test_result_writer_records_each_child(tmp_path):
    (tmp_path / "s3" / "out").mkdir(parents=True)
    d = distributed(
        FAILING,
        ToleratedFailureCount=1,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "out", "Prefix": "res"},
        },
    )
    r = run(tmp_path, d, [0, 3], s3_root=tmp_path / "s3")
    details = json.loads(r["output"])["ResultWriterDetails"]
    manifest = json.loads((tmp_path / "s3" / "out" / details["Key"]).read_text())
    records = []
    for kind in ("SUCCEEDED", "FAILED"):
        for entry in manifest["ResultFiles"][kind]:
            records += json.loads((tmp_path / "s3" / "out" / entry["Key"]).read_text())
    by_input = {rec["Input"]: rec for rec in records}
    kids = {
        json.loads(
            api.history(tmp_path / "db", c["executionArn"])[0]["executionStartedEventDetails"][
                "input"
            ]
        ): c
        for c in children(tmp_path)
    }
    keys = (
        "ExecutionArn",
        "Name",
        "Input",
        "Status",
        "Output",
        "Error",
        "Cause",
        "StartDate",
        "StopDate",
    )
    ok, bad = ({k: v for k, v in by_input[i].items() if k in keys} for i in ("3", "0"))
    assert ok == {
        "ExecutionArn": kids[3]["executionArn"],
        "Name": kids[3]["name"],
        "Input": "3",
        "Status": "SUCCEEDED",
        "Output": "3",
        "StartDate": "2026-01-01T00:00:00.000Z",
        "StopDate": "2026-01-01T00:00:05.000Z",
    }
    assert bad == {
        "ExecutionArn": kids[0]["executionArn"],
        "Name": kids[0]["name"],
        "Input": "0",
        "Status": "FAILED",
        "Error": "Bad",
        "Cause": "zero",
        "StartDate": "2026-01-01T00:00:00.000Z",
        "StopDate": "2026-01-01T00:00:00.000Z",
    }


def test_a_result_writer_without_an_s3_root_is_a_runtime_error(tmp_path):
    d = distributed(
        PASS_CONTEXT,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "b", "Prefix": "p"},
        },
    )
    r = run(tmp_path, d, [1])
    assert r["error"] == "States.Runtime"
    assert r["cause"].endswith(
        "the ResultWriter needs a local stand-in for S3: run with --s3-root DIR"
    )


def test_reader_and_batcher_read_their_limits_from_paths(tmp_path):
    bucket = tmp_path / "s3" / "data"
    bucket.mkdir(parents=True)
    (bucket / "items.json").write_text(json.dumps([{"n": n} for n in range(5)]))
    count = {
        "P": {
            "Type": "Pass",
            "End": True,
            "Parameters": {"n.$": "States.ArrayLength($.Items)", "b.$": "$.BatchInput"},
        }
    }
    d = distributed(
        count,
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.max"},
            "Parameters": {"Bucket": "data", "Key.$": "$.key"},
        },
        ItemBatcher={"MaxItemsPerBatchPath": "$.per", "BatchInput": {"run.$": "$.key"}},
    )
    r = run(tmp_path, d, {"max": 4, "per": 3, "key": "items.json"}, s3_root=tmp_path / "s3")
    assert json.loads(r["output"]) == [
        {"n": 3, "b": {"run": "items.json"}},
        {"n": 1, "b": {"run": "items.json"}},
    ]


def test_max_concurrency_one_runs_one_child_at_a_time(tmp_path):
    wait = {"W": {"Type": "Wait", "Seconds": 10, "End": True}}
    r = run(tmp_path, distributed(wait, MaxConcurrency=1), [1, 2, 3])
    assert r["stopDate"].startswith("2026-01-01T00:00:30")


def test_an_item_reader_without_an_s3_root_says_how_to_give_one(tmp_path):
    d = distributed(
        PASS_CONTEXT,
        ItemReader={
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "b", "Key": "k"},
        },
    )
    r = run(tmp_path, d, {})
    assert (r["error"], r["cause"]) == (
        "States.ItemReaderFailed",
        "the ItemReader needs a local stand-in for S3: run with --s3-root DIR",
    )


def test_item_selector_sees_the_parent_context_variables_and_the_seeded_source(tmp_path):
    d = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"v": 7}, "Next": "M"},
            "M": distributed(
                PASS_CONTEXT,
                ItemSelector={
                    "v.$": "$v",
                    "r.$": "States.MathRandom(1, 2)",
                    "e.$": "$$.Execution.Name",
                    "i.$": "$$.Map.Item.Index",
                },
            )["States"]["M"],
        },
    }
    out = json.loads(run(tmp_path, d, [5])["output"])
    assert out[0]["in"] == {"v": 7, "r": 1, "e": "parent", "i": 0}


def test_the_map_result_goes_through_assign_result_selector_and_paths(tmp_path):
    d = {
        "StartAt": "M",
        "States": {
            "M": distributed(
                PASS_CONTEXT,
                Next="N",
                ResultSelector={"n.$": "States.ArrayLength($)"},
                ResultPath="$.res",
                OutputPath="$.res",
                Assign={"all.$": "$[*].in"},
                ToleratedFailureCountPath="$.tol",
                ItemsPath="$.items",
            )["States"]["M"],
            "N": {"Type": "Pass", "Parameters": {"all.$": "$all", "out.$": "$"}, "End": True},
        },
    }
    del d["States"]["M"]["End"]
    r = run(tmp_path, d, {"tol": 0, "items": [1, 2]})
    assert json.loads(r["output"]) == {"all": [1, 2], "out": {"n": 2}}


def test_batches_without_batch_input_and_by_bytes_from_a_path(tmp_path):
    count = {
        "P": {
            "Type": "Pass",
            "End": True,
            "Parameters": {"n.$": "States.ArrayLength($.Items)", "all.$": "$"},
        }
    }
    d = distributed(count, ItemsPath="$.items", ItemBatcher={"MaxInputBytesPerBatchPath": "$.b"})
    r = run(tmp_path, d, {"items": ["x" * 10] * 4, "b": 40})
    out = json.loads(r["output"])
    assert [o["n"] for o in out] == [2, 2]
    assert all(set(o["all"]) == {"Items"} for o in out)
