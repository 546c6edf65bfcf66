"""Testing workflows in a user's own pytest suite: `SfnReplay` (what the `sfn_replay` fixture
of `replay.pytest_plugin` yields: the Python API bound to a temporary db) and
`assert_execution`, which checks an execution the way scenario files do.

    def test_refund(sfn_replay):
        result = sfn_replay.run("order.json", {"id": 1}, mocks="mocks.json", test_case="happy",
                                faults=["Charge:Payment.Declined"])
        assert_execution(result, status="FAILED", error="Order.Failed",
                         path_contains=["Charge", "Refund"])
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from replay import api, strict_json
from replay.clock import parse_iso
from replay.events import from_json_text
from replay.scenarios import ExpectError, Outcome, check, load_all, run_cases
from replay.scenarios.execute import CaseResult
from replay.scenarios.expect import validate
from replay.scenarios.spec import DEFAULT_SEED, DEFAULT_START, default_machine_name

# assert_execution's keywords -> the scenario file's expectation keys
KEYWORDS = {
    "status": "status",
    "error": "error",
    "cause": "cause",
    "output": "outputEquals",
    "output_contains": "output",
    "path": "path",
    "path_prefix": "pathPrefix",
    "path_contains": "pathContains",
    "not_visited": "notVisited",
    "events": "events",
    "no_events": "noEvents",
    "event_counts": "eventCounts",
    "max_duration": "maxDuration",
    "min_duration": "minDuration",
}
_NEEDS_EVENTS = {"path", "pathPrefix", "pathContains", "notVisited", "events", "noEvents"}
_NEEDS_EVENTS |= {"eventCounts", "maxDuration", "minDuration"}


class Execution(dict):
    """A DescribeExecution record (the dict `api.run` returns) holding the execution's events
    too: `events` (as stored), `output_value` (the output parsed), `path` (states entered)."""

    def __init__(self, description: dict, events: list[dict]) -> None:
        super().__init__(description)
        self.events = events

    @property
    def arn(self) -> str:
        return self["executionArn"]

    @property
    def output_value(self) -> Any:
        return from_json_text(self.get("output"))

    @property
    def path(self) -> list[str]:
        return self.outcome().path

    def outcome(self) -> Outcome:
        return Outcome(dict(self), self.events)


def _definition_text(definition: Any) -> str:
    """A definition given as a dict, JSON text, or a file (a Path, or a str not starting with
    `{`)."""
    if isinstance(definition, dict):
        return json.dumps(definition)
    if isinstance(definition, str) and definition.lstrip().startswith("{"):
        return definition
    return Path(definition).read_text(encoding="utf-8")


def _json_value(value: Any) -> Any:
    """A JSON value, or the JSON file a Path names."""
    if isinstance(value, Path):
        return strict_json.loads(value.read_text(encoding="utf-8-sig"))
    return value


class SfnReplay:
    """The Python API (`replay.api`) bound to one db. Runs are deterministic: seed 1 and a
    start at 2026-01-01T00:00:00Z unless given; executions are named `run-1`, `run-2`...
    unless named. `execution` arguments take an Execution, a name or an ARN."""

    def __init__(self, db: str | Path) -> None:
        self.db = Path(db)
        self._runs = 0

    def _name(self, prefix: str) -> str:
        self._runs += 1
        return f"{prefix}-{self._runs}"

    def _execution(self, description: dict) -> Execution:
        return Execution(description, api.events(self.db, description["executionArn"]))

    def run(
        self,
        definition: Any,
        input: Any = None,
        *,
        mocks: Any = None,
        test_case: str | None = None,
        state_machine_name: str | None = None,
        name: str | None = None,
        seed: int = DEFAULT_SEED,
        start_time: str = DEFAULT_START,
        **options: Any,
    ) -> Execution:
        """Run to the end (api.run's other options: handlers, handlers_file, faults,
        s3_root, schedule, account, region). `definition` is a dict, JSON text or a file;
        `mocks` a MockConfigFile as a dict or a Path."""
        if state_machine_name is None:
            text_given = isinstance(definition, dict) or str(definition).lstrip().startswith("{")
            state_machine_name = (
                "state-machine" if text_given else default_machine_name(Path(definition))
            )
        description = api.run(
            self.db,
            _definition_text(definition),
            {} if input is None else _json_value(input),
            state_machine_name=state_machine_name,
            name=name or self._name("run"),
            seed=seed,
            start_micros=parse_iso(start_time),
            mocks=_json_value(mocks),
            test_case=test_case,
            **options,
        )
        return self._execution(description)

    def branch(
        self, execution: Any, at: int | str, *, definition: Any = None, **options: Any
    ) -> Execution:
        """api.branch: a new execution sharing events 1..`at` with `execution` (options:
        name, input_override, mocks, test_case, handlers_file, seed, faults)."""
        if definition is not None:
            options["definition_text"] = _definition_text(definition)
        if "mocks" in options:
            options["mocks"] = _json_value(options["mocks"])
        options.setdefault("name", self._name("branch"))
        return self._execution(api.branch(self.db, _ref(execution), at, **options))

    def events(self, execution: Any) -> list[dict]:
        return api.events(self.db, _ref(execution))

    def history(self, execution: Any) -> list[dict]:
        return api.history(self.db, _ref(execution))

    def state(self, execution: Any, at: int | str = -1) -> dict:
        return api.state(self.db, _ref(execution), at)

    def failures(self, execution: Any) -> list[dict]:
        return api.failures(self.db, _ref(execution))

    def replay(self, execution: Any, definition: Any = None) -> Any:
        """None when the record replays identically, else the first divergence."""
        text = _definition_text(definition) if definition is not None else None
        return api.replay(self.db, _ref(execution), text)

    def diff(self, a: Any, b: Any) -> dict:
        return api.diff(self.db, _ref(a), _ref(b))

    def export(self, execution: Any) -> dict:
        return api.export(self.db, _ref(execution))

    def run_scenarios(self, *paths: str | Path) -> list[CaseResult]:
        """Every case of the scenario files (or folders) given, run in this db."""
        return run_cases(load_all(paths), self.db)

    def assert_execution(self, result: Any, **expected: Any) -> None:
        __tracebackhide__ = True
        assert_execution(result, **expected)


def _ref(execution: Any) -> str:
    return execution["executionArn"] if isinstance(execution, dict) else str(execution)


def assert_execution(result: Any, **expected: Any) -> None:
    """Check an execution as a scenario's `expect` does; AssertionError listing every failed
    expectation with its diff. Keywords: status, error, cause, output (equal), output_contains
    (every key given matches, recursively), path (states entered, in order), path_prefix,
    path_contains (in this order, others between), not_visited, events and no_events (event
    types), event_counts ({type: n}), max_duration and min_duration (virtual seconds)."""
    __tracebackhide__ = True
    expect = {}
    for keyword, value in expected.items():
        if keyword not in KEYWORDS:
            raise TypeError(f"assert_execution() got an unknown keyword {keyword!r}")
        expect[KEYWORDS[keyword]] = value
    try:
        validate(expect)
    except ExpectError as exc:
        keyword = {v: k for k, v in KEYWORDS.items()}.get(exc.pointer.split("/")[1], exc.pointer)
        raise ValueError(f"assert_execution: {keyword}: {exc.message}") from None
    if isinstance(result, Execution):
        outcome = result.outcome()
    elif _NEEDS_EVENTS & expect.keys():
        raise TypeError("path, events and duration checks need an Execution (from sfn_replay.run)")
    else:
        outcome = Outcome(dict(result), [])
    mismatches = check(expect, outcome)
    if mismatches:
        raise AssertionError(_message(outcome.description, mismatches))


def _message(description: dict, mismatches: list) -> str:
    name, status = description.get("name", "?"), description.get("status")
    head = f"execution {name} ({status}) does not do what was expected:"
    if description.get("error") is not None:
        head += f" [it failed with {description['error']}: {description.get('cause')}]"
    lines = [f"  {line}" for mismatch in mismatches for line in mismatch.lines()]
    return "\n".join([head, *lines])
