"""The generating function: rows drawn from a seed and the noise-free signal f(X) on them.

**Rows.** Each feature is drawn independently from the seed: a discrete
feature (declared ``levels``) takes each level with equal probability; a
continuous one is uniform on ``[low, high]`` on its own scale (log-uniform for
``log``). These are the "generated rows": the table itself (uniform sampling)
or the pool an HPO method samples from. A conditional feature is drawn for
every row too, then removed where its parent's level does not activate it;
the data layer's conditional columns follow (``harness.data.infer``): a
numeric one filled at its low end plus its indicator
(``active_<parent>_in_{…}_for_<name>``), a categorical one with the level ``absent``.
Both exist whenever the feature is conditional, whichever rows were drawn.

**Signal.** Every feature has a value ``u`` in [0, 1]: ``Feature.to_unit``
(log-aware) for numeric features; for a categorical feature with L levels,
the positions 0, 1/(L−1), …, 1 assigned to its levels in an order drawn from
the seed (a hidden ordering, so every shape applies to categorical features
too, and an unordered model has something real to find). With strength
``s ≥ 0`` and ``direction d = ±1`` (default +1), the main-effect shapes are

* ``monotone``: ``g(u) = d·s·u**power`` (``power > 0``, default 1: linear);
* ``u``:        ``g(u) = d·s·((u − u0) / max(u0, 1 − u0))**2`` (``u0`` default
  0.5; d = +1 is a valley with its minimum at u0, d = −1 a peak);
* ``step``:     ``g(u) = d·s·[u ≥ threshold]`` (``threshold`` in (0, 1], default 0.5);
* ``plateau``:  ``g(u) = d·s·clip((u − start) / (end − start), 0, 1)`` (defaults 0.25, 0.75);
* ``levels``:   ``g = d·s·values[i]`` at the i-th level (discrete features; ``values`` in [0, 1]);
* ``none``:     ``g = 0`` (the default for every feature not listed).

so a main effect's strength is its swing over the whole domain. A true
interaction ``{a, b, strength: s}`` (any real ``s``; its sign says synergy or
antagonism) is ``h = 4·s·(u_a − ū_a)(u_b − ū_b)``, a pure interaction: it
averages to zero along each feature over the product of the generated rows'
marginals. The factor 4 makes a linear main effect and an interaction of equal
strength equally important under uniform continuous sampling (mean |·| = s/4).
Each main effect is centred (``g − mean g``) and ``ū`` is the mean ``u``, both
over the generated rows; the signal is the sum of all terms. A conditional
feature's term is ``g − mean g`` (the mean over the generated rows where it
is active; the exact expectation if it is active on none) where it is active
and 0 where it is not: the function reads activity from the feature's own
columns (its condition's indicator, or ``absent``), which on every generated
row agree with the parent's level.

Rows, categorical positions and noise come from three independent streams
spawned from ``seed``, so changing ``snr`` or the effects keeps the rows.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness import libm
from harness.data import infer
from harness.data.schema import Schema
from harness.synthetic import shapes
from harness.synthetic.settings import conditions_of, resolve, schema_of
from harness.synthetic.shapes import PAIR_SCALE
from harness.seeds import Stream, rng

__all__ = ["PAIR_SCALE", "Oracle", "build", "sample_rows", "true_function"]


class Oracle:
    """The noise-free signal f(X) of one resolved generator, for any rows of its table's columns.

    ``schema`` holds the generator's features (the hyperparameters: no indicator columns),
    ``conditions`` maps each conditional feature to (parent, active levels).
    """

    def __init__(self, cfg: dict, schema: Schema, conditions: dict, positions: dict[str, dict], generated: pd.DataFrame):
        self.cfg = cfg
        self.schema = schema
        self.conditions = conditions
        self.positions = positions
        self.nodes = {f.name: shapes.nodes_of(f, positions.get(f.name)) for f in schema}
        u = self.units(generated)
        self.ubar = {f: float(v.mean()) for f, v in u.items() if f not in conditions}
        self.offset = {f: self._offset(f, u[f]) for f in schema.names}

    def _offset(self, name: str, u: np.ndarray) -> float:
        if name not in self.conditions:
            return float(self.raw(name, u).mean())
        present = u[~np.isnan(u)]
        return float(self.raw(name, present).mean()) if present.size else self.moments(name)[0]

    def raw(self, name: str, u: np.ndarray) -> np.ndarray:
        """The main effect before centring."""
        return shapes.value(self.cfg["effects"][name], u, self.nodes[name])

    def moments(self, name: str) -> tuple[float, float, float]:
        """E g, E g², E u·g of the raw main effect under the feature's sampling distribution (active or not)."""
        return shapes.moments(self.cfg["effects"][name], self.nodes[name])

    def unit(self, name: str, values) -> np.ndarray:
        f = self.schema[name]
        if f.is_categorical:
            pos = self.positions[name]
            unknown = [v for v in values if v not in pos]
            if unknown:
                raise ValueError(f"feature {name!r}: {unknown[0]!r} is not one of its levels {list(pos)}")
            return np.array([pos[v] for v in values], dtype=float)
        return f.to_unit(np.asarray(values, dtype=float), log=libm.log)

    def active(self, name: str, X: pd.DataFrame) -> np.ndarray:
        """Rows where the feature holds a value (all rows for a feature that is not conditional)."""
        if name not in self.conditions:
            return np.ones(len(X), dtype=bool)
        if self.schema[name].is_categorical:
            return (X[name] != infer.ABSENT).to_numpy()
        return (X[indicator_of(self.conditions, name)] == infer.INDICATOR_LEVELS[1]).to_numpy()

    def units(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        """Every feature's u on the rows; NaN where a conditional feature is inactive."""
        out = {}
        for f in self.schema.names:
            if f not in self.conditions:
                out[f] = self.unit(f, X[f])
                continue
            active = self.active(f, X)
            out[f] = np.full(len(X), np.nan)
            out[f][active] = self.unit(f, X[f][active])
        return out

    def main(self, name: str, u: np.ndarray) -> np.ndarray:
        """The centred main effect; 0 where a conditional feature is inactive (u is NaN)."""
        if name in self.conditions:
            present = ~np.isnan(u)
            out = np.zeros(len(u))
            out[present] = self.raw(name, u[present]) - self.offset[name]
            return out
        return self.raw(name, u) - self.offset[name]

    def __call__(self, X: pd.DataFrame) -> np.ndarray:
        u = self.units(X)
        f = np.zeros(len(X))
        for name in self.schema.names:
            f += self.main(name, u[name])
        for p in self.cfg["interactions"]:
            a, b = p["a"], p["b"]
            f += PAIR_SCALE * p["strength"] * (u[a] - self.ubar[a]) * (u[b] - self.ubar[b])
        return f


def _streams(seed: int):
    """Rows, categorical positions, noise: independent streams so one setting does not move the others."""
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]


def _positions(schema: Schema, rng) -> dict[str, dict]:
    out = {}
    for f in schema:
        if f.is_categorical:
            L = len(f.levels)
            order = rng.permutation(L)
            out[f.name] = {level: (float(order[i]) / (L - 1) if L > 1 else 0.0) for i, level in enumerate(f.levels)}
    return out


def _draw(schema: Schema, n: int, rng) -> pd.DataFrame:
    cols = {}
    for f in schema:
        if f.is_discrete:
            idx = rng.integers(0, len(f.levels), size=n)
            if f.is_categorical:
                cols[f.name] = pd.Series(np.array(f.levels, dtype=object)[idx], dtype=object)
            else:
                levels = np.asarray(f.levels, dtype=float)
                integral = np.all(levels == np.round(levels))
                cols[f.name] = levels[idx].round().astype(np.int64) if integral else levels[idx]
        elif f.scale == "log":
            cols[f.name] = libm.exp(rng.uniform(math.log(f.low), math.log(f.high), size=n))
        else:
            cols[f.name] = rng.uniform(f.low, f.high, size=n)
    return pd.DataFrame(cols)


def _columns(schema: Schema, conditions: dict, drawn: pd.DataFrame) -> tuple[Schema, pd.DataFrame]:
    """The table's columns: drawn values, with the data layer's columns for each conditional feature."""
    if not conditions:
        return schema, drawn
    columns = []
    for f in schema:
        if f.name not in conditions:
            columns.append((f, drawn[f.name]))
            continue
        parent, levels = conditions[f.name]
        values = drawn[f.name].where(drawn[parent].isin(levels))
        if f.is_categorical:
            columns.append(infer.categorical(f.name, values, levels=f.levels, label=f.label, always=True))
        else:
            columns.append((f, pd.Series(values.to_numpy(dtype=float))))
    declared = {name: condition_text(name, *conditions[name]) for name in conditions}
    X, model_schema, _ = infer.assemble(columns, "synthetic schema", declared)
    return model_schema, X


def condition_text(name: str, parent: str, levels) -> str:
    """A conditional feature's condition, one per feature: the truth treats each child's activity as part of that
    child (its own variable), so siblings under one parent level keep their own indicators (``active_<text>``)."""
    return f"{parent} in {{{','.join(map(str, levels))}}} for {name}"


def indicator_of(conditions: dict, name: str) -> str:
    """The indicator column of a conditional numeric feature (``infer.assemble`` names it from its condition)."""
    return infer.indicator_name(name, condition_text(name, *conditions[name]))


def build(cfg: dict):
    """Table schema (model columns), generated rows, oracle and the noise stream of resolved settings ``cfg``."""
    schema = schema_of(cfg["schema"])
    conditions = conditions_of(cfg["schema"], schema)
    rows_rng, pos_rng, noise_rng = _streams(cfg["seed"])
    positions = _positions(schema, pos_rng)
    columns, generated = _columns(schema, conditions, _draw(schema, cfg["pool_size"] or cfg["n_rows"], rows_rng))
    return columns, generated, Oracle(cfg, schema, conditions, positions, generated), noise_rng


def sample_rows(settings, n: int, seed: int) -> pd.DataFrame:
    """``n`` fresh rows of the table's columns from the generator's sampling distribution, drawn from ``seed``
    alone (not the generator's seed, which also fixes the function): new rows of the same function."""
    cfg = resolve(settings)
    schema = schema_of(cfg["schema"])
    return _columns(schema, conditions_of(cfg["schema"], schema), _draw(schema, n, rng(seed, Stream.SYNTHETIC_ROWS)))[1]


def true_function(settings) -> Oracle:
    """The oracle: f(X) without noise, for any rows of the schema (y − f(X) is the table's noise)."""
    return build(resolve(settings))[2]
