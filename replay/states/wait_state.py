"""Wait: sleeps on the virtual clock for Seconds or until Timestamp (or their Path forms)."""

from __future__ import annotations

import re
from typing import Any

from replay.asl import errors
from replay.asl.errors import PathNotFound, StatesError, evaluation_error
from replay.clock import (
    BEYOND_TIMESTAMPS,
    MICROS,
    beyond_timestamps,
    iso_context,
    parse_iso,
)
from replay.scheduler import Sleep

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|z|[+-]\d{2}:\d{2})$")


def parse_timestamp(text: Any) -> int | None:
    """Microseconds since the epoch, or None when `text` is not an ISO 8601 time with offset."""
    if not isinstance(text, str) or not _ISO.match(text):
        return None
    try:
        return parse_iso(text)
    except ValueError:
        return None


def _runtime(cause: str) -> StatesError:
    return StatesError(errors.RUNTIME, cause)


def _seconds(state, env) -> int:
    path = state.raw.get("SecondsPath")
    try:
        value = state.seconds(env)
    except PathNotFound:
        raise _runtime(
            f"The SecondsPath parameter does not reference an input value: {path}"
        ) from None
    if path is None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            cause = f"The Seconds field must be a non-negative integer, but was: {value!r}"
            if state.language == "JSONata":
                raise evaluation_error(cause, "Seconds")
            raise _runtime(cause)
        return value * MICROS
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _runtime(
            f"The SecondsPath parameter cannot be parsed as a long value: {path} == {value}"
        )
    if value < 0:
        raise _runtime(
            f"The SecondsPath parameter references a negative value: {path} == {int(value)}"
        )
    return int(value) * MICROS


def _until(state, env) -> int:
    path = state.raw.get("TimestampPath")
    try:
        value = state.timestamp(env)
    except PathNotFound:
        raise _runtime(
            f"The TimestampPath parameter does not reference an input value: {path}"
        ) from None
    moment = parse_timestamp(value)
    if moment is None:
        if path is None:
            cause = (
                "The Timestamp field cannot be parsed as an ISO-8601 extended "
                f"offset date-time format string: {value}"
            )
            if state.language == "JSONata":
                raise evaluation_error(cause, "Timestamp")
            raise _runtime(cause)
        raise _runtime(
            "The TimestampPath parameter does not reference a valid ISO-8601 "
            f"extended offset date-time format string: {path} == {value}"
        )
    return moment


def run_wait(step):
    state = step.state
    env = step.env(None)
    value = state.io.effective_input(step.raw_input, env)
    env.input = value
    if state.seconds is not None:
        micros = _seconds(state, env)
    else:
        micros = max(0, _until(state, env) - step.engine.now)
    if beyond_timestamps(step.engine.now, micros):
        until = iso_context(step.engine.now + micros)
        raise _runtime(f"The Wait state cannot wait until {until}: {BEYOND_TIMESTAMPS}")
    if micros:
        yield Sleep(micros)
    step.assign(state.assign, value)
    return state.next, state.io.output(step.raw_input, value, env)
