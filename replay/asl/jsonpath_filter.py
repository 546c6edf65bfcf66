"""Jayway JsonPath filter expressions `[?(...)]`, as AWS Step Functions evaluates them.

Grammar (Jayway's FilterCompiler): `||` over `&&` over `!`/parentheses over relations
`value OP value`; a lone path is an existence test. Values: `@...` (the current item) and
`$...` (the document) paths, numbers, strings in either quote, `true`/`false`/`null`,
`/regex/flags`, and JSON arrays/objects (quotes of either kind). Operators: `==`, `!=`, `===`,
`!==`, `<`, `<=`, `>`, `>=`, `=~`, `in`, `nin`, `subsetof`, `anyof`, `noneof`, `size`, `empty`,
`contains`. As in Jayway: `1` is not equal to `'1'`, `<`/`>` compare two numbers or two strings
and are false otherwise, `=~` must match the whole text, a missing property is "undefined" and
equal to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from replay.asl.regex_match import compile_regex

UNDEFINED = object()
Predicate = Callable[[Any, Any], bool]  # (item, root) -> bool
PathEval = Callable[[str], Callable[[Any, Any], Any]]  # text -> (item, root) -> value

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORD_OPS = ("subsetof", "contains", "noneof", "anyof", "empty", "size", "nin", "in")
_SYMBOL_OPS = ("===", "!==", "==", "!=", "<=", ">=", "=~", "<", ">")
_PATH_END = set(" \t\r\n=<>!&|)")
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


class FilterSyntaxError(ValueError):
    """A filter expression Jayway would not compile."""


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: Any  # a compiled pattern (RE2's or re's)


class _Parser:
    def __init__(self, text: str, compile_sub: PathEval) -> None:
        self.text = text
        self.pos = 0
        self.compile_sub = compile_sub

    def fail(self, message: str) -> FilterSyntaxError:
        return FilterSyntaxError(f"{message} at position {self.pos} in filter '{self.text}'")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.pos)

    def parse(self) -> Predicate:
        predicate = self.parse_or()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos :]!r}")
        return predicate

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.peek("||"):
            self.pos += 2
            parts.append(self.parse_and())
        if len(parts) == 1:
            return parts[0]
        return lambda item, root: any(p(item, root) for p in parts)

    def parse_and(self) -> Predicate:
        parts = [self.parse_unary()]
        while self.peek("&&"):
            self.pos += 2
            parts.append(self.parse_unary())
        if len(parts) == 1:
            return parts[0]
        return lambda item, root: all(p(item, root) for p in parts)

    def parse_unary(self) -> Predicate:
        if self.peek("!") and not self.peek("!="):
            self.pos += 1
            inner = self.parse_unary()
            return lambda item, root: not inner(item, root)
        if self.peek("("):
            self.pos += 1
            inner = self.parse_or()
            if not self.peek(")"):
                raise self.fail("expected ')'")
            self.pos += 1
            return inner
        return self.parse_relation()

    def parse_relation(self) -> Predicate:
        left, left_is_path = self.parse_value()
        op = self.parse_operator()
        if op is None:
            if not left_is_path:
                raise self.fail("expected a path or an operator")
            return lambda item, root: left(item, root) is not UNDEFINED
        right, _ = self.parse_value()
        compare = OPERATORS[op]
        return lambda item, root: compare(left(item, root), right(item, root))

    def parse_operator(self) -> str | None:
        self.skip()
        for op in _SYMBOL_OPS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return op
        for op in _WORD_OPS:
            end = self.pos + len(op)
            if self.text.startswith(op, self.pos) and (
                end == len(self.text) or not self.text[end].isalnum()
            ):
                self.pos = end
                return op
        return None

    def parse_value(self) -> tuple[Callable[[Any, Any], Any], bool]:
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("expected a value")
        char = self.text[self.pos]
        if char in "@$":
            return self.compile_sub(self.read_path()), True
        if char == "/":
            pattern = self.read_regex()
            return (lambda item, root: pattern), False
        value = self.read_literal()
        return (lambda item, root: value), False

    def read_path(self) -> str:
        start, depth, quote = self.pos, 0, None
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                if char == "\\":
                    self.pos += 1
                elif char == quote:
                    quote = None
            elif char in "'\"":
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])" and depth:
                depth -= 1
            elif depth == 0 and char in _PATH_END:
                break
            self.pos += 1
        return self.text[start : self.pos]

    def read_regex(self) -> _Pattern:
        end = self.pos + 1
        while end < len(self.text) and self.text[end] != "/":
            end += 2 if self.text[end] == "\\" else 1
        if end >= len(self.text):
            raise self.fail("unterminated regular expression")
        body = self.text[self.pos + 1 : end]
        self.pos = end + 1
        flags = 0
        while self.pos < len(self.text) and self.text[self.pos] in _FLAGS:
            flags |= _FLAGS[self.text[self.pos]]
            self.pos += 1
        try:
            return _Pattern(compile_regex(body, flags))
        except re.error as exc:
            raise self.fail(f"invalid regular expression: {exc}") from None

    def read_literal(self) -> Any:
        self.skip()
        text, pos = self.text, self.pos
        if pos < len(text) and text[pos] in "'\"":
            return self.read_string()
        if pos < len(text) and text[pos] in "[{":
            return self.read_container()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, pos):
                self.pos += len(word)
                return value
        m = _NUMBER.match(text, pos)
        if not m:
            raise self.fail("expected a value")
        self.pos = m.end()
        number = m.group(0)
        return float(number) if any(c in number for c in ".eE") else int(number)

    def read_string(self) -> str:
        quote = self.text[self.pos]
        out, pos = [], self.pos + 1
        while pos < len(self.text) and self.text[pos] != quote:
            if self.text[pos] == "\\" and pos + 1 < len(self.text):
                pos += 1
                out.append({"n": "\n", "t": "\t", "r": "\r"}.get(self.text[pos], self.text[pos]))
            else:
                out.append(self.text[pos])
            pos += 1
        if pos >= len(self.text):
            raise self.fail("unterminated string")
        self.pos = pos + 1
        return "".join(out)

    def read_container(self) -> Any:
        closing = "]" if self.text[self.pos] == "[" else "}"
        is_list = closing == "]"
        self.pos += 1
        items: Any = [] if is_list else {}
        while not self.peek(closing):
            if items:
                if not self.peek(","):
                    raise self.fail(f"expected ',' or '{closing}'")
                self.pos += 1
            if is_list:
                items.append(self.read_literal())
                continue
            key = self.read_literal()
            if not isinstance(key, str) or not self.peek(":"):
                raise self.fail("expected a string key and ':'")
            self.pos += 1
            items[key] = self.read_literal()
        self.pos += 1
        return items


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(left: Any, right: Any) -> bool:
    """Jayway's ValueNode equality: same JSON type and value (numbers by value)."""
    if left is UNDEFINED or right is UNDEFINED:
        return False
    if _is_number(left) and _is_number(right):
        return left == right
    if type(left) is not type(right):
        return False
    return left == right


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(left: Any, right: Any) -> bool:
        if _is_number(left) and _is_number(right):
            return test(left, right)
        if isinstance(left, str) and isinstance(right, str):
            return test(left, right)
        return False

    return compare


def _contains(values: Any, value: Any) -> bool:
    return isinstance(values, list) and any(equal(v, value) for v in values)


def _regex_input(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return ""


def _matches(left: Any, right: Any) -> bool:
    if isinstance(left, _Pattern) == isinstance(right, _Pattern):
        return False
    pattern, text = (right, left) if isinstance(right, _Pattern) else (left, right)
    return pattern.regex.fullmatch(_regex_input(text)) is not None


def _size(left: Any, right: Any) -> bool:
    if not _is_number(right) or not isinstance(left, (str, list, dict)):
        return False
    return len(left) == int(right)


def _empty(left: Any, right: Any) -> bool:
    if not isinstance(left, (str, list, dict)) or not isinstance(right, bool):
        return False
    return (len(left) == 0) == right


def _in(left: Any, right: Any) -> bool:
    return left is not UNDEFINED and _contains(right, left)


def _subset(left: Any, right: Any) -> bool:
    return (
        isinstance(left, list)
        and isinstance(right, list)
        and all(_contains(right, v) for v in left)
    )


def _any_of(left: Any, right: Any) -> bool:
    return (
        isinstance(left, list)
        and isinstance(right, list)
        and any(_contains(right, v) for v in left)
    )


def _none_of(left: Any, right: Any) -> bool:
    return (
        isinstance(left, list)
        and isinstance(right, list)
        and not any(_contains(right, v) for v in left)
    )


def _text_or_list_contains(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return right in left
    return _contains(left, right)


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": equal,
    "===": equal,
    "!=": lambda a, b: not equal(a, b),
    "!==": lambda a, b: not equal(a, b),
    "<": _ordered(lambda a, b: a < b),
    "<=": _ordered(lambda a, b: a <= b),
    ">": _ordered(lambda a, b: a > b),
    ">=": _ordered(lambda a, b: a >= b),
    "=~": _matches,
    "in": _in,
    "nin": lambda a, b: not _in(a, b),
    "subsetof": _subset,
    "anyof": _any_of,
    "noneof": _none_of,
    "size": _size,
    "empty": _empty,
    "contains": _text_or_list_contains,
}


def compile_filter(text: str, compile_sub: PathEval) -> Predicate:
    """Compile the expression inside `[?( ... )]`; `compile_sub` compiles `@`/`$` paths."""
    return _Parser(text, compile_sub).parse()
