"""The one msgpack codec for everything the store persists.

Values are JSON-like: dict (str keys), list, str, int, float, bool, None.
Options are pinned here so every reader and writer agrees on the bytes:

* ``use_bin_type=True`` / ``raw=False``: str stays str, bytes stays bytes.
* ``use_list=True``: arrays come back as lists, never tuples.
* ``strict_map_key=True``: map keys must be str (or bytes).
* Floats are always float64, so they round-trip exactly.
* Ints outside msgpack's 64-bit range are stored as ext type ``BIGINT_EXT``
  holding the ASCII decimal text of the number.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import msgpack

__all__ = ["BIGINT_EXT", "pack", "pack_all", "unpack"]

BIGINT_EXT = 1
"""msgpack ext type code for integers that do not fit in 64 bits."""


def _default(obj: Any) -> msgpack.ExtType:
    """Called by the packer for anything it cannot encode natively."""
    if isinstance(obj, int):  # only reached when out of 64-bit range
        return msgpack.ExtType(BIGINT_EXT, str(int(obj)).encode("ascii"))
    raise TypeError(f"cannot store a value of type {type(obj).__name__}: {obj!r:.80}")


def _ext_hook(code: int, data: bytes) -> Any:
    if code == BIGINT_EXT:
        return int(data.decode("ascii"))
    raise ValueError(f"unknown msgpack ext type {code} in stored data")


_local = threading.local()  # one reusable Packer per thread (a Packer is stateful)


def _new_packer() -> msgpack.Packer:
    return msgpack.Packer(use_bin_type=True, use_single_float=False, default=_default)


def _packer() -> msgpack.Packer:
    try:
        return _local.packer
    except AttributeError:
        packer = _local.packer = _new_packer()
        return packer


def pack(obj: Any) -> bytes:
    """Encode a JSON-like value (ints of any size) to bytes."""
    return _packer().pack(obj)


def pack_all(objs: Iterable[Any]) -> list[bytes]:
    """`pack` of each value (the append path: one packer look-up for a batch)."""
    packer = _packer()
    return [packer.pack(obj) for obj in objs]


def unpack(data: bytes) -> Any:
    """Decode bytes written by :func:`pack`; maps have str keys, arrays are lists."""
    return msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=True, ext_hook=_ext_hook)
