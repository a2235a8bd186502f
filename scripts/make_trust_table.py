"""Write the benchmark's numbers the explain page compares a run with: harness/analysis/reference/trust.csv.

    python scripts/make_trust_table.py [results/reference]

From the committed reference reproduction (``results/reference/``), so an installed harness carries them:

* ``stability``: per method, on the real tables of ``stability_methods`` (the six NMT pairs and the two NMTLC
  fine-tuning tables), the rows from which its top-3 hyperparameters were stable (the same top-3 set as on the
  whole training split in >= 4 of 5 seeds, at that size and every larger one): one row per (method, table), with
  ``value`` the rows (NaN: never below the whole split) and ``n_rows`` the whole split's rows;
* ``fidelity``: per method and table-size band, the mean Spearman of its ranking against the known truth on the
  synthetic tables of ``fidelity`` (``leaderboard_by_size.csv``) with its 95 % bootstrap interval and table count.

Rerun it whenever ``results/reference/`` is refreshed (``scripts/reproduce_paper.sh --reference``).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "harness" / "analysis" / "reference" / "trust.csv"
COLUMNS = ["source", "method", "table", "band", "value", "lo", "hi", "n_tables", "n_rows", "note"]


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


def main(reference: Path) -> Path:
    table = pd.concat([stability(reference), fidelity(reference)], ignore_index=True)[COLUMNS]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT, index=False, float_format="%.6g")
    print(f"wrote {OUT} ({len(table)} rows) from {reference}")
    return OUT


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "results" / "reference")
