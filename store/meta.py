"""A look at LMDB's own header before LMDB maps the file.

LMDB mmaps ``data.mdb``; touching a page past the end of a truncated file is SIGBUS, which
kills the process. So before opening, read the two meta pages (MDB_meta in LMDB's mdb.c:
magic, version, address, mapsize, two MDB_db records, ``mm_last_pg``, ``mm_txnid``) and check
that the file holds every page the newest meta says is in use.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path

from store.errors import StoreCorruptError

__all__ = ["DATA_FILE", "check_data_file", "required_size"]

DATA_FILE = "data.mdb"
_MAGIC = 0xBEEFC0DE
_P_META = 0x08
_E = "<" if sys.byteorder == "little" else ">"
_U16, _U32, _U64 = (struct.Struct(_E + c) for c in "HIQ")
_DB = 48  # sizeof(MDB_db) on 64-bit builds
_META = 24 + 2 * _DB + 16  # magic .. mm_txnid
_HEADERS = (16, 24)  # page header size: LMDB 0.9, LMDB 1.0
_RETRIES, _RETRY_SECONDS = 20, 0.025


def _meta(buf: bytes, hdr: int) -> tuple[int, int, int] | None:
    """``(psize, last_pg, txnid)`` of a meta page, or None if it is not one."""
    if len(buf) < hdr + _META or not _U16.unpack_from(buf, hdr - 6)[0] & _P_META:
        return None
    if _U32.unpack_from(buf, hdr)[0] != _MAGIC:
        return None
    psize = _U32.unpack_from(buf, hdr + 24)[0]  # mm_psize aliases the free db's md_pad
    last_pg, txnid = (
        _U64.unpack_from(buf, hdr + 24 + 2 * _DB),
        _U64.unpack_from(buf, hdr + 32 + 2 * _DB),
    )
    if psize < 512 or psize > 65536 or psize & (psize - 1):
        return None
    return psize, last_pg[0], txnid[0]


def required_size(fd: int) -> tuple[int, str | None]:
    """``(bytes the db needs, problem)`` from the meta pages of the open file `fd`."""
    head = os.pread(fd, 4096, 0)
    hdr = next((h for h in _HEADERS if _meta(head, h)), None)
    if hdr is None:
        if len(head) < _HEADERS[-1] + _META:  # too short to hold a meta page
            return 2 * 4096, None
        return 0, "not an LMDB data file"
    psize = _meta(head, hdr)[0]  # type: ignore[index]
    metas = [_meta(head, hdr), _meta(os.pread(fd, hdr + _META, psize), hdr)]
    valid = [m for m in metas if m is not None]
    _, last_pg, _ = max(valid, key=lambda m: m[2])
    return max((last_pg + 1) * psize, 2 * psize), None


def check_data_file(directory: str | os.PathLike[str]) -> None:
    """Raise StoreCorruptError if ``data.mdb`` in `directory` is not whole; absent is fine.

    A file too short to hold LMDB's two meta pages may be a store another process is creating
    right now (LMDB writes them just after making the file, under its lock, which we do not
    hold yet): look again for a moment before calling it truncated."""
    path = Path(directory) / DATA_FILE
    for _ in range(_RETRIES):
        found = _examine(directory, path)
        if found is None:
            return
        size, needed = found
        if size >= 2 * 4096:
            break
        time.sleep(_RETRY_SECONDS)
    raise StoreCorruptError(directory, f"{path} is truncated: {size} bytes, the db needs {needed}")


def _examine(directory: str | os.PathLike[str], path: Path) -> tuple[int, int] | None:
    """None if the file is whole (or absent), else ``(size, bytes needed)``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreCorruptError(directory, f"{path}: cannot read: {exc.strerror}") from exc
    try:
        needed, problem = required_size(fd)
        size = os.fstat(fd).st_size  # after the metas: a live writer only makes it longer
    finally:
        os.close(fd)
    if problem is not None and size >= 2 * 4096:
        raise StoreCorruptError(directory, f"{path} is {problem}")
    return (size, max(needed, 2 * 4096)) if size < needed or problem else None
