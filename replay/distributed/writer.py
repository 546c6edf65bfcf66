"""ResultWriter: export a Map Run's child executions to the local directory standing in for S3.

Under `ROOT/<Bucket>/<Prefix>/<map run id>/` it writes, as AWS does, `SUCCEEDED_0.json`,
`FAILED_0.json` (failed, timed out and aborted children) and `PENDING_0.json` (children never
started), each only when it has entries, and `manifest.json`:
`{"DestinationBucket", "MapRunArn", "ResultFiles": {"FAILED", "PENDING", "SUCCEEDED"}}`, every
file listed as `{"Key", "Size"}`. The Map state then outputs
`{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key": ".../manifest.json"}}`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.distributed.reader import bucket_dir, object_path
from replay.events import to_json_text

PUT_OBJECT = "arn:aws:states:::s3:putObject"
GROUPS = {
    "SUCCEEDED": "SUCCEEDED",
    "FAILED": "FAILED",
    "TIMED_OUT": "FAILED",
    "ABORTED": "FAILED",
    "PENDING": "PENDING",
}
TRANSFORMATIONS = ("NONE", "COMPACT", "FLATTEN")


class ResultWriterError(StatesError):
    """The results could not be exported: States.ResultWriterFailed and a cause."""

    def __init__(self, cause: str) -> None:
        super().__init__(errors.RESULT_WRITER_FAILED, cause)


def write_results(
    result_writer: dict,
    arguments: dict,
    root: Path,
    map_run_id: str,
    results: list[dict],
    map_run_arn: str | None = None,
    *,
    dry_run: bool = False,
) -> dict:
    """Write the result files and manifest; return the Map state's output.

    `map_run_id` is the Map Run ARN (its last `:` part names the directory) or a bare id, in
    which case `map_run_arn` gives the ARN. Each `results` entry has ExecutionArn, Name, Input
    and Output (JSON values, not text), Status, StartDate/StopDate (ISO text), Error and Cause;
    StateMachineArn is optional (derived from ExecutionArn). With `dry_run` nothing is
    written: the output is what a write would give (for a replay of an older record).
    """
    if result_writer.get("Resource") != PUT_OBJECT:
        raise ResultWriterError(
            f"Unsupported ResultWriter Resource: "
            f"{to_json_text(result_writer.get('Resource'))} "
            f"(expected {PUT_OBJECT})"
        )
    if not isinstance(arguments, dict):
        raise ResultWriterError("The ResultWriter's Parameters/Arguments must be an object")
    bucket, prefix = arguments.get("Bucket"), arguments.get("Prefix", "")
    if not isinstance(prefix, str):
        raise ResultWriterError(f"Prefix must be a string, not {to_json_text(prefix)}")
    bucket_dir(root, bucket, ResultWriterError)
    arn, run = _map_run(map_run_id, map_run_arn)
    config = result_writer.get("WriterConfig") or {}
    transformation = config.get("Transformation", "NONE")
    output_type = config.get("OutputType", "JSON")
    if output_type not in ("JSON", "JSONL"):
        raise ResultWriterError(
            f"Unsupported WriterConfig.OutputType: "
            f"{to_json_text(output_type)} (expected JSON or JSONL)"
        )
    base = (prefix if not prefix or prefix.endswith("/") else prefix + "/") + run + "/"
    files: dict[str, list[dict]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for group, entries in _grouped(results).items():
        if not entries:
            continue
        records = transform_results(entries, transformation)
        if output_type == "JSON":
            body = to_json_text(records)
        else:
            body = "".join(to_json_text(record) + "\n" for record in records)
        key = f"{base}{group}_0.json"
        size = _put(root, bucket, key, body, dry_run)
        files[group].append({"Key": key, "Size": size})
    manifest = {"DestinationBucket": bucket, "MapRunArn": arn, "ResultFiles": files}
    manifest_key = base + "manifest.json"
    _put(root, bucket, manifest_key, to_json_text(manifest), dry_run)
    return {"MapRunArn": arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}


def transform_results(results: list[dict], transformation: str = "NONE") -> list[Any]:
    """Results as WriterConfig.Transformation presents them: NONE gives each child's record
    (metadata and JSON-text Input/Output), COMPACT its output, FLATTEN the outputs with array
    outputs spliced in; a child that did not succeed always stays a full record."""
    if transformation not in TRANSFORMATIONS:
        raise ResultWriterError(
            f"Unsupported WriterConfig.Transformation: "
            f"{to_json_text(transformation)} (expected "
            f"{', '.join(TRANSFORMATIONS)})"
        )
    out: list[Any] = []
    for result in results:
        if transformation == "NONE" or result.get("Status") != "SUCCEEDED":
            out.append(execution_record(result))
        elif transformation == "FLATTEN" and isinstance(result.get("Output"), list):
            out.extend(result["Output"])
        else:
            out.append(result.get("Output"))
    return out


def execution_record(result: dict) -> dict:
    """One child as AWS writes it to a result file (keys in AWS's alphabetical order)."""
    status = result.get("Status")
    if _group(status) == "PENDING":
        return {
            "Input": to_json_text(result.get("Input")),
            "InputDetails": {"Included": True},
            "Status": "PENDING",
        }
    record: dict[str, Any] = {
        "ExecutionArn": result.get("ExecutionArn"),
        "Input": to_json_text(result.get("Input")),
        "InputDetails": {"Included": True},
        "Name": result.get("Name"),
        "RedriveCount": 0,
        "StateMachineArn": result.get("StateMachineArn")
        or _state_machine_arn(result.get("ExecutionArn")),
        "Status": status,
    }
    if status == "SUCCEEDED":
        record["Output"] = to_json_text(result.get("Output"))
        record["OutputDetails"] = {"Included": True}
        record["RedriveStatus"] = "NOT_REDRIVABLE"
        record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        record["RedriveStatus"] = "REDRIVABLE"
        for key in ("Error", "Cause"):
            if result.get(key) is not None:
                record[key] = result[key]
    for key in ("StartDate", "StopDate"):
        if result.get(key) is not None:
            record[key] = aws_date(result[key])
    return dict(sorted(record.items()))


def aws_date(value: str) -> str:
    """ISO text as AWS writes dates in result files: UTC, milliseconds, `Z`."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _group(status: Any) -> str:
    if status not in GROUPS:
        raise ValueError(
            f"a child execution's Status must be one of {', '.join(GROUPS)}, not {status!r}"
        )
    return GROUPS[status]


def _grouped(results: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {"SUCCEEDED": [], "FAILED": [], "PENDING": []}
    for result in results:
        grouped[_group(result.get("Status"))].append(result)
    return grouped


def _map_run(map_run_id: str, map_run_arn: str | None) -> tuple[str, str]:
    """(Map Run ARN, the id naming its result directory)."""
    arn = map_run_arn or map_run_id
    run = map_run_id.rsplit(":", 1)[-1] if map_run_id.startswith("arn:") else map_run_id
    if not run or run in (".", "..") or any(c in run for c in "/\\\0"):
        raise ResultWriterError(f"Invalid Map Run id: {to_json_text(run)}")
    return arn, run


def _state_machine_arn(execution_arn: Any) -> Any:
    """arn:...:execution:<machine>/<label>:<name> -> arn:...:stateMachine:<machine>/<label>."""
    parts = execution_arn.split(":") if isinstance(execution_arn, str) else []
    if len(parts) < 8 or parts[5] not in ("execution", "express"):
        return None
    return ":".join([*parts[:5], "stateMachine", *parts[6:-1]])


def _put(root: Path, bucket: str, key: str, body: str, dry_run: bool = False) -> int:
    data = body.encode("utf-8")
    path = object_path(root, bucket, key, ResultWriterError)
    if dry_run:
        return len(data)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise ResultWriterError(f"Cannot write s3://{bucket}/{key}: {exc}") from None
    return len(data)
