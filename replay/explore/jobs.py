"""What a worker runs: one fault set, with its seeded schedules, in the worker's own db.

A worker process loads the definition, the mocks and handlers and opens its db once, on its
first job of an exploration (`Spec.key` tells explorations apart), and keeps them for the
next: a run costs the interpreter and the log, not the set-up. Each job returns plain data:
whether the property held, the run's outcome, the Task attempts it reached (for pruning) and,
for a run kept (run again under the name it is kept as), its failing state and history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.asl.model import Machine
from replay.definition import Definition, load_definition
from replay.engine import NoTaskAnswer
from replay.events import EXTRA
from replay.explore.candidates import ExploreError
from replay.explore.properties import Run, checker
from replay.faults import FaultWorld, describe, frame_indexes, injected
from replay.fold import ending_failure, failures, with_frames
from replay.fork import Fork
from replay.history import EXECUTIONS, read_events
from replay.rand import SeededRandom
from replay.recorded import RecordedWorld
from replay.runner import Names, execution_info, run_execution
from replay.transfer import export_history
from replay.world import ChainWorld, TaskAnswer, TaskRequest, World
from replay.worlds import build_world, local_s3, world_setup
from store import EventLog

# (job id, the fault set's rules in object form, None in the search; for a run kept: the
# name it is kept as and which of the set's tries (schedules) to run)
Job = tuple[int, tuple[dict, ...], tuple[str, int] | None]


@dataclass(frozen=True)
class Spec:
    """Everything a worker needs to run the jobs of one exploration (sent with each batch)."""

    key: str  # tells explorations apart in a long-lived worker process
    root: str  # the directory holding the workers' dbs
    definition: str
    input: Any
    state_machine_name: str
    property: str = "succeeds"
    expression: str | None = None
    mocks: Any = None
    test_case: str | None = None
    handlers: dict | None = None
    handlers_file: str | None = None
    s3_root: str | None = None
    seed: int = 1
    start_micros: int = 0
    schedules: int = 0
    share_prefix: bool = False
    keep_passing: bool = False


def schedule_seed(seed: int, index: int) -> int:
    """The seed of the index-th random schedule tried for every fault set."""
    return SeededRandom(seed ^ (index * 0x9E3779B97F4A7C15)).randint(0, 2**62)


def run_job(spec: Spec, job: Job) -> dict:
    """Run one fault set (module level, so that it pickles by reference)."""
    try:
        return worker_for(spec).run(*job)
    except NoTaskAnswer as missing:  # its message would name the worker's db and resume
        faults = ", ".join(describe(rule) for rule in job[1]) or "none"
        raise ExploreError(
            f"nothing answers Task {missing.state!r} ({missing.resource}) in the run with "
            f"faults {faults}: give it a mock (--mock-config, --test-case) or a handler "
            "(--handlers)"
        ) from None


_current: list[tuple[str, Worker]] = []


def worker_for(spec: Spec) -> Worker:
    """This process's worker for the exploration (made on its first job)."""
    if _current and _current[0][0] == spec.key:
        return _current[0][1]
    close_worker()
    worker = Worker(spec)
    _current.append((spec.key, worker))
    return worker


def close_worker() -> None:
    """Close this process's worker db (the caller removes the directory after)."""
    while _current:
        _current.pop()[1].log.close()


@dataclass
class Recording:
    """A world that notes every Task attempt it is asked about: (state, attempt, -1), and
    (state, attempt, i) too in iteration i of a Map."""

    inner: World
    reached: set
    containers: dict[str, str]

    @property
    def leaves_process(self) -> bool:
        return getattr(self.inner, "leaves_process", True)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        self.reached.add((request.state_name, request.attempt, -1))
        if request.frame:
            iteration = frame_indexes(request.frame, self.containers)[0]
            if iteration is not None:
                self.reached.add((request.state_name, request.attempt, iteration))
        return self.inner.answer(request)


@dataclass
class Baseline:
    """The fault-free run that faulted runs branch from (prefix sharing)."""

    info: Any
    events: list[dict]
    fork_at: dict[tuple[str, int], int]  # first (state, attempt): its Scheduled event id
    prefixes: dict[int, RecordedWorld] = field(default_factory=dict)


class Worker:
    def __init__(self, spec: Spec) -> None:
        from replay.sweep import worker_db  # multiprocessing: not for every user of replay.api

        self.spec = spec
        self.log = EventLog(worker_db(spec.root))
        self.definition: Definition = load_definition(spec.definition)
        self.machine: Machine = self.definition.machine
        handlers_file = Path(spec.handlers_file) if spec.handlers_file else None
        self.world = build_world(
            spec.mocks, spec.test_case, spec.state_machine_name, spec.handlers, handlers_file
        )
        self.setup = world_setup(self.log, spec.mocks, spec.test_case, handlers_file)
        if spec.s3_root is not None:
            self.setup["s3Root"] = str(Path(spec.s3_root).resolve())
        self.check = checker(spec.property, spec.expression)
        self.containers = FaultWorld.build([], self.machine, self.world).containers
        self.baseline: Baseline | None = None

    def run(
        self, job_id: int, rules: tuple[dict, ...], keep: tuple[str, int] | None = None
    ) -> dict:
        """The fault set on the round-robin schedule, then on each seeded random one, up to
        the first run the property fails on. A run to keep is the one try named (the one the
        search decided the set on), under its name, with its failing state and history."""
        spec, reached = self.spec, set()
        tries = [("round-robin", spec.seed)]
        tries += [("random", schedule_seed(spec.seed, i)) for i in range(1, spec.schedules + 1)]
        if keep is not None:
            name, index = keep
            result = self._one(name, rules, *tries[index], reached, True)
            return dict(result, runs=1, schedule=tries[index][1] if index else None, reached=[])
        for index, (schedule, seed) in enumerate(tries):
            name = f"x{job_id}" + (f"-s{index}" if index else "")
            result = self._one(name, rules, schedule, seed, reached, False)
            if not result["ok"] or index == len(tries) - 1:
                result.update(
                    runs=index + 1, schedule=seed if index else None, reached=sorted(reached)
                )
                result["try"] = index
                return result
        raise AssertionError("unreachable")

    def _one(
        self, name: str, rules: tuple, schedule: str, seed: int, reached: set, detail: bool
    ) -> dict:
        spec = self.spec
        faulted = FaultWorld.build(rules, self.machine, self.world) if rules else self.world
        setup = dict(self.setup, faults=list(rules)) if rules else dict(self.setup)
        info = execution_info(
            Names(spec.state_machine_name, name), spec.input, seed, spec.start_micros
        )
        fork_at = (
            self._fork_point(rules) if spec.share_prefix and schedule == "round-robin" else None
        )
        if fork_at is None:
            engine = run_execution(
                self.log,
                self.definition,
                info,
                Recording(faulted, reached, self.containers),
                seed,
                setup=setup,
                s3=local_s3(setup),
                schedule=schedule,
            )
        else:
            engine = self._branch(info, faulted, reached, setup, fork_at)
        return self._outcome(engine, info, detail)

    def _outcome(self, engine: Any, info: Any, detail: bool) -> dict:
        doc = self.log.get_doc(EXECUTIONS, info.execution_arn)
        run = Run(engine.status, engine.error, engine.output, lambda: read_events(self.log, doc))
        violation = self.check(run, lambda run: ending_failure_row(run.events))
        result = {
            "ok": violation is None,
            "violation": violation,
            "status": engine.status,
            "error": engine.error,
            "cause": engine.cause,
            "state": None,
            "history": None,
        }
        if detail:
            ending = ending_failure_row(run.events) if violation is not None else None
            result["state"] = ending["state"] if ending else None
            result["history"] = export_history(doc, run.events)
            result["children"] = self._children(info.execution_arn)
        return result

    def _children(self, arn: str) -> list[tuple[dict, list[dict]]]:
        """A run's Distributed Map child executions, as stored: (index record, events)."""
        return [
            (doc, list(read_events(self.log, doc)))
            for _, doc in self.log.docs(EXECUTIONS)
            if doc.get("parentExecution") == arn
        ]

    # -- prefix sharing ------------------------------------------------------------------------

    def _fork_point(self, rules: tuple) -> int | None:
        """The event to branch from the baseline at: the Scheduled event of the first Task
        attempt a rule hits (None: no rule hits what the baseline reached)."""
        if not rules:
            return None
        base = self._baseline()
        points = [base.fork_at.get((r["state"], int(r["attempts"]))) for r in rules]
        points = [p for p in points if p is not None]
        return min(points) if points else None

    def _baseline(self) -> Baseline:
        if self.baseline is None:
            spec = self.spec
            info = execution_info(
                Names(spec.state_machine_name, "baseline"), spec.input, spec.seed, spec.start_micros
            )
            order: list[tuple[str, int, int]] = []
            world = _Ordered(self.world, order)
            run_execution(
                self.log,
                self.definition,
                info,
                world,
                spec.seed,
                setup=dict(self.setup),
                s3=local_s3(self.setup),
            )
            doc = self.log.get_doc(EXECUTIONS, info.execution_arn)
            events = list(read_events(self.log, doc))
            scheduled = {}
            for event, _, state in with_frames(events):
                invocation = (event.get(EXTRA) or {}).get("invocation")
                if event["type"].endswith("Scheduled") and invocation is not None:
                    scheduled.setdefault((state, invocation), event["id"])
            fork_at: dict[tuple[str, int], int] = {}
            for state, attempt, invocation in order:
                if (state, invocation) in scheduled:
                    fork_at.setdefault((state, attempt), scheduled[(state, invocation)])
            self.baseline = Baseline(info, events, fork_at)
        return self.baseline

    def _branch(self, info: Any, faulted: World, reached: set, setup: dict, at: int) -> Any:
        base = self.baseline
        assert base is not None
        prefix = base.prefixes.get(at)
        if prefix is None:
            prefix = base.prefixes[at] = RecordedWorld.from_events(base.events[:at])
        fork = Fork(at=at, world=Recording(faulted, reached, self.containers), info=info)
        setup = dict(setup, parent=base.info.execution_arn, forkAt=at)
        return run_execution(
            self.log,
            self.definition,
            base.info,
            Recording(ChainWorld.of([prefix, faulted]), reached, self.containers),
            self.spec.seed,
            setup=setup,
            fork=fork,
            parent_events=base.events,
            s3=local_s3(setup),
        )


def ending_failure_row(events: list[dict]) -> dict | None:
    """The failure that ended the execution: its error, the state it arose in, the fault
    rules that injected it (None when no failure ended it)."""
    found = failures(events)
    index = ending_failure(found)
    if index is None:
        return None
    event = found[index]["event"]
    origin = event.get("previousEventId") or event["id"]
    state = next((name for e, _, name in with_frames(events) if e["id"] == origin), None)
    return {"error": found[index]["error"], "state": state, "injected": injected(event)}


@dataclass
class _Ordered:
    """A world that notes the Task attempts it is asked about, in order, with their
    invocation numbers (which the Scheduled events carry)."""

    inner: World
    order: list

    @property
    def leaves_process(self) -> bool:
        return getattr(self.inner, "leaves_process", True)

    def answer(self, request: TaskRequest) -> TaskAnswer | None:
        self.order.append((request.state_name, request.attempt, request.invocation))
        return self.inner.answer(request)
