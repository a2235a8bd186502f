"""A reduced full reproduction through the real CLI: parts share the cache, one report comes out."""
from __future__ import annotations

import json
import logging
import operator
import re
import subprocess
import sys

import pandas as pd
import pytest

from harness import run_experiment
from harness.experiments.reproduce import SideSummaries


def test_reduced_reproduction_builds_the_report(tmp_path, caplog):
    out = tmp_path / "run"
    args = ["parts=[size_sweep,hpo_order]", "seed=[0]", "++sizes=[5,100]", f"cache_dir={tmp_path / 'cache'}"]
    proc = subprocess.run([sys.executable, "-m", "harness", "+experiment=reproduce", *args, "surrogate=[linear,tree]",
                           f"hydra.run.dir={out}"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the random order of hpo_order is the size sweep: its cells come from the cache
    assert "hpo_order: 12 cells (4 computed, 4 cached)" in proc.stdout + proc.stderr
    report = (out / "REPORT.md").read_text()
    assert "## Provenance" in report and "interpret-core" in report
    kernels = json.loads((out / "environment.json").read_text())["kernels"]
    assert f"- CPU kernels: numpy {' '.join(kernels['numpy']) or 'baseline'}; BLAS" in report and kernels["blas"]
    speed = re.search(r"- Speed: (\d+) s wall against a fit floor of (\d+) s \(the 8 computed cells' .* ratio ([\d.]+)", report)
    assert speed and float(speed[3]) > 0, report[:2000]
    assert "## Claims of the paper, checked" in report and "| **paper EBM** |" in report
    for img in re.findall(r"!\[.*?\]\((.*?)\)", report):
        assert (out / img).is_file()
    html = (out / "REPORT.html").read_text()
    assert html.startswith("<!doctype html>") and "<table>" in html and "<img src=\"data:image/png;base64," in html and "<img src=\"size_sweep/" not in html  # figures inlined
    assert len(pd.read_csv(out / "size_sweep" / "metrics.csv")) == 4
    assert len(pd.read_csv(out / "hpo_order" / "metrics.csv")) == 12

    # the same runs from Python (in this process, as the API does), against the same store
    def again(name, *extra):
        with caplog.at_level(logging.INFO, logger="harness"):
            caplog.clear()
            run_experiment("reproduce", [*args, *extra], output_dir=tmp_path / name)
        return caplog.text

    # an unchanged rerun reuses every part's outputs, byte for byte
    log = again("again", "surrogate=[linear,tree]")
    assert "size_sweep unchanged since an earlier run" in log and "hpo_order unchanged since an earlier run" in log
    rerun_report = (tmp_path / "again" / "REPORT.md").read_text()
    assert "- Restored unchanged from an earlier run: size_sweep, hpo_order" in rerun_report and "- Speed:" not in rerun_report
    for name in ("size_sweep/metrics.csv", "hpo_order/summary.md", "hpo_order/hpo_regret.png"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()

    # a changed config is not served from the store: only the cells come from the cache
    assert "size_sweep: 2 cells (0 computed, 2 cached)" in again("changed", "surrogate=[linear]")

    # summaries written in place (one core asked for) equal those the side process wrote
    again("alone", "surrogate=[linear,tree]", "n_jobs=1", "cache=false")
    for name in ("size_sweep/summary.md", "hpo_order/summary.md", "hpo_order/claims.csv"):  # (summary.csv: fit times)
        assert (out / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name


def test_side_summaries_run_in_a_process_and_raise_their_errors():
    side = SideSummaries(workers=1)
    try:
        assert side.defer(operator.add, 2, 3).result() == 5
        with pytest.raises(ZeroDivisionError):
            side.defer(operator.truediv, 1, 0).result()
    finally:
        side.close()
    assert SideSummaries(workers=0).defer(operator.add, 2, 3) == 5  # in place: the value itself
