"""Distributed Map I/O over a local S3 root: ItemReader sources, ItemBatcher, ResultWriter."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest

from replay.asl.errors import StatesError
from replay.distributed import (
    ItemBatcherError,
    ItemReaderError,
    ResultWriterError,
    batch_items,
    read_items,
    transform_results,
    write_results,
)
from replay.distributed.reader import LAST_MODIFIED, parse_csv
from replay.distributed.writer import aws_date

GET = "arn:aws:states:::s3:getObject"
LIST = "arn:aws:states:::s3:listObjectsV2"
PUT = "arn:aws:states:::s3:putObject"


def put(root: Path, bucket: str, key: str, data: str | bytes) -> None:
    path = root / bucket / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def get_items(root: Path, key: str, **config) -> list:
    return read_items({"Resource": GET, "ReaderConfig": config}, {"Bucket": "b", "Key": key}, root)


def reader_error(root: Path, reader: dict, arguments: dict) -> ItemReaderError:
    with pytest.raises(ItemReaderError) as caught:
        read_items(reader, arguments, root)
    assert caught.value.error == "States.ItemReaderFailed"
    assert isinstance(caught.value, StatesError)
    return caught.value


# -- JSON / JSONL -------------------------------------------------------------------------


def test_json_array(tmp_path):
    put(tmp_path, "b", "data.json", '[{"a": 1}, "two", 3, null, [4]]')
    assert get_items(tmp_path, "data.json", InputType="JSON") == [{"a": 1}, "two", 3, None, [4]]


def test_json_items_pointer(tmp_path):
    put(tmp_path, "b", "nested.json", json.dumps({"inv": {"a/b": [[1, 2], [3]]}}))
    assert get_items(tmp_path, "nested.json", InputType="JSON", ItemsPointer="/inv/a~1b/0") == [
        1,
        2,
    ]
    cause = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "ItemsPointer": "/inv/nope"}},
        {"Bucket": "b", "Key": "nested.json"},
    )
    assert cause.cause == "ItemsPointer /inv/nope selects nothing in the JSON file"


def test_json_not_an_array(tmp_path):
    put(tmp_path, "b", "obj.json", '{"a": 1}')
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}},
        {"Bucket": "b", "Key": "obj.json"},
    )
    assert error.cause == "Attempting to map over non-iterable node."


def test_json_unparsable(tmp_path):
    put(tmp_path, "b", "bad.json", "[1, 2")
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}},
        {"Bucket": "b", "Key": "bad.json"},
    )
    assert error.cause.startswith("Cannot parse s3://b/bad.json as JSON: ")
    put(tmp_path, "b", "nan.json", "[NaN]")
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}},
        {"Bucket": "b", "Key": "nan.json"},
    )
    assert "NaN is not JSON" in error.cause


def test_jsonl(tmp_path):
    put(tmp_path, "b", "d.jsonl", '{"v": 1}\r\n\n"x"\n[1, 2]\n{"s": "a\u2028b"}\n')
    assert get_items(tmp_path, "d.jsonl", InputType="JSONL") == [
        {"v": 1},
        "x",
        [1, 2],
        {"s": "a\u2028b"},
    ]


def test_jsonl_bad_line(tmp_path):
    put(tmp_path, "b", "d.jsonl", '{"v": 1}\n{oops}\n')
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSONL"}},
        {"Bucket": "b", "Key": "d.jsonl"},
    )
    assert error.cause.startswith("Cannot parse s3://b/d.jsonl line 2 as JSON: ")


def test_gzip_object(tmp_path):
    put(tmp_path, "b", "d.jsonl.gz", gzip.compress(b'{"v": 1}\n{"v": 2}\n'))
    assert get_items(tmp_path, "d.jsonl.gz", InputType="JSONL") == [{"v": 1}, {"v": 2}]


def test_not_utf8(tmp_path):
    put(tmp_path, "b", "bin.json", b"\xff\xfe[1]")
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}},
        {"Bucket": "b", "Key": "bin.json"},
    )
    assert error.cause.startswith("Cannot read s3://b/bin.json as UTF-8 text: ")


# -- CSV ----------------------------------------------------------------------------------


def test_csv_first_row(tmp_path):
    put(tmp_path, "b", "r.csv", "userId,movieId,rating\n1,307,3.5\n1,481,3.5\n")
    assert get_items(tmp_path, "r.csv", InputType="CSV", CSVHeaderLocation="FIRST_ROW") == [
        {"userId": "1", "movieId": "307", "rating": "3.5"},
        {"userId": "1", "movieId": "481", "rating": "3.5"},
    ]


def test_csv_first_row_is_the_default_and_values_stay_strings(tmp_path):
    put(tmp_path, "b", "r.csv", "n,b,x\r\n1,true,null\r\n")
    assert get_items(tmp_path, "r.csv", InputType="CSV") == [{"n": "1", "b": "true", "x": "null"}]


def test_csv_given_headers(tmp_path):
    put(tmp_path, "b", "r.csv", "1,307,3.5,1256677221\n1,481,3.5,1256677456\n")
    items = get_items(
        tmp_path,
        "r.csv",
        InputType="CSV",
        CSVHeaderLocation="GIVEN",
        CSVHeaders=["userId", "movieId", "rating", "timestamp"],
    )
    assert items[1] == {"userId": "1", "movieId": "481", "rating": "3.5", "timestamp": "1256677456"}
    assert len(items) == 2


@pytest.mark.parametrize(
    "name,char", [("COMMA", ","), ("PIPE", "|"), ("SEMICOLON", ";"), ("SPACE", " "), ("TAB", "\t")]
)
def test_csv_every_delimiter(tmp_path, name, char):
    text = char.join(["a", "b", "c"]) + "\n" + char.join(["1", '"x' + char + 'y"', "3"]) + "\n"
    put(tmp_path, "b", "d.csv", text)
    assert get_items(tmp_path, "d.csv", InputType="CSV", CSVDelimiter=name) == [
        {"a": "1", "b": "x" + char + "y", "c": "3"}
    ]


def test_csv_short_and_long_rows(tmp_path):
    put(tmp_path, "b", "d.csv", "a,b,c\n1\n1,2,3,4,5\n")
    assert get_items(tmp_path, "d.csv", InputType="CSV") == [
        {"a": "1", "b": "", "c": ""},
        {"a": "1", "b": "2", "c": "3"},
    ]


def test_csv_aws_parsing_example():
    """The example of AWS's "How Step Functions parses input CSV files" page."""
    text = (
        'abc,123,"This string contains commas, a double quotation marks (""), and a newline '
        '(\n)",{""MyKey"":""MyValue""},"[1,2,3]"'
    )
    assert parse_csv(text, ",") == [
        [
            "abc",
            "123",
            'This string contains commas, a double quotation marks ("), and a newline (\n)',
            '{"MyKey":"MyValue"}',
            "[1,2,3]",
        ]
    ]


def test_csv_backslashes_and_quotes():
    assert parse_csv("C:\\\\Program Files\\\\App.exe,6534512\n", ",") == [
        ["C:\\Program Files\\App.exe", "6534512"]
    ]
    assert parse_csv('a\\,b,c\\"d,e\\x\n', ",") == [["a,b", 'c"d', "ex"]]
    assert parse_csv('"",x,""""\n', ",") == [["", "x", '"']]
    assert parse_csv("a|b\\|c\n", "|") == [["a", "b|c"]]


def test_csv_empty_lines_and_endings():
    assert parse_csv("a,b\r\n\r\n1,2\r3,4", ",") == [["a", "b"], ["1", "2"], ["3", "4"]]
    assert parse_csv("", ",") == []
    assert parse_csv(",\n", ",") == [["", ""]]


def test_csv_empty_file(tmp_path):
    put(tmp_path, "b", "e.csv", "")
    assert get_items(tmp_path, "e.csv", InputType="CSV") == []
    put(tmp_path, "b", "h.csv", "a,b\n")
    assert get_items(tmp_path, "h.csv", InputType="CSV") == []


def test_csv_errors(tmp_path):
    put(tmp_path, "b", "d.csv", "a,a\n1,2\n")
    args = {"Bucket": "b", "Key": "d.csv"}
    error = reader_error(tmp_path, {"Resource": GET, "ReaderConfig": {"InputType": "CSV"}}, args)
    assert error.cause == "CSV headers cannot contain duplicates."
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}},
        args,
    )
    assert error.cause == (
        'CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is "GIVEN"'
    )
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "LAST_ROW"}},
        args,
    )
    assert (
        error.cause == 'Unsupported CSVHeaderLocation: "LAST_ROW" (expected "FIRST_ROW" or "GIVEN")'
    )
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "CSV", "CSVDelimiter": "COLON"}},
        args,
    )
    assert error.cause == (
        'Unsupported CSVDelimiter: "COLON" (expected one of COMMA, PIPE, SEMICOLON, SPACE, TAB)'
    )
    put(tmp_path, "b", "open.csv", 'a\n"unterminated\n')
    error = reader_error(
        tmp_path,
        {"Resource": GET, "ReaderConfig": {"InputType": "CSV"}},
        {"Bucket": "b", "Key": "open.csv"},
    )
    assert error.cause == "Cannot parse s3://b/open.csv: a quoted field is not closed"


# -- S3 inventory manifest ----------------------------------------------------------------


def inventory(root: Path, data_files: dict[str, bytes], **manifest) -> None:
    for key, data in data_files.items():
        put(root, "inv", key, data)
    body = {
        "sourceBucket": "src",
        "destinationBucket": "arn:aws:s3:::inv",
        "version": "2016-11-30",
        "creationTimestamp": "1668560400000",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size, LastModifiedDate",
        "files": [
            {"key": k, "size": len(v), "MD5checksum": hashlib.md5(v).hexdigest()}
            for k, v in data_files.items()
        ],
        **manifest,
    }
    put(root, "inv", "src/cfg/2022-11-16T00-00Z/manifest.json", json.dumps(body))


def test_manifest_items(tmp_path):
    first = gzip.compress(
        b'"src","csvDataset/","0","2022-11-16T00:27:19.000Z"\n'
        b'"src","csvDataset/titles.csv","3399671","2022-11-16T00:29:32.000Z"\n'
    )
    second = b'"src","img/a.jpg","27034","2022-11-15T20:02:16.000Z"\n'
    inventory(tmp_path, {"src/cfg/data/1.csv.gz": first, "src/cfg/data/2.csv": second})
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "MANIFEST"}}
    args = {"Bucket": "inv", "Key": "src/cfg/2022-11-16T00-00Z/manifest.json"}
    items = read_items(reader, args, tmp_path)
    assert items[1] == {
        "Bucket": "src",
        "Key": "csvDataset/titles.csv",
        "Size": "3399671",
        "LastModifiedDate": "2022-11-16T00:29:32.000Z",
    }
    assert [i["Key"] for i in items] == ["csvDataset/", "csvDataset/titles.csv", "img/a.jpg"]
    by_type = {"Resource": GET, "ReaderConfig": {"ManifestType": "S3_INVENTORY", "MaxItems": 2}}
    assert read_items(by_type, args, tmp_path) == items[:2]


def test_manifest_errors(tmp_path):
    args = {"Bucket": "inv", "Key": "src/cfg/2022-11-16T00-00Z/manifest.json"}
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "MANIFEST"}}
    inventory(tmp_path, {"d.orc": b""}, fileFormat="ORC")
    assert reader_error(tmp_path, reader, args).cause == (
        'Step Functions reads only CSV S3 inventory reports, not "ORC"'
    )
    inventory(tmp_path, {}, files=[{"key": "missing.csv.gz", "size": 1}])
    assert reader_error(tmp_path, reader, args).cause == (
        "NoSuchKey: The specified key does not exist (Bucket: inv, Key: missing.csv.gz)"
    )
    put(tmp_path, "inv", args["Key"], "[]")
    assert reader_error(tmp_path, reader, args).cause == (
        f's3://inv/{args["Key"]} is not an S3 inventory manifest (no "files" array)'
    )
    both = {"Resource": GET, "ReaderConfig": {"ManifestType": "S3_INVENTORY", "InputType": "CSV"}}
    assert reader_error(tmp_path, both, args).cause == (
        "InputType must not be set when ManifestType is S3_INVENTORY"
    )
    athena = {"Resource": GET, "ReaderConfig": {"ManifestType": "ATHENA_DATA", "InputType": "CSV"}}
    assert reader_error(tmp_path, athena, args).cause == (
        'Unsupported ReaderConfig.ManifestType: "ATHENA_DATA" '
        "(sfn-replay reads S3_INVENTORY manifests only)"
    )


# -- listObjectsV2 ------------------------------------------------------------------------


def list_items(root: Path, **arguments) -> list:
    return read_items({"Resource": LIST}, {"Bucket": "b", **arguments}, root)


def test_list_objects(tmp_path):
    put(tmp_path, "b", "logs/b.txt", "bb")
    put(tmp_path, "b", "logs/a.txt", "a")
    put(tmp_path, "b", "logs/deep/c.txt", "")
    put(tmp_path, "b", "logs10/x.txt", "x")
    put(tmp_path, "b", "other.txt", "o")
    items = list_items(tmp_path, Prefix="logs/")
    assert items == [
        {
            "Etag": f'"{hashlib.md5(b"a").hexdigest()}"',
            "Key": "logs/a.txt",
            "LastModified": LAST_MODIFIED,
            "Size": 1,
            "StorageClass": "STANDARD",
        },
        {
            "Etag": f'"{hashlib.md5(b"bb").hexdigest()}"',
            "Key": "logs/b.txt",
            "LastModified": LAST_MODIFIED,
            "Size": 2,
            "StorageClass": "STANDARD",
        },
        {
            "Etag": '"d41d8cd98f00b204e9800998ecf8427e"',
            "Key": "logs/deep/c.txt",
            "LastModified": LAST_MODIFIED,
            "Size": 0,
            "StorageClass": "STANDARD",
        },
    ]
    assert [i["Key"] for i in list_items(tmp_path, Prefix="logs")] == [
        "logs/a.txt",
        "logs/b.txt",
        "logs/deep/c.txt",
        "logs10/x.txt",
    ]
    assert len(list_items(tmp_path)) == 5
    assert [i["Key"] for i in list_items(tmp_path, Prefix="logs/", Delimiter="/")] == [
        "logs/a.txt",
        "logs/b.txt",
    ]
    assert [i["Key"] for i in list_items(tmp_path, StartAfter="logs/deep/c.txt")] == [
        "logs10/x.txt",
        "other.txt",
    ]


def test_list_objects_is_deterministic(tmp_path):
    for name in ("z", "a", "M", "é", "_"):
        put(tmp_path, "b", f"p/{name}.json", name)
    first = list_items(tmp_path, Prefix="p/")
    second = list_items(tmp_path, Prefix="p/")
    assert first == second
    assert [i["Key"] for i in first] == [
        "p/M.json",
        "p/_.json",
        "p/a.json",
        "p/z.json",
        "p/é.json",
    ]  # S3 order: UTF-8 bytes


def test_list_objects_load_and_flatten(tmp_path):
    put(tmp_path, "b", "in/1.csv", "a,b\n1,2\n")
    put(tmp_path, "b", "in/2.csv", "a,b\n3,4\n5,6\n")
    reader = {
        "Resource": LIST,
        "ReaderConfig": {"InputType": "CSV", "Transformation": "LOAD_AND_FLATTEN"},
    }
    assert read_items(reader, {"Bucket": "b", "Prefix": "in/"}, tmp_path) == [
        {"a": "1", "b": "2"},
        {"a": "3", "b": "4"},
        {"a": "5", "b": "6"},
    ]
    reader["ReaderConfig"]["MaxItems"] = 2
    assert len(read_items(reader, {"Bucket": "b", "Prefix": "in/"}, tmp_path)) == 2
    bad = {"Resource": LIST, "ReaderConfig": {"Transformation": "FLATTEN"}}
    assert reader_error(tmp_path, bad, {"Bucket": "b"}).cause == (
        'Unsupported ReaderConfig.Transformation: "FLATTEN" (expected "NONE" or "LOAD_AND_FLATTEN")'
    )


def test_list_objects_empty_and_missing_bucket(tmp_path):
    (tmp_path / "b").mkdir()
    assert list_items(tmp_path, Prefix="none/") == []
    error = reader_error(tmp_path, {"Resource": LIST}, {"Bucket": "nope"})
    assert error.cause == "NoSuchBucket: The specified bucket does not exist (Bucket: nope)"


# -- MaxItems -----------------------------------------------------------------------------


def test_max_items(tmp_path):
    put(tmp_path, "b", "d.json", json.dumps(list(range(10))))
    assert get_items(tmp_path, "d.json", InputType="JSON", MaxItems=3) == [0, 1, 2]
    assert get_items(tmp_path, "d.json", InputType="JSON", MaxItems=0) == list(range(10))
    assert get_items(tmp_path, "d.json", InputType="JSON", MaxItems=50) == list(range(10))
    put(tmp_path, "b", "d.csv", "h\n1\n2\n3\n")
    assert get_items(tmp_path, "d.csv", InputType="CSV", MaxItems=2) == [{"h": "1"}, {"h": "2"}]
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON", "MaxItems": -1}}
    assert reader_error(tmp_path, reader, {"Bucket": "b", "Key": "d.json"}).cause == (
        "field MaxItems must be positive"
    )
    reader["ReaderConfig"]["MaxItems"] = "3"
    assert reader_error(tmp_path, reader, {"Bucket": "b", "Key": "d.json"}).cause == (
        'field MaxItems must be an integer, not "3"'
    )


# -- reader errors ------------------------------------------------------------------------


def test_missing_key_and_bucket(tmp_path):
    (tmp_path / "b").mkdir()
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}}
    assert reader_error(tmp_path, reader, {"Bucket": "b", "Key": "no.json"}).cause == (
        "NoSuchKey: The specified key does not exist (Bucket: b, Key: no.json)"
    )
    assert reader_error(tmp_path, reader, {"Bucket": "x", "Key": "no.json"}).cause == (
        "NoSuchBucket: The specified bucket does not exist (Bucket: x)"
    )
    assert reader_error(tmp_path, reader, {"Key": "no.json"}).cause == "Invalid bucket name: null"


@pytest.mark.parametrize(
    "bucket,key",
    [
        ("b", "../outside.json"),
        ("b", "a/../../outside.json"),
        ("..", "outside.json"),
        ("b/..", "outside.json"),
        ("b", "a//b.json"),
        ("b", "./x.json"),
        ("b", ""),
        ("b", None),
    ],
)
def test_paths_cannot_escape_the_root(tmp_path, bucket, key):
    root = tmp_path / "root"
    put(root, "b", "a/ok.json", "[]")
    put(tmp_path, "", "outside.json", "[1]")
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}}
    error = reader_error(root, reader, {"Bucket": bucket, "Key": key})
    assert error.cause.startswith(("Invalid object key", "Invalid bucket name"))


def test_symlink_out_of_the_root_is_refused(tmp_path):
    root = tmp_path / "root"
    put(root, "b", "ok.json", "[]")
    put(tmp_path, "", "secret.json", "[1]")
    (root / "b" / "link.json").symlink_to(tmp_path / "secret.json")
    reader = {"Resource": GET, "ReaderConfig": {"InputType": "JSON"}}
    assert reader_error(root, reader, {"Bucket": "b", "Key": "link.json"}).cause == (
        'Object key leaves the local S3 root: "link.json"'
    )
    with pytest.raises(ItemReaderError):
        read_items({"Resource": LIST}, {"Bucket": "b"}, root)


def test_wrong_input_type_and_resource(tmp_path):
    put(tmp_path, "b", "d.json", "[]")
    args = {"Bucket": "b", "Key": "d.json"}
    assert reader_error(
        tmp_path, {"Resource": GET, "ReaderConfig": {"InputType": "XML"}}, args
    ).cause == (
        'Unsupported ReaderConfig.InputType: "XML" (sfn-replay reads JSON, JSONL, CSV, MANIFEST)'
    )
    assert reader_error(
        tmp_path, {"Resource": GET, "ReaderConfig": {"InputType": "PARQUET"}}, args
    ).cause.startswith('Unsupported ReaderConfig.InputType: "PARQUET"')
    assert reader_error(tmp_path, {"Resource": GET}, args).cause == (
        "ReaderConfig.InputType is required to read an object's items"
    )
    assert reader_error(tmp_path, {"Resource": "arn:aws:states:::s3:headObject"}, args).cause == (
        'Unsupported ItemReader Resource: "arn:aws:states:::s3:headObject" '
        f"(expected {GET} or {LIST})"
    )
    assert reader_error(tmp_path, {"Resource": LIST}, {"Bucket": "b", "Prefix": 3}).cause == (
        "Prefix must be a string, not 3"
    )


def test_the_documented_item_reader_shapes_are_accepted(tmp_path):
    """The shapes of the AWS guide's ItemReader examples (JSONPath Parameters, already
    evaluated, with VersionId; JSONata Arguments) read as they should."""
    put(tmp_path, "amzn-s3-demo-bucket", "csvDataset/ratings.csv", "userId|movieId\n1|307\n")
    reader = {
        "ReaderConfig": {
            "InputType": "CSV",
            "CSVHeaderLocation": "FIRST_ROW",
            "CSVDelimiter": "PIPE",
        },
        "Resource": GET,
        "Parameters": {
            "Bucket": "amzn-s3-demo-bucket",
            "Key": "csvDataset/ratings.csv",
            "VersionId": "BcK42coT2jE1234VHLUvBV1yLNod2OEt",
        },
    }
    assert read_items(reader, reader["Parameters"], tmp_path) == [{"userId": "1", "movieId": "307"}]


# -- ItemBatcher --------------------------------------------------------------------------


def size(value) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def test_batch_by_count():
    batches = batch_items(list(range(1130)), {"MaxItemsPerBatch": 100}, None)
    assert len(batches) == 12
    assert [len(b["Items"]) for b in batches] == [100] * 11 + [30]
    assert batches[0] == {"Items": list(range(100))}
    assert batch_items([], {"MaxItemsPerBatch": 5}, None) == []


def test_batch_input_is_a_member_of_each_batch():
    batches = batch_items(["a", "b", "c"], {"MaxItemsPerBatch": 2}, {"factCheck": "Dec 2022"})
    assert batches == [
        {"BatchInput": {"factCheck": "Dec 2022"}, "Items": ["a", "b"]},
        {"BatchInput": {"factCheck": "Dec 2022"}, "Items": ["c"]},
    ]
    assert batch_items([1], {"MaxItemsPerBatch": 1}, {}) == [{"BatchInput": {}, "Items": [1]}]


def test_batch_by_bytes_counts_the_whole_child_input():
    items = [{"k": "x" * 10}] * 7  # each item is 16 bytes of JSON
    batch_input = {"run": "é"}
    limit = size({"BatchInput": batch_input, "Items": items[:3]})
    batches = batch_items(items, {"MaxInputBytesPerBatch": limit}, batch_input)
    assert [len(b["Items"]) for b in batches] == [3, 3, 1]
    assert all(size(b) <= limit for b in batches)
    assert [
        len(b["Items"])
        for b in batch_items(items, {"MaxInputBytesPerBatch": limit - 1}, batch_input)
    ] == [2, 2, 2, 1]


def test_batch_by_count_and_bytes():
    items = ["x" * 8] * 6  # 10 bytes each
    batches = batch_items(
        items, {"MaxItemsPerBatch": 4, "MaxInputBytesPerBatch": size({"Items": items[:3]})}, None
    )
    assert [len(b["Items"]) for b in batches] == [3, 3]
    batches = batch_items(items, {"MaxItemsPerBatch": 2, "MaxInputBytesPerBatch": 1000}, None)
    assert [len(b["Items"]) for b in batches] == [2, 2, 2]


def test_batch_without_limits_uses_256_kib():
    items = ["x" * 1000] * 600
    batches = batch_items(items, {}, None)
    assert all(size(b) <= 256 * 1024 for b in batches)
    assert sum(len(b["Items"]) for b in batches) == 600 and len(batches) == 3
    assert batch_items(items, {"MaxInputBytesPerBatch": 10**9}, None) == batches


def test_batch_item_too_large():
    with pytest.raises(ItemBatcherError) as caught:
        batch_items(["ok", "x" * 100], {"MaxInputBytesPerBatch": 50}, None)
    assert caught.value.error == "States.Runtime"
    assert caught.value.cause == (
        "Item at index 1 needs a batch of 114 bytes, more than the 50 "
        "bytes MaxInputBytesPerBatch allows"
    )


@pytest.mark.parametrize(
    "config,cause",
    [
        ({"MaxItemsPerBatch": 0}, "field MaxItemsPerBatch must be a positive integer, not 0"),
        ({"MaxItemsPerBatch": 1.5}, "field MaxItemsPerBatch must be a positive integer, not 1.5"),
        (
            {"MaxInputBytesPerBatch": -1},
            "field MaxInputBytesPerBatch must be a positive integer, not -1",
        ),
        (
            {"MaxInputBytesPerBatch": True},
            "field MaxInputBytesPerBatch must be a positive integer, not true",
        ),
    ],
)
def test_batch_limits_must_be_positive(config, cause):
    with pytest.raises(ItemBatcherError) as caught:
        batch_items([1], config, None)
    assert caught.value.cause == cause


# -- ResultWriter -------------------------------------------------------------------------

MAP_RUN = (
    "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:"
    "ad9b5f27-090b-3ac6-9beb-243cd77144a7"
)
CHILD = "arn:aws:states:us-east-2:123456789012:execution:csvProcess/Map:"


def child(name: str, status: str, **extra) -> dict:
    return {
        "ExecutionArn": CHILD + name,
        "Name": name,
        "Input": {"item": name},
        "Output": None,
        "Status": status,
        "StartDate": "2025-02-04T01:49:50.099000+00:00",
        "StopDate": "2025-02-04T01:49:50.163Z",
        "Error": None,
        "Cause": None,
        **extra,
    }


def writer(prefix: str = "csvProcessJobs", **config) -> dict:
    rw = {"Resource": PUT, "Parameters": {"Bucket": "out", "Prefix": prefix}}
    if config:
        rw["WriterConfig"] = config
    return rw


def read_json(root: Path, key: str):
    return json.loads((root / "out" / key).read_text())


def test_writer_files_and_output(tmp_path):
    (tmp_path / "out").mkdir()
    results = [
        child("one", "SUCCEEDED", Output=[{"order_id": "100000"}]),
        child("two", "FAILED", Error="Lambda.Unknown", Cause="boom"),
        child("three", "SUCCEEDED", Output="done"),
        child("four", "TIMED_OUT", Error="States.Timeout"),
        {"Input": {"item": "five"}, "Status": "PENDING"},
    ]
    rw = writer()
    output = write_results(rw, rw["Parameters"], tmp_path, MAP_RUN, results)
    run = "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/"
    assert output == {
        "MapRunArn": MAP_RUN,
        "ResultWriterDetails": {"Bucket": "out", "Key": run + "manifest.json"},
    }
    manifest = read_json(tmp_path, run + "manifest.json")
    sizes = {
        g: (tmp_path / "out" / run / f"{g}_0.json").stat().st_size
        for g in ("SUCCEEDED", "FAILED", "PENDING")
    }
    assert manifest == {
        "DestinationBucket": "out",
        "MapRunArn": MAP_RUN,
        "ResultFiles": {
            "FAILED": [{"Key": run + "FAILED_0.json", "Size": sizes["FAILED"]}],
            "PENDING": [{"Key": run + "PENDING_0.json", "Size": sizes["PENDING"]}],
            "SUCCEEDED": [{"Key": run + "SUCCEEDED_0.json", "Size": sizes["SUCCEEDED"]}],
        },
    }
    succeeded = read_json(tmp_path, run + "SUCCEEDED_0.json")
    assert succeeded[0] == {
        "ExecutionArn": CHILD + "one",
        "Input": '{"item":"one"}',
        "InputDetails": {"Included": True},
        "Name": "one",
        "Output": '[{"order_id":"100000"}]',
        "OutputDetails": {"Included": True},
        "RedriveCount": 0,
        "RedriveStatus": "NOT_REDRIVABLE",
        "RedriveStatusReason": "Execution is SUCCEEDED and cannot be redriven",
        "StartDate": "2025-02-04T01:49:50.099Z",
        "StateMachineArn": "arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map",
        "Status": "SUCCEEDED",
        "StopDate": "2025-02-04T01:49:50.163Z",
    }
    assert list(succeeded[0]) == sorted(succeeded[0])
    assert [r["Output"] for r in succeeded] == ['[{"order_id":"100000"}]', '"done"']
    failed = read_json(tmp_path, run + "FAILED_0.json")
    assert failed[0] == {
        "Cause": "boom",
        "Error": "Lambda.Unknown",
        "ExecutionArn": CHILD + "two",
        "Input": '{"item":"two"}',
        "InputDetails": {"Included": True},
        "Name": "two",
        "RedriveCount": 0,
        "RedriveStatus": "REDRIVABLE",
        "StartDate": "2025-02-04T01:49:50.099Z",
        "StateMachineArn": "arn:aws:states:us-east-2:123456789012:stateMachine:csvProcess/Map",
        "Status": "FAILED",
        "StopDate": "2025-02-04T01:49:50.163Z",
    }
    assert failed[1]["Status"] == "TIMED_OUT" and "Cause" not in failed[1]
    assert read_json(tmp_path, run + "PENDING_0.json") == [
        {"Input": '{"item":"five"}', "InputDetails": {"Included": True}, "Status": "PENDING"}
    ]


def test_writer_only_writes_non_empty_groups_and_is_deterministic(tmp_path):
    (tmp_path / "out").mkdir()
    rw = writer("jobs/")
    results = [child("a", "SUCCEEDED", Output=1)]
    first = write_results(rw, rw["Parameters"], tmp_path, MAP_RUN, results)
    run = tmp_path / "out" / "jobs" / "ad9b5f27-090b-3ac6-9beb-243cd77144a7"
    snapshot = {p.name: p.read_bytes() for p in run.iterdir()}
    assert sorted(snapshot) == ["SUCCEEDED_0.json", "manifest.json"]
    assert read_json(tmp_path, first["ResultWriterDetails"]["Key"])["ResultFiles"]["FAILED"] == []
    assert write_results(rw, rw["Parameters"], tmp_path, MAP_RUN, results) == first
    assert {p.name: p.read_bytes() for p in run.iterdir()} == snapshot


def test_writer_empty_prefix_and_bare_id(tmp_path):
    (tmp_path / "out").mkdir()
    rw = writer("")
    output = write_results(
        rw,
        rw["Parameters"],
        tmp_path,
        "run-1",
        [],
        map_run_arn="arn:aws:states:r:1:mapRun:m/Map:run-1",
    )
    assert output == {
        "MapRunArn": "arn:aws:states:r:1:mapRun:m/Map:run-1",
        "ResultWriterDetails": {"Bucket": "out", "Key": "run-1/manifest.json"},
    }
    assert read_json(tmp_path, "run-1/manifest.json")["ResultFiles"] == {
        "FAILED": [],
        "PENDING": [],
        "SUCCEEDED": [],
    }


def test_writer_config_transformations(tmp_path):
    (tmp_path / "out").mkdir()
    results = [
        child("a", "SUCCEEDED", Output=[1, 2]),
        child("b", "SUCCEEDED", Output=[3]),
        child("c", "SUCCEEDED", Output={"x": 1}),
    ]
    assert transform_results(results, "COMPACT") == [[1, 2], [3], {"x": 1}]
    assert transform_results(results, "FLATTEN") == [1, 2, 3, {"x": 1}]
    failed = child("d", "FAILED", Error="E")
    assert transform_results([failed], "FLATTEN")[0]["Error"] == "E"
    rw = writer("p", Transformation="FLATTEN", OutputType="JSONL")
    out = write_results(rw, rw["Parameters"], tmp_path, MAP_RUN, results)
    key = out["ResultWriterDetails"]["Key"].replace("manifest.json", "SUCCEEDED_0.json")
    assert (tmp_path / "out" / key).read_text() == '1\n2\n3\n{"x":1}\n'


def test_writer_errors(tmp_path):
    (tmp_path / "out").mkdir()

    def cause(rw: dict, arguments: dict, run: str = MAP_RUN) -> str:
        with pytest.raises(ResultWriterError) as caught:
            write_results(rw, arguments, tmp_path, run, [])
        assert caught.value.error == "States.ResultWriterFailed"
        return caught.value.cause

    rw = writer()
    assert cause(rw, {"Bucket": "missing", "Prefix": "p"}) == (
        "NoSuchBucket: The specified bucket does not exist (Bucket: missing)"
    )
    assert cause(rw, {"Bucket": "out", "Prefix": "../escape"}).startswith("Invalid object key")
    assert cause(rw, {"Bucket": "../x"}) == 'Invalid bucket name: "../x"'
    assert cause(rw, {"Bucket": "out"}, run="arn:aws:states:r:1:mapRun:m/Map:..") == (
        'Invalid Map Run id: ".."'
    )
    assert cause({"Resource": "arn:aws:states:::s3:getObject"}, {"Bucket": "out"}) == (
        f'Unsupported ResultWriter Resource: "arn:aws:states:::s3:getObject" (expected {PUT})'
    )
    assert cause(writer(OutputType="CSV"), {"Bucket": "out"}) == (
        'Unsupported WriterConfig.OutputType: "CSV" (expected JSON or JSONL)'
    )
    with pytest.raises(ResultWriterError) as caught:
        write_results(
            writer(Transformation="SQUASH"),
            {"Bucket": "out"},
            tmp_path,
            MAP_RUN,
            [child("a", "SUCCEEDED")],
        )
    assert caught.value.cause == (
        'Unsupported WriterConfig.Transformation: "SQUASH" (expected NONE, COMPACT, FLATTEN)'
    )
    (tmp_path / "out" / "file").write_text("")
    assert cause(rw, {"Bucket": "out", "Prefix": "file"}).startswith("Cannot write s3://out/file/")


def test_aws_date():
    assert aws_date("2025-02-04T01:49:50.099Z") == "2025-02-04T01:49:50.099Z"
    assert aws_date("2025-02-04T03:49:50.5+02:00") == "2025-02-04T01:49:50.500Z"
    assert aws_date("2025-02-04T01:49:50") == "2025-02-04T01:49:50.000Z"
    assert aws_date("not a date") == "not a date"


# -- the shared conformance corpus --------------------------------------------------------

CASES = Path("/work/shared/conformance/cases")


@pytest.mark.skipif(not CASES.is_dir(), reason="no shared conformance corpus here")
def test_corpus_distributed_maps_need_no_reader_shapes_we_lack():
    """Every ItemReader / ItemBatcher / ResultWriter in the corpus's distributed_map cases uses
    a Resource and config we read (today none sets them: the items come from the input)."""
    for case in CASES.iterdir():
        expected = case / "expected.json"
        if not expected.is_file() or "distributed_map" not in json.loads(expected.read_text()).get(
            "features", []
        ):
            continue
        for block in _blocks(json.loads((case / "definition.json").read_text())):
            if "ItemReader" in block:
                assert block["ItemReader"]["Resource"] in (GET, LIST), case.name
            if "ResultWriter" in block and "Resource" in block["ResultWriter"]:
                assert block["ResultWriter"]["Resource"] == PUT, case.name


def _blocks(value):
    if isinstance(value, dict):
        yield value
        for inner in value.values():
            yield from _blocks(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _blocks(inner)
