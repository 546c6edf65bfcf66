"""JSONPath as Step Functions reads it (Jayway JsonPath's grammar), compiled once.

A path names its root by its prefix: `$$` the Context object, `$` (followed by `.`, `[` or
nothing) the state input, `$name` a variable. The rest follows Jayway's PathCompiler: `.name`,
`['name']`/`["name"]`, `['a','b']`, `[0]`, `[-1]`, `[0,2]`, `[1:]`, `[:2]`, `[-2:]`, `*`/`[*]`,
`..` (deep scan) and `[?(filter)]` (see `jsonpath_filter`); a dot before a bracket is allowed
(`$.[0]` is `$[0]`). A tail function (`.length()`) parses but, as on AWS, selects nothing.

A *definite* path in Jayway's sense (single names and indexes, or a last `['a','b']` that
merges into one object) selects one value and fails with `PathNotFound` when nothing is there;
an indefinite one (wildcards, slices, index lists, filters, deep scans) selects a list, empty
when nothing matches. Walking into a value of the wrong kind fails a definite path, and is
skipped in an indefinite one, as in Jayway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from replay.asl.env import Env
from replay.asl.errors import PathNotFound
from replay.asl.jsonpath_filter import UNDEFINED, FilterSyntaxError, Predicate, compile_filter

Getter = Callable[[Env], Any]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = " \t\r\n"


class PathSyntaxError(ValueError):
    """A path that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class Key:
    name: str


@dataclass(frozen=True, slots=True)
class Keys:
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Indexes:
    indexes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    stop: int | None


@dataclass(frozen=True, slots=True)
class Scan:
    pass


@dataclass(frozen=True, slots=True)
class Filter:
    text: str
    predicate: Predicate


@dataclass(frozen=True, slots=True)
class Function:
    name: str


Step = Key | Keys | Index | Indexes | Wildcard | Slice | Scan | Filter | Function


@dataclass(frozen=True, slots=True)
class ParsedPath:
    root: str  # "input", "context" or "variable"
    variable: str | None
    steps: tuple[Step, ...]
    rest: str  # the path text after the root

    @property
    def definite(self) -> bool:
        """A reference path: single names and indexes only (what ResultPath can write)."""
        return all(isinstance(s, (Key, Index)) for s in self.steps)


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
    return "variable", m.group(0), text[m.end() :]


class _Tokenizer:
    """Jayway's PathCompiler over the text after the root (`$`, `@`, `$$` or `$name`)."""

    def __init__(self, text: str, whole: str) -> None:
        self.text = text.rstrip(_SPACE)
        self.whole = whole
        self.pos = 0
        self.steps: list[Step] = []

    def fail(self, message: str) -> PathSyntaxError:
        return PathSyntaxError(f"invalid JSONPath '{self.whole}': {message}")

    def significant(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _SPACE:
            pos += 1
        return pos

    def char_at(self, pos: int) -> str:
        """The character at `pos`, NUL past the end (never matches a token's character)."""
        return self.text[pos] if pos < len(self.text) else "\0"

    def run(self) -> tuple[Step, ...]:
        if self.text and self.text[0] not in ".[":
            raise self.fail("expected '.' or '[' after the root")
        if self.text.endswith("."):
            raise self.fail("a path must not end with '.' or '..'")
        while self.pos < len(self.text):
            self.read_token()
        return tuple(self.steps)

    def read_token(self) -> None:
        char = self.text[self.pos]
        if char == "[":
            self.read_bracket()
        elif char == ".":
            if self.char_at(self.pos + 1) == ".":
                self.steps.append(Scan())
                self.pos += 2
            else:
                self.pos += 1
            if self.char_at(self.pos) == ".":
                raise self.fail(f"character '.' at position {self.pos} is not valid")
            if self.pos >= len(self.text):
                raise self.fail("a path must not end with '.'")
            if self.text[self.pos] not in "[":
                self.read_name()
        else:
            raise self.fail(f"could not parse the token at position {self.pos}")

    def read_name(self) -> None:
        if self.text[self.pos] == "*":
            self.steps.append(Wildcard())
            self.pos += 1
            return
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ".[(":
            if self.text[self.pos] in _SPACE:
                raise self.fail("use bracket notation ['my prop'] for a name with blanks")
            self.pos += 1
        name = self.text[start : self.pos]
        if self.char_at(self.pos) == "(":
            if not self.text.endswith(")"):
                raise self.fail(f"function '{name}' is not closed properly")
            self.steps.append(Function(name))
            self.pos = len(self.text)
            return
        self.steps.append(Key(name))

    def read_bracket(self) -> None:
        first = self.significant(self.pos + 1)
        char = self.char_at(first)
        if char in "'\"":
            self.read_quoted(first, char)
        elif char.isdigit() or char in "-:":
            self.read_indexes()
        elif char == "*":
            close = self.significant(first + 1)
            if self.char_at(close) != "]":
                raise self.fail(f"expected wildcard token to end with ']' at {first + 1}")
            self.steps.append(Wildcard())
            self.pos = close + 1
        elif char == "?":
            self.read_filter(first)
        else:
            raise self.fail(
                f"could not parse the token at position {self.pos}: expected ?, ', 0-9, *"
            )

    def read_quoted(self, pos: int, quote: str) -> None:
        names: list[str] = []
        while True:
            start, pos, escaped = pos + 1, pos + 1, False
            while pos < len(self.text) and (escaped or self.text[pos] != quote):
                escaped = not escaped and self.text[pos] == "\\"
                pos += 1
            if pos >= len(self.text):
                raise self.fail(f"property has not been closed - missing closing {quote}")
            names.append(_unescape(self.text[start:pos], quote))
            pos = self.significant(pos + 1)
            if self.char_at(pos) == "]":
                break
            if self.char_at(pos) != ",":
                raise self.fail(
                    f"property must be separated by comma or terminated by ']' at index {pos}"
                )
            pos = self.significant(pos + 1)
            if self.char_at(pos) != quote:
                raise self.fail(f"found empty property at index {pos}")
        self.steps.append(Key(names[0]) if len(names) == 1 else Keys(tuple(names)))
        self.pos = pos + 1

    def read_indexes(self) -> None:
        close = self.text.find("]", self.pos)
        if close < 0:
            raise self.fail("missing ']'")
        body = self.text[self.pos + 1 : close].strip(_SPACE)
        if any(not (c.isdigit() or c in ",-: ") for c in body):
            raise self.fail(f"could not parse the array token [{body}]")
        try:
            self.steps.append(_slice(body) if ":" in body else _indexes(body))
        except ValueError:
            raise self.fail(f"could not parse the array token [{body}]") from None
        self.pos = close + 1

    def read_filter(self, question: int) -> None:
        open_paren = self.significant(question + 1)
        if self.char_at(open_paren) != "(":
            raise self.fail("filter placeholders [?] are not supported; use [?(...)]")
        close = _closing_paren(self.text, open_paren)
        end = self.significant(close + 1) if close >= 0 else -1
        if close < 0 or self.char_at(end) != "]":
            raise self.fail("a filter must be written [?(<expression>)]")
        body = self.text[open_paren + 1 : close]
        try:
            predicate = compile_filter(body, _compile_relative)
        except (FilterSyntaxError, PathSyntaxError) as exc:
            raise self.fail(str(exc)) from None
        self.steps.append(Filter(body, predicate))
        self.pos = end + 1


def _closing_paren(text: str, open_paren: int) -> int:
    depth, quote, pos = 0, None, open_paren
    while pos < len(text):
        char = text[pos]
        if quote:
            if char == "\\":
                pos += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return pos
        pos += 1
    return -1


def _unescape(text: str, quote: str) -> str:
    """A quoted name keeps its backslashes except before its own quote: AWS reads
    `$['a\\"b']` as the key `a\\"b` (recorded: ESCAPE_SEQUENCES_JSONPATH)."""
    return text.replace("\\" + quote, quote)


def _indexes(body: str) -> Index | Indexes:
    values = tuple(int(part.strip(_SPACE)) for part in body.split(","))
    return Index(values[0]) if len(values) == 1 else Indexes(values)


def _slice(body: str) -> Slice:
    """Jayway's ArraySliceOperation: `from:`, `:to` or `from:to` (a third part is ignored)."""
    if " " in body:
        raise ValueError(body)
    parts = body.split(":")
    start = int(parts[0]) if parts[0] else None
    stop = int(parts[1]) if len(parts) > 1 and parts[1] else None
    if start is None and stop is None:
        raise ValueError(body)
    return Slice(start, stop)


def _tokenize(rest: str, whole: str) -> tuple[Step, ...]:
    return _Tokenizer(rest, whole).run()


@lru_cache(maxsize=4096)
def parse_path(text: str) -> ParsedPath:
    """The tokens of a path (cached: validation and compilation both parse each path, and
    definitions repeat paths; a ParsedPath is immutable)."""
    root, variable, rest = split_root(text)
    return ParsedPath(root, variable, _tokenize(rest, text), rest)


def check_path(text: str) -> None:
    """Raise PathSyntaxError when `text` is not a path Step Functions accepts."""
    parse_path(text)


def _token_definite(step: Step, leaf: bool) -> bool:
    if isinstance(step, (Key, Index, Function)):
        return True
    return isinstance(step, Keys) and leaf


def _is_definite(steps: tuple[Step, ...]) -> bool:
    return all(_token_definite(s, i == len(steps) - 1) for i, s in enumerate(steps))


class _Walk:
    """Jayway's evaluation of a token list on a document, results in document order. A value
    of the wrong kind on the way fails a definite path (PathNotFound) and is skipped in an
    indefinite one (as AWS does: `$.items[1:]` on `{}` is `[]`)."""

    __slots__ = ("definite", "results", "root", "steps", "text")

    def __init__(self, steps: tuple[Step, ...], root: Any, text: str, definite: bool) -> None:
        self.steps = steps
        self.root = root
        self.results: list = []
        self.text = text
        self.definite = definite

    def missing(self) -> None:
        if self.definite:
            raise PathNotFound(self.text)

    def next(self, i: int, value: Any) -> None:
        if i + 1 == len(self.steps):
            self.results.append(value)
        else:
            self.eval(i + 1, value)

    def eval(self, i: int, model: Any) -> None:
        step = self.steps[i]
        if isinstance(step, Key):
            self.key(i, step.name, model)
        elif isinstance(step, Keys):
            self.keys(i, step.names, model)
        elif isinstance(step, (Index, Indexes, Slice)):
            if not isinstance(model, list):
                return self.missing()
            for index in _positions(step, len(model)):
                self.next(i, model[index])
        elif isinstance(step, Wildcard):
            children = (
                model.values()
                if isinstance(model, dict)
                else (model if isinstance(model, list) else ())
            )
            for child in children:
                self.next(i, child)
        elif isinstance(step, Filter):
            self.filter(i, step.predicate, model)
        elif isinstance(step, Scan):
            self.scan(i + 1, model)
        # Function: AWS does not evaluate path functions; they select nothing.

    def key(self, i: int, name: str, model: Any) -> None:
        if not isinstance(model, dict):
            return self.missing()
        if name in model:
            self.next(i, model[name])
        elif i + 1 < len(self.steps):  # a missing last name just selects nothing
            if self.definite:
                raise _missing_property(self.steps, i, self.text)
            self.missing()

    def keys(self, i: int, names: tuple, model: Any) -> None:
        if not isinstance(model, dict):
            return self.missing()
        if i + 1 == len(self.steps):  # the last token: merged into one object
            self.results.append({n: model[n] for n in names if n in model})
            return
        for name in names:
            if name in model:
                self.next(i, model[name])

    def filter(self, i: int, predicate: Predicate, model: Any) -> None:
        if isinstance(model, dict):
            if predicate(model, self.root):
                self.next(i, model)
        elif isinstance(model, list):
            for item in model:
                if predicate(item, self.root):
                    self.next(i, item)
        else:
            self.missing()

    def scan(self, target: int, model: Any) -> None:
        """Jayway's ScanPathToken.walk: test each node, then descend into its children."""
        if not isinstance(model, (dict, list)):
            return
        step = self.steps[target]
        leaf = target + 1 == len(self.steps)
        if _scan_matches(step, model, self.root, leaf):
            if isinstance(model, list) and not leaf:
                for child in model:  # Jayway applies the token after the target to each item
                    self.eval(target + 1, child)
            else:
                self.eval(target, model)
        for child in model.values() if isinstance(model, dict) else model:
            self.scan(target, child)


def _scan_matches(step: Step, model: Any, root: Any, leaf: bool) -> bool:
    """Which nodes a deep scan hands to its target (Jayway's scan predicates)."""
    if isinstance(step, Key):
        return isinstance(model, dict) and step.name in model
    if isinstance(step, Keys):  # merged (last): all names needed; iterated: any object
        return isinstance(model, dict) and (not leaf or all(n in model for n in step.names))
    if isinstance(step, (Index, Indexes, Slice)):
        return isinstance(model, list)
    if isinstance(step, Wildcard):
        return True
    if isinstance(step, Filter):
        return step.predicate(model, root)
    return False


def _positions(step: Index | Indexes | Slice, length: int) -> list[int]:
    """Jayway's index and slice arithmetic; indexes outside the array are skipped."""
    if isinstance(step, Index):
        wanted: tuple[int, ...] | range = (step.index,)
    elif isinstance(step, Indexes):
        wanted = step.indexes
    elif step.stop is None:  # [from:]
        start = step.start + length if step.start < 0 else step.start
        wanted = range(max(0, start), length)
    elif step.start is None:  # [:to]
        stop = step.stop + length if step.stop < 0 else step.stop
        wanted = range(min(length, stop))
    else:  # [from:to], negative bounds are not adjusted (Jayway's sliceBetween)
        wanted = range(step.start, min(length, step.stop))
    out = []
    for index in wanted:
        effective = index + length if index < 0 else index
        if 0 <= effective < length:
            out.append(effective)
    return out


def _reference_getter(steps: tuple[Step, ...], text: str) -> Callable[[Any, Any], Any]:
    """The common case (names and indexes only), walked by hand."""
    plan = tuple((s.name, True) if isinstance(s, Key) else (s.index, False) for s in steps)

    def get(value: Any, root: Any) -> Any:
        for i, (key, is_name) in enumerate(plan):
            if is_name:
                if isinstance(value, dict) and key not in value and i + 1 < len(plan):
                    raise _missing_property(steps, i, text)
                if not isinstance(value, dict) or key not in value:
                    raise PathNotFound(text)
            elif not isinstance(value, list) or not -len(value) <= key < len(value):
                raise PathNotFound(text)
            value = value[key]
        return value

    return get


def _selector(steps: tuple[Step, ...], text: str) -> Callable[[Any, Any], Any]:
    """`select(value, root)`: the value of a definite path, the list of an indefinite one."""
    if not steps:
        return lambda value, root: value
    if all(isinstance(s, (Key, Index)) for s in steps):
        return _reference_getter(steps, text)
    definite = _is_definite(steps)

    def select(value: Any, root: Any) -> Any:
        walk = _Walk(steps, root, text, definite)
        walk.eval(0, value)
        if not definite:
            return walk.results
        if not walk.results:
            raise PathNotFound(text)
        return walk.results[0]

    return select


def _compile_relative(text: str) -> Callable[[Any, Any], Any]:
    """A path inside a filter: `@...` on the current item, `$...` on the document.
    A definite one that selects nothing is UNDEFINED."""
    if not text or text[0] not in "@$" or text.startswith("$$"):
        raise PathSyntaxError(f"invalid path in filter: {text!r}")
    steps = _tokenize(text[1:], text)
    select = _selector(steps, text)
    on_root = text[0] == "$"

    def get(item: Any, root: Any) -> Any:
        try:
            return select(root if on_root else item, root)
        except PathNotFound:
            return UNDEFINED

    return get


def compile_path(text: str) -> Getter:
    """Compile a path into `get(env)`; raises PathSyntaxError now, PathNotFound when used."""
    parsed = parse_path(text)
    select = _selector(parsed.steps, text)
    if parsed.root == "input":
        if not parsed.rest:
            return lambda env: env.input
        return lambda env: select(env.input, env.input)
    if parsed.root == "context":
        return lambda env: select(env.context, env.context)
    name = parsed.variable

    def get_variable(env: Env) -> Any:
        if name not in env.variables:
            raise PathNotFound(text)
        value = env.variables[name]
        return select(value, value)

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


def _fragment(step: Step) -> str:
    """Jayway's text for one token (PathToken.getPathFragment)."""
    if isinstance(step, Key):
        return f"['{step.name}']"
    if isinstance(step, Keys):
        return "[" + ",".join(f"'{n}'" for n in step.names) + "]"
    if isinstance(step, Index):
        return f"[{step.index}]"
    if isinstance(step, Indexes):
        return "[" + ",".join(map(str, step.indexes)) + "]"
    if isinstance(step, Slice):
        start = "" if step.start is None else step.start
        stop = "" if step.stop is None else step.stop
        return f"[{start}:{stop}]"
    if isinstance(step, Wildcard):
        return "[*]"
    if isinstance(step, Scan):
        return ".."
    if isinstance(step, Filter):
        return "[?]"
    return f".{step.name}()"


def path_text_for_error(text: str) -> str:
    """Jayway's bracketed form of a path, as AWS quotes it in some messages."""
    return "$" + "".join(_fragment(step) for step in parse_path(text).steps)


def _missing_property(steps: tuple[Step, ...], i: int, text: str) -> PathNotFound:
    """Jayway's message when a name is missing before the last step of a definite path: the
    path up to that name (a missing last name is "No results for path" instead)."""
    where = "$" + "".join(_fragment(step) for step in steps[: i + 1])
    return PathNotFound(text, f"Missing property in path {where}")


def not_found_text(path_text: str, missing: PathNotFound) -> str:
    """Jayway's PathNotFoundException message, as AWS quotes it after "Invalid path '...' : "."""
    return missing.detail or f"No results for path: {path_text_for_error(path_text)}"
