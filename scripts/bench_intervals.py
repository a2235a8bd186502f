#!/usr/bin/env python
"""How honest each method's intervals are, per interval rule: coverage, width and settled orderings against the truth.

    python scripts/bench_intervals.py [--grid default|full] [--surrogates ebm_fast fanova ...] [--n-jobs 2]
                                      [--out intervals.csv] [-- extra fidelity overrides]

Runs the fidelity experiment's cells (``harness.experiments.fidelity``: the same tables, fits and cache) and, for
every explanation that holds its replicates (``Interpretation.resamples``), rebuilds its intervals under each rule of
``RULES`` from the same replicates and scores them against the truth in the record's own sense
(``harness.analysis.fidelity.interval_scores``). Settled orderings are scored two ways: intervals apart (the
record's ``settled``), and a paired test across the replicates (``a`` above ``b`` in at least ``PAIRED`` of them,
and in the estimate). Per method, rule and sampling regime (and size band), it prints the mean coverage of main and
total effects over tables (the nominal level is 90 %), the mean width as a share of the summed importances, and the
pooled share of settled orderings that are true with how many were settled per table. ``--out`` writes the per-table
rows. The rule each explainer uses by default is the one this measured best (see each explainer's docstring).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synthetic tables only: no data folder needed

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness.analysis import fidelity as analysis  # noqa: E402
from harness.analysis.leaderboard import size_bands  # noqa: E402
from harness.cells import cell_id, run_cells  # noqa: E402
from harness.config import RunOptions, compose  # noqa: E402
from harness.experiments import fidelity  # noqa: E402
from harness.interpretation import Interpretation  # noqa: E402
from harness.interpretation.intervals import Rule, with_intervals  # noqa: E402
from harness.synthetic import truth_of  # noqa: E402

RULES = {"percentile": Rule("percentile"), "basic": Rule("basic"), "spread x1": Rule("spread", 1.0),
         "spread x2": Rule("spread", 2.0), "spread x2.38": Rule("spread", (0.85 / 0.15) ** 0.5),
         "spread x2.83": Rule("spread", 8 ** 0.5), "spread x4": Rule("spread", 4.0)}
PAIRED = 0.95


def paired_settled(record: Interpretation, kind: str) -> pd.DataFrame:
    """Orderings a paired test across the replicates settles: a above b in ≥ PAIRED of them and in the estimate."""
    imp = record.importances[record.importances["kind"] == kind]
    from harness.interpretation.intervals import with_total_resamples

    reps = with_total_resamples(record.importances, record.resamples)[imp["term"]].to_numpy(dtype=float)
    names, point = imp["feature_a"].to_numpy(), imp["importance"].to_numpy(dtype=float)
    above = (reps[:, :, None] > reps[:, None, :]).mean(axis=0)
    i, j = np.nonzero((above >= PAIRED) & (point[:, None] > point[None, :]))
    return pd.DataFrame({"feature_hi": names[i], "feature_lo": names[j], "basis": "paired"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", default="default")
    parser.add_argument("--surrogates", nargs="+", default=None)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("overrides", nargs="*")
    args = parser.parse_args()
    overrides = ["+experiment=fidelity", f"grid={args.grid}", *args.overrides]
    if args.surrogates:
        overrides.append(f"surrogate=[{','.join(args.surrogates)}]")
    cfg = compose(overrides)
    opts = RunOptions(output_dir=Path("."), n_jobs=args.n_jobs, cache=True,
                      cache_dir=Path(os.environ["HARNESS_CACHE_DIR"]) if os.environ.get("HARNESS_CACHE_DIR") else None)
    cells, datasets, tables = fidelity.cells_of(cfg, opts)
    band = size_bands([t[0]["n_rows"] for t in tables], [200])
    made = {ds.name: ds for _, _, ds, _, _ in tables}
    result = run_cells(cells, datasets, opts, label="bench_intervals")
    truths: dict = {}
    rows = []
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets))
        if d is None:
            continue
        record = Interpretation.from_dict(d)
        sense, gamma = analysis.matching_truth(record), analysis.gamma_of(record.measure)
        key = (c.train, sense, gamma)
        if key not in truths:
            truths[key] = truth_of(made[c.train], sense=sense, gamma=gamma)
        truth = truths[key]
        base = {"surrogate": c.surrogate.name, "dataset": c.train, "sampling": c.key_dict["sampling"],
                "n_rows": c.key_dict["n_rows"], "band": band[c.key_dict["n_rows"]], "truth": sense}
        if record.resamples is None:
            rows.append({**base, "rule": "none", **analysis.interval_scores(truth, record)})
            continue
        terms = record.importances[record.importances["kind"] != "total"]
        nonnegative = bool((record.resamples.to_numpy() >= 0).all())
        for name, rule in RULES.items():
            rec = dataclasses.replace(record, importances=with_intervals(terms, record.resamples, rule, nonnegative))
            rows.append({**base, "rule": name, **analysis.interval_scores(truth, rec)})
        for kind in ("main", "total"):
            if (record.importances["kind"] == kind).any():
                claims = paired_settled(record, kind)
                t = truth.importances[truth.importances["kind"] == kind].set_index("feature_a")["importance"]
                claims = claims[claims["feature_hi"].isin(t.index) & claims["feature_lo"].isin(t.index)]
                tie = analysis.LOCAL_TIE if truth.sense == "local" else 1e-9
                right = t[claims["feature_hi"]].to_numpy() > t[claims["feature_lo"]].to_numpy() + tie * t.abs().max()
                rows.append({**base, "rule": "paired", f"settled_{kind}": len(claims), f"settled_true_{kind}": int(right.sum())})
    per_table = pd.DataFrame(rows)
    if args.out:
        per_table.to_csv(args.out, index=False)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_rows", 500)
    for by in (["surrogate", "rule", "sampling"], ["surrogate", "rule", "band"], ["surrogate", "rule"]):
        print(summary(per_table, by).round(3).to_string(), "\n")


def summary(per_table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean coverage and width over tables, pooled settled precision and settled orderings per table."""
    g = per_table.groupby(by, sort=False)
    out = g[["coverage_main", "coverage_total", "width_main", "width_total", "total_spearman"]].mean()
    for kind in ("main", "total"):
        sums = g[[f"settled_{kind}", f"settled_true_{kind}"]].sum()
        out[f"precision_{kind}"] = sums[f"settled_true_{kind}"] / sums[f"settled_{kind}"].replace(0, np.nan)
        out[f"settled_{kind}_per_table"] = g[f"settled_{kind}"].mean()
    out["tables"] = g.size()
    return out


if __name__ == "__main__":
    main()
