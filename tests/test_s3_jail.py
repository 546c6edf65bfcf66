"""`--s3-root` is a jail: no Distributed Map reads or writes anything outside it, whether
through a symlinked bucket, a symlinked key or directory, `..` or an absolute key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from replay import api
from tests.helpers import START
from tui.cli import app

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"
PUT = "arn:aws:states:::s3:putObject"
CHILD = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
SECRET = "top-secret-hostname"


def distributed(extra: dict) -> dict:
    return {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    **CHILD,
                },
                **extra,
            }
        },
    }


def reader(resource: str, arguments: dict, **config) -> dict:
    return {"ItemReader": {"Resource": resource, "ReaderConfig": config, "Parameters": arguments}}


def writer(bucket: str, prefix: str = "out") -> dict:
    return {"ResultWriter": {"Resource": PUT, "Parameters": {"Bucket": bucket, "Prefix": prefix}}}


@pytest.fixture()
def world(tmp_path):
    """ROOT with bucket `data`, and outside it a directory holding a secret."""
    root, outside = tmp_path / "s3", tmp_path / "outside"
    (root / "data").mkdir(parents=True)
    (root / "data" / "items.json").write_text('[{"n": 1}]')
    outside.mkdir()
    (outside / "hostname").write_text(json.dumps([SECRET]))
    return root, outside


def run(tmp_path: Path, root: Path, definition: dict) -> dict:
    return api.run(
        tmp_path / "db",
        json.dumps(definition),
        {},
        state_machine_name="sm",
        name="jail",
        seed=1,
        start_micros=START,
        s3_root=root,
    )


def assert_refused(result: dict, error: str, names: str) -> None:
    assert result["status"] == "FAILED", result
    assert result["error"] == error
    assert names in result["cause"] and "leaves the local S3 root" in result["cause"]
    assert SECRET not in json.dumps(result)


def test_symlinked_bucket_is_not_read(tmp_path, world):
    root, outside = world
    (root / "etc").symlink_to(outside, target_is_directory=True)
    result = run(
        tmp_path,
        root,
        distributed(reader(GET, {"Bucket": "etc", "Key": "hostname"}, InputType="JSON")),
    )
    assert_refused(result, "States.ItemReaderFailed", '"etc"')


def test_symlinked_bucket_is_not_listed(tmp_path, world):
    root, outside = world
    (root / "etc").symlink_to(outside, target_is_directory=True)
    result = run(tmp_path, root, distributed(reader(LIST, {"Bucket": "etc"})))
    assert_refused(result, "States.ItemReaderFailed", '"etc"')


def test_symlinked_key_fails_a_listing_that_would_read_it(tmp_path, world):
    root, outside = world
    (root / "data" / "hostname").symlink_to(outside / "hostname")
    result = run(tmp_path, root, distributed(reader(LIST, {"Bucket": "data"})))
    assert_refused(result, "States.ItemReaderFailed", '"hostname"')


def test_inventory_data_file_through_a_symlink_is_not_read(tmp_path, world):
    root, outside = world
    (outside / "rows.csv").write_text(f"data,{SECRET}\n")
    (root / "data" / "inv").symlink_to(outside, target_is_directory=True)
    manifest = {
        "sourceBucket": "data",
        "destinationBucket": "arn:aws:s3:::data",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key",
        "files": [{"key": "inv/rows.csv"}],
    }
    (root / "data" / "manifest.json").write_text(json.dumps(manifest))
    result = run(
        tmp_path,
        root,
        distributed(
            reader(GET, {"Bucket": "data", "Key": "manifest.json"}, ManifestType="S3_INVENTORY")
        ),
    )
    assert_refused(result, "States.ItemReaderFailed", '"inv/rows.csv"')


@pytest.mark.parametrize(
    "key", ["/etc/hostname", "../outside/hostname", "a/../../../outside/hostname"]
)
def test_absolute_and_dotdot_keys_are_refused(tmp_path, world, key):
    root, _ = world
    result = run(
        tmp_path, root, distributed(reader(GET, {"Bucket": "data", "Key": key}, InputType="JSON"))
    )
    assert result["error"] == "States.ItemReaderFailed"
    assert "Invalid object key" in result["cause"] and json.dumps(key) in result["cause"]


def test_result_writer_does_not_write_through_a_symlinked_bucket(tmp_path, world):
    root, outside = world
    (root / "out").symlink_to(outside, target_is_directory=True)
    before = sorted(p.name for p in outside.rglob("*"))
    result = run(
        tmp_path,
        root,
        distributed(
            {
                **reader(GET, {"Bucket": "data", "Key": "items.json"}, InputType="JSON"),
                **writer("out"),
            }
        ),
    )
    assert_refused(result, "States.ResultWriterFailed", '"out"')
    assert sorted(p.name for p in outside.rglob("*")) == before


def test_result_writer_does_not_write_through_a_symlinked_prefix(tmp_path, world):
    root, outside = world
    (root / "data" / "results").symlink_to(outside, target_is_directory=True)
    before = sorted(p.name for p in outside.rglob("*"))
    result = run(
        tmp_path,
        root,
        distributed(
            {
                **reader(GET, {"Bucket": "data", "Key": "items.json"}, InputType="JSON"),
                **writer("data", "results/run"),
            }
        ),
    )
    assert_refused(result, "States.ResultWriterFailed", "results/run/")
    assert sorted(p.name for p in outside.rglob("*")) == before


def test_symlinks_inside_the_root_still_work(tmp_path, world):
    root, _ = world
    (root / "alias").symlink_to(root / "data", target_is_directory=True)
    (root / "data" / "same.json").symlink_to(root / "data" / "items.json")
    result = run(
        tmp_path,
        root,
        distributed(
            {
                **reader(GET, {"Bucket": "alias", "Key": "same.json"}, InputType="JSON"),
                **writer("alias"),
            }
        ),
    )
    assert result["status"] == "SUCCEEDED", result
    assert list((root / "data" / "out").rglob("manifest.json"))


def test_cli_run_through_a_symlinked_bucket_exits_1(tmp_path, world):
    root, outside = world
    (root / "etc").symlink_to(outside, target_is_directory=True)
    definition = tmp_path / "def.json"
    definition.write_text(
        json.dumps(distributed(reader(GET, {"Bucket": "etc", "Key": "hostname"}, InputType="JSON")))
    )
    result = CliRunner().invoke(
        app,
        ["run", str(definition), "--s3-root", str(root), "--db", str(tmp_path / "db"), "--json"],
    )
    assert result.exit_code == 1, result.output
    assert json.loads(result.stdout)["error"] == "States.ItemReaderFailed"
    assert SECRET not in result.output


def test_an_unreadable_object_fails_the_reader_not_the_tool(tmp_path, world, monkeypatch):
    root, _ = world
    real = Path.read_bytes

    def denied(path: Path) -> bytes:
        if path.name == "items.json":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", denied)  # root can read a chmod 0 file
    result = run(
        tmp_path,
        root,
        distributed(reader(GET, {"Bucket": "data", "Key": "items.json"}, InputType="JSON")),
    )
    assert result["error"] == "States.ItemReaderFailed", result
    assert result["cause"] == ("AccessDenied: cannot read s3://data/items.json: Permission denied")
