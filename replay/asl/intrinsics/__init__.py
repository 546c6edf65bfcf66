"""ASL intrinsic functions (`States.Format(...)` and the rest): parse once, evaluate many times.

    looks_like_intrinsic(text) -> bool
    parse_intrinsic(text) -> Call                      # raises IntrinsicSyntaxError
    compile_intrinsic(text, compile_path) -> evaluate(env)

`compile_path(path_text)` turns a path argument (`$.a`, `$$.Execution.Id`, `$var.x`) into a
getter that raises `PathNotFound`. Evaluation raises `StatesError`: `States.IntrinsicFailure`
for bad arguments, `States.Runtime` for a path argument that selects nothing.
"""

from replay.asl.intrinsics.compiler import compile_intrinsic
from replay.asl.intrinsics.nodes import Arg, Call, Literal, Path, String
from replay.asl.intrinsics.parser import IntrinsicSyntaxError, looks_like_intrinsic, parse_intrinsic
from replay.asl.intrinsics.registry import SPECS

FUNCTION_NAMES = frozenset(SPECS)

__all__ = [
    "FUNCTION_NAMES",
    "Arg",
    "Call",
    "IntrinsicSyntaxError",
    "Literal",
    "Path",
    "String",
    "compile_intrinsic",
    "looks_like_intrinsic",
    "parse_intrinsic",
]
