"""Append-only LMDB event log: record streams, docs, blobs and snapshots.

Knows nothing about Step Functions; values are JSON-like (see :mod:`store.codec`).
"""

from store.codec import pack, unpack
from store.log import (
    DEFAULT_MAP_SIZE,
    MAX_MAP_SIZE,
    EventLog,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
)

__all__ = [
    "DEFAULT_MAP_SIZE",
    "MAX_MAP_SIZE",
    "EventLog",
    "StoreCorruptError",
    "StoreError",
    "StoreFullError",
    "StoreLockedError",
    "pack",
    "unpack",
]
