"""The functions Step Functions adds to JSONata, deterministic stand-ins for the built-ins
that would read the clock or a global random generator, and the jsonatapy program that runs
an expression with them (`build_program`, `thread_programs`).

AWS adds `$partition`, `$range`, `$hash`, `$random([seed])`, `$uuid()` and `$parse`. Everything
random comes from the execution's seeded generator (`env.rng`); `$random(seed)` is a pure
function of the seed (java.util.Random's first `nextDouble()`, which is what AWS returns).
`$now()` and `$millis()` read the execution's virtual time: `$states.context.State.EnteredTime`,
else `$states.context.Execution.StartTime`, else the epoch. `$eval` is not available in Step
Functions, so calling it fails like calling any non-function.

Each function here takes the `Env` first, then the JSONata arguments as jsonatapy hands them over
(lists, dicts, int/float, str, bool, None; a function argument arrives as None). A bad argument
raises `FunctionError` with the text that follows "threw an error during evaluation. ".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import threading
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from replay.asl.env import Env

# No sequence (a range `[a..b]`, a mapping, `$append`...) grows past a million items: 1e7,
# jsonata-js's bound on `[a..b]`, takes a gigabyte, and no payload (256 KiB) could hold it.
MAX_SEQUENCE_ITEMS = 1_000_000
MAX_RANGE_ITEMS = MAX_SEQUENCE_ITEMS
# `$pad`, `$join` and `$replace` refuse to build a longer string (a payload holds 256 KiB):
# one call must not take gigabytes, which no evaluation timeout can stop.
MAX_STRING_CHARS = 16 * 1024 * 1024

HASH_ALGORITHMS: dict[str, str] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}

_JAVA_MULTIPLIER, _JAVA_ADDEND, _JAVA_MASK = 0x5DEECE66D, 0xB, (1 << 48) - 1


class FunctionError(Exception):
    """A Step Functions JSONata function refused its arguments (message is AWS-style text)."""


def _signature_error(index: int, name: str) -> FunctionError:
    return FunctionError(
        f'T0410: Argument {index} of function "{name}" does not match function signature'
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integer(value: Any, index: int, name: str) -> int:
    if not _is_number(value) or not math.isfinite(value) or value != int(value):
        raise _signature_error(index, name)
    return int(value)


def partition(env: Env, array: Any = None, size: Any = None) -> list:
    """`$partition(array, size)`: consecutive chunks of `size` items (the last may be shorter)."""
    if array is None:
        raise _signature_error(1, "partition")
    items = array if isinstance(array, list) else [array]
    chunk = _integer(size, 2, "partition")
    if chunk <= 0:
        raise FunctionError(
            f'The chunk size argument of function "partition" must be a positive integer: {chunk}'
        )
    return [items[start : start + chunk] for start in range(0, len(items), chunk)]


def range_values(env: Env, start: Any = None, end: Any = None, step: Any = None) -> list:
    """The items of `$range(start, end, step)`, `end` included when a step lands on it.

    The JSONata side wraps the list in `$map` so that it behaves as a sequence, as it does on
    AWS: one item comes out as that item, none as nothing.
    """
    for index, value in enumerate((start, end, step), 1):
        if not _is_number(value) or not math.isfinite(value):
            raise _signature_error(index, "range")
    if step == 0:
        raise FunctionError('The step argument of function "range" must not be zero')
    count = math.floor((end - start) / step) + 1
    if count <= 0:
        return []
    if count > MAX_RANGE_ITEMS:
        raise FunctionError(
            'D2014: The size of the sequence allocated by the function "range" must not '
            f"exceed {MAX_RANGE_ITEMS:.0e}".replace("e+0", "e")
        )
    return [start + index * step for index in range(count)]


def hash_hex(env: Env, value: Any = None, algorithm: Any = None) -> str:
    """`$hash(value, algorithm)`: the hex digest of the UTF-8 string `value`."""
    if not isinstance(value, str):
        raise _signature_error(1, "hash")
    if not isinstance(algorithm, str):
        raise _signature_error(2, "hash")
    name = HASH_ALGORITHMS.get(algorithm)
    if name is None:
        supported = ", ".join(HASH_ALGORITHMS)
        raise FunctionError(
            f"The hash algorithm '{algorithm}' is not supported; supported: {supported}"
        )
    return hashlib.new(name, value.encode("utf-8")).hexdigest()


def java_random_double(seed: int) -> float:
    """The first `nextDouble()` of `new java.util.Random(seed)`."""
    state = (seed ^ _JAVA_MULTIPLIER) & _JAVA_MASK

    def next_bits(bits: int) -> int:
        nonlocal state
        state = (state * _JAVA_MULTIPLIER + _JAVA_ADDEND) & _JAVA_MASK
        return state >> (48 - bits)

    high = next_bits(26)
    return ((high << 27) + next_bits(27)) * (1.0 / (1 << 53))


def random_value(env: Env, *args: Any) -> float:
    """`$random()` from the execution's generator; `$random(seed)` fixed for a given seed."""
    if len(args) > 1:
        raise _signature_error(2, "random")
    if args and args[0] is not None:
        return java_random_double(_integer(args[0], 1, "random"))
    return _rng(env, "random").random()


def uuid_value(env: Env, *args: Any) -> str:
    """`$uuid()`: a v4 UUID from the execution's generator."""
    if args:
        raise _signature_error(1, "uuid")
    return _rng(env, "uuid").uuid()


def _refuse_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _json_integer(text: str) -> int | float:
    value = int(text)
    return value if -(2**63) <= value < 2**63 else float(value)  # JSON numbers are doubles


def parse_json(env: Env, text: Any = None) -> Any:
    """`$parse(jsonString)`: the JSON value the string holds."""
    if not isinstance(text, str):
        raise _signature_error(1, "parse")
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_json_integer)
    except RecursionError:
        raise FunctionError(
            f'Unable to parse JSON string "{text[:200]}": nested too deeply'
        ) from None
    except ValueError as exc:
        raise FunctionError(f'Unable to parse JSON string "{text}": {exc}') from None
    return value


def shuffle(env: Env, array: Any = None) -> Any:
    """`$shuffle(array)` with the execution's generator (Fisher-Yates)."""
    if array is None:
        return None
    items = list(array) if isinstance(array, list) else [array]
    rng = _rng(env, "shuffle")
    for index in range(len(items) - 1, 0, -1):
        other = rng.randint(0, index)
        items[index], items[other] = items[other], items[index]
    return items


def no_eval(env: Env, *args: Any) -> Any:
    """`$eval` is not part of Step Functions' JSONata."""
    raise FunctionError("T1006: Attempted to invoke a non-function")


def virtual_millis(env: Env, *args: Any) -> int:
    """`$millis()`: the execution's virtual time in epoch milliseconds."""
    if args:
        raise _signature_error(1, "millis")
    context = env.context if isinstance(env.context, dict) else {}
    for section, key in (("State", "EnteredTime"), ("Execution", "StartTime")):
        part = context.get(section)
        stamp = part.get(key) if isinstance(part, dict) else None
        if isinstance(stamp, str):
            try:
                moment = datetime.fromisoformat(stamp)
            except ValueError:
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return round(moment.timestamp() * 1000)
    return 0


def _fits(name: str, size: float) -> bool:
    if size > MAX_STRING_CHARS:
        raise FunctionError(
            f'The result of function "{name}" would be longer than {MAX_STRING_CHARS} '
            "characters, the bound on a string built in an expression"
        )
    return True


def pad_fits(env: Env, width: Any = None) -> bool:
    """Whether `$pad(s, width)` stays within MAX_STRING_CHARS (else FunctionError)."""
    return _fits("pad", abs(width)) if _is_number(width) else True


def join_fits(env: Env, items: Any = None, separator: Any = None) -> bool:
    """Whether `$join(items, separator)` stays within MAX_STRING_CHARS (else FunctionError)."""
    if not isinstance(items, list):
        return True
    texts = [item for item in items if isinstance(item, str)]
    gaps = len(separator) * max(0, len(items) - 1) if isinstance(separator, str) else 0
    return _fits("join", sum(map(len, texts)) + gaps)


def replace_fits(
    env: Env, text: Any = None, pattern: Any = None, replacement: Any = None, limit: Any = None
) -> bool:
    """Whether `$replace(text, pattern, replacement[, limit])` stays within MAX_STRING_CHARS:
    a string pattern is counted, a regex (None here) may match at every position."""
    if not isinstance(text, str) or not isinstance(replacement, str):
        return True  # a replacement function's results are bounded where they are built
    if isinstance(pattern, str) and pattern:
        count, growth = text.count(pattern), len(replacement) - len(pattern)
    else:
        count, growth = len(text) + 1, len(replacement)
    if _is_number(limit) and limit >= 0:
        count = min(count, limit)
    return _fits("replace", len(text) + count * max(0, growth))


def split_fits(env: Env, text: Any = None, separator: Any = None, limit: Any = None) -> bool:
    """Whether `$split(text, separator[, limit])` gives at most MAX_SEQUENCE_ITEMS pieces: a
    string separator is counted, an empty one or a regex (None here) may cut everywhere."""
    if not isinstance(text, str):
        return True
    if isinstance(separator, str) and separator:
        pieces = text.count(separator) + 1
    else:
        pieces = len(text) + 1
    if _is_number(limit) and limit >= 0:
        pieces = min(pieces, limit)
    if pieces > MAX_SEQUENCE_ITEMS:
        raise FunctionError(
            f'The result of function "split" would have more than {MAX_SEQUENCE_ITEMS} items, '
            "the bound on a sequence"
        )
    return True


def _rng(env: Env, name: str) -> Any:
    if env.rng is None:
        raise RuntimeError(f"${name}() needs the execution's seeded generator (Env.rng is None)")
    return env.rng


HostFunction = Callable[..., Any]

# JSONata name -> implementation, for names bound as host functions.
HOST_FUNCTIONS: dict[str, HostFunction] = {
    "partition": partition,
    "hash": hash_hex,
    "random": random_value,
    "uuid": uuid_value,
    "parse": parse_json,
    "shuffle": shuffle,
    "eval": no_eval,
    "millis": virtual_millis,
}

# Names defined in JSONata itself, in front of the expression, with the host functions they
# use. `$range` goes through `$map` for sequence semantics; `$now` formats the virtual time
# with the built-in `$fromMillis` (same picture and timezone arguments as `$now`).
PRELUDES: dict[str, tuple[str, dict[str, HostFunction]]] = {
    "range": (
        (
            "$range := function($start, $end, $step)"
            "{ $map($__sfn_range($start, $end, $step), function($v){ $v }) }"
        ),
        {"__sfn_range": range_values},
    ),
    "now": (
        "$now := function($picture, $zone){ $fromMillis($__sfn_millis(), $picture, $zone) }",
        {"__sfn_millis": virtual_millis},
    ),
    # The string builders, guarded: the built-in runs only when its result fits.
    "pad": (
        (
            "$__sfn_pad := $pad; $pad := function($s, $w, $c)<s-ns?:s>"
            "{ $__sfn_pad_fits($w) ? $__sfn_pad($s, $w, $c) }"
        ),
        {"__sfn_pad_fits": pad_fits},
    ),
    "join": (
        (
            "$__sfn_join := $join; $join := function($a, $sep)<a<s>s?:s>"
            "{ $__sfn_join_fits($a, $sep) ? $__sfn_join($a, $sep) }"
        ),
        {"__sfn_join_fits": join_fits},
    ),
    "split": (
        (
            "$__sfn_split := $split; $split := function($s, $sep, $n)<s-(sf)n?:a<s>>"
            "{ $__sfn_split_fits($s, $sep, $n) ? $__sfn_split($s, $sep, $n) }"
        ),
        {"__sfn_split_fits": split_fits},
    ),
    "replace": (
        (
            "$__sfn_replace := $replace; $replace := function($s, $p, $r, $n)<s-(sf)(sf)n?:s>"
            "{ $__sfn_replace_fits($s, $p, $r, $n) ? $__sfn_replace($s, $p, $r, $n) }"
        ),
        {"__sfn_replace_fits": replace_fits},
    ),
}


# -- programs ----------------------------------------------------------------------------------

EVALUATION_TIMEOUT_MS = 10_000  # a runaway expression fails instead of hanging the run
# What a program returns for an undefined result and for a function.
UNDEFINED, FUNCTION = "\0sfn:undefined", "\0sfn:function"


class Call:
    """What the host functions of one evaluation share with the evaluator (through CALL)."""

    __slots__ = ("env", "error")

    def __init__(self, env: Env) -> None:
        self.env = env
        self.error: BaseException | None = None


CALL: ContextVar[Call] = ContextVar("jsonata_call")


def _host(function: HostFunction) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        state = CALL.get()
        try:
            return function(state.env, *args)
        except BaseException as exc:
            state.error = exc
            raise

    return call


def build_program(
    expression: str, names: frozenset[str], shadowed: frozenset[str] = frozenset()
) -> tuple[Any, bool]:
    """Compile `expression` inside a block that defines the prelude functions it names (but
    not those `shadowed` by workflow variables, which win as they do over host functions) and
    turns an undefined or function result into UNDEFINED / FUNCTION (jsonatapy returns None
    for undefined, null and functions alike); bind the host functions it names. Returns the
    program and whether it calls host functions (then CALL must hold the Env)."""
    hosts = {name: HOST_FUNCTIONS[name] for name in names & HOST_FUNCTIONS.keys()}
    preludes = []
    for name in sorted((names - shadowed) & PRELUDES.keys()):
        source, helpers = PRELUDES[name]
        preludes.append(source + ";\n")
        hosts.update(helpers)
    source = (
        "(\n" + "".join(preludes) + "$__sfn_v := (\n" + expression + "\n);\n"
        "$exists($__sfn_v) ? ($type($__sfn_v) = 'function' ? '\\u0000sfn:function' : $__sfn_v)"
        " : '\\u0000sfn:undefined'\n)"
    )
    import jsonatapy  # a native library: loaded by the first JSONata expression, not before

    program = jsonatapy.compile(
        source, timeout=EVALUATION_TIMEOUT_MS, max_sequence_length=MAX_SEQUENCE_ITEMS
    )
    for name, function in hosts.items():
        try:
            program.register(name, _host(function))
        except ValueError:  # a JSONata built-in of that name: replace it deliberately
            program.register_override(name, _host(function))
    return program, bool(hosts)


# jsonatapy's programs are bound to the thread that compiled them (used elsewhere they panic,
# dropped elsewhere they leak), so each thread keeps its own, keyed by a serial number, and
# drops those of garbage-collected expressions (`retire(serial)`) on its next call.
_TLS = threading.local()
SERIALS = itertools.count()
_RETIRED: list[int] = []
retire = _RETIRED.append


class ThreadPrograms(dict):
    """serial -> program; ("shadowed", serial) -> {shadowed names -> program}."""

    seen = 0


def thread_programs() -> ThreadPrograms:
    """This thread's programs by serial."""
    try:
        programs = _TLS.programs
    except AttributeError:
        programs = _TLS.programs = ThreadPrograms()
    if programs.seen != len(_RETIRED):
        end = len(_RETIRED)
        for serial in _RETIRED[programs.seen : end]:
            programs.pop(serial, None)
            programs.pop(("shadowed", serial), None)
        programs.seen = end
    return programs
