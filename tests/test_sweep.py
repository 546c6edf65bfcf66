"""replay.sweep: the same results, in job order, on every backend."""

from __future__ import annotations

import os

import pytest

from replay import sweep


def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def fail_on_three(n: int) -> int:
    if n == 3:
        raise ValueError("three")
    return n


def test_in_process_keeps_order():
    assert [r for r, _ in sweep.map_jobs(square_and_pid, range(5))] == [0, 1, 4, 9, 16]


def test_processes_keep_order_and_use_other_processes():
    results = sweep.map_jobs(square_and_pid, list(range(40)), workers=2)
    assert [r for r, _ in results] == [n * n for n in range(40)]
    assert os.getpid() not in {pid for _, pid in results}


def test_a_failing_job_raises_in_the_caller():
    with pytest.raises(ValueError, match="three"):
        sweep.map_jobs(fail_on_three, list(range(8)), workers=2)


def test_workers_below_one_is_refused():
    with pytest.raises(sweep.SweepError, match="at least 1"):
        sweep.map_jobs(square_and_pid, [1], workers=0)


def test_batches_cover_every_job_once():
    jobs = list(range(23))
    batches = sweep._batches(jobs, 2)
    assert [j for b in batches for j in b] == jobs and len(batches) > 2


def test_worker_db_is_per_process(tmp_path):
    assert sweep.worker_db(tmp_path) == tmp_path / f"worker-{os.getpid()}" / "db"


def test_without_ray_the_error_says_how_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray":
            raise ImportError("no ray")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(sweep.SweepError, match=r"pip install -e '\.\[ray\]'"):
        sweep.map_jobs(square_and_pid, [1], ray="")


def test_on_a_local_ray_cluster():
    ray = pytest.importorskip("ray")
    try:
        results = sweep.map_jobs(square_and_pid, list(range(10)), ray="")
    finally:
        ray.shutdown()
    assert [r for r, _ in results] == [n * n for n in range(10)]
