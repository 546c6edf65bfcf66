"""JSONata expressions of JSONata states: the `"{% ... %}"` strings, evaluated with jsonatapy.

    expr = compile_jsonata("{% $states.input.i + 1 %}", "Output")   # parsed once, here
    expr(env)                                                       # -> 2
    expr.evaluate(env, result=task_result, error_output=error)      # same, keywords optional

`result` / `error_output` give `$states.result` / `$states.errorOutput` (None is JSON null;
leave them out, or pass MISSING, when the state has none). A call binds `$states` =
{"input": env.input, "context": env.context} plus "result" / "errorOutput" when given, and
every variable of `env.variables` as `$name`. Only what the expression names is handed to
the engine (not a variable it never mentions, nor `$states.context` when it only reads
`$states.input`), since each bound value is converted on every call. The Step Functions
functions (`$partition`, `$range`, `$hash`, `$random`, `$uuid`, `$parse`) and deterministic
`$now`, `$millis`, `$shuffle` come from `replay.asl.jsonata_functions`. Compiled expressions
may be called from any thread.

Failures are `StatesError("States.QueryEvaluationError", cause)` with AWS's causes:
"The JSONata expression '<expr>' specified for the field '<field>' returned nothing
(undefined)." / "... returned an unsupported result type." (a function) / "... threw an error
during evaluation. <code>: <message>". `type_error` builds the "unexpected result type" cause
for callers that need a given type (Items, TimeoutSeconds...).

`compile_jsonata_template` compiles a JSON value (Arguments, Output, Assign, ItemSelector...)
whose strings may be expressions; the field of an error is the path inside it: 'Output',
'Output/result', 'Arguments/list[0]'.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable
from typing import Any

from replay.asl.env import Env
from replay.asl.errors import StatesError, evaluation_error
from replay.asl.json_types import type_name as jsonata_type
from replay.asl.jsonata_functions import (
    CALL,
    FUNCTION,
    PRELUDES,
    SERIALS,
    UNDEFINED,
    Call,
    FunctionError,
    build_program,
    retire,
    thread_programs,
)
from replay.events import to_json_text

__all__ = [
    "MISSING",
    "JsonataExpression",
    "JsonataSyntaxError",
    "JsonataTemplate",
    "check_jsonata_syntax",
    "compile_jsonata",
    "compile_jsonata_template",
    "expression_of",
    "is_jsonata",
    "jsonata_type",
    "type_error",
    "undefined_error",
]

MISSING: Any = object()  # "no value" for the optional `result` / `error_output` keywords

_STATES_MEMBERS = ("input", "context", "result", "errorOutput")
# A name after `$` runs up to whitespace or an operator character, as in JSONata's tokenizer.
_NAME = re.compile(r"\$([^\s.\[\]{}(),@#;:?+\-*/%|=<>^&!~]*)")
_STATES_MEMBER = re.compile(r"\$states\s*\.\s*(\w+)")
_STATES_TOKEN = re.compile(r"\$states(?![^\s.\[\]{}(),@#;:?+\-*/%|=<>^&!~])")
_OPERATOR_SIDE = re.compile(r"^(T200[12]: The (?:left|right) side of the )(\S+)( operator)")


class JsonataSyntaxError(ValueError):
    """A `{% ... %}` string that is not a valid JSONata expression."""


def is_jsonata(value: Any) -> bool:
    """A string of the form "{% ... %}" (no whitespace outside the delimiters)."""
    return isinstance(value, str) and len(value) >= 4 and value[:2] == "{%" and value[-2:] == "%}"


def expression_of(text: str) -> str:
    """The expression between `{%` and `%}`, stripped (as AWS quotes it in causes)."""
    return text[2:-2].strip()


def _failure(expression: str, field: str, tail: str) -> StatesError:
    """A QueryEvaluationError whose `location` is the field, for the EvaluationFailed event."""
    return evaluation_error(
        f"The JSONata expression '{expression}' specified for the field '{field}' {tail}", field
    )


def undefined_error(expression: str, field: str) -> StatesError:
    return _failure(expression, field, "returned nothing (undefined).")


def type_error(expression: str, field: str, expected: str, value: Any) -> StatesError:
    """AWS's cause when a field needs another type, e.g. Items needs 'array'."""
    tail = (
        f"returned an unexpected result type. Expected '{expected}', but was "
        f"'{jsonata_type(value)}' for value: {to_json_text(value)}"
    )
    return _failure(expression, field, tail)


def _engine_message(exc: BaseException) -> str:
    """jsonatapy's message, brought closer to jsonata-js's wording where they differ."""
    message = str(exc).removeprefix("Parse error: ")
    if message.startswith("T1006: Attempted to invoke a non-function"):
        return "T1006: Attempted to invoke a non-function"
    return _OPERATOR_SIDE.sub(lambda m: f'{m[1]}"{m[2]}"{m[3]}', message)


def load_engine() -> None:
    """Load jsonatapy now, on the calling thread. Call it on the main thread before starting
    threads that may use JSONata (serve's worker, the terminal UI's workers): jsonatapy 2.2.13
    crashes the process (SIGSEGV) once the thread that first loaded it has exited."""
    import jsonatapy  # noqa: F401


def check_jsonata_syntax(expression: str) -> None:
    """Raise JsonataSyntaxError (with the engine's reason) if `expression` does not parse."""
    if not expression.strip():
        raise JsonataSyntaxError("the JSONata expression is empty")
    import jsonatapy  # a native library: loaded by the first JSONata expression, not before

    try:
        jsonatapy.compile(expression)
    except (ValueError, TypeError) as exc:
        raise JsonataSyntaxError(_engine_message(exc)) from None


class JsonataExpression:
    """One compiled `{% ... %}` string; call it with an Env to evaluate it."""

    __slots__ = (
        "__weakref__",
        "_hosts",
        "_names",
        "_preludes",
        "_serial",
        "_states",
        "_variables",
        "expression",
        "field",
        "text",
    )

    def __init__(self, text: str, field: str) -> None:
        if not is_jsonata(text):
            raise JsonataSyntaxError(f"{text!r} (field '{field}') is not a '{{% ... %}}' string")
        self.text, self.field = text, field
        self.expression = expression = expression_of(text)
        try:
            check_jsonata_syntax(expression)
        except JsonataSyntaxError as exc:
            raise JsonataSyntaxError(
                f"invalid JSONata expression '{expression}' in field '{field}': {exc}"
            ) from None
        self._names = names = frozenset(_NAME.findall(expression))
        self._variables = tuple(sorted(names - {"states"}))
        self._states = _states_members(expression) if "states" in names else ()
        self._preludes = tuple(sorted(names & PRELUDES.keys()))
        program, self._hosts = build_program(expression, names)
        self._serial = serial = next(SERIALS)
        thread_programs()[serial] = program
        weakref.finalize(self, retire, serial)

    def __repr__(self) -> str:
        return f"JsonataExpression({self.text!r}, {self.field!r})"

    def __call__(self, env: Env, result: Any = MISSING, error_output: Any = MISSING) -> Any:
        bindings = {name: env.variables[name] for name in self._variables if name in env.variables}
        if self._states:
            states = {
                "input": env.input,
                "context": env.context,
                "result": result,
                "errorOutput": error_output,
            }
            bindings["states"] = {
                key: states[key] for key in self._states if states[key] is not MISSING
            }
        program = thread_programs().get(self._serial) or self._compile_here()
        if self._preludes and any(name in env.variables for name in self._preludes):
            program = self._shadowed(env)
        value = self._run(program, env, bindings)
        if value.__class__ is str and value[:1] == "\0":
            if value == UNDEFINED:
                raise undefined_error(self.expression, self.field)
            if value == FUNCTION:
                raise _failure(self.expression, self.field, "returned an unsupported result type.")
        elif value.__class__ is float and not math.isfinite(value):
            number = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
            raise self._threw(f"D1001: Number out of range: {number}")
        return value

    evaluate = __call__

    def _run(self, program: Any, env: Env, bindings: dict) -> Any:
        """Evaluate, with the Env reachable from the host functions (through CALL)."""
        call = Call(env) if self._hosts else None
        token = CALL.set(call) if call else None
        try:
            try:
                return program.evaluate(None, bindings)
            except OverflowError:  # an integer beyond 64 bits: JSON numbers are doubles
                return program.evaluate(None, _doubles(bindings))
        except (ValueError, TypeError) as exc:
            error = call.error if call else None
            if error is None:
                raise self._threw(_engine_message(exc)) from None
            if isinstance(error, FunctionError):
                raise self._threw(str(error)) from None
            raise error from None
        finally:
            if token is not None:
                CALL.reset(token)

    def _compile_here(self) -> Any:
        """The program for a thread that has not used this expression yet."""
        program = build_program(self.expression, self._names)[0]
        thread_programs()[self._serial] = program
        return program

    def _shadowed(self, env: Env) -> Any:
        """The program for when variables hide prelude functions (`$now`, `$range`)."""
        shadowed = frozenset(name for name in self._preludes if name in env.variables)
        variants = thread_programs().setdefault(("shadowed", self._serial), {})
        if shadowed not in variants:
            variants[shadowed] = build_program(self.expression, self._names, shadowed)[0]
        return variants[shadowed]

    def _threw(self, message: str) -> StatesError:
        return _failure(self.expression, self.field, f"threw an error during evaluation. {message}")


def _doubles(value: Any) -> Any:
    """`value` with the integers the engine cannot take (beyond 64 bits) as floats."""
    if isinstance(value, dict):
        return {key: _doubles(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_doubles(item) for item in value]
    if value.__class__ is int and not -(2**63) <= value < 2**63:
        try:
            return float(value)
        except OverflowError:  # beyond a double, as Jackson's doubleValue(): out of range
            return math.inf if value > 0 else -math.inf
    return value


def _states_members(expression: str) -> tuple[str, ...]:
    """The `$states` members to bind: those named, or all when some use is not `$states.x`."""
    named = _STATES_MEMBER.findall(expression)
    if len(named) == len(_STATES_TOKEN.findall(expression)):
        return tuple(member for member in _STATES_MEMBERS if member in named)
    return _STATES_MEMBERS


def compile_jsonata(text: str, field: str) -> JsonataExpression:
    """Parse the "{% expr %}" string `text` now (JsonataSyntaxError) for evaluation later."""
    return JsonataExpression(text, field)


Node = Callable[[Env, Any, Any], Any]


class JsonataTemplate:
    """A compiled template; call it like a JsonataExpression."""

    __slots__ = ("_node", "field")

    def __init__(self, template: Any, field: str) -> None:
        self.field = field
        self._node = _compile_node(template, field)

    def __call__(self, env: Env, result: Any = MISSING, error_output: Any = MISSING) -> Any:
        return self._node(env, result, error_output)

    evaluate = __call__


def compile_jsonata_template(template: Any, field: str) -> JsonataTemplate:
    """Compile a JSON value in which every "{% ... %}" string, at any depth, is an expression."""
    return JsonataTemplate(template, field)


def _compile_node(template: Any, path: str) -> Node:
    if is_jsonata(template):
        return JsonataExpression(template, path)
    if isinstance(template, dict):
        parts = [(key, _compile_node(value, f"{path}/{key}")) for key, value in template.items()]
        return lambda env, res, err: {key: node(env, res, err) for key, node in parts}
    if isinstance(template, list):
        items = [_compile_node(value, f"{path}[{index}]") for index, value in enumerate(template)]
        return lambda env, res, err: [node(env, res, err) for node in items]
    return lambda env, res, err: template
