"""The Distributed Map's item sources and result sink, over a local directory standing in for S3.

`s3://BUCKET/KEY` is the file `ROOT/BUCKET/KEY`. `read_items` runs an ItemReader, `batch_items`
an ItemBatcher, `write_results` a ResultWriter; each fails with a `StatesError` carrying the
AWS error name (States.ItemReaderFailed, States.Runtime, States.ResultWriterFailed).
"""
from __future__ import annotations

from replay.distributed.batcher import ItemBatcherError, batch_items
from replay.distributed.reader import ItemReaderError, read_items
from replay.distributed.writer import ResultWriterError, transform_results, write_results

__all__ = [
    "ItemBatcherError",
    "ItemReaderError",
    "ResultWriterError",
    "batch_items",
    "read_items",
    "transform_results",
    "write_results",
]
