"""Intervals of importances from replicates, total effects, and which orderings of hyperparameters are settled.

Every explainer measures each term's importance once on the table it was given (the point estimate) and, where it
can, again on **replicates**: the fits its model already holds (an EBM's outer bags, a forest's trees) or refits on
seeded bootstrap resamples of the rows. ``bounds`` turns the replicates into the nominal ``LEVEL`` (90 %) interval of
each term by one of three rules (which rule suits which replicates is measured, not assumed:
``scripts/bench_intervals.py``):

* ``percentile``: the replicates' own quantiles (the replicates are draws of the estimate itself: bootstrap refits,
  posterior draws, a forest's bootstrap trees);
* ``basic``: the quantiles reflected about the estimate, ``[2θ − q_hi, 2θ − q_lo]`` (the bootstrap's "basic"
  interval): it removes the bias the replicates share with the estimate, as the upward one of noise a model fits;
* ``spread``: ``θ ± t · scale · sd`` (Student's t with one degree of freedom fewer than replicates): for replicates
  that are not draws of the estimate but members of an average (an EBM's bags, each fitted on 85 % of the rows: the
  delete-d jackknife's ``scale = sqrt((1 − d) / d)``).

A measure that cannot be negative keeps a lower bound ≥ 0.

A **total** effect of a hyperparameter is its main term's importance plus those of the pair terms it is in, in the
method's own measure (for variance fractions of a function with at most pairwise interactions: the total Sobol
index); its interval comes from the same replicates, each summed the same way.

An ordering "a matters more than b" is **settled** when their intervals are apart (a's lower bound above b's upper
bound); every other ordering is not settled.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVEL = 0.9
TERM_COLUMNS = ["term", "kind", "feature_a", "feature_b", "importance"]  # an importance row before its interval
RULES = ("percentile", "basic", "spread")
TOTAL = "total"
MIN_REPLICATES = 2


def total_term(feature: str) -> str:
    """The term name of a hyperparameter's total effect (``lr (total)``)."""
    return f"{feature} (total)"


@dataclass(frozen=True)
class Rule:
    """How replicates become an interval (see the module docstring); ``scale`` is used by ``spread`` only."""

    name: str = "percentile"
    scale: float = 1.0
    level: float = LEVEL

    def __post_init__(self):
        if self.name not in RULES:
            raise ValueError(f"interval rule {self.name!r} is unknown; known: {', '.join(RULES)}")

    def bounds(self, point: np.ndarray, reps: np.ndarray, nonnegative: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds per column of ``reps`` (replicates × terms) around ``point`` (one per term)."""
        point = np.asarray(point, dtype=float)
        reps = np.asarray(reps, dtype=float)
        if reps.ndim != 2 or reps.shape[0] < MIN_REPLICATES:
            nan = np.full(point.shape, np.nan)
            return nan, nan.copy()
        tail = (1 - self.level) / 2
        if self.name == "spread":
            from scipy import stats  # here: importing scipy.stats costs ~0.7 s at start-up

            half = stats.t.ppf(1 - tail, reps.shape[0] - 1) * self.scale * reps.std(axis=0, ddof=1)
            lower, upper = point - half, point + half
        else:
            lo, hi = np.quantile(reps, [tail, 1 - tail], axis=0)
            lower, upper = (lo, hi) if self.name == "percentile" else (2 * point - hi, 2 * point - lo)
        if nonnegative:
            lower, upper = np.maximum(lower, 0.0), np.maximum(upper, 0.0)
        return lower, upper

    def describe(self, replicates: str) -> str:
        """The rule in words, for a record's ``method``."""
        what = {"percentile": "their quantiles", "basic": "their quantiles reflected about the estimate (basic bootstrap)",
                "spread": f"estimate ± t × {self.scale:.3g} × their standard deviation"}[self.name]
        return f"{self.level:.0%} interval from {replicates}: {what}"


def with_intervals(importances: pd.DataFrame, resamples: pd.DataFrame | None, rule: Rule | None,
                   nonnegative: bool = True) -> pd.DataFrame:
    """``importances`` (main and pair rows) with ``lower``/``upper`` and, where there are pair terms, a total row per
    hyperparameter; NaN bounds without replicates. ``resamples``: replicates × terms (the main and pair terms). A method
    that measures total effects itself gives their rows (and their replicates' columns): they are kept as given."""
    imp = importances[TERM_COLUMNS].reset_index(drop=True)
    if not (imp["kind"] == TOTAL).any():  # one frame of plain rows, so its columns are typed as any record's
        rows = [*imp.itertuples(index=False, name=None), *totals_of(imp).itertuples(index=False, name=None)]
        imp = pd.DataFrame(rows, columns=TERM_COLUMNS).astype({"importance": float})
    reps = None if resamples is None or rule is None else with_total_resamples(imp, resamples)
    if reps is None or len(reps) < MIN_REPLICATES:
        return imp.assign(lower=np.nan, upper=np.nan)
    lower, upper = rule.bounds(imp["importance"].to_numpy(dtype=float), reps[imp["term"]].to_numpy(dtype=float),
                               nonnegative)
    return imp.assign(lower=lower, upper=upper)


def totals_of(importances: pd.DataFrame) -> pd.DataFrame:
    """One total row per hyperparameter (main + the pair terms it is in), none for a record without pair terms."""
    main = importances[importances["kind"] == "main"]
    pairs = importances[importances["kind"] == "pair"]
    if not len(pairs):
        return pd.DataFrame(columns=TERM_COLUMNS)
    rows = []
    for f, v in zip(main["feature_a"], main["importance"].to_numpy(dtype=float)):
        held = pairs[(pairs["feature_a"] == f) | (pairs["feature_b"] == f)]["importance"].to_numpy(dtype=float)
        rows.append((total_term(f), TOTAL, f, None, float(v + held.sum())))
    return pd.DataFrame(rows, columns=TERM_COLUMNS)


def with_total_resamples(importances: pd.DataFrame, resamples: pd.DataFrame) -> pd.DataFrame:
    """The replicates with a column per total term, summed as ``totals_of`` sums the estimates."""
    given = [t for t in importances.loc[importances["kind"] == TOTAL, "term"] if t in resamples]
    reps = resamples.reindex(columns=[*importances.loc[importances["kind"] != TOTAL, "term"], *given]).fillna(0.0)
    totals = {}
    pairs = importances[importances["kind"] == "pair"]
    for f in importances.loc[(importances["kind"] == TOTAL) & ~importances["term"].isin(given), "feature_a"]:
        held = pairs.loc[(pairs["feature_a"] == f) | (pairs["feature_b"] == f), "term"]
        totals[total_term(f)] = reps[f].to_numpy() + reps[list(held)].to_numpy().sum(axis=1)
    return pd.concat([reps, pd.DataFrame(totals, index=reps.index)], axis=1)


def settled(importances: pd.DataFrame, kind: str = "main") -> pd.DataFrame:
    """Orderings "feature_hi matters more than feature_lo" that the intervals settle (``lower`` of one above
    ``upper`` of the other), most important first; ``basis`` says why. Every other ordering is not settled."""
    rows = importances[importances["kind"] == kind]
    name, lo, hi = rows["feature_a"].to_numpy(), rows["lower"].to_numpy(dtype=float), rows["upper"].to_numpy(dtype=float)
    order = np.argsort(-rows["importance"].to_numpy(dtype=float), kind="stable")
    out = [(name[i], name[j], "intervals apart") for i in order for j in order if i != j and lo[i] > hi[j]]
    return pd.DataFrame(out, columns=["feature_hi", "feature_lo", "basis"])
