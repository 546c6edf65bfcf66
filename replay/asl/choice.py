"""JSONPath Choice rules compiled once into `rule(env) -> bool`.

`compile_rule` checks a rule statically (raising `ChoiceRuleError` with a JSON pointer relative
to the rule) and returns a closure. At run time a comparison on a value of the wrong type is
false; a `Variable` (or `...Path` operand) that selects nothing fails with `States.Runtime`,
except for `IsPresent`, which is then false. And/Or short-circuit, as AWS's guard idiom
(`And: [IsPresent, comparison]`) relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from replay.asl.choice_ops import (
    COMPARISONS,
    PATH_COMPARISONS,
    TYPE_TESTS,
    literal_test,
    operand_error,
    pair_test,
)
from replay.asl.choice_ops import show as _kind
from replay.asl.env import Env
from replay.asl.errors import RUNTIME, PathNotFound, StatesError

Rule = Callable[[Env], bool]
PathCompiler = Callable[[str], Callable[[Env], Any]]

_BOOLEAN = ("And", "Or", "Not")
_TOP_LEVEL_ONLY = ("Next", "Assign")
_OPERATORS = frozenset([*_BOOLEAN, *COMPARISONS, *PATH_COMPARISONS, *TYPE_TESTS, "IsPresent"])


class ChoiceRuleError(ValueError):
    """A static problem in a choice rule; `pointer` locates it inside the rule (`/And/1`)."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pointer = pointer

    def __str__(self) -> str:
        return f"{self.pointer}: {self.message}" if self.pointer else self.message


def invalid_path(path: str) -> StatesError:
    """AWS's error when a choice rule's path selects nothing."""
    return StatesError(
        RUNTIME,
        f"Invalid path '{path}': The choice state's condition path references an invalid value.",
    )


def compile_rule(
    rule: dict,
    compile_path: PathCompiler,
    *,
    top_level: bool = True,
    require_next: bool = False,
) -> Rule:
    """Check `rule` and compile it into `rule(env) -> bool`.

    A top-level rule may carry `Next`, `Assign` and `Comment`; a nested one only `Comment`.
    `require_next` also rejects a top-level rule without `Next` (off by default: the validator
    passes rules with their transition fields removed and checks `Next` itself).
    """
    return _compile(rule, compile_path, "", top_level, require_next)


def _at(pointer: str, *tokens: Any) -> str:
    return pointer + "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def _compile(rule: Any, cp: PathCompiler, at: str, top_level: bool, require_next: bool) -> Rule:
    if not isinstance(rule, dict):
        raise ChoiceRuleError(f"a choice rule must be an object, not {_kind(rule)}", at)
    operators = []
    for key in rule:
        if key in _OPERATORS:
            operators.append(key)
        elif key in _TOP_LEVEL_ONLY and not top_level:
            raise ChoiceRuleError(
                f'field "{key}" is only allowed in a top-level choice rule, '
                'not in one nested in "And", "Or" or "Not"',
                _at(at, key),
            )
        elif key not in ("Variable", "Comment", *_TOP_LEVEL_ONLY):
            raise ChoiceRuleError(f'field "{key}" is not supported in a choice rule', _at(at, key))
    if top_level:
        _check_next(rule, at, require_next)
    if not operators:
        raise ChoiceRuleError(
            'a choice rule needs a comparison operator (such as "StringEquals" or "IsPresent") '
            'or one of "And", "Or", "Not"',
            at,
        )
    if len(operators) > 1:
        raise ChoiceRuleError(
            f'a choice rule takes exactly one operator, found "{operators[0]}" and '
            f'"{operators[1]}"',
            _at(at, operators[1]),
        )
    name = operators[0]
    if name in _BOOLEAN:
        if "Variable" in rule:
            raise ChoiceRuleError(
                f'field "Variable" is not allowed with "{name}"', _at(at, "Variable")
            )
        return _compile_boolean(name, rule[name], cp, _at(at, name), require_next)
    if "Variable" not in rule:
        raise ChoiceRuleError(f'missing required field "Variable" (needed by "{name}")', at)
    return _compile_comparison(name, rule, cp, at)


def _check_next(rule: dict, at: str, require_next: bool) -> None:
    if "Next" in rule:
        if not isinstance(rule["Next"], str):
            raise ChoiceRuleError(
                f"Next must be a state name, not {_kind(rule['Next'])}", _at(at, "Next")
            )
    elif require_next:
        raise ChoiceRuleError('missing required field "Next"', at)


def _compile_boolean(name: str, operand: Any, cp: PathCompiler, at: str, req: bool) -> Rule:
    if name == "Not":
        if not isinstance(operand, dict):
            raise ChoiceRuleError(
                f'"Not" takes a single rule (an object), not {_kind(operand)}', at
            )
        inner = _compile(operand, cp, at, False, req)
        return lambda env: not inner(env)
    if not isinstance(operand, list) or not operand:
        raise ChoiceRuleError(
            f'"{name}" must be a non-empty list of rules, not {_kind(operand)}', at
        )
    rules = tuple(_compile(item, cp, _at(at, i), False, req) for i, item in enumerate(operand))
    if name == "And":

        def all_hold(env: Env) -> bool:
            for inner in rules:
                if not inner(env):
                    return False
            return True

        return all_hold

    def any_holds(env: Env) -> bool:
        for inner in rules:
            if inner(env):
                return True
        return False

    return any_holds


def _compile_comparison(name: str, rule: dict, cp: PathCompiler, at: str) -> Rule:
    variable = rule["Variable"]
    get = _path(variable, "Variable", cp, at)
    operand = rule[name]
    if name in PATH_COMPARISONS:
        get_other = _path(operand, name, cp, at)
        compare = pair_test(*PATH_COMPARISONS[name])

        def compare_paths(env: Env) -> bool:
            try:
                value = get(env)
            except PathNotFound:
                raise invalid_path(variable) from None
            try:
                other = get_other(env)
            except PathNotFound:
                raise invalid_path(operand) from None
            return compare(value, other)

        return compare_paths
    if name in COMPARISONS:
        kind, relation = COMPARISONS[name]
        problem = operand_error(kind, name, operand)
        if problem:
            raise ChoiceRuleError(problem, _at(at, name))
        test = literal_test(kind, relation, operand)
    else:
        if not isinstance(operand, bool):
            raise ChoiceRuleError(
                f'"{name}" must be true or false, not {_kind(operand)}', _at(at, name)
            )
        if name == "IsPresent":
            return _is_present(get, operand)
        is_type = TYPE_TESTS[name]
        test = is_type if operand else (lambda v: not is_type(v))

    def evaluate(env: Env) -> bool:
        try:
            value = get(env)
        except PathNotFound:
            raise invalid_path(variable) from None
        return test(value)

    return evaluate


def _is_present(get: Callable[[Env], Any], expected: bool) -> Rule:
    def is_present(env: Env) -> bool:
        try:
            get(env)
        except PathNotFound:
            return not expected
        return expected

    return is_present


def _path(text: Any, field: str, cp: PathCompiler, at: str) -> Callable[[Env], Any]:
    if not isinstance(text, str) or not text.startswith("$"):
        raise ChoiceRuleError(
            f"\"{field}\" must be a path (a string starting with '$'), not {_kind(text)}",
            _at(at, field),
        )
    try:
        return cp(text)
    except Exception as exc:
        raise ChoiceRuleError(
            f'"{field}" is not a valid path: {exc or type(exc).__name__}', _at(at, field)
        ) from exc
