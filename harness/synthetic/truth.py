"""The true explanation of a synthetic table, in two senses: mean |term| on its rows, or variance shares.

``truth_of(ds)`` (``sense="mean"``, what ``generate`` returns) decomposes the oracle on the rows ``ds`` holds (a split of
a synthetic table gets its own truth), as a perfect GA²M fitted to those rows
would: each term re-centred over the rows, pair terms pure with respect to
these rows' marginals. On a skewed sample ``ū`` of the rows differs from the
pool's, so part of an interaction becomes main effect of its features
(``4·s·(ū_b − ū_b^pool)·(u_a − ū_a)`` for ``a``); a ``none`` feature in a true
pair can then have a non-zero importance — that is the truth of that table.
Importance = mean |term| over the rows (every feature, every pair; zero for
``none`` features and pairs that are not true). Shapes: each feature's
centred contribution at each value present (density = its count; no band).
Interactions: each true pair's surface on the product of the values present,
thinned to ``GRID`` evenly ranked values for a feature with more.

**Conditional features** (mean sense). A conditional feature's term is its
effect where active, centred over the rows where it is active, and 0 where
it is not (so it is centred over all rows too); its shape lists the values
it holds on active rows (density = those rows). What remains of it — the
active rows' mean term, which on a skewed sample or a split differs from
the generated rows' — is an effect of *being active*, which on the table's
rows is an effect of the parent's level, and joins the parent's term as
``level·([parent activates it] − share of active rows)``. The data layer's
``active_<condition>`` indicator is no hyperparameter and has no term: read a model's
indicator together with the feature (and the parent).

``truth_of(ds, sense="fanova")`` gives the functional-ANOVA truth instead
(``harness.synthetic.fanova``): importance = Var(term) / Var(f) under
the generator's sampling distribution, exact, for every feature and every
pair (0 where there is no term); shapes and surfaces are those Hoeffding
terms at the same values as above. It depends on the generator alone, not
on which rows the table holds.

The two **senses** a method can claim (``Interpretation.sense``), each
depending on the generator alone:

* ``sense="global"``: over the declared search space, mean |term| of the
  terms ``decompose`` gives a table's rows, on the whole sampling distribution
  instead (the limit of many uniform rows; exact up to a 4096-point quadrature
  of each continuous feature) — what mean |centred term| estimates from rows
  that sample the space (``fanova`` is the global truth in variance
  fractions);
* ``sense="local"``: near the best, what it takes to reach the top γ of the
  space (``harness.synthetic.local``), in PED-ANOVA's units.

Every truth record has a **total** row per hyperparameter: its main term
plus its pairs' (for variance fractions, the total Sobol index); the local
truth's total is the top-γ indicator's total Sobol variance.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.schema import Feature
from harness.synthetic.fanova import Anova
from harness.synthetic.local import top_effects
from harness.synthetic.oracle import PAIR_SCALE, Oracle, build
from harness.synthetic.settings import resolve
from harness.errors import ConfigError
from harness.interpretation.intervals import TERM_COLUMNS, TOTAL, total_term, with_intervals
from harness.interpretation.record import INTERACTION_COLUMNS, LOCAL, MEAN_ABS, SHAPE_COLUMNS, Interpretation, pair_term

GRID = 32
QUADRATURE = 4096  # midpoints of a continuous feature's u for the global mean |term|
GAMMA = 0.1  # the top quantile of the local truth (PED-ANOVA's default)
SENSES = ("mean", "fanova", "global", "local")
METHODS = {
    "mean": "known generating function",
    "fanova": "functional-ANOVA variance fraction of the known generating function "
              "(exact, under the product of the generator's sampling marginals)",
    "global": "mean |functional-ANOVA term| of the known generating function over the declared space "
              "(under the product of the generator's sampling marginals)",
    "local": "importance for reaching the top γ of the declared space: variance of P[top γ | x] of the known generating "
             "function, first-order (main) and total",
}
MEASURES = {"mean": MEAN_ABS, "fanova": "fraction of variance", "global": MEAN_ABS}


def local_measure(gamma: float) -> str:
    """The measure of a local importance (PED-ANOVA's, ``harness.explainers.pedanova``)."""
    return f"importance for reaching the top {gamma:g}"


def _present(f: Feature, values: pd.Series) -> list:
    if f.is_categorical:
        seen = set(values.tolist())
        return [v for v in f.levels if v in seen]
    return sorted(values.unique().tolist())


def _grid(values: list) -> list:
    if len(values) <= GRID:
        return values
    return [values[i] for i in np.round(np.linspace(0, len(values) - 1, GRID)).astype(int)]


def _record(oracle: Oracle, ds: Dataset, sense: str, main, pair, importance) -> Interpretation:
    """One truth record: ``importance(a, b, the term on the rows)`` of each main (b None) and each true pair
    (0 for the other pairs); shapes and surfaces at the values the rows hold (a conditional feature's: on its
    active rows)."""
    schema, X = oracle.schema, ds.X
    u = oracle.units(X)
    pairs = {(p["a"], p["b"]) for p in oracle.cfg["interactions"]}
    imp = [(f, "main", f, None, importance(f, None, main(f, u[f]))) for f in schema.names]
    for a, b in combinations(schema.names, 2):
        value = importance(a, b, pair(a, b, u[a], u[b])) if (a, b) in pairs else 0.0
        imp.append((pair_term(a, b), "pair", a, b, value))

    shapes = []
    for f in schema:
        held = X[f.name][oracle.active(f.name, X)]
        values = _present(f, held)
        counts = held.value_counts().reindex(values).to_numpy()  # one lookup, not one per value (100k on 100k rows)
        contrib = main(f.name, oracle.unit(f.name, values))
        shapes += [(f.name, v, float(c), np.nan, np.nan, int(k)) for v, c, k in zip(values, contrib, counts)]

    surfaces = []
    for a, b in ((p["a"], p["b"]) for p in oracle.cfg["interactions"]):  # in schema order (resolve sorts them)
        va, vb = _grid(_present(schema[a], X[a])), _grid(_present(schema[b], X[b]))
        ua, ub = np.meshgrid(oracle.unit(a, va), oracle.unit(b, vb), indexing="ij")
        h = pair(a, b, ua, ub)
        surfaces += [(a, b, x, z, float(h[i, j])) for i, x in enumerate(va) for j, z in enumerate(vb)]

    return Interpretation(
        surrogate="truth",
        dataset=ds.name,
        method=METHODS[sense],
        measure=MEASURES[sense],
        importances=with_intervals(pd.DataFrame(imp, columns=TERM_COLUMNS), None, None),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
    )


def decompose(oracle: Oracle, ds: Dataset) -> Interpretation:
    """The truth of the rows ``ds`` holds under ``oracle`` (the generator that made them), in the mean |term| sense."""
    schema, X, cfg = oracle.schema, ds.X, oracle.cfg
    u = oracle.units(X)
    ubar = {f: float(v.mean()) for f, v in u.items()}
    # Linear leakage of each pair into its features' mains where the rows' mean u is not the generated rows'.
    slope = dict.fromkeys(schema.names, 0.0)
    for p in cfg["interactions"]:
        a, b, s = p["a"], p["b"], PAIR_SCALE * p["strength"]
        slope[a] += s * (ubar[b] - oracle.ubar[b])
        slope[b] += s * (ubar[a] - oracle.ubar[a])
    main_mean = {f: float(oracle.main(f, u[f]).mean()) for f in schema.names}
    # A conditional feature's mean term over its active rows moves to its parent (see the module docstring).
    level, share, activating, children = {}, {}, {}, {}
    for c, (parent, levels) in oracle.conditions.items():
        active = ~np.isnan(u[c])
        level[c] = float(oracle.main(c, u[c])[active].mean()) if active.any() else 0.0
        share[c] = float(active.mean())
        activating[c] = oracle.unit(parent, list(levels))
        children.setdefault(parent, []).append(c)

    def main(f, uf):
        if f in level:
            return oracle.main(f, uf) - level[f] * ~np.isnan(uf)
        out = oracle.main(f, uf) - main_mean[f] + slope[f] * (uf - ubar[f])
        for c in children.get(f, ()):
            out = out + level[c] * (np.isin(uf, activating[c]) - share[c])
        return out

    pair_mean = {
        (p["a"], p["b"]): PAIR_SCALE * p["strength"] * float(np.mean((u[p["a"]] - ubar[p["a"]]) * (u[p["b"]] - ubar[p["b"]])))
        for p in cfg["interactions"]
    }
    strength = {(p["a"], p["b"]): PAIR_SCALE * p["strength"] for p in cfg["interactions"]}

    def pair(a, b, ua, ub):
        return strength[(a, b)] * (ua - ubar[a]) * (ub - ubar[b]) - pair_mean[(a, b)]

    return _record(oracle, ds, "mean", main, pair, lambda a, b, term: float(np.mean(np.abs(term))))


def variance_truth(oracle: Oracle, ds: Dataset) -> Interpretation:
    """The functional-ANOVA truth of ``oracle`` (shapes at the values ``ds`` holds)."""
    anova = Anova(oracle)
    mains, pairs = anova.fractions()
    return _record(oracle, ds, "fanova", anova.main, anova.pair,
                   lambda a, b, term: mains[a] if b is None else pairs[(a, b)])


def global_truth(oracle: Oracle, ds: Dataset) -> Interpretation:
    """``decompose``'s terms on the whole sampling distribution instead of a table's rows (the limit of many uniform
    rows), their mean |term|: a conditional feature's term is centred where it is active and 0 elsewhere, and its
    mean where active joins its parent's term as an effect of activating it (shapes at the values ``ds`` holds)."""
    anova = Anova(oracle)
    spread = {f: _expected(oracle, f, lambda u, f=f: np.abs(u - anova.mean_u[f])) for f in oracle.schema.names}
    level = {c: _expected(oracle, c, lambda u, c=c: oracle.raw(c, u)) - oracle.offset[c] for c in oracle.conditions}
    children: dict[str, list[str]] = {}
    share = dict.fromkeys(oracle.schema.names, 1.0)  # where each feature is active
    for c, (parent, levels) in oracle.conditions.items():
        children.setdefault(parent, []).append(c)
        share[c] = len(levels) / len(oracle.schema[parent].levels)

    def main(f, u):
        if f in oracle.conditions:  # centred where active, as decompose centres it over the active rows
            return oracle.raw(f, u) - _expected(oracle, f, lambda v: oracle.raw(f, v))
        out = anova.main(f, u)
        for c in children.get(f, ()):
            parent, levels = oracle.conditions[c]
            activates = np.isin(u, oracle.unit(parent, list(levels)))
            out = out + level[c] * (activates - share[c])
        return out

    mains = {f: share[f] * _expected(oracle, f, lambda u, f=f: np.abs(main(f, u))) for f in oracle.schema.names}
    return _record(oracle, ds, "global", main, anova.pair,
                   lambda a, b, term: mains[a] if b is None else abs(anova.strength[(a, b)]) * spread[a] * spread[b])


def _expected(oracle: Oracle, f: str, g) -> float:
    """E g(u_f) under f's sampling distribution (a conditional feature's: where it is active, as drawn)."""
    nodes = oracle.nodes[f]
    u = (np.arange(QUADRATURE) + 0.5) / QUADRATURE if nodes is None else np.asarray(nodes, dtype=float)
    return float(np.mean(g(u)))


def local_truth(oracle: Oracle, ds: Dataset, gamma: float = GAMMA) -> Interpretation:
    """What it takes to reach the top ``gamma`` of the space (``harness.synthetic.local``): a main and a total row
    per feature, no pairs, no shapes."""
    main, total = top_effects(oracle, gamma, oracle.cfg["maximize"], oracle.cfg["seed"])
    rows = [(f, "main", f, None, main[f]) for f in oracle.schema.names]
    rows += [(total_term(f), TOTAL, f, None, total[f]) for f in oracle.schema.names]
    return Interpretation(
        surrogate="truth", dataset=ds.name, method=METHODS["local"].replace("γ", f"γ = {gamma:g}"),
        measure=local_measure(gamma), sense=LOCAL,
        importances=pd.DataFrame(rows, columns=TERM_COLUMNS).assign(lower=np.nan, upper=np.nan),
        shapes=pd.DataFrame(columns=SHAPE_COLUMNS),
    )


def truth_of(ds: Dataset, sense: str = "mean", gamma: float = GAMMA) -> Interpretation:
    """The truth of the rows ``ds`` holds, recomputed from its recorded generator (deterministic).

    ``sense``: ``mean`` (mean |centred term| over the rows, the record ``generate`` returns), ``fanova``
    (variance fractions under the sampling distribution), ``global`` (mean |term| under it) or ``local`` (what it
    takes to reach the top ``gamma``).
    """
    if sense not in SENSES:
        raise ConfigError(f"truth sense {sense!r} is unknown; known: {', '.join(SENSES)}")
    try:
        cfg = ds.generator
    except KeyError:
        raise ConfigError(f"dataset {ds.name!r} is not a synthetic table: it records no generator") from None
    oracle = build(resolve(cfg))[2]
    if sense == "local":
        return local_truth(oracle, ds, gamma)
    return {"mean": decompose, "fanova": variance_truth, "global": global_truth}[sense](oracle, ds)
