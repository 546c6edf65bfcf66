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


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    if re2 is not None:
        options = re2.Options()
        options.log_errors = False  # an unsupported pattern is not worth a stderr line
        try:
            return re2.compile(pattern, options)
        except re2.error:
            pass
    return re.compile(pattern)


def regex_search(text: Any, pattern: Any) -> bool:
    """Whether `pattern` matches somewhere in the string `text` (`re.search` semantics)."""
    if not isinstance(text, str) or not isinstance(pattern, str):
        return False
    return _compiled(pattern).search(text) is not None
