"""The true explanation of a synthetic table: the oracle decomposed on the rows the table holds.

``truth_of(ds)`` decomposes the oracle on the rows ``ds`` holds (a split of
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
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.schema import Feature
from harness.data.synthetic.oracle import PAIR_SCALE, Oracle, build
from harness.data.synthetic.settings import resolve
from harness.errors import ConfigError
from harness.explanations.record import IMPORTANCE_COLUMNS, INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

GRID = 32


def _present(f: Feature, values: pd.Series) -> list:
    if f.is_categorical:
        seen = set(values.tolist())
        return [v for v in f.levels if v in seen]
    return sorted(values.unique().tolist())


def _grid(values: list) -> list:
    if len(values) <= GRID:
        return values
    return [values[i] for i in np.round(np.linspace(0, len(values) - 1, GRID)).astype(int)]


def decompose(oracle: Oracle, ds: Dataset) -> Interpretation:
    """The truth of the rows ``ds`` holds under ``oracle`` (the generator that made them)."""
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

    def main(f, uf):
        return oracle.main(f, uf) - main_mean[f] + slope[f] * (uf - ubar[f])

    pair_mean = {
        (p["a"], p["b"]): PAIR_SCALE * p["strength"] * float(np.mean((u[p["a"]] - ubar[p["a"]]) * (u[p["b"]] - ubar[p["b"]])))
        for p in cfg["interactions"]
    }
    strength = {(p["a"], p["b"]): PAIR_SCALE * p["strength"] for p in cfg["interactions"]}

    def pair(a, b, ua, ub):
        return strength[(a, b)] * (ua - ubar[a]) * (ub - ubar[b]) - pair_mean[(a, b)]

    imp = [(f, "main", f, None, float(np.mean(np.abs(main(f, u[f]))))) for f in schema.names]
    for a, b in combinations(schema.names, 2):
        value = float(np.mean(np.abs(pair(a, b, u[a], u[b])))) if (a, b) in strength else 0.0
        imp.append((pair_term(a, b), "pair", a, b, value))

    shapes = []
    for f in schema:
        values = _present(f, X[f.name])
        counts = X[f.name].value_counts()
        contrib = main(f.name, oracle.unit(f.name, values))
        shapes += [(f.name, v, float(c), np.nan, np.nan, int(counts[v])) for v, c in zip(values, contrib)]

    surfaces = []
    for a, b in strength:
        va, vb = _grid(_present(schema[a], X[a])), _grid(_present(schema[b], X[b]))
        ua, ub = np.meshgrid(oracle.unit(a, va), oracle.unit(b, vb), indexing="ij")
        h = pair(a, b, ua, ub)
        surfaces += [(a, b, x, z, float(h[i, j])) for i, x in enumerate(va) for j, z in enumerate(vb)]

    return Interpretation(
        surrogate="truth",
        dataset=ds.name,
        method="known generating function",
        importances=pd.DataFrame(imp, columns=IMPORTANCE_COLUMNS),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
    )


def truth_of(ds: Dataset) -> Interpretation:
    """The truth of the rows ``ds`` holds, recomputed from its recorded generator (deterministic)."""
    try:
        cfg = ds.meta["generator"]
    except KeyError:
        raise ConfigError(f"dataset {ds.name!r} is not a synthetic table: it records no generator") from None
    return decompose(build(resolve(cfg))[2], ds)
