"""Write the benchmark's numbers the explain page compares a run with: harness/analysis/reference/trust.csv.

    python scripts/make_trust_table.py [results/reference]

From the committed reference reproduction (``results/reference/``), so an installed harness carries them:

* ``stability``: per method, on the real tables of ``stability_methods`` (the six NMT pairs and the two NMTLC
  fine-tuning tables), the rows from which its top-3 hyperparameters were stable (the same top-3 set as on the
  whole training split in >= 4 of 5 seeds, at that size and every larger one): one row per (method, table), with
  ``value`` the rows (NaN: never below the whole split) and ``n_rows`` the whole split's rows;
* ``fidelity``: per method and table-size band, the mean Spearman of its ranking against the known truth on the
  synthetic tables of ``fidelity`` (``leaderboard_by_size.csv``) with its 95 % bootstrap interval and table count;
* ``coverage`` and ``settled``: per method, size band and how the tables were sampled (``table``: ``hpo`` for BO,
  GB and TPE, ``spread`` for uniform and random search), the mean share of hyperparameters whose 90 % interval held
  the true main effect in the method's sense (with a seeded 95 % bootstrap interval over the tables), and the share of
  the orderings its intervals settled that were true (``n_rows``: how many orderings were settled), from the
  per-table scores of ``fidelity`` (``scores.csv``).

Rerun it whenever ``results/reference/`` is refreshed (``scripts/reproduce_paper.sh --reference``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "harness" / "analysis" / "reference" / "trust.csv"
COLUMNS = ["source", "method", "table", "band", "value", "lo", "hi", "n_tables", "n_rows", "note"]
SAMPLED = {"bo": "hpo", "gb": "hpo", "tpe": "hpo", "uniform": "spread", "random": "spread"}


def stability(reference: Path) -> pd.DataFrame:
    frame = pd.read_csv(reference / "stability_methods" / "stable_sizes.csv")
    frame = frame[frame["reference"] == "full"]  # each method against its own full-data fit
    note = (f"top-3 set equal to the full-split fit's in >= {frame['stable_fraction'].iloc[0]:.0%} of "
            f"{int(frame['n_seeds'].max())} seeds, at that size and every larger one ({frame['order_method'].iloc[0]} "
            "subsets)")
    return pd.DataFrame({"source": "stability", "method": frame["surrogate"], "table": frame["dataset"], "band": "",
                         "value": frame["stable_rows"], "lo": float("nan"), "hi": float("nan"), "n_tables": 1,
                         "n_rows": frame["full_rows"], "note": note})


def fidelity(reference: Path) -> pd.DataFrame:
    frame = pd.read_csv(reference / "fidelity" / "leaderboard_by_size.csv")
    frame = frame[(frame["measure"] == "spearman") & (frame["band"].astype(str) != "all")]
    tables = pd.read_csv(reference / "fidelity" / "tables.csv")
    mix = {int(n): ", ".join(f"{k} {s}" for s, k in g["sampling"].value_counts().sort_index().items())
           for n, g in tables.groupby("n_rows")}
    band = frame["band"].astype(int)
    return pd.DataFrame({"source": "fidelity", "method": frame["surrogate"], "table": "", "band": band,
                         "value": frame["mean"], "lo": frame["lo"], "hi": frame["hi"], "n_tables": frame["n_tables"],
                         "n_rows": band,
                         "note": [f"Spearman of its ranking against the known truth on synthetic tables of {n} rows "
                                  f"({mix.get(n, '')} sampled; mean and 95 % bootstrap interval)" for n in band]})


def honesty(reference: Path, n_boot: int = 2000) -> pd.DataFrame:
    scores = pd.read_csv(reference / "fidelity" / "scores.csv")
    scores = scores[scores["coverage_main"].notna()].assign(sampled=scores["sampling"].map(SAMPLED))
    gen, rows = np.random.default_rng(0), []
    for (method, band, sampled), g in scores.groupby(["surrogate", "size_band", "sampled"], sort=True):
        cover = g["coverage_main"].to_numpy(dtype=float)
        lo, hi = np.percentile(cover[gen.integers(0, len(cover), size=(n_boot, len(cover)))].mean(axis=1), [2.5, 97.5])
        how = f"{', '.join(sorted(set(g['sampling'])))}-sampled synthetic tables of {int(band)}+ rows"
        rows.append({"source": "coverage", "method": method, "table": sampled, "band": int(band),
                     "value": cover.mean(), "lo": lo, "hi": hi, "n_tables": len(g), "n_rows": int(band),
                     "note": f"share of hyperparameters whose 90 % interval held the true main effect, mean over {how}"})
        claims, true = g["settled_main"].fillna(0).sum(), g["settled_true_main"].fillna(0).sum()
        if claims:
            rows.append({"source": "settled", "method": method, "table": sampled, "band": int(band),
                         "value": true / claims, "lo": float("nan"), "hi": float("nan"), "n_tables": len(g),
                         "n_rows": int(claims), "note": f"share of the orderings its intervals settled that were true, "
                                                       f"over {how} (n_rows: orderings settled)"})
    return pd.DataFrame(rows, columns=COLUMNS)


def main(reference: Path) -> Path:
    table = pd.concat([stability(reference), fidelity(reference), honesty(reference)], ignore_index=True)[COLUMNS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, float_format="%.6g")
    print(f"wrote {OUT} ({len(table)} rows) from {reference}")
    return OUT


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "results" / "reference")
