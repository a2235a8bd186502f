"""docs/explain.md: its Python example runs as written, and every flag it lists is a flag of the command."""
from __future__ import annotations

import re
from pathlib import Path

from harness.explain_command import parser

DOC = Path(__file__).resolve().parents[2] / "docs" / "explain.md"
TEXT = DOC.read_text(encoding="utf-8")


def test_the_python_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (block,) = re.findall(r"```python\n(.*?)```", TEXT, flags=re.S)
    exec(compile(block, str(DOC), "exec"), {})
    assert (tmp_path / "explained" / "explain.html").is_file()


def test_every_flag_documented_is_the_commands():
    documented = set(re.findall(r"`(--[a-z]+)", TEXT))
    known = {o for action in parser()._actions for o in action.option_strings if o.startswith("--")} - {"--help"}
    assert documented == known
