"""The trade-off experiment's numbers: Pareto fronts, their hypervolume and knee, and what drives each objective.

Pure: tidy frames (and, for the scalarised targets, a Dataset) in, frames out — no files, no text.

* **Front.** Of two objectives, each oriented so that higher is better, the rows no other row beats in one
  while matching it in the other (equal rows are all on the front).
* **Hypervolume.** Each objective min-max normalised over the rows holding both (0 = the worst row, 1 = the
  best), the reference point is (0, 0) — the worst value of each — so the hypervolume is the share of the
  unit box the front dominates: 1 for one row best at both, near 0.5 for a straight trade-off line.
* **Fill and knee** describe the front's shape in its own box (each objective normalised between the front's two
  ends): ``fill`` is the share of that box the front dominates — near 1 when one configuration is close to the
  best at both, 0.5 for a straight trade-off, less for a concave front of two specialists (undefined, NaN, for
  fewer than three front rows: two ends enclose nothing); the knee is the front row closest (Euclidean) to that
  box's ideal corner.
* **Trade and gain axes.** With u and v the two objectives as z-scores (higher = better), a surrogate is
  fitted to ``gain = (u + v) / 2`` and to ``trade = (u - v) / 2``. A hyperparameter that moves a configuration
  along the front (better at one, worse at the other) acts on the trade axis only; one that moves it towards
  the front (better at both) on the gain axis only; one that acts on one objective alone on both, equally.
  ``net = trade - gain`` of the main-term importances (in standard deviations) ranks them: > 0 trades.
* **Along the front** (no model): Spearman's ρ between a numeric hyperparameter's value and the front rows'
  order from the best at the second objective to the best at the first.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.objectives import Objective, table_name

AXES = ("trade", "gain")
FRONT_KEYS = ["dataset", "objective", "versus"]


def pareto_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows on the front of (a, b), both higher-is-better: one sweep in order of decreasing a."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    on = np.zeros(len(a), dtype=bool)
    best_b, last = -np.inf, None
    for i in np.lexsort((-b, -a)):
        if b[i] > best_b or (a[i], b[i]) == last:
            on[i], best_b, last = True, b[i], (a[i], b[i])
    return on


def normalised(values: np.ndarray) -> np.ndarray:
    """Higher-is-better values mapped to [0, 1]: 0 the worst, 1 the best."""
    lo, hi = float(np.min(values)), float(np.max(values))
    return (values - lo) / (hi - lo) if hi > lo else np.ones_like(values, dtype=float)


def hypervolume(ua: np.ndarray, ub: np.ndarray) -> float:
    """Area dominated by normalised front points over the reference point (0, 0)."""
    area, reached = 0.0, 0.0
    for i in np.lexsort((-ub, -ua)):
        if ub[i] > reached:
            area += ua[i] * (ub[i] - reached)
            reached = ub[i]
    return float(area)


def fronts(values: pd.DataFrame, objectives: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per table, the front of its first objective against each other one: a summary row per front, and its members.

    ``values``: dataset, row, objective, value; ``objectives``: dataset, objective, position, maximize.
    """
    summary, members = [], []
    for d, objs in objectives.sort_values("position", kind="stable").groupby("dataset", sort=False):
        wide = values[values["dataset"] == d].pivot_table(index="row", columns="objective", values="value")
        first, *others = list(zip(objs["objective"], objs["maximize"].astype(bool)))
        for b, max_b in others:
            both = wide[[first[0], b]].dropna()
            ua = normalised(both[first[0]].to_numpy() * (1 if first[1] else -1))
            ub = normalised(both[b].to_numpy() * (1 if max_b else -1))
            on = pareto_mask(ua, ub)
            fa, fb = normalised(ua[on]), normalised(ub[on])
            front = both[on].assign(fa=fa, fb=fb).sort_values(["fb", "fa"], ascending=[False, True])
            knee = int(np.argmin((1 - front["fa"]) ** 2 + (1 - front["fb"]) ** 2))
            best_a, best_b = front.iloc[-1], front.iloc[0]
            summary.append({"dataset": d, "objective": first[0], "versus": b, "n_rows": len(both), "n_front": len(front),
                            "hypervolume": hypervolume(ua[on], ub[on]), "fill": hypervolume(fa, fb) if on.sum() >= 3 else np.nan,
                            "best_objective": best_a[first[0]], "best_objective_versus": best_a[b],
                            "best_versus": best_b[b], "best_versus_objective": best_b[first[0]],
                            "knee_objective": front.iloc[knee][first[0]], "knee_versus": front.iloc[knee][b],
                            "knee_row": int(front.index[knee])})
            members.append(pd.DataFrame({"dataset": d, "objective": first[0], "versus": b, "row": front.index,
                                         "position": np.arange(len(front)), "value": front[first[0]].to_numpy(),
                                         "value_versus": front[b].to_numpy(), "knee": np.arange(len(front)) == knee}))
    cols = FRONT_KEYS + ["row", "position", "value", "value_versus", "knee"]
    return pd.DataFrame(summary), (pd.concat(members, ignore_index=True) if members else pd.DataFrame(columns=cols))


def along_front(members: pd.DataFrame, configs: pd.DataFrame) -> pd.DataFrame:
    """Spearman's ρ of each numeric hyperparameter with the position along each front (NaN: too few rows or constant)."""
    out = []
    for (d, a, b), front in members.groupby(FRONT_KEYS, sort=False):
        x = configs[(configs["dataset"] == d) & configs["row"].isin(front["row"])]
        for feature, g in x.groupby("feature", sort=False):
            value = pd.to_numeric(g.set_index("row")["value"], errors="coerce").reindex(front["row"]).to_numpy()
            ok = len(front) >= 3 and np.isfinite(value).all() and len(np.unique(value)) > 1
            rho = pd.Series(value).corr(pd.Series(front["position"].to_numpy()), method="spearman") if ok else np.nan
            out.append({"dataset": d, "objective": a, "versus": b, "feature": feature, "rho": rho})
    return pd.DataFrame(out, columns=FRONT_KEYS + ["feature", "rho"])


def main_means(importances: pd.DataFrame) -> pd.DataFrame:
    """Main-term importance per (table, axis, objective, versus, surrogate, feature), the mean over seeds."""
    mains = importances[importances["kind"] == "main"]
    mains = mains.assign(versus=mains["versus"].astype(object).fillna(""))  # objectives have no second objective
    keys = ["dataset", "axis", "objective", "versus", "surrogate", "feature_a"]
    out = mains.groupby(keys, sort=False)["importance"].mean().reset_index()
    return out.rename(columns={"feature_a": "feature"})


def drivers(means: pd.DataFrame) -> pd.DataFrame:
    """Per (table, objective, surrogate): each hyperparameter's importance, its share of the total and its rank."""
    obj = means[means["axis"] == "objective"].drop(columns=["axis", "versus"])
    g = obj.groupby(["dataset", "objective", "surrogate"], sort=False)["importance"]
    obj = obj.assign(share=obj["importance"] / g.transform("sum"),
                     rank=g.rank(ascending=False, method="first").astype(int))
    return obj.reset_index(drop=True)


def trades(means: pd.DataFrame) -> pd.DataFrame:
    """Per (front, surrogate, hyperparameter): importance on the trade and gain axes and ``net = trade - gain``."""
    axes = means[means["axis"].isin(AXES)]
    wide = axes.pivot_table(index=[*FRONT_KEYS, "surrogate", "feature"], columns="axis", values="importance",
                            sort=False).reindex(columns=list(AXES)).reset_index()
    wide.columns.name = None
    return wide.assign(net=wide["trade"] - wide["gain"])


def fit_r2(rows: pd.DataFrame) -> pd.DataFrame:
    """In-sample R² per fitted target (an objective, or an axis: ``trade: a vs b``) and surrogate, mean over tables
    and seeds of the fits that succeeded: targets × surrogates, in the order they ran."""
    ok = rows[rows["status"] == "ok"]
    ok = ok.assign(versus=ok["versus"].astype(object).fillna(""))
    ok = ok.assign(target=np.where(ok["axis"] == "objective", ok["objective"], ok["axis"] + ": " + ok["objective"] + " vs " + ok["versus"]))
    return ok.groupby(["target", "surrogate"], sort=False)["r2"].mean().unstack("surrogate")


def same_top_driver(drive: pd.DataFrame, reference: str) -> pd.Series:
    """Per surrogate but the reference: the share of (table, objective) whose top driver is the reference's (empty
    where only the reference ran)."""
    top = drive[drive["rank"] == 1].pivot_table(index=["dataset", "objective"], columns="surrogate", values="feature",
                                                 aggfunc="first", sort=False)
    return pd.Series({s: (top[s] == top[reference]).mean() for s in top.columns if s != reference}, dtype=float)


def objective_values(values: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """One table's rows × objectives (the values of ``values.csv`` side by side)."""
    return values[values["dataset"] == dataset].pivot_table(index="row", columns="objective", values="value")


def axis_table(ds: Dataset, a: Objective, b: Objective, kind: str) -> Dataset:
    """The table with ``(u ± v) / 2`` as target (u, v: the objectives' z-scores, higher = better); rows holding both."""
    u, v = (pd.to_numeric(ds.column(o.name), errors="coerce").to_numpy(dtype=float) for o in (a, b))
    keep = np.flatnonzero(np.isfinite(u) & np.isfinite(v))
    z = [(x[keep] - x[keep].mean()) / x[keep].std() * (1 if o.maximize else -1) for x, o in ((u, a), (v, b))]
    y = (z[0] - z[1]) / 2 if kind == "trade" else (z[0] + z[1]) / 2
    ident = f"{ds.fingerprint}|{kind}|{a.name}:{a.maximize}|{b.name}:{b.maximize}"
    return Dataset(name=f"{table_name(ds)}.{kind}({a.name},{b.name})", X=ds.X.iloc[keep].reset_index(drop=True),
                   y=pd.Series(y, name=kind), schema=ds.schema, maximize=True,
                   fingerprint=hashlib.sha256(ident.encode()).hexdigest(),
                   table=table_name(ds), label=f"{kind} axis of {a.name} and {b.name}", unit="sd")
