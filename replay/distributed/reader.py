"""ItemReader: a Distributed Map's items, read from a local directory standing in for S3.

Object `s3://BUCKET/KEY` is the file `ROOT/BUCKET/KEY`; a bucket exists when its directory does.
`s3:listObjectsV2` items have the shape the AWS guide shows for them:
`{"Etag", "Key", "LastModified", "Size", "StorageClass"}`. `Etag` is the quoted hex MD5 of the
content (S3's ETag of a single-part upload); `LastModified` is the fixed epoch second
`LAST_MODIFIED`, never the file's mtime, so reading a tree twice, anywhere, gives equal items;
`StorageClass` is always "STANDARD". Gzip-compressed objects are read transparently.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from replay.asl import errors
from replay.asl.errors import StatesError

GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
LAST_MODIFIED = 1704067200  # 2024-01-01T00:00:00Z, as epoch seconds like the AWS example
MAX_ITEMS_LIMIT = 100_000_000  # AWS stops reading after this many items
DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}
_FILE_TYPES = ("JSON", "JSONL", "CSV")


class ItemReaderError(StatesError):
    """The Map Run could not read its items: States.ItemReaderFailed and a cause."""

    def __init__(self, cause: str) -> None:
        super().__init__(errors.ITEM_READER_FAILED, cause)


def bucket_dir(root: Path, bucket: Any, fail: type[StatesError] = ItemReaderError) -> Path:
    """ROOT/BUCKET, which must exist; a name that could leave `root`, or a bucket that is a
    symlink to a directory outside it, is refused (`root` is a jail)."""
    if (
        not isinstance(bucket, str)
        or bucket in ("", ".", "..")
        or any(c in bucket for c in "/\\\0")
    ):
        raise fail(f"Invalid bucket name: {json.dumps(bucket)}")
    path = Path(root) / bucket
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise fail(f"Bucket leaves the local S3 root: {json.dumps(bucket)}")
    if not path.is_dir():
        raise fail(f"NoSuchBucket: The specified bucket does not exist (Bucket: {bucket})")
    return path


def object_path(
    root: Path, bucket: Any, key: Any, fail: type[StatesError] = ItemReaderError
) -> Path:
    """ROOT/BUCKET/KEY; keys with empty, `.` or `..` segments (an absolute key has an empty
    one), or that resolve outside the bucket (through a symlink), are refused."""
    base = bucket_dir(root, bucket, fail)
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or any(p in ("", ".", "..") or "\0" in p or "\\" in p for p in parts):
        raise fail(f"Invalid object key for the local S3 root: {json.dumps(key)}")
    path = base.joinpath(*parts)
    if not path.resolve().is_relative_to(base.resolve()):
        raise fail(f"Object key leaves the local S3 root: {json.dumps(key)}")
    return path


def read_object(root: Path, bucket: Any, key: Any) -> str:
    """The text of an object (gunzipped when it is gzip data), or NoSuchKey."""
    path = object_path(root, bucket, key)
    if not path.is_file():
        raise ItemReaderError(
            f"NoSuchKey: The specified key does not exist (Bucket: {bucket}, Key: {key})"
        )
    data = _read_bytes(path, bucket, key)
    try:
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ItemReaderError(f"Cannot read s3://{bucket}/{key} as UTF-8 text: {exc}") from None


def _read_bytes(path: Path, bucket: Any, key: Any) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # unreadable: S3 would deny access
        raise ItemReaderError(
            f"AccessDenied: cannot read s3://{bucket}/{key}: {exc.strerror or exc}"
        ) from None


def list_objects(root: Path, bucket: Any, arguments: dict) -> list[dict]:
    """ListObjectsV2 Contents for Prefix (and Delimiter, StartAfter), in S3's key order."""
    base = bucket_dir(root, bucket)
    prefix = _text_arg(arguments, "Prefix")
    delimiter = _text_arg(arguments, "Delimiter")
    start_after = _text_arg(arguments, "StartAfter")
    keys = []
    for directory, _, files in os.walk(base):
        rel = Path(directory).relative_to(base).as_posix()
        for name in files:
            key = name if rel == "." else f"{rel}/{name}"
            if not key.startswith(prefix) or key.encode() <= start_after.encode():
                continue
            if delimiter and delimiter in key[len(prefix) :]:
                continue  # under a CommonPrefix, not in Contents
            keys.append(key)
    contents = []
    for key in sorted(keys, key=lambda k: k.encode()):
        data = _read_bytes(object_path(root, bucket, key), bucket, key)
        contents.append(
            {
                "Etag": f'"{hashlib.md5(data).hexdigest()}"',
                "Key": key,
                "LastModified": LAST_MODIFIED,
                "Size": len(data),
                "StorageClass": "STANDARD",
            }
        )
    return contents


def read_items(item_reader: dict, arguments: dict, root: Path) -> list[Any]:
    """The items an ItemReader yields; `arguments` are its evaluated Parameters/Arguments and
    ReaderConfig.MaxItems (MaxItemsPath resolved into it) caps their number."""
    config = item_reader.get("ReaderConfig") or {}
    if not isinstance(config, dict):
        raise ItemReaderError("ReaderConfig must be an object")
    if not isinstance(arguments, dict):
        raise ItemReaderError("The ItemReader's Parameters/Arguments must be an object")
    limit = _max_items(config)
    resource = item_reader.get("Resource")
    bucket = arguments.get("Bucket")
    if resource == GET_OBJECT:
        items = _get_object_items(root, bucket, arguments.get("Key"), config)
    elif resource == LIST_OBJECTS:
        items = list_objects(root, bucket, arguments)
        transformation = config.get("Transformation", "NONE")
        if transformation == "LOAD_AND_FLATTEN":
            input_type = _input_type(config, _FILE_TYPES)
            items = [
                item
                for obj in items
                for item in _parse(
                    read_object(root, bucket, obj["Key"]),
                    input_type,
                    config,
                    f"s3://{bucket}/{obj['Key']}",
                )
            ]
        elif transformation != "NONE":
            raise ItemReaderError(
                f"Unsupported ReaderConfig.Transformation: {json.dumps(transformation)} "
                '(expected "NONE" or "LOAD_AND_FLATTEN")'
            )
    else:
        raise ItemReaderError(
            f"Unsupported ItemReader Resource: {json.dumps(resource)} "
            f"(expected {GET_OBJECT} or {LIST_OBJECTS})"
        )
    return items[:limit]


def _get_object_items(root: Path, bucket: Any, key: Any, config: dict) -> list[Any]:
    manifest = config.get("ManifestType")
    if manifest == "S3_INVENTORY":
        if "InputType" in config:
            raise ItemReaderError("InputType must not be set when ManifestType is S3_INVENTORY")
        return _inventory_items(root, bucket, key, config)
    if manifest is not None:
        raise ItemReaderError(
            f"Unsupported ReaderConfig.ManifestType: {json.dumps(manifest)} "
            "(sfn-replay reads S3_INVENTORY manifests only)"
        )
    input_type = _input_type(config, (*_FILE_TYPES, "MANIFEST"))
    if input_type == "MANIFEST":
        return _inventory_items(root, bucket, key, config)
    return _parse(read_object(root, bucket, key), input_type, config, f"s3://{bucket}/{key}")


def _input_type(config: dict, allowed: tuple[str, ...]) -> str:
    input_type = config.get("InputType")
    if input_type is None:
        raise ItemReaderError("ReaderConfig.InputType is required to read an object's items")
    if input_type not in allowed:
        raise ItemReaderError(
            f"Unsupported ReaderConfig.InputType: {json.dumps(input_type)} "
            f"(sfn-replay reads {', '.join(allowed)})"
        )
    return input_type


def _parse(text: str, input_type: str, config: dict, where: str) -> list[Any]:
    if input_type == "JSON":
        value = _json(text, where)
        pointer = config.get("ItemsPointer")
        if pointer is not None:
            value = _resolve_pointer(value, pointer)
        if not isinstance(value, list):
            raise ItemReaderError("Attempting to map over non-iterable node.")
        return value
    if input_type == "JSONL":
        lines = enumerate(text.split("\n"), 1)  # not splitlines: U+2028 may sit in a string
        return [_json(line, f"{where} line {number}") for number, line in lines if line.strip()]
    return _csv_items(text, config, where)


def _json(text: str, where: str) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError as exc:
        raise ItemReaderError(f"Cannot parse {where} as JSON: {exc}") from None


def _resolve_pointer(value: Any, pointer: Any) -> Any:
    """RFC 6901 JSON Pointer (ReaderConfig.ItemsPointer) into a parsed JSON document."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise ItemReaderError(f"Invalid ItemsPointer: {json.dumps(pointer)}")
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise ItemReaderError(f"ItemsPointer {pointer} selects nothing in the JSON file")
    return value


def _csv_items(text: str, config: dict, where: str) -> list[dict]:
    rows = parse_csv(text, _delimiter(config), where)
    location = config.get("CSVHeaderLocation", "FIRST_ROW")
    if location == "FIRST_ROW":
        headers, rows = (rows[0], rows[1:]) if rows else ([], [])
    elif location == "GIVEN":
        headers = config.get("CSVHeaders")
        if (
            not isinstance(headers, list)
            or not headers
            or not all(isinstance(h, str) for h in headers)
        ):
            raise ItemReaderError(
                'CSVHeaders must be a non-empty array of strings when CSVHeaderLocation is "GIVEN"'
            )
    else:
        raise ItemReaderError(
            f"Unsupported CSVHeaderLocation: {json.dumps(location)} "
            '(expected "FIRST_ROW" or "GIVEN")'
        )
    return rows_to_items(headers, rows)


def rows_to_items(headers: list[str], rows: list[list[str]]) -> list[dict]:
    """One object per row: missing fields are "", fields beyond the header are dropped."""
    if len(set(headers)) < len(headers):
        raise ItemReaderError("CSV headers cannot contain duplicates.")
    return [{h: row[i] if i < len(row) else "" for i, h in enumerate(headers)} for row in rows]


def _delimiter(config: dict) -> str:
    name = config.get("CSVDelimiter", "COMMA")
    if name not in DELIMITERS:
        raise ItemReaderError(
            f"Unsupported CSVDelimiter: {json.dumps(name)} "
            f"(expected one of {', '.join(DELIMITERS)})"
        )
    return DELIMITERS[name]


def parse_csv(text: str, delimiter: str, where: str = "CSV") -> list[list[str]]:
    """Records of text-delimited data, by the rules AWS documents: quotes may wrap fields
    (delimiters and newlines inside are data), `""` is a literal quote inside or outside
    quotes, a backslash escapes a backslash, a quote or the delimiter and is dropped before
    anything else. Newlines (LF, CRLF, CR) end records; empty lines are skipped."""
    rows: list[list[str]] = []
    row: list[str] = []
    field: list[str] = []
    quoted = touched = False  # inside quotes; the current record has content
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            if i + 1 < n and text[i + 1] in ("\\", '"', delimiter):
                field.append(text[i + 1])
                i += 1
        elif ch == '"':
            if not quoted and not field:
                quoted = True
            elif i + 1 < n and text[i + 1] == '"':
                field.append('"')
                i += 1
            else:
                quoted = not quoted
        elif quoted:
            field.append(ch)
        elif ch == delimiter:
            row.append("".join(field))
            field = []
        elif ch in "\r\n":
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            if touched:
                row.append("".join(field))
                rows.append(row)
            row, field, touched = [], [], False
            i += 1
            continue
        else:
            field.append(ch)
        touched = True
        i += 1
    if quoted:
        raise ItemReaderError(f"Cannot parse {where}: a quoted field is not closed")
    if touched:
        row.append("".join(field))
        rows.append(row)
    return rows


def _inventory_items(root: Path, bucket: Any, key: Any, config: dict) -> list[dict]:
    """Items of an S3 inventory: manifest.json lists CSV (optionally gzipped) data files
    whose columns `fileSchema` names; each row becomes an object of strings."""
    manifest = _json(read_object(root, bucket, key), f"s3://{bucket}/{key}")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise ItemReaderError(
            f's3://{bucket}/{key} is not an S3 inventory manifest (no "files" array)'
        )
    if str(manifest.get("fileFormat", "")).upper() != "CSV":
        raise ItemReaderError(
            "Step Functions reads only CSV S3 inventory reports, not "
            f"{json.dumps(manifest.get('fileFormat'))}"
        )
    schema = manifest.get("fileSchema")
    if not isinstance(schema, str) or not schema.strip():
        raise ItemReaderError(f's3://{bucket}/{key} has no "fileSchema"')
    headers = [column.strip() for column in schema.split(",")]
    destination = manifest.get("destinationBucket", bucket)
    data_bucket = destination.rsplit(":", 1)[-1] if isinstance(destination, str) else bucket
    items: list[dict] = []
    for entry in manifest["files"]:
        data_key = entry.get("key") if isinstance(entry, dict) else None
        where = f"s3://{data_bucket}/{data_key}"
        text = read_object(root, data_bucket, data_key)
        items.extend(rows_to_items(headers, parse_csv(text, _delimiter(config), where)))
    return items


def _text_arg(arguments: dict, name: str) -> str:
    value = arguments.get(name, "")
    if not isinstance(value, str):
        raise ItemReaderError(f"{name} must be a string, not {json.dumps(value)}")
    return value


def _max_items(config: dict) -> int:
    value = config.get("MaxItems", 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ItemReaderError(f"field MaxItems must be an integer, not {json.dumps(value)}")
    if value < 0:
        raise ItemReaderError("field MaxItems must be positive")
    return min(value, MAX_ITEMS_LIMIT) if value else MAX_ITEMS_LIMIT
