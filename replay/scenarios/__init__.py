"""Scenarios as tests: scenario files (`spec`), what an execution must do (`expect`), running
cases (`execute`) and reporting (`report`). Shared by `sfn-replay test` and the pytest plugin."""

from replay.scenarios.execute import CaseResult, discover, load_all, run_case, run_cases
from replay.scenarios.expect import ExpectError, Mismatch, Outcome, check
from replay.scenarios.spec import Case, ScenarioError, load

__all__ = [
    "Case",
    "CaseResult",
    "ExpectError",
    "Mismatch",
    "Outcome",
    "ScenarioError",
    "check",
    "discover",
    "load",
    "load_all",
    "run_case",
    "run_cases",
]
