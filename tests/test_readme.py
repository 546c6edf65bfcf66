"""The README's Python API snippet runs as written (from a copy of the repository's scenarios,
in a temporary directory so that its `my-db` lands there)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_blocks(section: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", body, re.S)


def test_the_python_api_snippet_runs_as_written(tmp_path, monkeypatch, capsys):
    blocks = python_blocks("Python API")
    assert len(blocks) == 1
    shutil.copytree(
        ROOT / "scenarios" / "order-pipeline", tmp_path / "scenarios" / "order-pipeline"
    )
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "readme"}
    exec(compile(blocks[0], "README.md#python-api", "exec"), namespace)
    assert namespace["fixed"]["status"] == "SUCCEEDED"
    assert (tmp_path / "my-db").is_dir()
    assert capsys.readouterr().out.startswith("Refund ")
