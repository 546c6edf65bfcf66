"""Key layout of the store and the cursor look-ups built on it.

Everything here works on raw LMDB cursors and byte keys; :mod:`store.log`
owns the environment, transactions and values.

* records / snapshots: ``(stream_int, position)`` as two big-endian u64, so
  byte order is numeric order and one stream's keys are contiguous.
* streams: UTF-8 stream id -> big-endian u64 stream int (1, 2, ...).
* docs: ``table`` UTF-8, NUL, ``key`` UTF-8 (byte order == str order).
* blobs: the 32 raw bytes of the sha256 digest.
"""

from __future__ import annotations

import struct

import lmdb

MAX_KEY_BYTES = 511
"""LMDB's default maximum key size."""

_POS = struct.Struct(">QQ")
_U64 = struct.Struct(">Q")


def record_key(sid: int, position: int) -> bytes:
    """Key of `position` in stream `sid` (records and snapshots)."""
    return _POS.pack(sid, position)


def record_keys(sid: int, first: int, count: int) -> list[bytes]:
    """Keys of `count` positions of stream `sid` from `first` on (the append path)."""
    pack = _POS.pack
    return [pack(sid, position) for position in range(first, first + count)]


def split_record_key(key: bytes) -> tuple[int, int]:
    """Inverse of :func:`record_key`."""
    return _POS.unpack(key)


def pack_sid(sid: int) -> bytes:
    return _U64.pack(sid)


def unpack_sid(data: bytes) -> int:
    return _U64.unpack(data)[0]


def stream_key(stream: str) -> bytes:
    """Key of a stream id in the streams db."""
    if not isinstance(stream, str):
        raise TypeError(f"stream id must be a str, got {stream!r:.80}")
    if not stream:
        raise ValueError("stream id must not be empty")
    key = stream.encode("utf-8")
    if len(key) > MAX_KEY_BYTES:
        raise ValueError(f"stream id is {len(key)} bytes, the limit is {MAX_KEY_BYTES}")
    return key


def doc_prefix(table: str, prefix: str = "") -> bytes:
    """Byte prefix of all doc keys in `table` that start with `prefix`."""
    if not isinstance(table, str):
        raise TypeError(f"doc table must be a str, got {table!r:.80}")
    if not table or "\0" in table:
        raise ValueError(f"doc table must be non-empty and without NUL, got {table!r:.80}")
    return table.encode("utf-8") + b"\0" + prefix.encode("utf-8")


def doc_key(table: str, key: str) -> bytes:
    """Key of doc `(table, key)` in the docs db."""
    if not isinstance(key, str):
        raise TypeError(f"doc key must be a str, got {key!r:.80}")
    raw = doc_prefix(table, key)
    if len(raw) > MAX_KEY_BYTES:
        raise ValueError(f"doc key {table}/{key:.40} is too long ({len(raw)} bytes)")
    return raw


def split_doc_key(raw: bytes) -> tuple[str, str]:
    """Inverse of :func:`doc_key`: ``(table, key)``."""
    table, _, key = raw.partition(b"\0")
    return table.decode("utf-8"), key.decode("utf-8")


def blob_key(digest: str) -> bytes | None:
    """Raw key of a sha256 hex digest, or None if `digest` is not one."""
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    try:
        return bytes.fromhex(digest)
    except ValueError:
        return None


def last_position(cur: lmdb.Cursor, sid: int) -> int:
    """Greatest position stored for stream `sid` in the cursor's db; 0 if none."""
    found = at_or_before(cur, sid, 2**64 - 1)
    return found[0] if found else 0


def at_or_before(cur: lmdb.Cursor, sid: int, position: int) -> tuple[int, bytes] | None:
    """``(pos, value)`` of the greatest key of `sid` with pos <= `position`. O(log n)."""
    if position < 1:
        return None
    if position >= 2**64 - 1:
        landed = cur.set_range(record_key(sid + 1, 0))
    else:
        landed = cur.set_range(record_key(sid, position + 1))
    moved = cur.prev() if landed else cur.last()
    if not moved:
        return None
    key_sid, pos = split_record_key(cur.key())
    if key_sid != sid:
        return None
    return pos, cur.value()


def scan(cur: lmdb.Cursor, start: bytes, prefix: bytes, limit: int) -> list[tuple[bytes, bytes]]:
    """Up to `limit` items with key >= `start` that begin with `prefix`, in order."""
    out: list[tuple[bytes, bytes]] = []
    if not cur.set_range(start):
        return out
    for key, value in cur:
        if not key.startswith(prefix) or len(out) >= limit:
            break
        out.append((key, value))
    return out
