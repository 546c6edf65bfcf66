"""The JSONata query language's side of a state: Arguments in, Output out, `$states` bound.

Every field that may hold `{% %}` expressions is compiled once by `compile_jsonata_template`;
failures are States.QueryEvaluationError carrying the field (`location`) for the
EvaluationFailed event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from replay.asl import errors
from replay.asl.env import Env
from replay.asl.errors import StatesError
from replay.asl.jsonata import (
    compile_jsonata_template,
    expression_of,
    is_jsonata,
    type_error,
)

Evaluator = Callable[..., Any]


def located(evaluate: Evaluator, location: str) -> Evaluator:
    """Tag the QueryEvaluationErrors of an evaluator with the field they come from."""

    def run(env: Env, **states: Any) -> Any:
        try:
            return evaluate(env, **states)
        except StatesError as exc:
            if exc.error == errors.QUERY_EVALUATION_ERROR and not hasattr(exc, "location"):
                exc.location = location  # type: ignore[attr-defined]
            raise

    return run


def compile_field(raw: dict, key: str) -> Evaluator | None:
    """A field that is a literal or holds `{% %}` expressions; None when absent."""
    if key not in raw:
        return None
    return located(compile_jsonata_template(raw[key], key), key)


def uses_jsonata(value: Any) -> bool:
    if isinstance(value, str):
        return is_jsonata(value)
    if isinstance(value, dict):
        return any(uses_jsonata(v) for v in value.values())
    if isinstance(value, list):
        return any(uses_jsonata(v) for v in value)
    return False


@dataclass(frozen=True, slots=True)
class JsonataIO:
    arguments: Evaluator | None = None
    output_expr: Evaluator | None = None

    @classmethod
    def from_raw(cls, raw: dict, *, arguments: bool = True) -> "JsonataIO":
        return cls(
            compile_field(raw, "Arguments") if arguments else None, compile_field(raw, "Output")
        )

    def selected_input(self, raw_input: Any, env: Env) -> Any:
        return raw_input

    def effective_input(self, raw_input: Any, env: Env) -> Any:
        if self.arguments is None:
            return raw_input
        env.input = raw_input
        return self.arguments(env)

    def output(self, raw_input: Any, result: Any, env: Env) -> Any:
        if self.output_expr is None:
            return result
        env.input = raw_input
        return self.output_expr(env, result=result)

    def error_output(self, raw_input: Any, error_output: Any, catcher: Any, env: Env) -> Any:
        if catcher.output is None:
            return error_output
        env.input = raw_input
        return catcher.output(env, error_output=error_output)


def assigner(raw: dict) -> Evaluator | None:
    """JSONata Assign as `assign(env, result)`: `$states.input` and `$states.result` bound."""
    if "Assign" not in raw:
        return None
    evaluate = located(compile_jsonata_template(raw["Assign"], "Assign"), "Assign")
    return lambda env, result: evaluate(env, result=result)


def catch_assigner(raw: dict) -> Evaluator | None:
    """Assign of a Catch: `$states.errorOutput` holds the error."""
    if "Assign" not in raw:
        return None
    evaluate = located(compile_jsonata_template(raw["Assign"], "Assign"), "Assign")
    return lambda env, result: evaluate(env, error_output=result)


def _typed(raw: dict, key: str, expected: str, kind: type) -> Evaluator:
    """A field whose expression must produce a value of one JSON type."""
    evaluate = located(compile_jsonata_template(raw[key], key), key)

    def get(env: Env) -> Any:
        value = evaluate(env)
        if not isinstance(value, kind):
            raise type_error(_expression(raw[key]), key, expected, value)
        return value

    return get


def condition(rule: dict) -> Callable[[Env], bool]:
    """A Choice rule's `Condition`: must be a boolean."""
    return _typed(rule, "Condition", "boolean", bool)


def items(raw: dict) -> Evaluator:
    """Map `Items`: a literal array or an expression that must produce one."""
    return _typed(raw, "Items", "array", list)


def _expression(text: Any) -> str:
    return expression_of(text) if isinstance(text, str) and is_jsonata(text) else str(text)
