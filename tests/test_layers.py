"""The layering (tui -> replay -> store) and the purity of the core, as import-linter contracts
written in pyproject.toml, and ruff's lint and format: any breach fails here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    command = shutil.which("lint-imports")
    assert command, "import-linter is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_ruff_check_and_format_are_clean():
    command = shutil.which("ruff")
    assert command, "ruff is missing: pip install -e '.[test]'"
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"ruff {' '.join(args)}:\n{result.stdout[-3000:]}"
