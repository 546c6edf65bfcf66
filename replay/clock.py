"""Virtual time: integer microseconds since the epoch, formatted the way AWS prints them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROS = 1_000_000


def to_datetime(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def iso_aws(micros: int) -> str:
    """`2026-01-01T00:00:00.123000+00:00`, as the AWS CLI prints event timestamps."""
    return to_datetime(micros).isoformat(timespec="microseconds")


@lru_cache(maxsize=64)
def iso_context(micros: int) -> str:
    """`2026-01-01T00:00:00.123Z`, as the Context object carries times."""
    return to_datetime(micros).strftime("%Y-%m-%dT%H:%M:%S.") + f"{(micros // 1000) % 1000:03d}Z"


def from_datetime(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * MICROS + delta.microseconds


def parse_iso(text: str) -> int:
    """Parse an ISO 8601 time with an offset (`Z` accepted) into microseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"no UTC offset in {text!r}")
    return from_datetime(moment)
