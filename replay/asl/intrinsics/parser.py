"""Tokenizer and recursive-descent parser for intrinsic function calls.

Grammar (whitespace allowed between tokens):
    call := 'States.' NAME '(' [arg (',' arg)*] ')'
    arg  := call | STRING | NUMBER | 'true' | 'false' | 'null' | PATH
A STRING is single-quoted; `\\'`, `\\{`, `\\}` and `\\\\` are its escapes. A PATH starts with `$`
and runs to the next top-level `,`, `)` or blank (brackets, quotes and filter parentheses inside
it are skipped over).
"""

from __future__ import annotations

import re

from replay.asl.intrinsics.nodes import Arg, Call, Literal, Path, String
from replay.asl.intrinsics.registry import SPECS, arity_text

_LOOKS = re.compile(r"States\.[A-Za-z0-9_]+\s*\(")
_NAME = re.compile(r"States\.([A-Za-z0-9_]*)")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEYWORDS = {"true": True, "false": False, "null": None}
_ESCAPABLE = "'{}\\"


class IntrinsicSyntaxError(ValueError):
    """An intrinsic function call that cannot be parsed; the message says what and where."""


def looks_like_intrinsic(text: str) -> bool:
    """True when `text` starts as an intrinsic call: `States.` + a name + `(`."""
    return isinstance(text, str) and _LOOKS.match(text) is not None


def parse_intrinsic(text: str) -> Call:
    """Parse a whole `States.X(...)` text into a Call; raise IntrinsicSyntaxError if malformed."""
    if not isinstance(text, str):
        raise IntrinsicSyntaxError(f"an intrinsic function call must be a string, not {text!r}")
    parser = _Parser(text)
    if not text.startswith("States."):
        parser.fail("expected an intrinsic function call starting with 'States.'", 0)
    call = parser.call()
    parser.skip_blanks()
    if parser.pos != len(text):
        parser.fail(f"unexpected {text[parser.pos :]!r} after the closing parenthesis", parser.pos)
    return call


class _Parser:
    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str, pos: int) -> None:
        raise IntrinsicSyntaxError(
            f"invalid intrinsic function call {self.text!r}: {message} (at offset {pos})"
        )

    def skip_blanks(self) -> None:
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos].isspace():
            pos += 1
        self.pos = pos

    def call(self) -> Call:
        start = self.pos
        m = _NAME.match(self.text, start)
        if m is None or not m.group(1):
            self.fail("expected a function name after 'States.'", start)
        name = "States." + m.group(1)
        if name not in SPECS:
            self.fail(f"unknown intrinsic function {name!r}", start)
        self.pos = m.end()
        self.skip_blanks()
        if not self.text.startswith("(", self.pos):
            self.fail(f"expected '(' after {name}", self.pos)
        self.pos += 1
        args = self.arguments(name)
        spec = SPECS[name]
        if not spec.min_args <= len(args) <= spec.max_args:
            self.fail(f"{name} takes {arity_text(spec)}, got {len(args)}", start)
        return Call(name, tuple(args), start)

    def arguments(self, name: str) -> list[Arg]:
        args: list[Arg] = []
        self.skip_blanks()
        if self.text.startswith(")", self.pos):
            self.pos += 1
            return args
        while True:
            self.skip_blanks()
            args.append(self.argument())
            self.skip_blanks()
            if self.pos >= len(self.text):
                self.fail(f"missing ')' to close {name}(", self.pos)
            char = self.text[self.pos]
            self.pos += 1
            if char == ")":
                return args
            if char != ",":
                self.fail(f"expected ',' or ')' but found {char!r}", self.pos - 1)

    def argument(self) -> Arg:
        text, pos = self.text, self.pos
        if pos >= len(text):
            self.fail("expected an argument but the text ended", pos)
        char = text[pos]
        if char == "'":
            return self.string()
        if char == "$":
            return self.path()
        if char == "-" or char.isdigit():
            return self.number()
        if text.startswith("States.", pos):
            return self.call()
        m = _WORD.match(text, pos)
        if m and m.group(0) in _KEYWORDS:
            self.pos = m.end()
            return Literal(_KEYWORDS[m.group(0)])
        word = m.group(0) if m else char
        self.fail(f"unexpected {word!r} where an argument was expected", pos)
        raise AssertionError  # unreachable

    def number(self) -> Literal:
        m = _NUMBER.match(self.text, self.pos)
        if m is None:
            self.fail("invalid number", self.pos)
        end = m.end()
        if end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "._"):
            self.fail(f"invalid number {self.text[self.pos : end + 1]!r}", self.pos)
        self.pos = end
        raw = m.group(0)
        return Literal(float(raw) if m.group(1) or m.group(2) else int(raw))

    def string(self) -> String:
        text, start = self.text, self.pos
        pos = start + 1
        parts: list[str] = []
        chunk: list[str] = []
        bad: str | None = None
        while True:
            if pos >= len(text):
                self.fail("unterminated string literal", start)
            char = text[pos]
            if char == "'":
                break
            if char == "\\":
                if pos + 1 >= len(text):
                    self.fail("unterminated string literal", start)
                nxt = text[pos + 1]
                if nxt not in _ESCAPABLE and bad is None:
                    bad = "\\" + nxt
                chunk.append(nxt)
                pos += 2
            elif text.startswith("{}", pos):
                parts.append("".join(chunk))
                chunk = []
                pos += 2
            else:
                chunk.append(char)
                pos += 1
        parts.append("".join(chunk))
        self.pos = pos + 1
        return String("{}".join(parts), tuple(parts), bad)

    def path(self) -> Path:
        text, start = self.text, self.pos
        pos, closers, quote = start, [], ""
        while pos < len(text):
            char = text[pos]
            if quote:
                if char == "\\":
                    pos += 1
                elif char == quote:
                    quote = ""
            elif closers and char in "'\"":
                quote = char
            elif char in "[(":
                closers.append("]" if char == "[" else ")")
            elif char in "])":
                if not closers and char == ")":
                    break
                if not closers or closers.pop() != char:
                    self.fail("unbalanced brackets in path", start)
            elif not closers and (char == "," or char.isspace()):
                break
            pos += 1
        if quote or closers:
            self.fail("unbalanced brackets or quotes in path", start)
        self.pos = pos
        return Path(text[start:pos])
