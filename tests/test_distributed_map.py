"""Distributed Map: child executions of their own, ItemReader/ItemBatcher/ResultWriter over a
local stand-in for S3, failure tolerance."""
from __future__ import annotations

import json

from replay import api
from tests.helpers import START

CHILD = {"StartAt": "Double", "States": {"Double": {
    "Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.n, $.n)"}, "End": True}}}


def distributed(extra: dict, processor: dict = CHILD) -> dict:
    return {"StartAt": "M", "States": {"M": {
        "Type": "Map", "Label": "Fan", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          **processor}, **extra}}}


def run(tmp_path, definition, input_value, **options):
    return api.run(tmp_path / "db", json.dumps(definition), input_value,
                   state_machine_name="sm", name="parent", seed=2, start_micros=START,
                   **options)


def test_children_are_executions_with_histories(tmp_path):
    result = run(tmp_path, distributed({}), [{"n": 1}, {"n": 2}])
    assert json.loads(result["output"]) == [{"v": 2}, {"v": 4}]
    parent = [e["type"] for e in api.history(tmp_path / "db", "parent")]
    assert parent == ["ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                      "MapRunSucceeded", "MapStateSucceeded", "MapStateExited",
                      "ExecutionSucceeded"]
    children = [d for d in api.list_executions(tmp_path / "db") if d.get("mapRunArn")]
    assert len(children) == 2
    map_run = api.history(tmp_path / "db", "parent")[3]["mapRunStartedEventDetails"]["mapRunArn"]
    for child in children:
        assert child["mapRunArn"] == map_run and child["status"] == "SUCCEEDED"
        assert ":execution:sm/Fan:" in child["executionArn"]
        types = [e["type"] for e in api.history(tmp_path / "db", child["executionArn"])]
        assert types == ["ExecutionStarted", "PassStateEntered", "PassStateExited",
                         "ExecutionSucceeded"]


def test_item_reader_batcher_and_result_writer(tmp_path):
    bucket = tmp_path / "s3" / "data"
    bucket.mkdir(parents=True)
    (bucket / "rows.csv").write_text("n,name\n1,a\n2,b\n3,c\n")
    definition = distributed({
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                       "Parameters": {"Bucket": "data", "Key": "rows.csv"}},
        "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": "r1"}},
        "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                         "Parameters": {"Bucket": "data", "Prefix": "out"}},
    }, {"StartAt": "Count", "States": {"Count": {
        "Type": "Pass", "Parameters": {"size.$": "States.ArrayLength($.Items)",
                                       "run.$": "$.BatchInput.run"}, "End": True}}})
    result = run(tmp_path, definition, {}, s3_root=tmp_path / "s3")
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    manifest = tmp_path / "s3" / "data" / output["ResultWriterDetails"]["Key"]
    files = json.loads(manifest.read_text())["ResultFiles"]["SUCCEEDED"]
    written = json.loads((tmp_path / "s3" / "data" / files[0]["Key"]).read_text())
    assert sorted(json.loads(r["Output"])["size"] for r in written) == [1, 2]


def test_item_reader_without_s3_root_fails_clearly(tmp_path):
    definition = distributed({"ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"}}})
    result = run(tmp_path, definition, {})
    assert result["error"] == "States.ItemReaderFailed" and "--s3-root" in result["cause"]


def test_tolerated_failures(tmp_path):
    failing = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 2, "Next": "Boom"}], "Default": "Ok"},
        "Boom": {"Type": "Fail", "Error": "TooBig"},
        "Ok": {"Type": "Succeed"}}}
    items = [{"n": n} for n in range(1, 6)]  # 3 of 5 fail
    ok = run(tmp_path, distributed({"ToleratedFailurePercentage": 60}, failing), items)
    assert ok["status"] == "SUCCEEDED"
    tmp2 = tmp_path / "second"
    tmp2.mkdir()
    bad = run(tmp2, distributed({"ToleratedFailureCount": 2}, failing), items)
    assert bad["error"] == "States.ExceedToleratedFailureThreshold"
    assert "MapRunFailed" in [e["type"] for e in api.history(tmp2 / "db", "parent")]


def test_replay_of_a_distributed_map_is_identical(tmp_path):
    run(tmp_path, distributed({}), [{"n": 1}, {"n": 2}, {"n": 3}])
    assert api.replay(tmp_path / "db", "parent") is None
