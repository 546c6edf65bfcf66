"""Fault-space exploration: which sets of injected faults break a workflow.

`explore(...)` runs the workflow without faults, then with every candidate fault
(`candidates`), every pair, ... up to `max_faults` (`search`: pruned, level by level, or
sampled when the space is large), each run checked against a property (`properties`). Jobs run
on `replay.sweep` (in process, on local worker processes or on Ray), each worker in a db of
its own (`jobs`); the minimal failing sets come back with their histories, which are kept in
the user's db as `explore-<machine>-<n>` (`report`).
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path
from typing import Any

from replay.definition import load_definition
from replay.explore import candidates as faults_of
from replay.explore.candidates import ExploreError, target
from replay.explore.jobs import Spec, close_worker, run_job, worker_for
from replay.explore.properties import PROPERTIES, check_property
from replay.explore.report import failure_row, first_free, keep, kept_name, summary
from replay.explore.search import Search
from replay.faults import describe
from replay.worlds import build_world

POOL_WORTH = 1.0  # seconds of runs in this process that starting local workers is worth
SHARE_PREFIX = False  # branching faulted runs from the fault-free one: more CPU on w6 (bench)

__all__ = ["PROPERTIES", "ExploreError", "explore"]


def explore(
    db: str | Path,
    definition_text: str,
    input_value: Any = None,
    *,
    state_machine_name: str,
    mocks: Any = None,
    test_case: str | None = None,
    handlers: dict | None = None,
    handlers_file: Path | None = None,
    s3_root: Path | None = None,
    property: str = "succeeds",
    expression: str | None = None,
    max_faults: int = 2,
    schedules: int = 0,
    budget: int | None = None,
    workers: int = 1,
    ray: str | None = None,
    keep_passing: bool = False,
    states: list[str] | None = None,
    seed: int = 1,
    start_micros: int | None = None,
    share_prefix: bool | None = None,
    prune: bool = True,
) -> dict:
    """Search the fault space of a workflow for the minimal sets of faults that break
    `property` (succeeds, handled, no-fail-state, output-matches with `expression`).

    Returns `{"runs", "property", "failures": [{"faults": [rule objects], "status", "error",
    "cause", "state", "violation", "execution"}], ...}` with the counts of the search
    (`exhaustive`: the runs an unpruned search makes, `pruned`, `complete`). Failing runs are
    kept in `db` as `explore-<machine>-<n>`; passing ones too (`...-ok-<n>`) with
    `keep_passing`. The same inputs give the same object whatever `workers` and `ray` are.
    Every run starts at `start_micros` (default: now) with `seed`; `share_prefix` branches
    faulted runs from the fault-free one (default SHARE_PREFIX); `prune=False` runs every
    set (to check the pruning against)."""
    _check(property, expression, max_faults, schedules, budget, workers, ray, handlers)
    definition = load_definition(definition_text)
    build_world(mocks, test_case, state_machine_name, handlers, handlers_file)  # checks mocks
    faults_of.candidates(definition.machine, states)  # checks the names first
    root = tempfile.mkdtemp(prefix="sfn-replay-explore-")
    spec = Spec(
        key=uuid.uuid4().hex,
        root=root,
        definition=definition_text,
        input={} if input_value is None else input_value,
        state_machine_name=state_machine_name,
        property=property,
        expression=expression,
        mocks=mocks,
        test_case=test_case,
        handlers=handlers,
        handlers_file=str(handlers_file) if handlers_file is not None else None,
        s3_root=str(s3_root) if s3_root is not None else None,
        seed=seed,
        start_micros=time.time_ns() // 1000 if start_micros is None else start_micros,
        schedules=schedules,
        share_prefix=SHARE_PREFIX if share_prefix is None else share_prefix,
        keep_passing=keep_passing,
    )
    options = dict(prune=prune, budget=budget, seed=seed, runs_per_set=1 + schedules)
    runner = _Runner(spec, workers, ray)
    try:
        search = runner.search(definition.machine, states, max_faults, options)
        minimal = search.search()
        kept = _kept(db, spec, search, minimal)
        results = runner.keep(
            [(fault_set, name, search.known[fault_set].result) for fault_set, name in kept]
        )
    finally:
        close_worker()
        shutil.rmtree(root, ignore_errors=True)
    return _report(db, definition_text, spec, search, kept, results, runner.found)


class _Runner:
    """Sends fault sets to the workers: those of the search, then those whose runs are kept
    (run once more under the names they are kept as, so that what a run records of its own
    name, in its Context object say, is that name)."""

    def __init__(self, spec: Spec, workers: int, ray: str | None) -> None:
        self.spec, self.workers, self.ray = spec, workers, ray
        self.ids = itertools.count()
        self.pace = _Pace(workers if ray is None else 0)
        self.found: list[dict] = []  # the candidates, once the fault-free run has shown them

    def search(self, machine: Any, states: Any, max_faults: int, options: dict) -> Search:
        """The search, its fault-free run done (which Map iterations there are)."""
        baseline = self.run([()])[0]
        self.found += faults_of.candidates(machine, states, baseline["reached"])
        search = Search([target(rule) for rule in self.found], max_faults, self.run, **options)
        search.record((), baseline)
        return search

    def run(self, sets: list[tuple[int, ...]]) -> list[dict]:
        return self._jobs([(next(self.ids), self._rules(s), None) for s in sets])

    def keep(self, entries: list[tuple[tuple[int, ...], str, dict]]) -> list[dict]:
        """Run each (set, name, its search result) again, on the schedule it was decided on,
        under that name; the results carry the failing state and the history."""
        jobs = [(next(self.ids), self._rules(s), (name, r["try"])) for s, name, r in entries]
        results = self._jobs(jobs)
        for (fault_set, _, first), again in zip(entries, results):
            outcome = (first["ok"], first["status"], first["error"])
            if (again["ok"], again["status"], again["error"]) != outcome:
                faults = ", ".join(describe(rule) for rule in self._rules(fault_set))
                raise ExploreError(
                    f"the run with faults {faults or 'none'} gave {first['status']} "
                    f"{first['error'] or ''}, then {again['status']} {again['error'] or ''} "
                    "when run again: the mocks or handlers do not answer the same way every "
                    "time, so exploring cannot rely on them"
                )
        return results

    def _rules(self, fault_set: tuple[int, ...]) -> tuple[dict, ...]:
        return tuple(self.found[i] for i in fault_set)

    def _jobs(self, jobs: list) -> list[dict]:
        from replay.sweep import map_jobs  # multiprocessing: imported when exploring

        fn = partial(run_job, self.spec)
        if self.pace.here(len(jobs)):
            worker_for(self.spec)  # its set-up (definition, mocks, db) is not the runs' pace
            return self.pace.timed(lambda: [fn(job) for job in jobs], len(jobs))
        return map_jobs(fn, jobs, workers=self.workers, ray=self.ray)


def _kept(db: Any, spec: Spec, search: Search, minimal: list) -> list[tuple[tuple, str]]:
    """The sets whose runs are kept, with their names: the minimal failing ones, then (with
    keep_passing) every passing one run, numbered on from what the db has."""
    machine = spec.state_machine_name
    first = first_free(db, machine)
    out = [(s, kept_name(machine, n)) for n, s in enumerate(minimal, first)]
    if spec.keep_passing:
        passed = [s for s, known in search.known.items() if known.result and known.ok]
        out += [(s, kept_name(machine, n, "ok")) for n, s in enumerate(passed, first + len(out))]
    return out


class _Pace:
    """Whether a batch of jobs runs in this process or goes to the workers: local workers
    are worth starting only for a batch that would take this process longer than
    POOL_WORTH seconds, judged by the runs made here so far (the result is the same either
    way; Ray, when asked for, gets every batch but the fault-free run)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers  # 0: Ray
        self.seconds, self.runs = 0.0, 0

    def here(self, jobs: int) -> bool:
        if self.workers == 1 or not self.runs:
            return True  # the first batch is the fault-free run alone
        return self.workers > 1 and jobs * self.seconds / self.runs < POOL_WORTH

    def timed(self, batch, jobs: int) -> list[dict]:
        start = time.perf_counter()
        out = batch()
        self.seconds += time.perf_counter() - start
        self.runs += jobs
        return out


def _check(property, expression, max_faults, schedules, budget, workers, ray, handlers) -> None:
    check_property(property, expression)
    if max_faults < 1:
        raise ExploreError(f"--max-faults must be at least 1, not {max_faults}")
    if schedules < 0:
        raise ExploreError(f"--schedules must be 0 or more, not {schedules}")
    if budget is not None and budget < 1:
        raise ExploreError(f"--budget must be at least 1, not {budget}")
    if workers < 1:
        raise ExploreError(f"--workers must be at least 1, not {workers}")
    if handlers and (workers > 1 or ray is not None):
        raise ExploreError(
            "handlers given as a dict run in this process only: use workers=1, or a "
            "handlers file (handlers_file), which every worker imports"
        )


def _report(db, definition_text, spec: Spec, search: Search, kept, results, found) -> dict:
    out: dict[str, Any] = summary(search, found)
    out["property"] = spec.property
    if spec.expression is not None:
        out["expression"] = spec.expression
    failures, passed = [], []
    for (fault_set, name), result in zip(kept, results):
        rules = [found[i] for i in fault_set]
        if result["ok"]:
            passed.append({"faults": rules, "execution": name})
        else:
            failures.append(failure_row(rules, result, name, spec.schedules))
    out.update(maxFaults=search.max_faults, schedules=spec.schedules, failures=failures)
    if spec.keep_passing:
        out["passed"] = passed
    world = {"mocks": spec.mocks, "test_case": spec.test_case, "handlers_file": spec.handlers_file}
    histories = [(r["history"], name, r["children"]) for (_, name), r in zip(kept, results)]
    keep(db, definition_text, spec.state_machine_name, histories, world)
    return out
