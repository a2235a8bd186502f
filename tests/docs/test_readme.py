"""The README's Python examples run as written (in a fresh folder, in this process)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 2


def test_readme_python_examples_run(tmp_path, monkeypatch):
    pytest.importorskip("optuna")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in BLOCKS:  # one namespace: later examples may use earlier imports, as a reader's session would
        exec(compile(block, str(README), "exec"), namespace)
    assert (tmp_path / "ebm.png").is_file() and (tmp_path / "runs" / "size_sweep" / "metrics.csv").is_file()
