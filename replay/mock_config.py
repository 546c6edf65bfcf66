"""The Step Functions Local MockConfigFile format: `StateMachines[machine].TestCases[case]`
maps state names to `MockedResponses`, numbered by invocation ("0", "1-2", ...), each a `Return`
or a `Throw` (and, ours, a `Delay` in seconds and a `.sync` job's `Submitted` output).
Validated with pydantic, loaded only when mocks are used."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from replay.events import to_json_text
from replay.world import MockConfigError, TaskAnswer


class _Throw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    Error: str | None = None
    Cause: Any = None


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")
    Return: Any = None
    Throw: _Throw | None = None
    Delay: float | None = Field(default=None, ge=0, le=31_536_000)  # at most a year
    Submitted: Any = None  # ours: a .sync job's TaskSubmitted output, as given


class _TestCases(BaseModel):
    TestCases: dict[str, dict[str, str]]


class _MockConfig(BaseModel):
    StateMachines: dict[str, _TestCases]
    MockedResponses: dict[str, dict[str, dict[str, Any]]] = {}


_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def case_responses(
    config: Any, machine: str, test_case: str
) -> dict[str, list[tuple[int, int, TaskAnswer]]]:
    """The answers of one test case by state name: (first, last invocation, answer), sorted;
    the machine falls back to the file's only one."""
    parsed = _parse(config)
    machines = parsed.StateMachines
    if machine not in machines:
        if len(machines) != 1:
            names = ", ".join(sorted(machines)) or "none"
            raise MockConfigError(f"mock config has no state machine {machine!r} (it has: {names})")
        machine = next(iter(machines))
    cases = machines[machine].TestCases
    if test_case not in cases:
        names = ", ".join(sorted(cases)) or "none"
        raise MockConfigError(
            f"mock config: state machine {machine!r} has no test case {test_case!r} "
            f"(it has: {names})"
        )
    return _table(parsed, test_case, cases[test_case])


def other_machines(
    config: Any, machine: str, test_case: str
) -> dict[str, dict[str, list[tuple[int, int, TaskAnswer]]]]:
    """The same test case of the file's other state machines (those that have it), by name:
    what answers the Tasks of a nested child execution of that state machine."""
    parsed = _parse(config)
    return {
        name: _table(parsed, test_case, machine_cases.TestCases[test_case])
        for name, machine_cases in parsed.StateMachines.items()
        if name != machine and test_case in machine_cases.TestCases
    }


def _parse(config: Any) -> _MockConfig:
    try:
        return _MockConfig.model_validate(config)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first["loc"])
        raise MockConfigError(f"mock config: {where}: {first['msg']}") from None


def _table(
    parsed: _MockConfig, test_case: str, case: dict[str, str]
) -> dict[str, list[tuple[int, int, TaskAnswer]]]:
    table: dict[str, list[tuple[int, int, TaskAnswer]]] = {}
    for state, response_name in case.items():
        if response_name not in parsed.MockedResponses:
            raise MockConfigError(
                f"mock config: test case {test_case!r} maps state {state!r} to "
                f"{response_name!r}, which is not in MockedResponses"
            )
        table[state] = _parse_responses(response_name, parsed.MockedResponses[response_name])
    return table


def _parse_responses(name: str, raw: dict[str, dict]) -> list[tuple[int, int, TaskAnswer]]:
    out = []
    for key, body in raw.items():
        m = _RANGE.match(key)
        if not m:
            raise MockConfigError(f"mock config: MockedResponses/{name}: bad key {key!r}")
        try:
            response = _Response.model_validate(body)
        except ValidationError as exc:
            raise MockConfigError(
                f"mock config: MockedResponses/{name}/{key}: {exc.errors()[0]['msg']}"
            ) from None
        if (response.Throw is None) == ("Return" not in body):
            raise MockConfigError(
                f"mock config: MockedResponses/{name}/{key}: needs exactly one of Return, Throw"
            )
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) else low
        submitted = to_json_text(response.Submitted) if "Submitted" in body else None
        if response.Throw is not None:
            cause = response.Throw.Cause
            answer = TaskAnswer(
                failed=True,
                error=response.Throw.Error,
                cause=cause if cause is None or isinstance(cause, str) else to_json_text(cause),
                delay_seconds=response.Delay or 0.0,
                submitted=submitted,
            )
        else:
            answer = TaskAnswer(
                output=response.Return, delay_seconds=response.Delay or 0.0, submitted=submitted
            )
        out.append((low, high, answer))
    out.sort(key=lambda r: r[0])
    return out
