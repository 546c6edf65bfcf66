"""States.Array, ArrayPartition, ArrayContains, ArrayRange, ArrayGetItem, ArrayLength,
ArrayUnique."""

from __future__ import annotations

from typing import Any

from replay.asl.intrinsics.values import ArgumentError, array, integer, json_key

MAX_RANGE = 1000


def array_of(*values: Any) -> list:
    """States.Array(v...): the arguments as an array, in order."""
    return list(values)


def array_partition(values: Any, size: Any) -> list:
    """States.ArrayPartition(array, n): chunks of n items, the last one possibly shorter."""
    name = "States.ArrayPartition"
    values = array(name, 1, values)
    n = integer(name, 2, size)
    if n <= 0:
        raise ArgumentError(
            f"Invalid arguments in {name}: the chunk size must be a positive integer, but was {n}"
        )
    return [values[i : i + n] for i in range(0, len(values), n)]


def array_contains(values: Any, item: Any) -> bool:
    """States.ArrayContains(array, value): whether an equal JSON value is in the array."""
    values = array("States.ArrayContains", 1, values)
    key = json_key(item)
    return any(json_key(value) == key for value in values)


def array_range(start: Any, end: Any, step: Any) -> list:
    """States.ArrayRange(start, end, step): start, start+step, ... up to end included."""
    name = "States.ArrayRange"
    first, last, by = (integer(name, i + 1, v) for i, v in enumerate((start, end, step)))
    if by == 0:
        raise ArgumentError(f"Invalid arguments in {name}: the step must not be 0")
    count = max(0, (last - first) // by + 1)
    if count > MAX_RANGE:
        raise ArgumentError(
            f"Invalid arguments in {name}: the result would have {count} items, "
            f"more than the maximum of {MAX_RANGE}"
        )
    return list(range(first, first + count * by, by))


def array_get_item(values: Any, index: Any) -> Any:
    """States.ArrayGetItem(array, index): the item at a 0-based index."""
    name = "States.ArrayGetItem"
    values = array(name, 1, values)
    i = integer(name, 2, index)
    if not 0 <= i < len(values):
        raise ArgumentError(
            f"Invalid arguments in {name}: the index {i} is out of bounds for an array "
            f"of length {len(values)}"
        )
    return values[i]


def array_length(values: Any) -> int:
    """States.ArrayLength(array)."""
    return len(array("States.ArrayLength", 1, values))


def array_unique(values: Any) -> list:
    """States.ArrayUnique(array): the first of each group of equal values, in order."""
    seen: set = set()
    out = []
    for value in array("States.ArrayUnique", 1, values):
        key = json_key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out
