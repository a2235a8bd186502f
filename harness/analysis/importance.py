"""One method's importances as the explain page reads them: main and total effect with their intervals, the sense,
and which orderings are settled.

Everything the page takes from the intervals, totals and senses of the explanation records (issue 25's fields:
``lower``/``upper`` per term, ``kind == "total"`` rows, ``sense``, settled orderings) is read here, from the tidy
``importances`` table (``importances.csv``, one run's rows), so that nothing else depends on how they are spelt. A
table without intervals gives NaN bounds and settles no ordering: nothing is settled that no interval supports.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.interpretation import intervals
from harness.interpretation.intervals import TOTAL
from harness.interpretation.record import GLOBAL, LOCAL, sense_of_measure  # noqa: F401 (GLOBAL, LOCAL: the senses)
COLUMNS = ["feature", "main", "main_lower", "main_upper", "total", "total_lower", "total_upper", "active_share"]


def effects(importances: pd.DataFrame, surrogate: str) -> pd.DataFrame:
    """Per hyperparameter of ``surrogate``'s record: main effect and total effect (NaN where the record has no total
    rows) with their 90 % bounds (NaN where it has no interval) and the share of rows it was measured over; most
    important first (by total where there is one, else main)."""
    imp = importances[importances["surrogate"] == surrogate]
    main = imp[imp["kind"] == "main"].set_index("feature_a")
    total = imp[imp["kind"] == TOTAL].set_index("feature_a")
    out = pd.DataFrame({"feature": main.index})
    for name, part in (("main", main), ("total", total)):
        for col, src in ((name, "importance"), (f"{name}_lower", "lower"), (f"{name}_upper", "upper")):
            values = part[src] if src in part else pd.Series(dtype=float)
            out[col] = out["feature"].map(values.astype(float)).to_numpy(dtype=float)
    share = main["active_share"] if "active_share" in main else pd.Series(1.0, index=main.index)
    out["active_share"] = out["feature"].map(share.astype(float)).fillna(1.0).to_numpy()
    key = out["total"].where(out["total"].notna(), out["main"])
    return out.iloc[np.argsort(-key.to_numpy(dtype=float), kind="stable")].reset_index(drop=True)[COLUMNS]


def has_intervals(effects_table: pd.DataFrame, kind: str = "main") -> bool:
    """Whether the record gave an interval for its ``kind`` effects."""
    return bool(effects_table[f"{kind}_lower"].notna().any())


def has_totals(effects_table: pd.DataFrame) -> bool:
    return bool(effects_table["total"].notna().any())


def settled(effects_table: pd.DataFrame, kind: str = "main") -> pd.DataFrame:
    """Orderings "feature_hi matters more than feature_lo" whose intervals are apart, most important first, as a
    record settles them (``harness.interpretation.intervals.settled``); every other ordering is not settled (none
    without intervals)."""
    t = effects_table[effects_table[kind].notna()]
    rows = pd.DataFrame({"kind": kind, "feature_a": t["feature"], "importance": t[kind], "lower": t[f"{kind}_lower"],
                         "upper": t[f"{kind}_upper"]})
    return intervals.settled(rows, kind)[["feature_hi", "feature_lo"]]


def adjacent(effects_table: pd.DataFrame, kind: str = "main") -> pd.DataFrame:
    """Each hyperparameter against the next one down the ranking: whether their order is settled."""
    t = effects_table[effects_table[kind].notna()]
    t = t.iloc[np.argsort(-t[kind].to_numpy(dtype=float), kind="stable")]
    done = set(map(tuple, settled(effects_table, kind).to_numpy()))
    names = list(t["feature"])
    return pd.DataFrame([(a, b, (a, b) in done) for a, b in zip(names, names[1:])],
                        columns=["feature_hi", "feature_lo", "settled"])


def sense(importances: pd.DataFrame, surrogate: str) -> str:
    """Where the record's importance holds: its ``sense`` column, else as its measure says (local for PED-ANOVA's)."""
    imp = importances[importances["surrogate"] == surrogate]
    if "sense" in imp and imp["sense"].notna().any():
        return str(imp["sense"].dropna().iloc[0])
    return sense_of_measure(str(imp["measure"].iloc[0]) if "measure" in imp and len(imp) else "")


def method(importances: pd.DataFrame, surrogate: str) -> str:
    """How the record was made, in words (its ``method``)."""
    imp = importances[importances["surrogate"] == surrogate]
    return str(imp["method"].iloc[0]) if "method" in imp and len(imp) else ""


def measure(importances: pd.DataFrame, surrogate: str) -> str:
    imp = importances[importances["surrogate"] == surrogate]
    return str(imp["measure"].iloc[0]) if "measure" in imp and len(imp) else ""
