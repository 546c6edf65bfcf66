"""Virtual time: integer microseconds since the epoch, formatted the way AWS prints them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROS = 1_000_000
_CYCLE_YEARS = 400  # the Gregorian calendar repeats every 400 years, to the microsecond
_CYCLE_MICROS = 146_097 * 86_400 * MICROS


def to_datetime(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def from_datetime(moment: datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * MICROS + delta.microseconds


# The times a timestamp can show (four-digit years, as on AWS); the engine never goes past.
MIN_MICROS = from_datetime(datetime(1, 1, 1, tzinfo=UTC))
MAX_MICROS = from_datetime(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC))
BEYOND_TIMESTAMPS = (
    "the virtual time would pass 9999-12-31T23:59:59.999Z, the latest time a timestamp can show"
)
_Y2K = from_datetime(datetime(2000, 1, 1, tzinfo=UTC))


def beyond_timestamps(now: int, micros: float) -> bool:
    """Whether waiting `micros` from `now` ends past MAX_MICROS."""
    return micros > MAX_MICROS - now


def _format(micros: int, render: Callable[[datetime], str]) -> str:
    """`render(datetime)` for any integer, so formatting never raises: a time outside years
    1-9999 is shifted by whole 400-year cycles (the Gregorian calendar repeats exactly) into
    range, rendered, and its year put back (`12026-...`, `-0001-...`)."""
    if MIN_MICROS <= micros <= MAX_MICROS:
        return render(to_datetime(micros))
    cycles = (micros - _Y2K) // _CYCLE_MICROS
    text = render(to_datetime(micros - cycles * _CYCLE_MICROS))  # years 2000-2399
    year = int(text[:4]) + cycles * _CYCLE_YEARS
    return (f"{year:04d}" if year >= 0 else f"-{-year:04d}") + text[4:]


def iso_aws(micros: int) -> str:
    """`2026-01-01T00:00:00.123000+00:00`, as the AWS CLI prints event timestamps."""
    return _format(micros, lambda moment: moment.isoformat(timespec="microseconds"))


@lru_cache(maxsize=64)
def iso_context(micros: int) -> str:
    """`2026-01-01T00:00:00.123Z`, as the Context object carries times."""
    return _format(
        micros,
        lambda moment: (
            f"{moment.year:04d}"
            + moment.strftime("-%m-%dT%H:%M:%S.")
            + f"{moment.microsecond // 1000:03d}Z"
        ),
    )


def parse_iso(text: str) -> int:
    """Parse an ISO 8601 time with an offset (`Z` accepted) into microseconds."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"no UTC offset in {text!r}")
    return from_datetime(moment)
