"""Compile a parsed intrinsic call once into a closure `evaluate(env) -> value`.

Errors raised while evaluating: a bad argument becomes `States.IntrinsicFailure`, a path
argument that selects nothing `States.Runtime`; both causes name the whole call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replay.asl.env import Env
from replay.asl.errors import INTRINSIC_FAILURE, RUNTIME, PathNotFound, StatesError
from replay.asl.intrinsics.nodes import Arg, Call, Literal, Path, String
from replay.asl.intrinsics.parser import IntrinsicSyntaxError, parse_intrinsic
from replay.asl.intrinsics.registry import SPECS
from replay.asl.intrinsics.strings import format_parts, json_to_string
from replay.asl.intrinsics.values import ArgumentError

Evaluator = Callable[[Env], Any]
PathCompiler = Callable[[str], Evaluator]


def compile_intrinsic(text: str, compile_path: PathCompiler) -> Evaluator:
    """Parse `text` and compile it; raises IntrinsicSyntaxError for a malformed call or path."""
    root = _call(parse_intrinsic(text), compile_path, text)

    def evaluate(env: Env) -> Any:
        try:
            return root(env)
        except ArgumentError as exc:
            raise StatesError(INTRINSIC_FAILURE, _cause(text, str(exc))) from None
        except PathNotFound as exc:
            raise StatesError(RUNTIME, _cause(text, _missing(exc.path, env))) from None

    return evaluate


def _cause(text: str, detail: str) -> str:
    return f"The function '{text}' had the following error: {detail}"


def _missing(path: str, env: Env) -> str:
    if path.startswith("$$"):
        document = env.context
    elif path[1:2].isalpha() or path[1:2] == "_":
        document = env.variables.get(path[1:].split(".")[0].split("[")[0], env.input)
    else:
        document = env.input
    return (
        f"The JsonPath argument for the field '{path}' could not be found in the input "
        f"'{json_to_string(document)}'"
    )


def _constant(value: Any) -> Evaluator:
    return lambda env: value


def _failing(message: str) -> Evaluator:
    def fail(env: Env) -> Any:
        raise ArgumentError(message)

    return fail


def _open_escape(node: String) -> str:
    return f"the string literal contains the open escape sequence '{node.bad_escape}'"


def _arg(node: Arg, compile_path: PathCompiler, text: str) -> Evaluator:
    if isinstance(node, Literal):
        return _constant(node.value)
    if isinstance(node, String):
        return _failing(_open_escape(node)) if node.bad_escape else _constant(node.value)
    if isinstance(node, Path):
        try:
            return compile_path(node.text)
        except ValueError as exc:
            raise IntrinsicSyntaxError(
                f"invalid intrinsic function call {text!r}: invalid path {node.text!r}: {exc}"
            ) from None
    return _call(node, compile_path, text)


def _call(call: Call, compile_path: PathCompiler, text: str) -> Evaluator:
    fns = [_arg(arg, compile_path, text) for arg in call.args]
    first = call.args[0] if call.args else None
    if call.name == "States.Format" and isinstance(first, String):
        if first.bad_escape:
            return _failing(_open_escape(first))
        return _format(first.parts, fns[1:])
    spec = SPECS[call.name]
    impl = spec.impl
    if spec.needs_env:
        return lambda env: impl(env, *[fn(env) for fn in fns])
    if len(fns) == 1:
        (a,) = fns
        return lambda env: impl(a(env))
    if len(fns) == 2:
        a, b = fns
        return lambda env: impl(a(env), b(env))
    if len(fns) == 3:
        a, b, c = fns
        return lambda env: impl(a(env), b(env), c(env))
    return lambda env: impl(*[fn(env) for fn in fns])


def _format(parts: tuple[str, ...], fns: list[Evaluator]) -> Evaluator:
    if len(fns) == 1:
        (a,) = fns
        return lambda env: format_parts(parts, (a(env),))
    return lambda env: format_parts(parts, tuple(fn(env) for fn in fns))
