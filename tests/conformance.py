"""Runs the recorded AWS executions of ../shared/conformance through the Python API and compares
them the way the outside checker does (its matcher is loaded from ../shared, never copied)."""

from __future__ import annotations

import collections
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from replay import api

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "conformance"
CASES = SHARED / "cases"
REPORT: list = []  # filled by tests/test_conformance.py, printed by conftest.py


def load_checker():
    spec = importlib.util.spec_from_file_location("check_cli", SHARED / "tools" / "check_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class CaseResult:
    case: str
    features: list[str]
    outcome: bool = False
    history_types: bool | None = None
    cause: bool | None = None
    replay_identical: bool | None = None
    details: bool | None = None  # every event's links and details match (no Map/Parallel)
    note: str = ""


def run_case(case_dir: Path, db: Path, checker, number: int) -> CaseResult:
    expected = json.loads((case_dir / "expected.json").read_text())
    result = CaseResult(case_dir.name, expected.get("features", []))
    mocks_file = case_dir / "mocks.json"
    try:
        description = api.run(
            db,
            (case_dir / "definition.json").read_text(),
            json.loads((case_dir / "input.json").read_text()),
            state_machine_name="conformance",
            name=f"case-{number}",
            account="111111111111",
            region="us-east-1",
            seed=number,
            start_micros=1_767_225_600_000_000,
            mocks=json.loads(mocks_file.read_text()) if mocks_file.exists() else None,
            test_case="recorded" if mocks_file.exists() else None,
        )
    except api.EXPECTED_ERRORS as exc:
        result.note = f"{type(exc).__name__}: {exc}"[:300]
        return result
    status = description["status"]
    ok = status == expected["status"]
    if ok and status == "SUCCEEDED":
        output = json.loads(description["output"])
        ok = checker.match(expected["output"], output)
        if not ok:
            result.note = f"output differs: {json.dumps(output)[:200]}"
    elif ok:
        ok = description["error"] == expected.get("error")
        if not ok:
            result.note = f"error {description['error']!r} != {expected.get('error')!r}"
        result.cause = expected.get("cause") is None or checker.match(
            expected.get("cause"), description["cause"]
        )
        if not result.cause and ok:
            result.note = f"cause {description['cause']!r}"[:300]
    else:
        result.note = f"status {status} != {expected['status']}; error={description['error']!r}"
    result.outcome = ok
    result.replay_identical = api.replay(db, description["executionArn"]) is None
    if expected.get("history"):
        got = [e["type"] for e in api.history(db, description["executionArn"])]
        want = [e["type"] for e in expected["history"]]
        if {"map", "parallel"} & set(result.features):
            result.history_types = collections.Counter(got) == collections.Counter(want)
        else:
            result.history_types = got == want
        if not result.history_types and not result.note:
            result.note = f"types {got} != {want}"[:400]
        if result.history_types and not {"map", "parallel"} & set(result.features):
            history = api.history(db, description["executionArn"])
            result.details = all(
                mine["previousEventId"] == recorded["previousEventId"]
                and _same_details(checker, mine, recorded, f"case-{number}")
                for mine, recorded in zip(history, expected["history"])
            )
    return result


def _same_details(checker, mine: dict, recorded: dict, execution: str) -> bool:
    """Compare one event's details after the README's placeholder normalisation."""
    text = json.dumps({k: v for k, v in mine.items() if k.endswith("EventDetails")})
    text = (
        text.replace("arn:aws:", "arn:<partition>:")
        .replace("us-east-1", "<region>")
        .replace("stateMachine:conformance", "stateMachine:<ArnPart_0idx>")
        .replace(":conformance:", ":<ArnPart_0idx>:")
        .replace(execution, "<ExecArnPart_0idx>")
    )
    normalised = {
        key: {k: checker.jsonish(v) for k, v in value.items()}
        for key, value in json.loads(text).items()
    }
    return checker.match(recorded["details"], normalised)


def summarize(results: list[CaseResult]) -> str:
    per = collections.defaultdict(lambda: [0, 0])
    for r in results:
        for f in r.features:
            per[f][1] += 1
            per[f][0] += r.outcome
    hist = [r for r in results if r.history_types is not None]
    causes = [r for r in results if r.cause is not None]
    issue6 = [r for r in results if {"jsonata", "variables", "distributed_map"} & set(r.features)]
    issue6_hist = [r for r in issue6 if r.history_types is not None]
    lines = [
        f"JSONata, Variables, Distributed Map: outcome {sum(r.outcome for r in issue6)}/"
        f"{len(issue6)}, event types {sum(bool(r.history_types) for r in issue6_hist)}/"
        f"{len(issue6_hist)}",
        "per feature (outcome): "
        + ", ".join(f"{f} {ok}/{n}" for f, (ok, n) in sorted(per.items())),
        f"outcome: {sum(r.outcome for r in results)}/{len(results)}",
        f"history event types: {sum(bool(r.history_types) for r in hist)}/{len(hist)}",
        f"failure cause: {sum(bool(r.cause) for r in causes)}/{len(causes)}",
        f"event links and details (histories without Map/Parallel): "
        f"{sum(bool(r.details) for r in results if r.details is not None)}/"
        f"{sum(r.details is not None for r in results)}",
    ]
    return "\n".join(lines)


def all_cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []


if __name__ == "__main__":
    import sys
    import tempfile

    checker = load_checker()
    wanted = set(sys.argv[1].split(",")) if len(sys.argv) > 1 and sys.argv[1] else set()
    skip = set(sys.argv[2].split(",")) if len(sys.argv) > 2 else set()
    with tempfile.TemporaryDirectory() as tmp:
        results = []
        for number, case in enumerate(all_cases()):
            feats = set(json.loads((case / "expected.json").read_text())["features"])
            if (wanted and not wanted & feats) or skip & feats:
                continue
            r = run_case(case, Path(tmp) / "db", checker, number)
            results.append(r)
            if not r.outcome or r.history_types is False:
                print(f"FAIL {r.case}: {r.note}")
        print(summarize(results))


def aws_shape(history: list[dict]) -> dict:
    """A corpus history as `get-execution-history` prints it: details flattened, increasing
    timestamps added, decoded JSON text encoded again (CONTRACT.md, 'import')."""
    events = []
    renumbered: dict = {}  # a few recordings lost events or ids: number them 1, 2, 3...
    for index, event in enumerate(history):
        if isinstance(event["id"], int):
            renumbered[event["id"]] = index + 1
        out = {
            "timestamp": f"2026-01-01T00:00:{index // 1000:02d}.{index % 1000:03d}000+00:00",
            "type": event["type"],
            "id": index + 1,
            "previousEventId": renumbered.get(event["previousEventId"], 0),
        }
        for key, value in event["details"].items():
            out[key] = {
                k: json.dumps(v)
                if k in ("input", "output", "parameters", "cause") and not isinstance(v, str)
                else v
                for k, v in value.items()
            }
        events.append(out)
    return {"events": events}
