"""Fault injection: rules that replace (or delay) what the world answers a Task.

A rule names a Task state (a name or a glob), the attempts of one entry of that state it
applies to (0 is the first attempt, retries are 1, 2, ...), optionally the index of the Map
iteration or Parallel branch the Task runs in, and an effect: `throw` an error, `timeout`
(States.Timeout after the state's TimeoutSeconds), `heartbeat-timeout` (States.HeartbeatTimeout
after its HeartbeatSeconds), `latency` (extra virtual time on the answer) or `return` a result.
`FaultWorld` is layered over the mocks and handlers: a fault beats a mock, a mock beats a
handler. Rules are plain data (`Fault.to_dict`) so the record keeps them.
"""

from __future__ import annotations

import difflib
import fnmatch
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from replay.asl import errors
from replay.asl.model import Machine, State
from replay.world import TaskAnswer, TaskRequest, World

EFFECTS = ("throw", "timeout", "heartbeat-timeout", "latency", "return")
_TIMEOUT_ERRORS = {"timeout": errors.TIMEOUT, "heartbeat-timeout": errors.HEARTBEAT_TIMEOUT}
_EFFECT_OF_ERROR = {error: effect for effect, error in _TIMEOUT_ERRORS.items()}
_FIELDS = (
    "state",
    "effect",
    "error",
    "cause",
    "attempts",
    "iteration",
    "branch",
    "seconds",
    "result",
)
_ATTEMPTS = re.compile(r"^\s*(?:(\*)|(\d+)\s*(?:-\s*(\d+|\*))?)\s*$")
_NO_RESULT = object()
SYNTAX = "STATE:ERROR[:CAUSE][@ATTEMPTS]"


class FaultError(ValueError):
    """A fault rule that cannot be used: the message says which rule (or field) and why."""


@dataclass(frozen=True, eq=False)
class Fault:
    state: str
    effect: str = "throw"
    error: str | None = None
    cause: str | None = None
    attempts: str = "*"  # "*", "N", "N-M" or "N-*"
    iteration: int | None = None
    branch: int | None = None
    seconds: float | None = None
    result: Any = _NO_RESULT
    where: str = field(default="fault rule", compare=False, repr=False)  # for messages

    def to_dict(self) -> dict:
        """The rule in the object form of a fault-plan file (what the record keeps)."""
        out: dict[str, Any] = {"state": self.state, "effect": self.effect}
        for name in ("error", "cause"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        out["attempts"] = self.attempts
        for name in ("iteration", "branch", "seconds"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        if self.result is not _NO_RESULT:
            out["result"] = self.result
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fault) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.state, self.effect, self.error, self.attempts))

    def applies(self, attempt: int, iteration: int | None, branch: int | None) -> bool:
        low, high = attempt_range(self.attempts)
        return (
            low <= attempt
            and (high is None or attempt <= high)
            and self.iteration in (None, iteration)
            and self.branch in (None, branch)
        )

    def problem(self, name: str, message: str) -> FaultError:
        """An error about one field: plan rules name it as a JSON pointer."""
        if self.where.startswith("fault plan"):
            return FaultError(f"{self.where}/{name}: {message}")
        return FaultError(f"{self.where}: {message}")


@lru_cache(maxsize=256)
def attempt_range(text: str) -> tuple[int, int | None]:
    """(low, high) of an ATTEMPTS text: `*` (every attempt), `N`, `N-M` or `N-*`."""
    m = _ATTEMPTS.match(text)
    if not m:
        raise ValueError(text)
    if m.group(1):
        return 0, None
    low = int(m.group(2))
    high = m.group(3)
    if high is None:
        return low, low
    if high == "*":
        return low, None
    if int(high) < low:
        raise ValueError(text)
    return low, int(high)


def _attempts(value: Any) -> str:
    """A normalized ATTEMPTS text; ValueError when it cannot parse."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if not isinstance(value, str):
        raise ValueError(value)  # noqa: TRY004
    low, high = attempt_range(value)
    if high == low:
        return str(low)
    return "*" if (low, high) == (0, None) else f"{low}-{'*' if high is None else high}"


_ATTEMPTS_HELP = "attempts are *, N, N-M or N-* (0 is the first attempt, retries 1, 2, ...)"


def parse_rule(text: str) -> Fault:
    """A rule in the command-line form STATE:ERROR[:CAUSE][@ATTEMPTS]: the error
    States.Timeout is a timeout, States.HeartbeatTimeout a heartbeat timeout, any other is
    thrown. The last `@` starts ATTEMPTS; the first `:` ends STATE."""
    where = f"fault {text!r}"
    head, at, attempts = text.rpartition("@")
    if not at:
        head, attempts = text, "*"
    state, _, rest = head.partition(":")
    error, _, cause = rest.partition(":")
    if not state.strip() or not error.strip():
        raise FaultError(f"{where}: expected {SYNTAX}, e.g. 'Charge:States.TaskFailed@0-1'")
    try:
        attempts = _attempts(attempts)
    except ValueError:
        raise FaultError(
            f"{where}: attempts {attempts!r} cannot parse: {_ATTEMPTS_HELP} "
            "(a cause with '@' needs --fault-plan)"
        ) from None
    effect = _EFFECT_OF_ERROR.get(error.strip(), "throw")
    if effect != "throw" and cause:
        raise FaultError(f"{where}: a {effect} records no cause")
    return Fault(state.strip(), effect, error.strip(), cause or None, attempts, where=where)


def parse_plan(value: Any, source: str) -> list[Fault]:
    """The rules of a fault-plan file: a JSON list of rule objects."""
    if not isinstance(value, list):
        raise FaultError(
            f"fault plan {source}: expected a JSON list of fault rules, e.g. "
            '[{"state": "Charge", "error": "States.TaskFailed"}]'
        )
    return [from_dict(item, f"fault plan {source}: /{index}") for index, item in enumerate(value)]


def from_dict(value: Any, where: str) -> Fault:
    """A rule from its object form; errors name the bad field as a JSON pointer."""
    if not isinstance(value, dict):
        raise FaultError(f"{where}: a fault rule is an object with {', '.join(_FIELDS[:2])}...")
    probe = Fault(str(value.get("state", "")), where=where)
    for key in value:
        if key not in _FIELDS:
            raise probe.problem(key, f"unknown field (a rule has: {', '.join(_FIELDS)})")
    state = value.get("state")
    if not isinstance(state, str) or not state:
        raise probe.problem("state", "a state name or glob (a non-empty string) is required")
    for key in ("error", "cause"):
        if key in value and not isinstance(value[key], str):
            raise probe.problem(key, "must be a string")
    error, cause = value.get("error"), value.get("cause")
    effect = value.get("effect", _EFFECT_OF_ERROR.get(error or "", "throw"))
    if effect not in EFFECTS:
        raise probe.problem("effect", f"{effect!r} is not one of {', '.join(EFFECTS)}")
    try:
        attempts = _attempts(value.get("attempts", "*"))
    except ValueError:
        raise probe.problem(
            "attempts", f"{value.get('attempts')!r} cannot parse: {_ATTEMPTS_HELP}"
        ) from None
    for key in ("iteration", "branch"):
        index = value.get(key)
        if index is not None and (
            isinstance(index, bool) or not isinstance(index, int) or index < 0
        ):
            raise probe.problem(key, f"must be an index (an integer >= 0), not {index!r}")
    _check_effect(probe, value, effect, error, cause)
    if effect in _TIMEOUT_ERRORS:
        error = _TIMEOUT_ERRORS[effect]
    seconds = value.get("seconds")
    return Fault(
        state,
        effect,
        error,
        cause,
        attempts,
        value.get("iteration"),
        value.get("branch"),
        float(seconds) if seconds is not None else None,
        value.get("result", _NO_RESULT),
        where=where,
    )


def _check_effect(
    probe: Fault, value: dict, effect: str, error: str | None, cause: str | None
) -> None:
    """The fields an effect needs, and none it cannot use."""
    if effect == "throw" and not error:
        raise probe.problem("error", "a throw needs an error name, e.g. States.TaskFailed")
    if effect in _TIMEOUT_ERRORS and error not in (None, _TIMEOUT_ERRORS[effect]):
        raise probe.problem(
            "error",
            f"a {effect} fails with {_TIMEOUT_ERRORS[effect]}, "
            f"not {error!r} (use effect throw to throw it at once)",
        )
    if effect in ("latency", "return") and error is not None:
        raise probe.problem("error", f"a {effect} does not fail: it takes no error")
    if effect != "throw" and cause is not None:
        raise probe.problem("cause", f"a {effect} records no cause")
    seconds = value.get("seconds")
    if effect == "latency":
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, (int, float))
            or not math.isfinite(seconds)
            or seconds <= 0
        ):
            raise probe.problem("seconds", "a latency needs seconds: a number > 0")
    elif seconds is not None:
        raise probe.problem(
            "seconds",
            f"only a latency takes seconds (a {effect} takes "
            "the state's own TimeoutSeconds or HeartbeatSeconds)",
        )
    if effect == "return" and "result" not in value:
        raise probe.problem("result", "a return needs a result (any JSON value)")
    if effect != "return" and "result" in value:
        raise probe.problem("result", "only a return takes a result")


def coerce(rules: Iterable[Fault | str | dict]) -> list[Fault]:
    """Rules given as Fault objects, command-line texts or plan objects, each checked."""
    out = []
    for index, rule in enumerate(rules):
        if isinstance(rule, str):
            rule = parse_rule(rule)
        elif isinstance(rule, Fault):
            rule = from_dict(rule.to_dict(), rule.where)
        else:
            rule = from_dict(rule, f"faults[{index}]")
        out.append(rule)
    return out


Nesting = tuple[tuple[str, str, int | None], ...]  # (kind, container name, branch index)


def _walk(machine: Machine, nesting: Nesting, out: dict) -> None:
    """Every state of a machine and its nested ones: name -> (state, the Maps and Parallel
    branches it runs in, outermost first)."""
    for name, state in machine.states.items():
        out.setdefault(name, (state, nesting))
        for index, branch in enumerate(getattr(state, "branches", ())):
            _walk(branch, nesting + (("Parallel", name, index),), out)
        processor = getattr(state, "processor", None)
        if processor is not None:
            _walk(processor, nesting + (("Map", name, None),), out)


def _unfit(rule: Fault, state: State, nesting: Nesting) -> tuple[str, str] | None:
    """Why a rule cannot apply to a Task state: (field, reason), or None when it fits."""
    name = state.name
    if rule.effect == "heartbeat-timeout" and getattr(state, "heartbeat_seconds", None) is None:
        return "effect", (
            f"Task state {name!r} has no HeartbeatSeconds: it cannot time out on a heartbeat"
        )
    if rule.effect == "timeout" and getattr(state, "timeout_seconds", None) is None:
        return "effect", (
            f"Task state {name!r} has no TimeoutSeconds, so it never times out "
            "(AWS's default, 99999999 s, outlasts any execution); give it "
            "TimeoutSeconds, or throw States.Timeout with effect throw"
        )
    if rule.iteration is not None and not any(kind == "Map" for kind, *_ in nesting):
        return "iteration", f"Task state {name!r} is not inside a Map"
    if rule.branch is not None:
        parallels = [(parallel, index) for kind, parallel, index in nesting if kind == "Parallel"]
        if not parallels:
            return "branch", f"Task state {name!r} is not inside a Parallel"
        parallel, index = parallels[-1]
        if index != rule.branch:
            return "branch", (
                f"Task state {name!r} is in branch {index} of Parallel "
                f"{parallel!r}, never in branch {rule.branch}"
            )
    return None


def _unknown_state(rule: Fault, states: dict) -> FaultError:
    tasks = [name for name, (state, _) in states.items() if state.type == "Task"]
    close = difflib.get_close_matches(
        rule.state, tasks, n=3, cutoff=0.5
    ) or difflib.get_close_matches(rule.state, list(states), n=3, cutoff=0.5)
    if close:
        hint = f"did you mean {', '.join(repr(n) for n in close)}?"
    else:
        shown = ", ".join(tasks[:10]) + (", ..." if len(tasks) > 10 else "")
        hint = f"its Task states: {shown or 'none'}"
    return rule.problem("state", f"no state matches {rule.state!r} in the definition ({hint})")


def targets(rules: Iterable[Fault], machine: Machine) -> dict[str, list[Fault]]:
    """The rules that apply to each Task state, in the order given; FaultError for a rule
    that names no state, no Task state, or only states its effect does not fit (a glob
    applies to the Task states it fits)."""
    states: dict[str, tuple[State, Nesting]] = {}
    _walk(machine, (), states)
    out: dict[str, list[Fault]] = {}
    for rule in rules:
        names = (
            [rule.state]
            if rule.state in states
            else [n for n in states if fnmatch.fnmatchcase(n, rule.state)]
        )
        if not names:
            raise _unknown_state(rule, states)
        tasks = [n for n in names if states[n][0].type == "Task"]
        if not tasks:
            state = states[names[0]][0]
            raise rule.problem(
                "state", f"{state.name!r} is a {state.type} state; faults apply to Task states"
            )
        reasons = [_unfit(rule, *states[n]) for n in tasks]
        if all(reasons):
            raise rule.problem(*reasons[0])  # type: ignore[misc]
        for name, reason in zip(tasks, reasons):
            if reason is None:
                out.setdefault(name, []).append(rule)
    return out


def _containers(machine: Machine) -> dict[str, str]:
    """Map and Parallel states by name: what a frame label's segments name."""
    states: dict[str, tuple[State, Nesting]] = {}
    _walk(machine, (), states)
    return {
        name: state.type for name, (state, _) in states.items() if state.type in ("Map", "Parallel")
    }


def frame_indexes(label: str, containers: dict[str, str]) -> tuple[int | None, int | None]:
    """(Map iteration index, Parallel branch index) of the innermost Map and Parallel a frame
    runs in; its label is `Name#i` segments joined by `/` (see parallel_state.child_label)."""
    iteration = branch = None
    for segment in reversed(label.split("/") if label else ()):
        name, _, index = segment.rpartition("#")
        kind = containers.get(name)
        if kind == "Map" and iteration is None and index.isdigit():
            iteration = int(index)
        elif kind == "Parallel" and branch is None and index.isdigit():
            branch = int(index)
    return iteration, branch


@dataclass(frozen=True)
class FaultWorld:
    """Answers the Tasks a rule applies to, asking `inner` (mocks, handlers) for the rest and
    for the answer a latency delays. The first matching rule that is not a latency decides
    the outcome; every matching latency adds its seconds. The answer names the rules
    applied (`injected`), which the Task records under our extra key."""

    rules: dict[str, list[Fault]]
    containers: dict[str, str]
    inner: World

    @property
    def leaves_process(self) -> bool:
        return getattr(self.inner, "leaves_process", True)

    @classmethod
    def build(
        cls, rules: Iterable[Fault | str | dict], machine: Machine, inner: World
    ) -> FaultWorld:
        return cls(targets(coerce(rules), machine), _containers(machine), inner)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        rules = self.rules.get(request.state_name)
        if not rules:
            return self.inner.answer(request)
        iteration, branch = frame_indexes(request.frame, self.containers)
        applied = [rule for rule in rules if rule.applies(request.attempt, iteration, branch)]
        outcome = next((rule for rule in applied if rule.effect != "latency"), None)
        applied = [rule for rule in applied if rule.effect == "latency" or rule is outcome]
        if not applied:
            return self.inner.answer(request)
        answer = _outcome(outcome) if outcome is not None else self.inner.answer(request)
        if answer is None:
            return None
        latency = sum(rule.seconds or 0.0 for rule in applied if rule.effect == "latency")
        return replace(
            answer,
            delay_seconds=answer.delay_seconds + latency,
            injected=tuple(rule.to_dict() for rule in applied),
        )


def _outcome(rule: Fault) -> TaskAnswer:
    if rule.effect == "throw":
        return TaskAnswer(failed=True, error=rule.error, cause=rule.cause)
    if rule.effect == "return":
        return TaskAnswer(output=rule.result)
    return TaskAnswer(
        failed=True, error=_TIMEOUT_ERRORS[rule.effect], timed_out=_TIMEOUT_ERRORS[rule.effect]
    )


def describe(rule: dict) -> str:
    """A rule (object form) in one short phrase: `Charge:States.TaskFailed@0-1`,
    `Ship latency 5s@*`, `Fetch#iteration=3 return@0`."""
    where = rule["state"]
    for key in ("iteration", "branch"):
        if rule.get(key) is not None:
            where += f"#{key}={rule[key]}"
    effect = rule.get("effect", "throw")
    if effect == "throw":
        what = ":" + str(rule.get("error")) + (f":{rule['cause']}" if rule.get("cause") else "")
    elif effect == "latency":
        what = f" latency {rule.get('seconds'):g}s"
    else:
        what = f" {effect}"
    return f"{where}{what}@{rule.get('attempts', '*')}"


def injected(event: dict) -> list[dict]:
    """The fault rules an event records as having made it (none for most events)."""
    from replay.events import EXTRA

    return list((event.get(EXTRA) or {}).get("injected") or ())
