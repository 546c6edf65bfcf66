"""The expectations of a scenario case, and how an execution is checked against them.

An expectation is a JSON object; each key is one check (see `FIELDS`). `check` returns the
mismatches, each with a one-line summary and the lines of a readable diff (expected, actual).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable

from replay.events import details, from_json_text

STATUSES = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "RUNNING")  # RUNNING: waiting
# AWS's HistoryEventType values: a misspelt type in `noEvents` must not pass silently.
EVENT_TYPES = frozenset(
    f"{kind}{outcome}"
    for kind, outcomes in {
        "Activity": "Failed Scheduled ScheduleFailed Started Succeeded TimedOut",
        "LambdaFunction": "Failed Scheduled ScheduleFailed Started StartFailed Succeeded TimedOut",
        "Task": "Failed Scheduled Started StartFailed Submitted SubmitFailed Succeeded TimedOut "
        "StateEntered StateExited StateAborted",
        "Execution": "Started Succeeded Failed Aborted TimedOut Redriven",
        "Map": "StateEntered StateExited StateStarted StateSucceeded StateFailed StateAborted "
        "IterationStarted IterationSucceeded IterationFailed IterationAborted "
        "RunStarted RunSucceeded RunFailed RunAborted RunRedriven",
        "Parallel": "StateEntered StateExited StateStarted StateSucceeded StateFailed StateAborted",
        "Wait": "StateEntered StateExited StateAborted",
        "Pass": "StateEntered StateExited",
        "Choice": "StateEntered StateExited",
        "Succeed": "StateEntered StateExited",
        "Fail": "StateEntered",
        "Evaluation": "Failed",
    }.items()
    for outcome in outcomes.split()
)


class ExpectError(ValueError):
    """A bad expectation: `pointer` is the place inside the expectation object."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"{pointer}: {message}")
        self.pointer, self.message = pointer, message


@dataclass(frozen=True)
class Outcome:
    """What an execution did: its DescribeExecution record and its events as stored."""

    description: dict
    events: list[dict]

    @property
    def output(self) -> Any:
        return from_json_text(self.description.get("output"))

    @property
    def path(self) -> list[str]:
        """The states entered, in the order of the history (nested ones included)."""
        return [
            details(e).get("name", "?") for e in self.events if e["type"].endswith("StateEntered")
        ]

    @property
    def duration(self) -> float:
        """Virtual seconds from the first event to the last."""
        return (self.events[-1]["timestamp"] - self.events[0]["timestamp"]) / 1e6


@dataclass(frozen=True)
class Mismatch:
    """One failed expectation: a summary line and the lines of its diff."""

    field: str
    summary: str
    diff: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return [f"{self.field}: {self.summary}", *(f"  {line}" for line in self.diff)]


def show(value: Any, limit: int = 300) -> str:
    """A JSON value on one line, shortened."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pointer_part(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def first_difference(expected: Any, actual: Any, exact: bool = False, at: str = "") -> tuple | None:
    """(pointer, expected, actual) where `actual` first departs from `expected`, or None.
    Objects match when every expected key matches (and, when `exact`, no other key is there);
    arrays match item by item and must have the same length; 1 and 1.0 are the same number."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return at, show(expected), show(actual)
        for key, value in expected.items():
            where = f"{at}/{_pointer_part(key)}"
            if key not in actual:
                return where, show(value), "(missing)"
            found = first_difference(value, actual[key], exact, where)
            if found:
                return found
        extra = [key for key in actual if key not in expected] if exact else []
        return (
            (f"{at}/{_pointer_part(extra[0])}", "(no such key)", show(actual[extra[0]]))
            if extra
            else None
        )
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            size = f"an array of {len(actual)}: " if isinstance(actual, list) else ""
            return at, f"an array of {len(expected)}: {show(expected)}", size + show(actual)
        for index, (want, got) in enumerate(zip(expected, actual)):
            found = first_difference(want, got, exact, f"{at}/{index}")
            if found:
                return found
        return None
    same_kind = isinstance(expected, bool) == isinstance(actual, bool)
    if not same_kind or expected != actual:
        return at, show(expected), show(actual)
    return None


def _diff(field: str, found: tuple, whole: Any) -> Mismatch:
    where, expected, actual = found
    lines = (f"expected: {expected}", f"actual:   {actual}")
    if where:
        lines += (f"whole:    {show(whole)}",)
    return Mismatch(field, f"differs at {where or '/ (the whole value)'}", lines)


def _output(exact: bool) -> Callable[[Any, Outcome], list[Mismatch]]:
    field = "outputEquals" if exact else "output"

    def check(want: Any, outcome: Outcome) -> list[Mismatch]:
        status = outcome.description.get("status")
        if status != "SUCCEEDED":
            return [
                Mismatch(field, f"no output: the execution {status}", (f"expected: {show(want)}",))
            ]
        found = first_difference(want, outcome.output, exact)
        return [_diff(field, found, outcome.output)] if found else []

    return check


def _scalar(field: str) -> Callable[[Any, Outcome], list[Mismatch]]:
    def check(want: Any, outcome: Outcome) -> list[Mismatch]:
        got = outcome.description.get(field)
        return [] if got == want else [Mismatch(field, f"expected {show(want)}, got {show(got)}")]

    return check


def _cause(want: Any, outcome: Outcome) -> list[Mismatch]:
    """A text is compared as it is; an object or array with the cause's JSON text, as JSON
    (every key given must match, as for `output`)."""
    if not isinstance(want, (dict, list)):
        return _scalar("cause")(want, outcome)
    got = outcome.description.get("cause")
    parsed = from_json_text(got)
    if isinstance(got, str) and parsed is got:
        return [Mismatch("cause", f"is not JSON text: {show(got)}", (f"expected: {show(want)}",))]
    found = first_difference(want, parsed)
    return [_diff("cause", found, parsed)] if found else []


def _path_text(names: list[str], limit: int = 40) -> str:
    shown = " > ".join(names[:limit]) or "(no state entered)"
    return shown + (f" > ... ({len(names) - limit} more)" if len(names) > limit else "")


def _step_mismatch(field: str, want: list[str], got: list[str]) -> Mismatch | None:
    """The first step where `got` departs from `want` (for `pathPrefix`, only as far as
    `want` goes)."""
    whole = field == "path"
    for step, name in enumerate(want):
        actual = got[step] if step < len(got) else None
        if actual != name:
            summary = f"step {step + 1}: expected {name!r}, " + (
                f"got {actual!r}" if actual is not None else "the path ends before it"
            )
            break
    else:
        if not whole or len(got) == len(want):
            return None
        summary = f"step {len(want) + 1}: expected the end, got {got[len(want)]!r}"
    return Mismatch(
        field, summary, (f"expected: {_path_text(want)}", f"actual:   {_path_text(got)}")
    )


def _path(field: str) -> Callable[[Any, Outcome], list[Mismatch]]:
    def check(want: list[str], outcome: Outcome) -> list[Mismatch]:
        mismatch = _step_mismatch(field, want, outcome.path)
        return [mismatch] if mismatch else []

    return check


def _path_contains(want: list[str], outcome: Outcome) -> list[Mismatch]:
    """The states given, entered in this order (others may come between)."""
    path, position, previous = outcome.path, 0, None
    for name in want:
        try:
            position = path.index(name, position) + 1
        except ValueError:
            summary = (
                f"{name!r} was not entered after {previous!r} (step {position})"
                if name in path
                else f"{name!r} was never entered"
            )
            return [Mismatch("pathContains", summary, (f"actual: {_path_text(path)}",))]
        previous = name
    return []


def _not_visited(want: list[str], outcome: Outcome) -> list[Mismatch]:
    path = outcome.path
    return [
        Mismatch(
            "notVisited",
            f"{name!r} was entered (step {path.index(name) + 1})",
            (f"actual: {_path_text(path)}",),
        )
        for name in want
        if name in path
    ]


def _types(outcome: Outcome) -> Counter:
    return Counter(event["type"] for event in outcome.events)


def _seen(outcome: Outcome) -> str:
    return "types seen: " + ", ".join(dict.fromkeys(e["type"] for e in outcome.events))


def _events(want: list[str], outcome: Outcome) -> list[Mismatch]:
    counts = _types(outcome)
    missing = [kind for kind in want if not counts[kind]]
    return [Mismatch("events", f"no {kind} event", (_seen(outcome),)) for kind in missing]


def _no_events(want: list[str], outcome: Outcome) -> list[Mismatch]:
    out = []
    for kind in want:
        ids = [event["id"] for event in outcome.events if event["type"] == kind]
        if ids:
            out.append(
                Mismatch("noEvents", f"{kind} appears {len(ids)} time(s), first as event {ids[0]}")
            )
    return out


def _event_counts(want: dict[str, int], outcome: Outcome) -> list[Mismatch]:
    counts = _types(outcome)
    return [
        Mismatch("eventCounts", f"{kind}: expected {n} event(s), got {counts[kind]}")
        for kind, n in want.items()
        if counts[kind] != n
    ]


def _duration(field: str) -> Callable[[Any, Outcome], list[Mismatch]]:
    def check(want: float, outcome: Outcome) -> list[Mismatch]:
        took = outcome.duration
        if (took <= want) if field == "maxDuration" else (took >= want):
            return []
        bound = "more" if field == "maxDuration" else "less"
        return [
            Mismatch(
                field, f"the execution took {took:g} s of virtual time, {bound} than {want:g} s"
            )
        ]

    return check


def _json(value: Any, at: str) -> Any:
    return value


def _status(value: Any, at: str) -> Any:
    if value not in STATUSES:
        raise ExpectError(at, f"{show(value)} is not one of {', '.join(STATUSES)}")
    return value


def _text_or_null(value: Any, at: str) -> Any:
    if value is not None and not isinstance(value, str):
        raise ExpectError(at, f"must be a string or null, not {show(value)}")
    return value


def _cause_value(value: Any, at: str) -> Any:
    if isinstance(value, (dict, list)):
        return value
    return _text_or_null(value, at)


def _names(value: Any, at: str) -> Any:
    if not isinstance(value, list):
        raise ExpectError(at, f"must be an array of state names, not {show(value)}")
    for index, name in enumerate(value):
        if not isinstance(name, str) or not name:
            raise ExpectError(
                f"{at}/{index}", f"a state name (a non-empty string), not {show(name)}"
            )
    return value


def _event_type(name: Any, at: str) -> str:
    if name not in EVENT_TYPES:
        raise ExpectError(at, f"{show(name)} is not a Step Functions history event type")
    return name


def _event_types(value: Any, at: str) -> Any:
    if not isinstance(value, list):
        raise ExpectError(at, f"must be an array of event types, not {show(value)}")
    return [_event_type(name, f"{at}/{index}") for index, name in enumerate(value)]


def _counts(value: Any, at: str) -> Any:
    if not isinstance(value, dict):
        raise ExpectError(at, f"must be an object of event type -> count, not {show(value)}")
    for kind, count in value.items():
        _event_type(kind, f"{at}/{_pointer_part(kind)}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ExpectError(
                f"{at}/{_pointer_part(kind)}", f"a count (an integer >= 0), not {show(count)}"
            )
    return value


def _seconds(value: Any, at: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ExpectError(at, f"virtual seconds (a number >= 0), not {show(value)}")
    return value


# key -> (validate the given value, check an outcome against it), in the order of the report
FIELDS: dict[str, tuple[Callable[[Any, str], Any], Callable[[Any, Outcome], list[Mismatch]]]] = {
    "status": (_status, _scalar("status")),
    "error": (_text_or_null, _scalar("error")),
    "cause": (_cause_value, _cause),
    "output": (_json, _output(exact=False)),
    "outputEquals": (_json, _output(exact=True)),
    "path": (_names, _path("path")),
    "pathPrefix": (_names, _path("pathPrefix")),
    "pathContains": (_names, _path_contains),
    "notVisited": (_names, _not_visited),
    "events": (_event_types, _events),
    "noEvents": (_event_types, _no_events),
    "eventCounts": (_counts, _event_counts),
    "maxDuration": (_seconds, _duration("maxDuration")),
    "minDuration": (_seconds, _duration("minDuration")),
}


def validate(value: Any, at: str = "") -> dict:
    """An expectation object checked field by field; ExpectError names the bad one."""
    if not isinstance(value, dict):
        raise ExpectError(at, f"an expectation is an object with some of {', '.join(FIELDS)}")
    if not value:
        raise ExpectError(at, f"give at least one expectation ({', '.join(FIELDS)})")
    for key, given in value.items():
        if key not in FIELDS:
            raise ExpectError(
                f"{at}/{_pointer_part(key)}", f"unknown expectation (one of {', '.join(FIELDS)})"
            )
        FIELDS[key][0](given, f"{at}/{_pointer_part(key)}")
    return value


def check(expect: dict, outcome: Outcome) -> list[Mismatch]:
    """Every mismatch between a (validated) expectation and what the execution did."""
    return [m for key in FIELDS if key in expect for m in FIELDS[key][1](expect[key], outcome)]
