"""Sweep progress: cells done / total, elapsed, remaining on a terminal; silent otherwise."""
from __future__ import annotations

import io
import re

from harness.progress import Progress


def test_progress_line_counts_and_estimates():
    out = io.StringIO()
    p = Progress(4, "size_sweep", enabled=True, stream=out)
    p.advance()
    p.advance()
    p.close()
    text = out.getvalue()
    assert "size_sweep: 0/4 done" in text and "size_sweep: 2/4 done" in text
    assert re.search(r"elapsed 0:00:0\d, remaining ~0:00:0\d", text)
    assert text.endswith("\n")


def test_progress_is_quiet_when_disabled():
    out = io.StringIO()
    p = Progress(3, "cells", enabled=False, stream=out)
    p.advance()
    p.close()
    assert out.getvalue() == ""
