"""Prints the conformance rates by feature after the test run."""

from __future__ import annotations

import pytest

from tests import conformance


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray cluster for every test that sweeps on Ray (starting one costs seconds);
    `replay.sweep` joins the cluster already started in this process. Skipped without Ray."""
    ray = pytest.importorskip("ray")
    ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


def pytest_terminal_summary(terminalreporter):
    if conformance.REPORT:
        terminalreporter.section("conformance (recorded AWS executions)")
        for line in conformance.summarize(conformance.REPORT).splitlines():
            terminalreporter.write_line(line)
