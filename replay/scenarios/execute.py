"""Running scenario cases: find the files, run each case in a db, check what it did."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from replay.scenarios.expect import Mismatch, Outcome, check
from replay.scenarios.spec import Case, ScenarioError, load, safe_name

SCENARIO_FILE = "scenario.json"


@dataclass
class CaseResult:
    """A case's verdict: passed, failed (`mismatches`) or an error (it could not run)."""

    case: Case
    execution: str | None = None  # the execution's name in the db
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0  # wall time

    @property
    def passed(self) -> bool:
        return self.error is None and not self.mismatches

    @property
    def verdict(self) -> str:
        return "ERROR" if self.error is not None else "FAIL" if self.mismatches else "PASS"


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Scenario files: each path given, or every `scenario.json` under a folder (sorted)."""
    out: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(path.rglob(SCENARIO_FILE))
            if not found:
                raise ScenarioError(f"{path}: no {SCENARIO_FILE} in this folder")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise ScenarioError(f"{path}: no such scenario file or folder")
    return list(dict.fromkeys(out))


def load_all(paths: Iterable[str | Path]) -> list[Case]:
    """Every case of every scenario file under `paths`, all checked before any runs;
    `FILE::CASE` (as the report names a case) selects one case of a file."""
    out: list[Case] = []
    for given in paths:
        where, selects, name = str(given).rpartition("::")
        cases = [case for path in discover([where if selects else given]) for case in load(path)]
        if selects:
            chosen = [case for case in cases if case.name == name]
            if not chosen:
                names = ", ".join(case.name for case in cases)
                raise ScenarioError(f"{where}: no case named {name!r} (its cases: {names})")
            cases = chosen
        out.extend(cases)
    return list({case.id: case for case in out}.values())


@contextmanager
def database(db: str | Path | None) -> Iterator[Path]:
    """The db given, or a temporary one removed afterwards."""
    if db is not None:
        yield Path(db)
        return
    with tempfile.TemporaryDirectory(prefix="sfn-replay-test-") as folder:
        yield Path(folder) / "db"


def run_case(case: Case, db: str | Path) -> CaseResult:
    """Run one case (seed and start time fixed) and check it; an error that stops the run
    (a Task nothing answers, a broken handlers file...) makes it an ERROR."""
    from replay import api

    started = time.perf_counter()
    result = CaseResult(case)
    try:
        description = _run(case, db, api)
        result.execution = description["name"]
        outcome = Outcome(description, api.events(db, description["executionArn"]))
        result.mismatches = check(case.expect, outcome)
    except api.EXPECTED_ERRORS as exc:
        result.error = str(exc)
    result.seconds = time.perf_counter() - started
    return result


def _run(case: Case, db: str | Path, api) -> dict:
    """api.run under the case's name; `-2`, `-3`... when the db already holds that name."""
    base = safe_name(case.name)
    for attempt in range(1, 1000):
        name = base if attempt == 1 else f"{base[:75]}-{attempt}"
        try:
            return api.run(
                db,
                case.definition_text,
                case.input,
                state_machine_name=case.state_machine_name,
                name=name,
                seed=case.seed,
                start_micros=case.start_micros,
                mocks=case.mocks,
                test_case=case.test_case,
                handlers_file=case.handlers_file,
                s3_root=case.s3_root,
                faults=list(case.faults),
                state_machines=case.state_machines,
            )
        except api.RunError as exc:
            if not str(exc).startswith("ExecutionAlreadyExists"):
                raise
    raise ScenarioError(f"{case.id}: no free execution name in the db")


def run_cases(
    cases: Iterable[Case], db: str | Path | None = None, on_result=None
) -> list[CaseResult]:
    """Run cases in order in one db (a temporary one unless given); `on_result(result)` is
    called after each, e.g. to print it."""
    out = []
    with database(db) as path:
        for case in cases:
            result = run_case(case, path)
            if on_result is not None:
                on_result(result)
            out.append(result)
    return out
