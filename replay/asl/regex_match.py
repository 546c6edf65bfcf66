"""Regular expressions a definition brings (JSONPath filters' `=~`), matched in linear time.

A backtracking engine takes exponential time on patterns like `(a+)+b`; RE2 (google-re2)
never does. A pattern RE2 cannot take (a backreference, a lookaround) falls back to Python's
`re`, where such features live.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

try:
    import re2
except ImportError:  # pragma: no cover - google-re2 is a dependency; keep working without it
    re2 = None


_INLINE = {re.IGNORECASE: "i", re.MULTILINE: "m", re.DOTALL: "s"}


@lru_cache(maxsize=256)
def compile_regex(pattern: str, flags: int = 0) -> Any:
    """A compiled pattern (`fullmatch`, `search`): RE2's when RE2 takes it, else `re`'s; raises
    re.error for a pattern neither takes."""
    if re2 is not None and not flags & ~sum(_INLINE):
        inline = "".join(letter for flag, letter in _INLINE.items() if flags & flag)
        options = re2.Options()
        options.log_errors = False  # an unsupported pattern is not worth a stderr line
        try:
            return re2.compile(f"(?{inline}){pattern}" if inline else pattern, options)
        except re2.error:
            pass
    return re.compile(pattern, flags)
