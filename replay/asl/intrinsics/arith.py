"""States.MathAdd, MathRandom and UUID.

A seeded States.MathRandom draws from its own generator, the linear congruential one of
`java.util.Random`, so one seed always gives one number; without a seed the execution's
seeded source (`env.rng`) is used. Nothing here touches global randomness.
"""

from __future__ import annotations

from typing import Any

from replay.asl.env import Env
from replay.asl.intrinsics.values import INT_MAX, INT_MIN, ArgumentError, integer

_MULTIPLIER = 0x5DEECE66D
_MASK48 = (1 << 48) - 1


def math_add(a: Any, b: Any) -> int:
    """States.MathAdd(a, b): integers (others rounded half up) in the Java int range."""
    if type(a) is int and type(b) is int and INT_MIN <= a <= INT_MAX and INT_MIN <= b <= INT_MAX:
        return a + b
    return integer("States.MathAdd", 1, a) + integer("States.MathAdd", 2, b)


def java_random_int(seed: int, bound: int) -> int:
    """`new java.util.Random(seed).nextInt(bound)`."""
    state = (seed ^ _MULTIPLIER) & _MASK48

    def next31() -> int:
        nonlocal state
        state = (state * _MULTIPLIER + 0xB) & _MASK48
        return state >> 17

    if bound & (bound - 1) == 0:
        return (bound * next31()) >> 31
    while True:
        bits = next31()
        value = bits % bound
        if bits - value + bound - 1 < 2**31:
            return value


def math_random(env: Env, start: Any, end: Any, seed: Any = None) -> int:
    """States.MathRandom(start, end[, seed]): an integer with start <= n < end."""
    name = "States.MathRandom"
    low = integer(name, 1, start)
    high = integer(name, 2, end)
    if high <= low:
        raise ArgumentError(
            f"Invalid arguments in {name}: the end ({high}) must be greater than the start ({low})"
        )
    if seed is not None:
        fixed = integer(name, 3, seed, -(2**63), 2**63 - 1)
        return low + java_random_int(fixed, high - low)
    if env.rng is None:
        raise ArgumentError(f"{name}: no random source is available")
    return env.rng.randint(low, high - 1)


def uuid(env: Env) -> str:
    """States.UUID(): a version 4 UUID from the execution's seeded source."""
    if env.rng is None:
        raise ArgumentError("States.UUID: no random source is available")
    return env.rng.uuid()
