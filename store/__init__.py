"""Append-only LMDB event log: record streams, docs, blobs and snapshots.

Knows nothing about Step Functions; values are JSON-like (see :mod:`store.codec`).
"""

from store.codec import pack, unpack
from store.errors import (
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreMissingError,
    StoreVersionError,
)
from store.log import DEFAULT_MAP_SIZE, MAX_MAP_SIZE, EventLog

__all__ = [
    "DEFAULT_MAP_SIZE",
    "MAX_MAP_SIZE",
    "EventLog",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "StoreMissingError",
    "StoreVersionError",
    "pack",
    "unpack",
]
