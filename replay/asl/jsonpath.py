"""JSONPath as Step Functions reads it, compiled once into fast getters and setters.

A path names its root by its prefix: `$$` the Context object, `$` (followed by `.`, `[` or
nothing) the state input, `$name` a variable. A *definite* path (names and indexes only) selects
one value and fails with `PathNotFound` when nothing is there; an *indefinite* one (wildcards,
slices, filters, deep scans, unions) always selects a list, empty when nothing matches, as AWS
(Jayway JsonPath) does. Simple steps are walked by hand; filters and deep scans go to
jsonpath-ng, parsed once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from replay.asl.env import Env
from replay.asl.errors import PathNotFound

Getter = Callable[[Env], Any]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOT_NAME = re.compile(r"\.([^.\[\]]+)")
_INDEX = re.compile(r"\[\s*(-?\d+)\s*\]")
_QUOTED = re.compile(r"\[\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")\s*\]")
_WILDCARD = re.compile(r"\.\*|\[\s*\*\s*\]")
_SLICE = re.compile(r"\[\s*(-?\d*)\s*:\s*(-?\d*)\s*(?::\s*(-?\d*)\s*)?\]")


class PathSyntaxError(ValueError):
    """A path that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Key:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


Step = Key | Index | Wildcard | Slice


@dataclass(frozen=True, slots=True)
class ParsedPath:
    root: str  # "input", "context" or "variable"
    variable: str | None
    steps: tuple[Step, ...] | None  # None: needs jsonpath-ng (filters, deep scan, unions)
    rest: str  # the path text after the root, in `$`-rooted form for jsonpath-ng

    @property
    def definite(self) -> bool:
        return self.steps is not None and all(isinstance(s, (Key, Index)) for s in self.steps)


def split_root(text: str) -> tuple[str, str | None, str]:
    """Return (root, variable name, the rest of the path after the root)."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise PathSyntaxError(f"a path must start with '$': {text!r}")
    if text.startswith("$$"):
        return "context", None, text[2:]
    if len(text) == 1 or text[1] in ".[":
        return "input", None, text[1:]
    m = _NAME.match(text, 1)
    if not m:
        raise PathSyntaxError(f"invalid variable reference: {text!r}")
    return "variable", m.group(0), text[m.end():]


def _parse_steps(rest: str) -> tuple[Step, ...] | None:
    steps: list[Step] = []
    pos = 0
    while pos < len(rest):
        if rest.startswith("..", pos):
            return None
        m = _WILDCARD.match(rest, pos)
        if m:
            steps.append(Wildcard())
        elif m := _DOT_NAME.match(rest, pos):
            steps.append(Key(m.group(1)))
        elif m := _INDEX.match(rest, pos):
            steps.append(Index(int(m.group(1))))
        elif m := _QUOTED.match(rest, pos):
            raw = m.group(1) if m.group(1) is not None else m.group(2)
            quote = "'" if m.group(1) is not None else '"'
            steps.append(Key(raw.replace("\\" + quote, quote)))
        elif m := _SLICE.match(rest, pos):
            start, stop, step = (int(g) if g else None for g in m.groups())
            steps.append(Slice(start, stop, step))
        else:
            return None
        pos = m.end()
    return tuple(steps)


_ng_cache: dict[str, Any] = {}


def _parse_ng(rest: str) -> Any:
    """Parse with jsonpath-ng's extended grammar (filters, unions, deep scan); cached."""
    if rest not in _ng_cache:
        from jsonpath_ng.ext import filter as ng_filter
        from jsonpath_ng.ext import parse as ng_parse

        from replay.asl.regex_match import regex_search

        ng_filter.OPERATOR_MAP["=~"] = regex_search  # linear time, not re.search's backtracking
        try:
            _ng_cache[rest] = ng_parse("$" + rest)
        except Exception as exc:  # jsonpath-ng raises several unrelated types
            raise PathSyntaxError(f"invalid JSONPath '${rest}': {exc}") from None
    return _ng_cache[rest]


def parse_path(text: str) -> ParsedPath:
    root, variable, rest = split_root(text)
    steps = _parse_steps(rest)
    if steps is None:
        _parse_ng(rest)
    return ParsedPath(root, variable, steps, rest)


def check_path(text: str) -> None:
    """Raise PathSyntaxError when `text` is not a path Step Functions accepts."""
    parse_path(text)


def _step_all(values: list, step: Step) -> list:
    out: list = []
    for value in values:
        if isinstance(step, Key):
            if isinstance(value, dict) and step.name in value:
                out.append(value[step.name])
        elif isinstance(step, Index):
            if isinstance(value, list) and -len(value) <= step.index < len(value):
                out.append(value[step.index])
        elif isinstance(step, Wildcard):
            if isinstance(value, dict):
                out.extend(value.values())
            elif isinstance(value, list):
                out.extend(value)
        elif isinstance(value, list):
            out.extend(value[step.start : step.stop : step.step])
    return out


def _definite_getter(steps: tuple[Step, ...], text: str) -> Callable[[Any], Any]:
    def get(value: Any) -> Any:
        for step in steps:
            if isinstance(step, Key):
                if not isinstance(value, dict) or step.name not in value:
                    raise PathNotFound(text)
                value = value[step.name]
            else:
                if not isinstance(value, list) or not -len(value) <= step.index < len(value):
                    raise PathNotFound(text)
                value = value[step.index]
        return value

    return get


def _selector(parsed: ParsedPath, text: str) -> Callable[[Any], Any]:
    steps = parsed.steps
    if steps is not None and parsed.definite:
        return _definite_getter(steps, text)
    if steps is not None:

        def select(value: Any) -> list:
            values = [value]
            for step in steps:
                values = _step_all(values, step)
            return values

        return select
    expr = _parse_ng(parsed.rest)
    return lambda value: [match.value for match in expr.find(value)]


def compile_path(text: str) -> Getter:
    """Compile a path into `get(env)`; raises PathSyntaxError now, PathNotFound when used."""
    parsed = parse_path(text)
    select = _selector(parsed, text)
    if parsed.root == "input":
        if not parsed.rest:
            return lambda env: env.input
        return lambda env: select(env.input)
    if parsed.root == "context":
        return lambda env: select(env.context)
    name = parsed.variable

    def get_variable(env: Env) -> Any:
        if name not in env.variables:
            raise PathNotFound(text)
        return select(env.variables[name])

    return get_variable


Setter = Callable[[Any, Any], Any]


class ResultPathError(Exception):
    """ResultPath cannot be applied to this input (e.g. it walks into a non-object)."""


def compile_result_path(text: str) -> Setter:
    """Compile a ResultPath into `set(input, result) -> new document`.

    The input is never mutated: only the objects along the path are copied. Missing objects on
    the way are created, as AWS does.
    """
    parsed = parse_path(text)
    if parsed.root != "input" or not parsed.definite:
        raise PathSyntaxError(f"ResultPath must be a reference path on the input: {text!r}")
    steps = parsed.steps or ()
    if not steps:
        return lambda document, result: result

    def put(document: Any, depth: int, result: Any) -> Any:
        step = steps[depth]
        last = depth == len(steps) - 1
        if isinstance(step, Key):
            if document is None:
                document = {}
            if not isinstance(document, dict):
                raise ResultPathError(text)
            copy = dict(document)
            copy[step.name] = result if last else put(document.get(step.name), depth + 1, result)
            return copy
        if not isinstance(document, list) or not -len(document) <= step.index < len(document):
            raise ResultPathError(text)
        copy = list(document)
        copy[step.index] = result if last else put(document[step.index], depth + 1, result)
        return copy

    return lambda document, result: put(document, 0, result)


def path_text_for_error(text: str) -> str:
    """Jayway's bracketed form of a definite path, as AWS quotes it in some messages."""
    parsed = parse_path(text)
    parts = []
    for step in parsed.steps or ():
        if isinstance(step, Key):
            parts.append(f"['{step.name}']")
        else:
            parts.append(f"[{getattr(step, 'index', '*')}]")
    return "$" + "".join(parts)
