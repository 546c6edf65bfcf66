"""Distributed Map: child executions of their own, ItemReader/ItemBatcher/ResultWriter over a
local stand-in for S3, failure tolerance."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from replay import api
from replay.runner import RunError
from tests.helpers import START

CHILD = {
    "StartAt": "Double",
    "States": {
        "Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.n, $.n)"}, "End": True}
    },
}


def distributed(extra: dict, processor: dict = CHILD) -> dict:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "Label": "Fan",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    **processor,
                },
                **extra,
            }
        },
    }


def run(tmp_path, definition, input_value, **options):
    return api.run(
        tmp_path / "db",
        json.dumps(definition),
        input_value,
        state_machine_name="sm",
        name="parent",
        seed=2,
        start_micros=START,
        **options,
    )


def test_children_are_executions_with_histories(tmp_path):
    result = run(tmp_path, distributed({}), [{"n": 1}, {"n": 2}])
    assert json.loads(result["output"]) == [{"v": 2}, {"v": 4}]
    parent = [e["type"] for e in api.history(tmp_path / "db", "parent")]
    assert parent == [
        "ExecutionStarted",
        "MapStateEntered",
        "MapStateStarted",
        "MapRunStarted",
        "MapRunSucceeded",
        "MapStateSucceeded",
        "MapStateExited",
        "ExecutionSucceeded",
    ]
    children = [d for d in api.list_executions(tmp_path / "db") if d.get("mapRunArn")]
    assert len(children) == 2
    map_run = api.history(tmp_path / "db", "parent")[3]["mapRunStartedEventDetails"]["mapRunArn"]
    for child in children:
        assert child["mapRunArn"] == map_run and child["status"] == "SUCCEEDED"
        assert ":execution:sm/Fan:" in child["executionArn"]
        types = [e["type"] for e in api.history(tmp_path / "db", child["executionArn"])]
        assert types == [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]


def test_item_reader_batcher_and_result_writer(tmp_path):
    bucket = tmp_path / "s3" / "data"
    bucket.mkdir(parents=True)
    (bucket / "rows.csv").write_text("n,name\n1,a\n2,b\n3,c\n")
    definition = distributed(
        {
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "data", "Key": "rows.csv"},
            },
            "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": "r1"}},
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "data", "Prefix": "out"},
            },
        },
        {
            "StartAt": "Count",
            "States": {
                "Count": {
                    "Type": "Pass",
                    "Parameters": {
                        "size.$": "States.ArrayLength($.Items)",
                        "run.$": "$.BatchInput.run",
                    },
                    "End": True,
                }
            },
        },
    )
    result = run(tmp_path, definition, {}, s3_root=tmp_path / "s3")
    assert result["status"] == "SUCCEEDED", result
    output = json.loads(result["output"])
    manifest = tmp_path / "s3" / "data" / output["ResultWriterDetails"]["Key"]
    files = json.loads(manifest.read_text())["ResultFiles"]["SUCCEEDED"]
    written = json.loads((tmp_path / "s3" / "data" / files[0]["Key"]).read_text())
    assert sorted(json.loads(r["Output"])["size"] for r in written) == [1, 2]


def test_item_reader_without_s3_root_fails_clearly(tmp_path):
    definition = distributed(
        {
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "b", "Key": "k"},
            }
        }
    )
    result = run(tmp_path, definition, {})
    assert result["error"] == "States.ItemReaderFailed" and "--s3-root" in result["cause"]


def test_tolerated_failures(tmp_path):
    failing = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThan": 2, "Next": "Boom"}],
                "Default": "Ok",
            },
            "Boom": {"Type": "Fail", "Error": "TooBig"},
            "Ok": {"Type": "Succeed"},
        },
    }
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


# -- S3 reads and writes go through the record: replay and branch answer from it -------------

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "report-fanout"


def cli(*args):
    from typer.testing import CliRunner

    from tui.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def listing(root: Path) -> dict:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_replay_answers_the_item_reader_from_the_record(tmp_path):
    s3 = tmp_path / "s3"
    shutil.copytree(SCENARIO / "s3", s3)
    db = tmp_path / "db"
    result = cli(
        "run",
        SCENARIO / "definition.json",
        "--input",
        SCENARIO / "input.json",
        "--mock-config",
        SCENARIO / "mocks.json",
        "--test-case",
        "scores",
        "--s3-root",
        s3,
        "--db",
        db,
        "--name",
        "report",
        "--seed",
        "3",
    )
    assert result.exit_code == 0, result.output
    aws = cli("history", "report", "--db", db, "--format", "aws").stdout
    assert '"s3"' not in aws and "c-3" not in aws.split("MapStateStarted")[0]
    csv = s3 / "reports" / "customers-2026-10.csv"
    csv.write_text("id,spend\nx-9,1\n")  # edited after the run
    assert cli("replay", "report", "--db", db).exit_code == 0
    csv.unlink()  # and then deleted
    replayed = cli("replay", "report", "--db", db)
    assert replayed.exit_code == 0 and "identical" in replayed.stdout
    shutil.rmtree(s3)  # even the whole root
    assert cli("replay", "report", "--db", db).exit_code == 0


def test_replay_and_a_branch_prefix_write_nothing(tmp_path):
    definition = distributed(
        {
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "data", "Key": "items.json"},
            },
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "data", "Prefix": "out"},
            },
        }
    )
    definition["States"]["M"].pop("End")
    definition["States"]["M"]["Next"] = "Done"
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    s3 = tmp_path / "s3"
    (s3 / "data").mkdir(parents=True)
    (s3 / "data" / "items.json").write_text('[{"n": 1}, {"n": 2}]')
    result = run(tmp_path, definition, {}, s3_root=s3)
    assert result["status"] == "SUCCEEDED", result
    written = listing(s3)
    assert any(name.endswith("manifest.json") for name in written)
    for name in written:
        if name.startswith("data/out/"):
            (s3 / name).write_text("user edit")  # the results, changed after the run
    before = listing(s3)
    assert api.replay(tmp_path / "db", "parent") is None
    assert listing(s3) == before  # replay wrote nothing
    events = api.events(tmp_path / "db", "parent")
    last_map_event = max(e["id"] for e in events if e["type"] == "MapStateExited")
    api.branch(tmp_path / "db", "parent", last_map_event, name="again")
    assert listing(s3) == before  # nor did re-running the branch's shared prefix
    assert api.replay(tmp_path / "db", "again") is None


def test_a_failed_read_is_recorded_too(tmp_path):
    s3 = tmp_path / "s3"
    (s3 / "data").mkdir(parents=True)
    definition = distributed(
        {
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON"},
                "Parameters": {"Bucket": "data", "Key": "later.json"},
            }
        }
    )
    result = run(tmp_path, definition, {}, s3_root=s3)
    assert result["error"] == "States.ItemReaderFailed" and "NoSuchKey" in result["cause"]
    (s3 / "data" / "later.json").write_text('[{"n": 1}]')  # created after the run
    assert api.replay(tmp_path / "db", "parent") is None


def test_map_run_failed_carries_error_and_cause(tmp_path):
    failing = {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "Bad"}}}
    result = run(tmp_path, distributed({"ToleratedFailureCount": 0}, failing), [{"n": 1}])
    assert result["error"] == "States.ExceedToleratedFailureThreshold"
    history = api.history(tmp_path / "db", "parent")
    failed = [e for e in history if e["type"] == "MapRunFailed"]
    assert failed[0]["mapRunFailedEventDetails"] == {
        "error": "States.ExceedToleratedFailureThreshold",
        "cause": "The specified tolerated failure threshold was exceeded",
    }
    types = [e["type"] for e in history]
    assert types[types.index("MapRunFailed") :] == [
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


def test_a_failed_result_writer_fails_the_map_run(tmp_path):
    s3 = tmp_path / "s3"
    (s3 / "data").mkdir(parents=True)
    definition = distributed(
        {
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "missing", "Prefix": "out"},
            }
        }
    )
    result = run(tmp_path, definition, [{"n": 1}], s3_root=s3)
    assert result["error"] == "States.ResultWriterFailed" and "NoSuchBucket" in result["cause"]
    history = api.history(tmp_path / "db", "parent")
    failed = next(e for e in history if e["type"] == "MapRunFailed")
    assert failed["mapRunFailedEventDetails"]["error"] == "States.ResultWriterFailed"
    assert "MapRunSucceeded" not in [e["type"] for e in history]


def test_replay_with_a_definition_reading_another_key_reads_it(tmp_path):
    s3 = tmp_path / "s3"
    (s3 / "data").mkdir(parents=True)
    (s3 / "data" / "a.json").write_text('[{"n": 1}]')
    (s3 / "data" / "b.json").write_text('[{"n": 1}, {"n": 2}]')

    def reading(key: str) -> dict:
        return distributed(
            {
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "data", "Key": key},
                }
            }
        )

    assert run(tmp_path, reading("a.json"), {}, s3_root=s3)["status"] == "SUCCEEDED"
    assert api.replay(tmp_path / "db", "parent", json.dumps(reading("a.json"))) is None
    divergence = api.replay(tmp_path / "db", "parent", json.dumps(reading("b.json")))
    assert divergence is not None  # two items now: the new key was read, not the record
    assert divergence.produced["mapStateStartedEventDetails"] == {"length": 2}


def test_a_branch_shares_the_children_before_its_fork_and_has_its_own_after(tmp_path):
    run(tmp_path, distributed({"ItemsPath": "$.items"}), {"items": [{"n": 1}, {"n": 2}, {"n": 3}]})
    db = tmp_path / "db"
    events = api.events(db, "parent")
    started = next(e["id"] for e in events if e["type"] == "MapRunStarted")
    ended = next(e["id"] for e in events if e["type"] == "MapRunSucceeded")
    api.branch(db, "parent", ended, name="shares")  # its children ran before the fork
    api.branch(db, "parent", started, name="after")  # started after event `started`
    children = [doc for doc in api.list_executions(db) if doc.get("parentExecution")]
    parents = sorted(doc["parentExecution"].rsplit(":", 1)[-1] for doc in children)
    assert parents == ["after"] * 3 + ["parent"] * 3  # never the parent's children again
    assert api.replay(db, "shares") is None and api.replay(db, "after") is None


def test_a_branch_inside_a_map_run_is_refused(tmp_path):
    """A Parallel branch records root events while the other's Map Run children still run."""
    chain = {
        "StartAt": "P0",
        "States": {
            f"P{i}": {"Type": "Pass", **({"Next": f"P{i + 1}"} if i < 5 else {"End": True})}
            for i in range(6)
        },
    }
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "End": True,
                "Branches": [distributed({"ItemsPath": "$.items"}), chain],
            }
        },
    }
    run(tmp_path, definition, {"items": [{"n": n} for n in range(6)]})
    db = tmp_path / "db"
    events = api.events(db, "parent")
    started = next(e["id"] for e in events if e["type"] == "MapRunStarted")
    ended = next(e["id"] for e in events if e["type"] == "MapRunSucceeded")
    inside = next(
        e["id"] for e in events if started < e["id"] < ended and e["type"] == "PassStateEntered"
    )
    with pytest.raises(RunError, match="cannot branch inside a Distributed Map run"):
        api.branch(db, "parent", inside, name="inside")
