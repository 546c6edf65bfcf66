"""What AWS's TestState checks in a request before it runs anything: the mock (its shape, and
that it fits the state it answers) and a given Context object; in AWS's words. The errors
are `TestStateError`s (exit 2; the endpoint's ValidationException or InvalidDefinition)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from replay.asl.model import State
from replay.runner import RunError
from replay.states.task_state import classify
from replay.world import TaskAnswer, TaskRequest


class TestStateError(RunError):
    """The request cannot be run (no such state, a Map without a mock...): exit 2. `code`:
    the API's error for it (InvalidDefinition for what AWS finds wrong with the definition)."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str, code: str = "ValidationException", hint: str = "") -> None:
        super().__init__(message + hint)
        self.code, self.message = code, message


_MOCKED_TYPES = ("Task", "Map", "Parallel")  # the states a mock answers
_NOT_WITHOUT_MOCK = (
    "TestState API does not support Map or Parallel states. Supported state types include: "
    "[Task, Wait, Pass, Succeed, Fail, Choice]"
)


@dataclass(frozen=True)
class MockAnswer:
    """TestState's `mock`: the one answer of the Task under test."""

    reply: TaskAnswer
    leaves_process = False

    @classmethod
    def parse(cls, mock: Any) -> MockAnswer:
        if not isinstance(mock, dict) or not mock.keys() & {"result", "errorOutput"}:
            raise TestStateError('--mock must be {"result": JSON} or {"errorOutput": {...}}')
        if len(mock.keys() & {"result", "errorOutput"}) != 1:
            raise TestStateError(
                "A test mock should have only one of the following fields: [result, errorOutput]."
            )
        if "result" in mock:
            result = mock["result"]
            if isinstance(result, str):  # AWS's shape: the result as JSON text
                try:
                    result = json.loads(result)
                except json.JSONDecodeError:
                    raise TestStateError("Mocked result must be valid JSON") from None
            return cls(TaskAnswer(output=result))
        error = mock["errorOutput"]
        if not isinstance(error, dict) or not isinstance(error.get("error"), str):
            raise TestStateError("--mock errorOutput needs an error (and may give a cause)")
        cause = error.get("cause")
        return cls(TaskAnswer(failed=True, error=error["error"], cause=cause))

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        return self.reply


def the_mock(state: State, mock: Any, reveal_secrets: bool) -> MockAnswer | None:
    """The mock, checked as AWS checks it against the state it answers."""
    if mock is None:
        if state.type in ("Map", "Parallel"):
            hint = f" (without a mock: give the {state.type}'s result with --mock)"
            raise TestStateError(_NOT_WITHOUT_MOCK, "InvalidDefinition", hint)
        return None
    if state.type not in _MOCKED_TYPES:
        raise TestStateError(f"State type '{state.type}' is not supported when a mock is specified")
    if reveal_secrets:
        raise TestStateError("TestState does not support RevealSecrets when a mock is specified.")
    answers = MockAnswer.parse(mock)
    if not answers.reply.failed and state.type != "Task":
        _check_children_result(state, answers.reply.output)
    return answers


def _check_children_result(state: State, result: Any) -> None:
    """A Map's mocked result is its array of outputs (with a ResultWriter, the writer's
    object); a Parallel's, one output per branch."""
    if state.type == "Map" and getattr(state, "result_writer", None) is not None:
        if not isinstance(result, dict):
            raise TestStateError("Mocked result must be a JSON object.")
        return
    if not isinstance(result, list):
        raise TestStateError("Mocked result must be an array.")
    if state.type == "Parallel" and len(result) != len(state.branches):
        raise TestStateError(
            "Mocked result must contain the same number of items as number of Parallel branches."
        )


_CONTEXT_FIELDS = {
    "Execution": {
        "Id": str,
        "Input": object,
        "Name": str,
        "RoleArn": str,
        "StartTime": str,
        "RedriveCount": int,
        "RedriveTime": str,
    },
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}
_TYPE_NAMES = {str: "a string", int: "an integer"}


def check_context(state: State, context: dict) -> None:
    """Refuse a Context object AWS's TestState refuses, in its words."""
    for key, value in context.items():
        if key == "Map":
            _bad_context("'Map' field is not supported when mocking a Context object")
        fields = _CONTEXT_FIELDS.get(key)
        if fields is None:
            _bad_context(f"Field '{key}' is not allowed")
        if not isinstance(value, dict):
            _bad_context(f"{key} must be an object")
        for name, item in value.items():
            kind = fields.get(name)
            if kind is None:
                _bad_context(f"Field '{name}' is not allowed")
            if kind is not object and (not isinstance(item, kind) or isinstance(item, bool)):
                _bad_context(f"{key}.{name} must be {_TYPE_NAMES[kind]}")
    if "Task" in context and not (state.type == "Task" and classify(state.resource).waits):
        _bad_context(
            "Context object contains 'Task' when state is not a Task state with a '.sync' or "
            "'.waitForTaskToken' service integration pattern"
        )


def _bad_context(reason: str) -> None:
    raise TestStateError(f"Invalid Context object provided: {reason}")
