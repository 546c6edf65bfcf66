"""Checksummed values: ``crc32(key + payload)`` (4 bytes, little-endian) before the payload.

The key is in the checksum, so a record that lands under another key (a flipped bit in a
page's key area) fails too. crc32 of a few hundred bytes costs ~100 ns: cheap enough for the
append path.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from zlib import crc32

__all__ = ["CRC_BYTES", "seal", "seal_items", "unseal"]

CRC_BYTES = 4
_CRC = struct.Struct("<I")
_pack_crc = _CRC.pack
_unpack_crc = _CRC.unpack_from


def seal(key: bytes, payload: bytes) -> bytes:
    """The stored value for `payload` under `key`."""
    return _pack_crc(crc32(key + payload)) + payload


def seal_items(keys: Iterable[bytes], payloads: Iterable[bytes]) -> list[tuple[bytes, bytes]]:
    """``(key, seal(key, payload))`` for each pair: the append path, without a call each."""
    # crc32(payload, crc32(key)) == crc32(key + payload), without copying the two together
    return [
        (key, _pack_crc(crc32(payload, crc32(key))) + payload)
        for key, payload in zip(keys, payloads)
    ]


def unseal(key: bytes, value: bytes) -> bytes | None:
    """The payload of a stored value, or None when its checksum does not match."""
    payload = value[CRC_BYTES:]  # a bytes copy: msgpack decodes bytes faster than a view
    if len(value) < CRC_BYTES or crc32(payload, crc32(key)) != _unpack_crc(value)[0]:
        return None
    return payload
