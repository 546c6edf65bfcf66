"""A world that answers Tasks from a recorded history: the n-th invocation of state S gets the
outcome the record holds for the n-th time S was scheduled. Replay and branching use it, so the
world is never asked again for what already happened."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from replay.events import details
from replay.fold import _frame_label, apply, initial_state
from replay.world import TaskAnswer, TaskRequest

_SCHEDULED = ("TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled")
_SUCCEEDED = ("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded")
_FAILED = ("TaskFailed", "LambdaFunctionFailed", "ActivityFailed", "TaskTimedOut",
           "LambdaFunctionTimedOut", "ActivityTimedOut")


def _decode(text: str | None):
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


@dataclass
class RecordedWorld:
    answers: dict[str, list[TaskAnswer | None]]

    @classmethod
    def from_events(cls, events: Iterable[dict]) -> "RecordedWorld":
        state = initial_state()
        answers: dict[str, list[TaskAnswer | None]] = {}
        pending: dict[str, tuple[str, int]] = {}  # frame label -> (state name, invocation)
        for event in events:
            label = _frame_label(state, event)
            apply(state, event)
            kind = event["type"]
            if kind in _SCHEDULED:
                name = state["frames"][label]["state"]
                answers.setdefault(name, []).append(None)
                pending[label] = (name, len(answers[name]) - 1)
            elif kind in _SUCCEEDED or kind in _FAILED:
                if label not in pending:
                    continue
                name, index = pending.pop(label)
                d = details(event)
                if kind in _SUCCEEDED:
                    answers[name][index] = TaskAnswer(output=_decode(d.get("output")))
                else:
                    error = d.get("error", "States.Timeout" if "TimedOut" in kind else None)
                    answers[name][index] = TaskAnswer(failed=True, error=error,
                                                      cause=d.get("cause"))
        return cls(answers)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        recorded = self.answers.get(request.state_name, [])
        if request.invocation < len(recorded):
            return recorded[request.invocation]
        return None
