"""Payload templates (Parameters, ResultSelector, ItemSelector) and the JSONPath I/O pipeline.

A template is JSON in which a key ending in `.$` takes its value from a path or an intrinsic
function. Templates and paths are compiled once per definition into closures.
"""

from __future__ import annotations

from typing import Any, Callable

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import PathNotFound, StatesError
from replay.asl.intrinsics import compile_intrinsic, looks_like_intrinsic
from replay.asl.jsonpath import compile_path
from replay.events import to_json_text

Evaluator = Callable[[Env], Any]


def path_not_found(path: str, field: str, document: Any) -> StatesError:
    return StatesError(
        errors.RUNTIME,
        f"The JSONPath '{path}' specified for the field '{field}' could not be found in the "
        f"input '{to_json_text(document)}'",
    )


def compile_expression(text: str, field: str) -> Evaluator:
    """A `.$` value: a path, a variable reference or an intrinsic call."""
    if looks_like_intrinsic(text):
        return compile_intrinsic(text, compile_path)
    get = compile_path(text)

    def evaluate(env: Env) -> Any:
        try:
            return get(env)
        except PathNotFound:
            document = env.context if text.startswith("$$") else env.input
            raise path_not_found(text, field, document) from None

    return evaluate


def compile_template(template: Any) -> Evaluator:
    """Compile a payload template into `evaluate(env) -> value`."""
    if isinstance(template, dict):
        parts: list[tuple[str, bool, Any]] = []
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                parts.append((key[:-2], True, compile_expression(value, key)))
            else:
                parts.append((key, False, compile_template(value)))
        if all(not dynamic and _is_static(fn) for _, dynamic, fn in parts):
            static = {key: fn.static for key, _, fn in parts}  # type: ignore[attr-defined]
            return _constant(static)

        def evaluate_object(env: Env) -> dict:
            return {key: fn(env) for key, _, fn in parts}

        return evaluate_object
    if isinstance(template, list):
        items = [compile_template(item) for item in template]
        if all(_is_static(fn) for fn in items):
            return _constant([fn.static for fn in items])  # type: ignore[attr-defined]
        return lambda env: [fn(env) for fn in items]
    return _constant(template)


def _constant(value: Any) -> Evaluator:
    def evaluate(env: Env) -> Any:
        return value

    evaluate.static = value  # type: ignore[attr-defined]
    return evaluate


def _is_static(fn: Evaluator) -> bool:
    return hasattr(fn, "static")
