"""The JSON text of payloads recorded in events, under AWS's 256 KiB payload quota."""

from __future__ import annotations

from typing import Any

from replay.asl import errors
from replay.asl.errors import StatesError
from replay.events import payload_size, to_json_text

MAX_PAYLOAD = 256 * 1024


class PayloadText:
    """Encodes payloads, reusing the text of the last one: a state's output is usually the
    next state's input, the same object, never mutated (values are immutable here)."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: tuple[Any, str] = (object(), "")

    def text(self, value: Any, what: str) -> str:
        """JSON text of `value`, failing with States.DataLimitExceeded above 256 KiB."""
        if value is self._last[0]:
            text = self._last[1]
        else:
            text = to_json_text(value)
            self._last = (value, text)
        if len(text) > MAX_PAYLOAD // 4 and payload_size(text) > MAX_PAYLOAD:
            raise StatesError(
                errors.DATA_LIMIT_EXCEEDED,
                f"The state/task '{what}' returned a result with a size exceeding the maximum "
                "number of bytes service limit.",
            )
        return text
