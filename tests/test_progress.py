"""Sweep progress: cells done / total, elapsed, remaining on a terminal; silent otherwise."""
from __future__ import annotations

import io
import re
import time

from harness.progress import Progress


def test_progress_line_counts_and_estimates():
    out = io.StringIO()
    p = Progress(4, "size_sweep", enabled=True, stream=out)
    p.advance()
    p.advance()
    p.close()
    text = out.getvalue()
    assert "size_sweep: 0/4 done, 1 in flight" in text and "size_sweep: 2/4 done" in text
    assert re.search(r"elapsed 00:0\d, remaining ~00:0\d", text)
    assert text.endswith("\n")


def test_progress_is_quiet_when_disabled():
    out = io.StringIO()
    p = Progress(3, "cells", enabled=False, stream=out)
    p.advance()
    p.close()
    assert out.getvalue() == ""


def test_progress_ticks_while_nothing_finishes():
    out = io.StringIO()
    p = Progress(2, "slow", enabled=True, stream=out, workers=2, tick=0.05)
    deadline = time.monotonic() + 5
    while out.getvalue().count("slow: 0/2 done, 2 in flight") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    p.close()
    assert out.getvalue().count("slow: 0/2 done, 2 in flight") >= 3  # redrawn with no cell done
