"""The search of the fault space: which fault sets to run, which to skip, and the minimal
failing sets it finds.

A fault set is a sorted tuple of candidate indexes, at most one per Task attempt (two faults
on one attempt: the first would decide it; faults on one attempt of two Map iterations go
together). Two rules skip a set without running it, as
Filibuster's dynamic reduction and lineage-driven fault injection do:

- it contains a set already known to fail: it cannot be a minimal failing set;
- one of its faults hits a Task attempt that the run of the other faults never reached: the
  runs are then the same, event for event (a fault acts only when its attempt is asked for),
  so its outcome and the attempts it reaches are those of that smaller set.

Neither rule can skip a minimal failing set: all its proper subsets pass (so it contains no
failing set), and it differs in outcome from each of them (so each of its faults is reached).

The search goes level by level (every single fault, then every pair, ...; a level's sets
extend the passing sets of the level before): a set found failing there is minimal, since
all its subsets were run or skipped as passing. A level too large to list (more than
ENUMERATE_LIMIT sets) is sampled along the lineage of passing runs (a passing set grows by a
fault on an attempt its run reached), seeded, within the budget; each failing set found is
then shrunk to one no proper subset of which fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

from replay.rand import SeededRandom

FaultSet = tuple[int, ...]
Target = tuple[str, int, int]  # (state, attempt, Map iteration; -1: every iteration)
ENUMERATE_LIMIT = 100_000  # sets a level may list (passing sets below x candidates)
SAMPLED_BUDGET = 10_000  # runs of a sampled search when no budget is given
_WAVE = 64  # sets per batch of a sampled search (each batch goes to the workers at once)


@dataclass(frozen=True)
class Known:
    """What is known of a fault set: whether the property held, the attempts its run
    reached, and the worker's result when it was run (None when it was inferred)."""

    ok: bool
    reached: frozenset
    result: dict | None = None


@dataclass
class Search:
    targets: list[Target]  # of each candidate
    max_faults: int
    run: Callable[[list[FaultSet]], list[dict]]  # worker results, in order
    prune: bool = True
    budget: int | None = None  # runs
    seed: int = 1
    runs_per_set: int = 1  # 1 + the seeded schedules tried per set
    known: dict[FaultSet, Known] = field(default_factory=dict)
    failing: list[FaultSet] = field(default_factory=list)  # every failing set run
    runs: int = 0
    unreached: int = 0  # sets skipped: a fault on an attempt never reached
    contained: int = 0  # sets skipped: they contain a failing set
    complete: bool = True  # every set of the space was run or skipped
    sampled: bool = False

    def space(self) -> int:
        """Fault sets of up to max_faults faults, one per attempt (the empty one included)."""
        groups: dict[tuple[str, int], dict[int, int]] = {}  # (state, attempt): iteration: n
        for state, attempt, iteration in self.targets:
            counts = groups.setdefault((state, attempt), {})
            counts[iteration] = counts.get(iteration, 0) + 1
        total = [1] + [0] * self.max_faults  # sets by size, as polynomial coefficients
        for counts in groups.values():
            each = [1] + [0] * self.max_faults  # one fault on each of some iterations...
            for iteration, n in counts.items():
                if iteration >= 0:
                    each = _times(each, [1, n])
            each[1] += counts.get(-1, 0)  # ...or one on every iteration
            total = _times(total, each)
        return sum(total)

    # -- running and knowing ---------------------------------------------------------------------

    def _run(self, sets: list[FaultSet]) -> None:
        for fault_set, result in zip(sets, self.run(sets)):
            self.record(fault_set, result)

    def record(self, fault_set: FaultSet, result: dict) -> None:
        """A worker's result for a set (`reached`: the (state, attempt, iteration) its runs
        asked for, each also as (state, attempt, -1))."""
        self.runs += result["runs"]
        self.known[fault_set] = Known(
            result["ok"], frozenset(map(tuple, result["reached"])), result
        )
        if not result["ok"]:
            self.failing.append(fault_set)

    def _room(self) -> int | None:
        """Sets that may still run within the budget (None: no limit)."""
        if self.budget is None:
            return None
        return max(0, (self.budget - self.runs) // self.runs_per_set)

    def contains_failing(self, fault_set: FaultSet) -> bool:
        """Whether a set contains one known to fail (then it cannot be minimal)."""
        members = set(fault_set)
        return any(members.issuperset(f) for f in self.failing)

    def _inferred(self, fault_set: FaultSet) -> Known | None:
        """The outcome of a set one of whose faults its subset's run never reached."""
        for i, fault in enumerate(fault_set):
            rest = self.known.get(fault_set[:i] + fault_set[i + 1 :])
            if rest is not None and rest.ok and self.targets[fault] not in rest.reached:
                return Known(rest.ok, rest.reached)
        return None

    def _skipped(self, fault_set: FaultSet) -> bool:
        """Whether the pruning rules skip the set (an inferred outcome is remembered)."""
        if not self.prune:
            return False
        if self.contains_failing(fault_set):
            self.contained += 1
            return True
        inferred = self._inferred(fault_set)
        if inferred is not None:
            self.known[fault_set] = inferred
            self.unreached += 1
            return True
        return False

    # -- the searches ----------------------------------------------------------------------------

    def search(self) -> list[FaultSet]:
        """Run the search; the minimal failing sets, ordered by (size, candidates)."""
        if () not in self.known:
            self._run([()])
        if self.failing:
            return [()]  # the run fails without faults: every set contains the empty one
        self._levels()
        return self._minimal()

    def _levels(self) -> None:
        """Level by level while a level's sets can be listed (ENUMERATE_LIMIT: the passing
        sets one fault smaller, times the candidates); sampled from there on."""
        for size in range(1, self.max_faults + 1):
            bases = self._bases(size)
            if len(bases) * len(self.targets) > ENUMERATE_LIMIT:
                self.sampled, self.complete = True, False
                if self.budget is None:
                    self.budget = self.runs + SAMPLED_BUDGET
                self._lineage()
                return
            todo = [s for s in self._level(bases) if not self._skipped(s)]
            room = self._room()
            if room is not None and len(todo) > room:
                todo = self._sample(todo, room)
                self.complete = False
            self._run(todo)
            if not self.complete:
                return

    def _bases(self, size: int) -> list[FaultSet]:
        """The sets that a level's sets extend by one fault: pruned, those of one fault
        less that passed (any other set contains a failing one); else every set."""
        if not self.prune:
            return list(combinations(range(len(self.targets)), size - 1))
        return sorted(s for s, k in self.known.items() if len(s) == size - 1 and k.ok)

    def _level(self, bases: list[FaultSet]) -> Iterable[FaultSet]:
        """The sets of one more fault than `bases`, one per attempt, each listed once (its
        last fault added to the set without it)."""
        for base in bases:
            if not self.prune and any(self._clash(base[:i], f) for i, f in enumerate(base)):
                continue  # two faults on one attempt
            for fault in range((base[-1] + 1) if base else 0, len(self.targets)):
                if not self._clash(base, fault):
                    yield base + (fault,)

    def _clash(self, base: FaultSet, fault: int) -> bool:
        """Whether a fault hits an attempt a fault of `base` hits too."""
        state, attempt, iteration = self.targets[fault]
        for other in base:
            s, a, i = self.targets[other]
            if s == state and a == attempt and (i < 0 or iteration < 0 or i == iteration):
                return True
        return False

    def _sample(self, todo: list[FaultSet], room: int) -> list[FaultSet]:
        rng = SeededRandom(self.seed)
        order = list(todo)
        for i in range(len(order) - 1, 0, -1):  # Fisher-Yates, seeded
            j = rng.randint(0, i)
            order[i], order[j] = order[j], order[i]
        return sorted(order[:room])

    def _lineage(self) -> None:
        """Sampled search: grow passing sets by a fault on an attempt their run reached."""
        rng = SeededRandom(self.seed)
        frontier = sorted(s for s, k in self.known.items() if k.ok and len(s) < self.max_faults)
        while self._room():
            wave: list[FaultSet] = []
            for _ in range(_WAVE * 20):
                if len(wave) >= min(_WAVE, self._room() or 0):
                    break
                grown = self._grow(frontier[rng.randint(0, len(frontier) - 1)], rng)
                if grown is None or grown in self.known or grown in wave:
                    continue
                if self._skipped(grown):
                    if grown in self.known and len(grown) < self.max_faults:
                        frontier.append(grown)
                    continue
                wave.append(grown)
            if not wave:
                return
            self._run(wave)
            frontier += [s for s in wave if self.known[s].ok and len(s) < self.max_faults]
        self._shrink_all()

    def _grow(self, base: FaultSet, rng: SeededRandom) -> FaultSet | None:
        reached = self.known[base].reached
        options = [
            c
            for c, t in enumerate(self.targets)
            if t in reached and c not in base and not self._clash(base, c)
        ]
        if not options:
            return None
        return tuple(sorted(base + (options[rng.randint(0, len(options) - 1)],)))

    def _shrink_all(self) -> None:
        for fault_set in list(self.failing):
            self._shrink(fault_set)

    def _shrink(self, fault_set: FaultSet) -> None:
        """Run the proper subsets of a failing set, smallest first, until one fails (it is
        minimal: every smaller subset passed) or none does (the set is minimal)."""
        for size in range(1, len(fault_set)):
            subsets = list(combinations(fault_set, size))
            if any(s in self.known and not self.known[s].ok for s in subsets):
                return
            todo = [s for s in subsets if s not in self.known and not self._skipped(s)]
            self._run(todo)
            if any(not self.known[s].ok for s in subsets if s in self.known):
                return

    def _minimal(self) -> list[FaultSet]:
        failing = set(self.failing)
        minimal = [
            s
            for s in failing
            if not self._has_failing_subset(s, failing) and self._all_subsets_pass(s)
        ]
        return sorted(minimal, key=lambda s: (len(s), s))

    @staticmethod
    def _has_failing_subset(fault_set: FaultSet, failing: set[FaultSet]) -> bool:
        return any(
            subset in failing
            for size in range(len(fault_set))
            for subset in combinations(fault_set, size)
        )

    def _all_subsets_pass(self, fault_set: FaultSet) -> bool:
        """Whether no proper subset is known to fail (a sampled search may not know them all:
        only shrunk sets are reported then)."""
        if not self.sampled:
            return True
        for size in range(len(fault_set)):
            for subset in combinations(fault_set, size):
                known = self.known.get(subset)
                if known is None or not known.ok:
                    return False
        return True


def _times(a: list[int], b: list[int]) -> list[int]:
    """The product of two polynomials (coefficient lists), cut to the length of `a`."""
    out = [0] * len(a)
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if i + j < len(out):
                out[i + j] += x * y
    return out
