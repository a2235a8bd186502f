#!/usr/bin/env python
"""Is there an EBM as faithful as ``ebm_fast`` at a third of its explanation time? Candidates on the fidelity tables.

    python scripts/bench_ebm_fast.py [--grid default] [--n-jobs 2] [--out ebm_fast.csv]

Every candidate is ``ebm_fast`` (conf/surrogate/ebm_fast.yaml) with some of its model's settings changed
(``CANDIDATES``), fitted and explained (its own terms, with the outer bags' intervals) on every table of the fidelity
grid through the cell engine (cached: a rerun reloads), and scored as the leaderboard scores it: Spearman, pair
recall and precision, top-3 overlap and shape nRMSE against the table's truth, coverage of its 90 % intervals against
the global truth, and its seconds (fit + explain, one thread). Per candidate: the mean of each score over the tables
with its 95 % bootstrap interval (the leaderboard's: ``harness.analysis.leaderboard.bootstrap``), whether the mean lies
inside ``ebm_fast``'s interval, and its time as a share of ``ebm_fast``'s (the ratio of the summed seconds).
"faithful" = every fidelity score of the board (Spearman, top-3, pair recall, pair precision, shape nRMSE) inside
``ebm_fast``'s interval (coverage is shown beside: nearer 90 % is better); the goal is a faithful candidate at ≤ 1/3 of
the time.
"""
from __future__ import annotations

import argparse
import copy
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # synthetic tables only: no data folder needed

import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from harness.analysis import fidelity as analysis  # noqa: E402
from harness.analysis import leaderboard as lb  # noqa: E402
from harness.cells import Cell, Eval, cell_id, run_cells  # noqa: E402
from harness.config import RunOptions, compose  # noqa: E402
from harness.experiments import fidelity  # noqa: E402
from harness.interpretation import Interpretation  # noqa: E402
from harness.surrogates.registry import load_spec  # noqa: E402
from harness.synthetic import truth_of  # noqa: E402

# name -> changes to ebm_fast's model (learning rate with its smoothing rounds scaled alike, as ebm_fast.yaml does)
CANDIDATES = {
    "ebm_fast": {},
    "lr0.3": {"learning_rate": 0.3, "smoothing_rounds": 67, "interaction_smoothing_rounds": 13},
    "stop25": {"early_stopping_rounds": 25},
    "bins64": {"max_bins": 64, "max_interaction_bins": 16},
    "lr0.2+stop50+bins128": {"learning_rate": 0.2, "smoothing_rounds": 100, "interaction_smoothing_rounds": 20,
                             "early_stopping_rounds": 50, "max_bins": 128, "max_interaction_bins": 32},
    "lr0.3+stop25+bins64": {"learning_rate": 0.3, "smoothing_rounds": 67, "interaction_smoothing_rounds": 13,
                            "early_stopping_rounds": 25, "max_bins": 64, "max_interaction_bins": 16},
}
SCORES = ("spearman", "top3_overlap", "pair_recall", "pair_precision", "shape_nrmse", "coverage_main", "seconds")
BOARD = ("spearman", "top3_overlap", "pair_recall", "pair_precision", "shape_nrmse")  # the leaderboard's fidelity scores


def spec_of(name: str, changes: dict):
    base = load_spec("ebm_fast")
    estimator = copy.deepcopy(base.estimator)
    estimator["model"].update(changes)
    return dataclasses.replace(base, name=name, estimator=estimator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", default="default")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="candidates to run (default: all)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cfg = compose(["+experiment=fidelity", f"grid={args.grid}", "surrogate=[ebm_fast]"])
    opts = RunOptions(output_dir=Path("."), n_jobs=args.n_jobs, cache=True,
                      cache_dir=Path(os.environ["HARNESS_CACHE_DIR"]) if os.environ.get("HARNESS_CACHE_DIR") else None)
    tables = fidelity.tables_of(cfg, opts)
    specs = [spec_of(n, c) for n, c in CANDIDATES.items() if args.only is None or n in args.only or n == "ebm_fast"]
    datasets, cells = {}, []
    for point, seed, ds, _, test in tables:
        datasets[ds.name], datasets[test.name] = ds, test
        ev = Eval(dataset=test.name, rows=tuple(range(len(test))))
        keys = (("experiment", "bench_ebm_fast"), ("dataset", ds.name), *point.items())
        cells += [Cell(keys=keys, train=ds.name, train_rows=tuple(range(len(ds))), surrogate=s, seed=seed, evals=(ev,),
                       explain=True) for s in specs]
    result = run_cells(cells, datasets, opts, label="bench_ebm_fast")
    made = {ds.name: (ds, truth) for _, _, ds, truth, _ in tables}
    globals_ = {name: truth_of(ds, sense="global") for name, (ds, _) in made.items()}
    rows = []
    metrics = result.rows.set_index("cell_id")
    for c in cells:
        cid = cell_id(c, datasets)
        d = result.interpretations.get(cid)
        m = metrics.loc[cid[:16]]
        row = {"table": f"{c.train}#{c.seed}", "surrogate": c.surrogate.name, "n_rows": c.key_dict["n_rows"],
               "sampling": c.key_dict["sampling"], "seconds": m["fit_seconds"] + m["explain_seconds"], "r2": m["r2"]}
        if d is not None:
            record = Interpretation.from_dict(d)
            ds, truth = made[c.train]
            row.update(analysis.fit_scores(truth, truth, record, 0.1))
            row.update(analysis.interval_scores(globals_[c.train], record))
        rows.append(row)
    fits = pd.DataFrame(rows).assign(band=lb.ALL, dataset=lambda f: f["table"], seed=0)
    if args.out:
        fits.to_csv(args.out, index=False)
    boot = lb.bootstrap(fits.assign(band=0), seed=0, measures=SCORES)
    boot = boot[boot["band"] == lb.ALL].set_index(["surrogate", "measure"])
    ref = boot.xs("ebm_fast", level="surrogate")
    out = []
    for s in dict.fromkeys(fits["surrogate"]):
        r = {"candidate": s}
        for m in SCORES:
            mean, lo, hi = boot.loc[(s, m), ["mean", "lo", "hi"]]
            r[m] = f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"
            if m != "seconds":
                r[f"{m} in"] = bool(ref.loc[m, "lo"] <= mean <= ref.loc[m, "hi"])
        r["time share"] = fits.loc[fits.surrogate == s, "seconds"].sum() / fits.loc[fits.surrogate == "ebm_fast", "seconds"].sum()
        r["faithful"] = all(r[f"{m} in"] for m in BOARD)
        out.append(r)
    pd.set_option("display.width", 250)
    pd.set_option("display.max_columns", 30)
    print(pd.DataFrame(out).set_index("candidate").to_string())


if __name__ == "__main__":
    main()
