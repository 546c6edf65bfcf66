"""Mutation score of the interpreter's core, per module (too slow for CI: minutes per module).

    pip install 'mutmut==3.8.1'
    python bench/mutation.py                      # every file of [tool.mutmut] only_mutate
    python bench/mutation.py interpreter choice   # files whose path contains a word
    python bench/mutation.py --survivors wait     # also print the surviving mutants

Runs mutmut 3 with the settings of pyproject.toml's [tool.mutmut] (the fast test selection),
one source file at a time, in a scratch copy of the working tree (nothing is written here), under
`nice` with one worker by default. Prints killed / killed by hand / equivalent / left / total
and the score per module. Mutants listed in bench/mutation_equivalent.txt (no observable change,
with the reason) are left out of the adjusted score; matching is by the mutated line, not by
mutmut's numbering, so the list survives edits elsewhere in the file. Entries whose reason
starts with "killed by hand" are mutants of code that runs at import time (mutmut switches
mutants on at call time, so it cannot test them): they were applied to the source by hand, the
tests failed, and the adjusted score counts them as killed.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT_FILE = ROOT / "bench" / "mutation_equivalent.txt"
DETECTED = ("killed", "timeout", "caught by type check")


def settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]


def target_files(config: dict, words: list[str]) -> list[str]:
    files = sorted(
        {
            str(Path(p).relative_to(ROOT))
            for pattern in config["only_mutate"]
            for p in glob.glob(str(ROOT / pattern))
        }
    )
    files = [f for f in files if not f.endswith("__init__.py")]
    return [f for f in files if not words or any(w in f for w in words)]


def copy_tree(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        source = ROOT / raw.decode()
        if source.is_file():
            (dest / raw.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / raw.decode())
    # mutmut runs the tests from dest/mutants/tests: they find ../shared/conformance as dest/shared
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (dest / "shared").symlink_to(shared)


def write_config(scratch: Path, config: dict, target: str) -> None:
    """The copy's pyproject with [tool.mutmut] narrowed to one file."""
    text = (ROOT / "pyproject.toml").read_text()
    start = text.index("[tool.mutmut]")
    end = text.find("\n[", start + 1)
    section = ["[tool.mutmut]"] + [
        f"{key} = {json.dumps(value)}" for key, value in dict(config, only_mutate=[target]).items()
    ]
    rest = text[end:] if end != -1 else ""
    (scratch / "pyproject.toml").write_text(text[:start] + "\n".join(section) + "\n" + rest)


def run_mutmut(scratch: Path, children: int) -> None:
    shutil.rmtree(scratch / "mutants", ignore_errors=True)
    log = scratch / "mutmut.log"
    with log.open("w") as out:
        done = subprocess.run(
            [
                "nice",
                "-n",
                "10",
                sys.executable,
                "-m",
                "mutmut",
                "run",
                "--max-children",
                str(children),
            ],
            cwd=scratch,
            check=False,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONHASHSEED="0"),
        )
    if done.returncode != 0 and "could not find any test case" not in log.read_text():
        sys.exit(f"mutmut failed (exit {done.returncode}); see {log}:\n" + log.read_text()[-2000:])


def statuses(scratch: Path, target: str) -> dict[str, str]:
    from mutmut.stats import status_by_exit_code

    meta_file = scratch / "mutants" / (target + ".meta")
    if not meta_file.exists():  # nothing to mutate in this file
        return {}
    meta = json.loads(meta_file.read_text())
    # no selected test reaches any of them: mutmut stops before checking ("not checked")
    return {
        key: "no tests" if code is None else status_by_exit_code[code]
        for key, code in meta["exit_code_by_key"].items()
    }


def functions(source: str) -> dict[str, str]:
    tree = ast.parse(source)
    return {
        node.name: ast.get_source_segment(source, node) or ""
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }


def describe(key: str, defs: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """(function name as written, removed lines, added lines) of one mutant."""
    name = key.rsplit(".", 1)[1]
    base = name.rsplit("__mutmut_", 1)[0]
    original = defs.get(base + "__mutmut_orig", "").replace(base + "__mutmut_orig", "f", 1)
    mutated = defs.get(name, "").replace(name, "f", 1)
    original, mutated = original.splitlines(), mutated.splitlines()
    removed, added = [], []
    for line in difflib.ndiff(original, mutated):
        if line.startswith("- "):
            removed.append(line[2:].strip())
        elif line.startswith("+ "):
            added.append(line[2:].strip())
    readable = base.removeprefix("x").replace("ǁ", ".").lstrip("._") or base
    return readable, removed, added


def equivalents() -> dict[tuple[str, str, str], str]:
    """(file, function, mutated line) -> reason, from bench/mutation_equivalent.txt."""
    out = {}
    if EQUIVALENT_FILE.exists():
        for line in EQUIVALENT_FILE.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                file, function, mutated, reason = (p.strip() for p in line.split(" :: "))
                out[(file, function, mutated)] = reason
    return out


def mutated_line(removed: list[str], added: list[str]) -> str:
    return " / ".join(added) if added else "DELETE " + " / ".join(removed)


def report(target: str, found: dict[str, str], scratch: Path, show: bool) -> tuple:
    defs = functions((scratch / "mutants" / target).read_text())
    known = equivalents()
    counts = Counter(found.values())
    equivalent = by_hand = 0
    for key, status in sorted(found.items()):
        if status in DETECTED:
            continue
        function, removed, added = describe(key, defs)
        reason = known.get((target, function, mutated_line(removed, added)))
        if reason and reason.startswith("killed by hand"):
            by_hand += 1
        elif reason:
            equivalent += 1
        if show:
            label = (
                ""
                if not reason
                else (
                    f" ({reason})"
                    if reason.startswith("killed by hand")
                    else f" (equivalent: {reason})"
                )
            )
            print(f"  {status}{label}: {function}")
            for line in removed:
                print(f"    - {line}")
            for line in added:
                print(f"    + {line}")
            print(f"    key: {target} :: {function} :: {mutated_line(removed, added)}")
    killed = sum(counts[s] for s in DETECTED)
    return killed, by_hand, counts["survived"], counts["no tests"], len(found), equivalent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("words", nargs="*", help="only files whose path contains one of these")
    parser.add_argument("--survivors", action="store_true", help="print the surviving mutants")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutants (1)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args()
    try:
        import mutmut  # noqa: F401
    except ImportError:
        sys.exit("bench/mutation.py needs mutmut 3: pip install 'mutmut==3.8.1'")
    config = settings()
    scratch = Path(tempfile.mkdtemp(prefix="sfn-mutation-"))
    copy_tree(scratch)
    rows = []
    try:
        for target in target_files(config, args.words):
            write_config(scratch, config, target)
            run_mutmut(scratch, args.max_children)
            found = statuses(scratch, target)
            if not found:
                continue
            print(f"{target}: {len(found)} mutants", flush=True)
            rows.append((target, *report(target, found, scratch, args.survivors)))
    finally:
        if args.keep:
            print(f"scratch copy kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows)


def print_table(rows: list[tuple]) -> None:
    print(
        f"\n{'module':<40} {'killed':>6} {'hand':>4} {'equiv':>5} {'left':>4} {'total':>5} "
        f"{'score':>6} {'adjusted':>8}"
    )
    totals = [0] * 6
    for target, *numbers in rows:
        totals = [a + b for a, b in zip(totals, numbers)]
        print(line(target, *numbers))
    if len(rows) > 1:
        print(line("all", *totals))
    print(
        "score: killed by mutmut / all mutants; adjusted: (killed + killed by hand) / "
        "(all - equivalent); left: survived or reached by no selected test, unexplained"
    )


def line(
    name: str, killed: int, by_hand: int, survived: int, no_tests: int, total: int, equivalent: int
) -> str:
    score = killed / total if total else 1.0
    adjusted = (killed + by_hand) / (total - equivalent) if total > equivalent else 1.0
    left = total - killed - by_hand - equivalent
    return (
        f"{name:<40} {killed:>6} {by_hand:>4} {equivalent:>5} {left:>4} {total:>5} "
        f"{score:>6.1%} {adjusted:>8.1%}"
    )


if __name__ == "__main__":
    main()
