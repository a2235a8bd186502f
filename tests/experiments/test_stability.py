"""The stability experiment through the real CLI: hpo_order's cells reused, agreement per cell, rows until stable."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from harness.analysis.stability import stable_sizes
from harness.aggregate import aggregate
from cli import harness as _harness
from cli import run

def harness(cwd, *args, timeout=600):
    return _harness(cwd, *args, timeout=timeout, cache=cwd / "cache")

REDUCED = ["seed=[0,1]", "++sizes=[10,30,100]", "methods=[random,gb]", "surrogate=[ebm_fast,linear]"]


@pytest.fixture(scope="module")
def stability_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stability")
    run(tmp, "+experiment=hpo_order", *REDUCED, f"hydra.run.dir={tmp / 'hpo'}", cache=tmp / "cache")
    out = tmp / "runs" / "stab"
    proc = harness(tmp, "+experiment=stability", *REDUCED, "n_jobs=1", f"hydra.run.dir={out}")
    return out, proc


def test_hpo_order_cells_are_reused_not_refitted(stability_run):
    _, proc = stability_run
    # 2 methods x 3 sizes x 2 seeds x 2 surrogates; hpo_order explained them all already
    assert "stability: 24 cells (0 computed, 20 cached)" in proc.stderr + proc.stdout


def test_one_row_per_cell_with_both_references(stability_run):
    out, _ = stability_run
    stab = pd.read_csv(out / "stability.csv")
    assert len(stab) == 24 and (stab.experiment == "stability").all() and (stab.reference_ebm == "ebm_fast").all()
    assert set(stab.n_train) == {62, 185, 614}
    full = stab[stab.size_pct == 100]
    # at 100 % a cell is its own full-data reference
    assert np.allclose(full[["full_kendall", "full_spearman", "full_top3_overlap", "full_top3_same"]], 1)
    ebm = stab[stab.surrogate == "ebm_fast"]
    assert np.allclose(ebm.full_kendall, ebm.ebm_kendall)  # the reference EBM against itself
    small = stab[stab.size_pct < 100]
    assert small[["full_kendall", "ebm_kendall", "full_shape_r"]].notna().all().all() and (small.full_kendall < 1).any()
    spread = pd.read_csv(out / "importance_spread.csv")
    assert (spread.n_seeds == 2).all() and (spread.importance_min <= spread.importance_max).all()
    assert set(spread.query("kind == 'main'").term) == {"bpe", "layers", "embed", "hidden", "heads", "lr"}


def test_stable_sizes_table_and_figures(stability_run):
    out, _ = stability_run
    stable = pd.read_csv(out / "stable_sizes.csv")
    assert len(stable) == 2 * 2 * 2 and set(stable.reference) == {"full", "ebm"} and (stable.full_rows == 614).all()
    assert stable.stable_pct.dropna().isin([10, 30]).all()
    text = (out / "summary.md").read_text()
    assert "### Rows until the ranking is stable" in text and "| ebm_fast | own full data |" in text and "### Reading" in text
    for name in ("stability_sw-en.png", "stable_rows_sw-en.png"):
        assert (out / name).stat().st_size > 20_000, name
    claims = pd.read_csv(out / "claims.csv")
    assert list(claims.claim_id) == ["sw-en.ebm30"] and claims.verdict.iloc[0] in ("reproduced", "partly", "not reproduced")


def test_report_aggregation_summarises_the_same_way(stability_run):
    out, _ = stability_run
    root = out.parent
    aggregate(root)
    for name in ("stability.csv", "stable_sizes.csv", "importance_spread.csv", "summary.md", "claims.csv"):
        assert (root / name).read_text() == (out / name).read_text(), name


def test_stable_means_agreeing_from_that_size_on():
    def cells(same_by_size: dict) -> pd.DataFrame:
        return pd.DataFrame([
            {"dataset": "d", "surrogate": "s", "order_method": "m", "seed": seed, "size_pct": p, "n_train": p * 10,
             "full_top3_same": v, "ebm_top3_same": 1.0}
            for p, values in same_by_size.items() for seed, v in enumerate(values)])

    # 5 seeds, 4 of 5 needed: 20 % qualifies but 40 % relapses, so stable from 60 %; first reached at 20 %
    table = stable_sizes(cells({10: [1, 0, 0, 0, 0], 20: [1, 1, 1, 1, 0], 40: [1, 1, 1, 0, 0], 60: [1, 1, 1, 1, 0],
                                80: [1] * 5, 100: [1] * 5}), 0.8).set_index("reference")
    assert (table.at["full", "stable_pct"], table.at["full", "stable_rows"], table.at["full", "first_pct"]) == (60, 600, 20)
    assert table.at["ebm", "stable_pct"] == 10
    # a failed cell (NaN) counts as disagreeing, and failing at the largest size below 100 % is "never"
    never = stable_sizes(cells({10: [1] * 5, 50: [1, 1, 1, np.nan, np.nan], 100: [1] * 5}), 0.8).set_index("reference")
    assert np.isnan(never.at["full", "stable_pct"]) and never.at["full", "first_pct"] == 10 and never.at["full", "full_rows"] == 1000
