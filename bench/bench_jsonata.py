"""Compile and evaluate times of one small JSONata expression, medians of many calls.

Compares the two Python JSONata engines on `$states.input.i + 1` with `$states` bound, then
the project's layer (`replay.asl.jsonata`, on jsonatapy), which adds the undefined/function
checks, the Step Functions functions and the binding of variables. jsonata-python is only
measured when it happens to be installed; it is not a dependency.

    python bench/bench_jsonata.py [--calls 20000] [--sizes]

`--sizes` adds evaluate times for growing inputs: jsonatapy converts the bound values on every
call, jsonata-python reads the Python objects in place.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jsonatapy

from replay.asl.env import Env
from replay.asl.jsonata import compile_jsonata

EXPRESSION = "$states.input.i + 1"
CONTEXT = {
    "Execution": {
        "Id": "arn:aws:states:us-east-1:111111111111:execution:sm:run",
        "Input": {},
        "Name": "run",
        "StartTime": "2024-01-01T00:00:00.000Z",
        "RedriveCount": 0,
    },
    "StateMachine": {"Id": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "Name": "sm"},
    "State": {"Name": "S", "EnteredTime": "2024-01-01T00:00:00.000Z"},
}


def median_us(calls: int, fn: Callable[..., Any], *args: Any) -> float:
    """Median wall time of `fn(*args)` in microseconds."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def engines() -> dict[str, tuple[Callable[[str], Any], Callable[[Any, dict], Any]]]:
    """name -> (compile(text), evaluate(compiled, bindings))."""
    found = {"jsonatapy": (jsonatapy.compile, lambda c, b: c.evaluate(None, b))}
    try:
        import jsonata  # type: ignore[import-not-found]
    except ImportError:
        return found
    found["jsonata-python"] = (jsonata.Jsonata, lambda c, b: c.evaluate(None, b))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--sizes", action="store_true")
    a = parser.parse_args()
    data = {"i": 1}
    bindings = {"states": {"input": data, "context": CONTEXT}}
    print(f"expression: {EXPRESSION}   (median of {a.calls} calls)")
    print(f"{'engine':<34}{'compile us':>12}{'evaluate us':>13}")
    for name, (compile_, evaluate) in engines().items():
        compiled = compile_(EXPRESSION)
        assert evaluate(compiled, bindings) == 2
        print(
            f"{name:<34}{median_us(a.calls, compile_, EXPRESSION):>12.1f}"
            f"{median_us(a.calls, evaluate, compiled, bindings):>13.1f}"
        )
    text = "{% " + EXPRESSION + " %}"
    env = Env(data, CONTEXT, {"unused": [1, 2, 3]})
    expr = compile_jsonata(text, "Output")
    assert expr(env) == 2
    print(
        f"{'replay.asl.jsonata (jsonatapy)':<34}"
        f"{median_us(a.calls, compile_jsonata, text, 'Output'):>12.1f}"
        f"{median_us(a.calls, expr, env):>13.1f}"
    )
    if a.sizes:
        sizes(a.calls // 20 or 1)


def sizes(calls: int) -> None:
    print("\nevaluate us by input size (same expression, input grown with 'items')")
    found = engines()
    print(
        f"{'input bytes':>12}" + "".join(f"{name:>16}" for name in found) + f"{'replay layer':>16}"
    )
    for count in (0, 10, 100, 1000):
        data = {
            "i": 1,
            "items": [{"id": n, "name": f"item{n}", "tags": ["a", "b"]} for n in range(count)],
        }
        bindings = {"states": {"input": data, "context": CONTEXT}}
        row = f"{len(json.dumps(data)):>12}"
        for compile_, evaluate in found.values():
            compiled = compile_(EXPRESSION)
            row += f"{median_us(calls, evaluate, compiled, bindings):>16.1f}"
        expr, env = compile_jsonata("{% " + EXPRESSION + " %}", "Output"), Env(data, CONTEXT)
        print(row + f"{median_us(calls, expr, env):>16.1f}")


if __name__ == "__main__":
    main()
