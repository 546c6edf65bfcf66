"""The Distributed Map's item sources and result sink, over a local directory standing in for S3.

`s3://BUCKET/KEY` is the file `ROOT/BUCKET/KEY`. `read_items` runs an ItemReader, `batch_items`
an ItemBatcher, `write_results` a ResultWriter; each fails with a `StatesError` carrying the
AWS error name (States.ItemReaderFailed, States.Runtime, States.ResultWriterFailed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay.distributed.batcher import ItemBatcherError, batch_items
from replay.distributed.reader import ItemReaderError, read_items
from replay.distributed.recorded import RecordedS3
from replay.distributed.writer import ResultWriterError, transform_results, write_results


@dataclass(frozen=True)
class LocalS3:
    """A directory standing in for S3, handed to the interpreter by the runner (the I/O edge).
    With `writes` false, ResultWriters compute their output but write nothing (replay)."""

    root: Path
    writes: bool = True

    def read_items(self, item_reader: dict, arguments: dict) -> list[Any]:
        return read_items(item_reader, arguments, self.root)

    def write_results(
        self, result_writer: dict, arguments: dict, map_run_arn: str, results: list[dict]
    ) -> dict:
        return write_results(
            result_writer, arguments, self.root, map_run_arn, results, dry_run=not self.writes
        )


__all__ = [
    "ItemBatcherError",
    "ItemReaderError",
    "LocalS3",
    "RecordedS3",
    "ResultWriterError",
    "batch_items",
    "read_items",
    "transform_results",
    "write_results",
]
