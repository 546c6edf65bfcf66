"""Prints the conformance rates by feature after the test run."""

from __future__ import annotations

from tests import conformance


def pytest_terminal_summary(terminalreporter):
    if conformance.REPORT:
        terminalreporter.section("conformance (recorded AWS executions)")
        for line in conformance.summarize(conformance.REPORT).splitlines():
            terminalreporter.write_line(line)
