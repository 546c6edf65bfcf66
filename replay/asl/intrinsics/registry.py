"""Every intrinsic function: its arity and its implementation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from replay.asl.intrinsics import arith, arrays, encoding, strings

MANY = 1 << 30


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    min_args: int
    max_args: int
    impl: Callable[..., Any]
    needs_env: bool = False  # impl(env, *values) instead of impl(*values)


def _spec(name: str, low: int, high: int, impl: Callable[..., Any], env: bool = False) -> Spec:
    return Spec("States." + name, low, high, impl, env)


SPECS: dict[str, Spec] = {
    spec.name: spec
    for spec in (
        _spec("Format", 1, MANY, strings.format_text),
        _spec("StringToJson", 1, 1, strings.string_to_json),
        _spec("JsonToString", 1, 1, strings.json_to_string),
        _spec("JsonMerge", 3, 3, strings.json_merge),
        _spec("StringSplit", 2, 2, strings.string_split),
        _spec("Array", 0, MANY, arrays.array_of),
        _spec("ArrayPartition", 2, 2, arrays.array_partition),
        _spec("ArrayContains", 2, 2, arrays.array_contains),
        _spec("ArrayRange", 3, 3, arrays.array_range),
        _spec("ArrayGetItem", 2, 2, arrays.array_get_item),
        _spec("ArrayLength", 1, 1, arrays.array_length),
        _spec("ArrayUnique", 1, 1, arrays.array_unique),
        _spec("Base64Encode", 1, 1, encoding.base64_encode),
        _spec("Base64Decode", 1, 1, encoding.base64_decode),
        _spec("Hash", 2, 2, encoding.hash_of),
        _spec("MathRandom", 2, 3, arith.math_random, env=True),
        _spec("MathAdd", 2, 2, arith.math_add),
        _spec("UUID", 0, 0, arith.uuid, env=True),
    )
}


def arity_text(spec: Spec) -> str:
    """`exactly 2 arguments`, `2 or 3 arguments`, `at least 1 argument`..."""

    def plural(n: int) -> str:
        return f"{n} argument" + ("" if n == 1 else "s")

    if spec.min_args == spec.max_args:
        return "no arguments" if spec.min_args == 0 else f"exactly {plural(spec.min_args)}"
    if spec.max_args == MANY:
        return f"at least {plural(spec.min_args)}"
    return f"{spec.min_args} or {plural(spec.max_args)}"
