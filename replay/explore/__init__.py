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
    try:
        search, minimal, found = _search(
            spec, definition.machine, states, max_faults, options, workers, ray
        )
    finally:
        close_worker()
        shutil.rmtree(root, ignore_errors=True)
    return _report(db, definition_text, spec, search, minimal, found)


def _search(
    spec: Spec, machine: Any, states: Any, max_faults: int, options: dict, workers: int, ray: Any
) -> tuple[Search, list, list[dict]]:
    """Run the fault-free run, list the candidates, search; (search, minimal sets,
    candidates)."""
    from replay.sweep import map_jobs  # multiprocessing: imported when an exploration runs

    ids = itertools.count()
    pace = _Pace(workers if ray is None else 0)
    found: list[dict] = []
    search: Search | None = None

    def detail(fault_set: tuple[int, ...]) -> bool:  # a failing set that may be minimal
        return search is None or not search.contains_failing(fault_set)

    def run(sets: list[tuple[int, ...]]) -> list[dict]:
        jobs = [(next(ids), tuple(found[i] for i in s), detail(s)) for s in sets]
        fn = partial(run_job, spec)
        if pace.here(len(jobs)):
            worker_for(spec)  # its set-up (definition, mocks, db) is not the runs' pace
            return pace.timed(lambda: [fn(job) for job in jobs], len(jobs))
        return map_jobs(fn, jobs, workers=workers, ray=ray)

    baseline = run([()])[0]  # the fault-free run: which Map iterations there are
    found += faults_of.candidates(machine, states, baseline["reached"])
    search = Search([target(rule) for rule in found], max_faults, run, **options)
    search.record((), baseline)
    return search, search.search(), found


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


def _report(db, definition_text, spec: Spec, search: Search, minimal, found) -> dict:
    machine = spec.state_machine_name
    first = first_free(db, machine)
    failures, histories = [], []
    for n, fault_set in enumerate(minimal, first):
        result = search.known[fault_set].result
        name = kept_name(machine, n)
        failures.append(failure_row([found[i] for i in fault_set], result, name, spec.schedules))
        histories.append((result["history"], name))
    out: dict[str, Any] = summary(search, found)
    out["property"] = spec.property
    if spec.expression is not None:
        out["expression"] = spec.expression
    out.update(maxFaults=search.max_faults, schedules=spec.schedules, failures=failures)
    if spec.keep_passing:
        passed = [(s, k.result) for s, k in search.known.items() if k.result and k.ok]
        out["passed"] = []
        for n, (fault_set, result) in enumerate(passed, first + len(minimal)):
            name = kept_name(machine, n, "ok")
            out["passed"].append({"faults": [found[i] for i in fault_set], "execution": name})
            histories.append((result["history"], name))
    world = {"mocks": spec.mocks, "test_case": spec.test_case, "handlers_file": spec.handlers_file}
    keep(db, definition_text, machine, histories, world)
    return out
