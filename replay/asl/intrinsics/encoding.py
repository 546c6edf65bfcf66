"""States.Base64Encode, Base64Decode and Hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from replay.asl.intrinsics.values import ArgumentError, text

MAX_CHARS = 10_000
ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


def _limited(name: str, value: Any) -> str:
    value = text(name, 1, value)
    if len(value) > MAX_CHARS:
        raise ArgumentError(
            f"Invalid arguments in {name}: the input string must not be longer than "
            f"{MAX_CHARS} characters, but has {len(value)}"
        )
    return value


def base64_encode(value: Any) -> str:
    """States.Base64Encode(text): the UTF-8 bytes of the text in Base64."""
    return base64.b64encode(_limited("States.Base64Encode", value).encode()).decode("ascii")


def base64_decode(value: Any) -> str:
    """States.Base64Decode(base64): the decoded bytes read as UTF-8 (padding optional)."""
    name = "States.Base64Decode"
    data = "".join(_limited(name, value).split())
    if len(data) % 4:
        data += "=" * (-len(data) % 4)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ArgumentError(
            f"Invalid arguments in {name}: the input is not a valid Base64 string"
        ) from None
    return raw.decode("utf-8", errors="replace")


def hash_of(value: Any, algorithm: Any) -> str:
    """States.Hash(text, algorithm): the hex digest of the text's UTF-8 bytes."""
    name = "States.Hash"
    data = _limited(name, value)
    algorithm = text(name, 2, algorithm)
    if algorithm not in ALGORITHMS:
        raise ArgumentError(
            f"Invalid arguments in {name}: the algorithm must be one of "
            f"{', '.join(ALGORITHMS)}, but was {algorithm}"
        )
    return hashlib.new(ALGORITHMS[algorithm], data.encode()).hexdigest()
