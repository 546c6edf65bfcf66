"""ItemBatcher: group a Distributed Map's items into the inputs of its child executions.

Each child gets `{"BatchInput": <BatchInput>, "Items": [...]}` (the AWS guide's shape; the
`BatchInput` member is absent when the state sets none). `MaxInputBytesPerBatch` bounds the
UTF-8 size of that whole JSON text, written compactly as AWS writes payloads; it is at most
256 KiB, which is also the bound when only `MaxItemsPerBatch` is set.
"""

from __future__ import annotations

import json
from typing import Any

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.events import payload_size, to_json_text

MAX_BATCH_BYTES = 256 * 1024


class ItemBatcherError(StatesError):
    """The items cannot be batched as configured: States.Runtime and a cause."""

    def __init__(self, cause: str) -> None:
        super().__init__(errors.RUNTIME, cause)


def batch_items(items: list[Any], item_batcher: dict, batch_input: Any | None) -> list[dict]:
    """Child inputs for `items`, in order, each as full as both limits allow.

    `item_batcher` is the state's ItemBatcher with any `...Path` already resolved by the caller
    into `MaxItemsPerBatch` / `MaxInputBytesPerBatch`; `batch_input` is the evaluated BatchInput
    (None: no BatchInput member). An item that cannot fit in a batch on its own is an error.
    """
    max_items = _limit(item_batcher, "MaxItemsPerBatch")
    max_bytes = min(
        _limit(item_batcher, "MaxInputBytesPerBatch") or MAX_BATCH_BYTES, MAX_BATCH_BYTES
    )
    head = {} if batch_input is None else {"BatchInput": batch_input}
    empty = payload_size(to_json_text({**head, "Items": []}))
    batches: list[dict] = []
    current: list[Any] = []
    size = empty
    for index, item in enumerate(items):
        item_size = payload_size(to_json_text(item))
        if empty + item_size > max_bytes:
            raise ItemBatcherError(
                f"Item at index {index} needs a batch of {empty + item_size} bytes, more than "
                f"the {max_bytes} bytes MaxInputBytesPerBatch allows"
            )
        full = max_items is not None and len(current) >= max_items
        if current and (full or size + 1 + item_size > max_bytes):
            batches.append({**head, "Items": current})
            current, size = [], empty
        size += item_size + (1 if current else 0)  # a comma between items
        current.append(item)
    if current:
        batches.append({**head, "Items": current})
    return batches


def _limit(item_batcher: dict, key: str) -> int | None:
    value = item_batcher.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ItemBatcherError(f"field {key} must be a positive integer, not {json.dumps(value)}")
    return value
