"""The text and JUnit XML reports of a scenario test run."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from replay.scenarios.execute import CaseResult


def detail_lines(result: CaseResult) -> list[str]:
    """Why a case did not pass: the error, or each failed expectation with its diff."""
    if result.error is not None:
        return [f"could not run: {result.error}"]
    return [line for mismatch in result.mismatches for line in mismatch.lines()]


def case_lines(result: CaseResult, db: str | None = None) -> list[str]:
    """`PASS  file::case`, and for a failure the indented diff (and where to look)."""
    head = f"{result.verdict:<5} {result.case.id}"
    if result.passed:
        return [head]
    lines = [head] + [f"    {line}" for line in detail_lines(result)]
    if result.execution and db:
        lines.append(f"    inspect: sfn-replay history {result.execution} --db {db}")
    return lines


def counts(results: list[CaseResult]) -> Counter:
    return Counter(result.verdict for result in results)


def summary(results: list[CaseResult], seconds: float) -> str:
    n = counts(results)
    files = len({result.case.file for result in results})
    parts = [f"{n['PASS']} passed", f"{n['FAIL']} failed"]
    if n["ERROR"]:
        parts.append(f"{n['ERROR']} could not run")
    cases = f"{len(results)} case{'s' * (len(results) != 1)}"
    return f"{', '.join(parts)}: {cases} in {files} file{'s' * (files != 1)}, {seconds:.2f} s"


def junit_xml(results: list[CaseResult], seconds: float) -> str:
    """JUnit XML: a testsuite per scenario file, a testcase per case; a failed case has a
    <failure> (an ERROR an <error>) whose message is the first line of the diff."""
    n = counts(results)
    root = ET.Element("testsuites", name="sfn-replay", tests=str(len(results)))
    root.set("failures", str(n["FAIL"]))
    root.set("errors", str(n["ERROR"]))
    root.set("time", f"{seconds:.3f}")
    suites: dict[str, ET.Element] = {}
    for result in results:
        file = str(result.case.file)
        if file not in suites:
            suites[file] = ET.SubElement(root, "testsuite", name=file)
        element = ET.SubElement(
            suites[file],
            "testcase",
            classname=file,
            name=result.case.name,
            time=f"{result.seconds:.3f}",
        )
        if not result.passed:
            lines = detail_lines(result)
            tag = "error" if result.error is not None else "failure"
            summaries = [m.lines()[0] for m in result.mismatches] or lines[:1]
            message = "; ".join(summaries)  # every failed expectation; the diff in the text
            ET.SubElement(element, tag, message=message, type=tag).text = "\n".join(lines)
    for file, suite in suites.items():
        mine = [r for r in results if str(r.case.file) == file]
        suite_counts = counts(mine)
        suite.set("tests", str(len(mine)))
        suite.set("failures", str(suite_counts["FAIL"]))
        suite.set("errors", str(suite_counts["ERROR"]))
        suite.set("time", f"{sum(r.seconds for r in mine):.3f}")
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
