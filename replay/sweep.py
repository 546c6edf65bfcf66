"""Many independent jobs, in this process, on local worker processes or on a Ray cluster.

`map_jobs(fn, jobs, workers=N, ray=ADDRESS)` returns `[fn(job) for job in jobs]`, in job order
whatever the backend, so a sweep's report does not depend on how it ran. `fn` must be a
module-level function and jobs and results plain picklable data. A job never writes to the
caller's db: a worker process (or Ray worker) writes to its own (`worker_db`) and sends back
what the caller keeps (histories to import, say).

Ray is optional (`pip install -e '.[ray]'`); `ray=""` starts a local cluster, `ray="HOST:PORT"`
joins one.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

J = TypeVar("J")
R = TypeVar("R")

RAY_MISSING = "--ray needs Ray, an optional extra: pip install -e '.[ray]' (or pip install ray)"
_BATCHES_PER_WORKER = 4  # jobs go out in batches: a few per worker keeps all of them busy


class SweepError(RuntimeError):
    """A backend cannot be used (Ray not installed, no cluster at the address...)."""


def map_jobs(
    fn: Callable[[J], R],
    jobs: Sequence[J],
    *,
    workers: int = 1,
    ray: str | None = None,
) -> list[R]:
    """`[fn(job) for job in jobs]`, on `workers` local processes, or on Ray when `ray` is not
    None ("" for a local cluster). An exception in a job is raised here."""
    if workers < 1:
        raise SweepError(f"--workers must be at least 1, not {workers}")
    if ray is not None:
        return _on_ray(fn, list(jobs), ray)
    if workers == 1 or len(jobs) < 2:
        return [fn(job) for job in jobs]
    return _on_processes(fn, list(jobs), workers)


def _batches(jobs: list[J], workers: int) -> list[list[J]]:
    size = max(1, -(-len(jobs) // (workers * _BATCHES_PER_WORKER)))
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def run_batch(fn: Callable[[J], R], batch: list[J]) -> list[R]:
    """One batch of jobs in a worker (module-level, so it pickles by reference)."""
    return [fn(job) for job in batch]


def _on_processes(fn: Callable[[J], R], jobs: list[J], workers: int) -> list[R]:
    # forkserver: workers start from a clean process, never from a copy of one holding
    # LMDB environments or threads (which fork would copy)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["replay.api"])
    batches = _batches(jobs, workers)
    with ProcessPoolExecutor(max_workers=min(workers, len(batches)), mp_context=context) as pool:
        done = pool.map(run_batch, [fn] * len(batches), batches)
        return [result for batch in done for result in batch]


def _on_ray(fn: Callable[[J], R], jobs: list[J], address: str) -> list[R]:
    try:
        import ray  # noqa: PLC0415 - optional, and slow to import
    except ImportError:
        raise SweepError(RAY_MISSING) from None
    if not ray.is_initialized():
        try:
            ray.init(
                address=address or None,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = address or "a local cluster"
            raise SweepError(f"--ray: cannot start or join {where}: {exc}") from None
    if not jobs:
        return []
    workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    remote = ray.remote(run_batch)
    pending = [remote.remote(fn, batch) for batch in _batches(jobs, workers)]
    return [result for batch in ray.get(pending) for result in batch]


def worker_db(root: str | os.PathLike[str]) -> Path:
    """This process's own db under `root` (a directory the caller made for the sweep and
    removes after it; on a remote Ray node the same path is made there): where a worker
    writes its runs before their results go back to the caller."""
    return Path(root) / f"worker-{os.getpid()}" / "db"


def cpu_count() -> int:
    """Cores this process may use (the default for `--workers`)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


__all__ = ["RAY_MISSING", "SweepError", "cpu_count", "map_jobs", "run_batch", "worker_db"]
