"""The full reproduction, run again, against the committed results/reference/ (slow; see the README for its time).

    pytest -m slow tests/experiments/test_reference.py
    HARNESS_REFERENCE_RUN=path/to/run pytest -m slow tests/experiments/test_reference.py   # a finished reproduction

The reference was made where numpy dispatches its AVX-512 kernels (X86_V4; ``environment.json`` records a
run's kernels). With them disabled (``NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR"``) the BO orders
of hpo_order and stability differ in 55 rows each: a GP's fit carries the last bits of numpy's exp and log into
which configuration comes next. The synthetic tables (fidelity) are computed through ``harness.libm`` and are the
same bytes either way.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.results import kernels

pytestmark = pytest.mark.slow

REFERENCE = Path(__file__).resolve().parents[2] / "results" / "reference"
# per metric: (rtol, atol). Same library versions on the same kind of machine give equal numbers;
# the slack absorbs BLAS/threading rounding, not a change of method.
TOLERANCES = {"mse": (1e-3, 1e-6), "src": (1e-3, 1e-6), "r2": (1e-3, 1e-6), "regret": (1e-3, 1e-6), "mrr": (0, 1e-9)}


def _parts() -> dict[str, list[str]]:
    """Every part of the reproduction (its config's ``parts``), with the columns that identify one of its rows
    (its experiment's keys): a part added to the reproduction is compared without editing this test."""
    from harness import experiments
    from harness.config import as_list, compose

    cfg = compose(["+experiment=reproduce"])
    return {str(p): [k for k in experiments.get(experiments.presets()[str(p)]).keys if k != "experiment"]
            for p in as_list(cfg.parts)}


PARTS = _parts()


@pytest.fixture(scope="module")
def rerun(tmp_path_factory):
    if not (REFERENCE / "REPORT.md").exists():
        pytest.fail("results/reference/ is missing: run scripts/reproduce_paper.sh --reference")
    if os.environ.get("HARNESS_REFERENCE_RUN"):  # a reproduction already run (python -m harness +experiment=reproduce)
        return Path(os.environ["HARNESS_REFERENCE_RUN"])
    tmp = tmp_path_factory.mktemp("reproduce")
    proc = subprocess.run([sys.executable, "-m", "harness", "+experiment=reproduce", f"cache_dir={tmp / 'cache'}",
                           f"hydra.run.dir={tmp / 'run'}", "progress=false"], cwd=tmp, capture_output=True, text=True,
                          timeout=3 * 3600)  # ten parts, ~3,000 cells: about an hour alone on 2 cores, more when shared
    assert proc.returncode == 0, proc.stderr[-3000:]
    return tmp / "run"


@pytest.mark.parametrize("part", list(PARTS))
def test_part_matches_reference(rerun, part):
    keys = PARTS[part]
    assert (REFERENCE / part / "metrics.csv").is_file(), f"results/reference/{part}/metrics.csv is missing"
    ref = pd.read_csv(REFERENCE / part / "metrics.csv")
    new = pd.read_csv(rerun / part / "metrics.csv")
    # methods added since the reference was made (fidelity's extra explainers, e.g. ebm_fast+top_gamma) are new rows:
    # what the reference holds must be there, number for number
    new = new[new["surrogate"].isin(set(ref["surrogate"]))]
    assert len(new) == len(ref), f"{part}: {len(new)} rows, reference has {len(ref)}"
    merged = ref.merge(new, on=keys, suffixes=("_ref", "_new"), validate="one_to_one")
    assert len(merged) == len(ref)
    assert (merged["status_ref"] == merged["status_new"]).all()
    for metric, (rtol, atol) in TOLERANCES.items():
        if f"{metric}_ref" not in merged:
            continue
        a, b = merged[f"{metric}_new"].to_numpy(float), merged[f"{metric}_ref"].to_numpy(float)
        ok = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=True)
        assert ok.all(), (f"{part}: {metric} differs in {int((~ok).sum())} rows, e.g. "
                          f"{merged.loc[~ok, keys].iloc[0].to_dict()}; numpy's kernels here: {kernels()['numpy']}")


@pytest.mark.parametrize("part", [p for p in PARTS if (REFERENCE / p / "importances.csv").is_file()])
def test_importances_match_reference(rerun, part):
    """The importances of the model's own terms (main and pair rows) the reference holds, number for number; rows and
    columns added since (intervals, total effects, sense) are not compared here."""
    ref = pd.read_csv(REFERENCE / part / "importances.csv")
    new = pd.read_csv(rerun / part / "importances.csv")
    keys = [c for c in ("surrogate", "dataset", "experiment", "feed", "train_pair", "seed", "term") if c in ref]
    ref = ref[ref["kind"].isin(["main", "pair"])]
    merged = ref.merge(new[new["kind"].isin(["main", "pair"])], on=keys, suffixes=("_ref", "_new"), validate="one_to_one")
    assert len(merged) == len(ref), f"{part}: {len(ref) - len(merged)} reference terms missing from the rerun"
    a, b = merged["importance_new"].to_numpy(float), merged["importance_ref"].to_numpy(float)
    ok = np.isclose(a, b, rtol=1e-6, atol=1e-12, equal_nan=True)
    assert ok.all(), f"{part}: importance differs in {int((~ok).sum())} terms, e.g. {merged.loc[~ok, keys].iloc[0].to_dict()}"


@pytest.mark.parametrize("part", list(PARTS))
def test_claim_verdicts_match_reference(rerun, part):
    ref_path, new_path = REFERENCE / part / "claims.csv", rerun / part / "claims.csv"
    assert ref_path.exists() == new_path.exists(), f"{part}: claims.csv in one run only"
    if not ref_path.exists():  # a part that checks no claim of the paper (fidelity)
        return
    # A part on tables that are not the paper's (interpret_llm) checks none of its claims: its claims.csv is a
    # header, and the rerun's must be too. A reference emptied by mistake fails here, as the rerun's claims differ.
    ref = pd.read_csv(ref_path, dtype=str).set_index("claim_id")["verdict"]
    new = pd.read_csv(new_path, dtype=str).set_index("claim_id")["verdict"]
    pd.testing.assert_series_equal(new.sort_index(), ref.sort_index())
