"""The generating function: rows drawn from a seed and the noise-free signal f(X) on them.

**Rows.** Each feature is drawn independently from the seed: a discrete
feature (declared ``levels``) takes each level with equal probability; a
continuous one is uniform on ``[low, high]`` on its own scale (log-uniform for
``log``). These are the "generated rows": the table itself (uniform sampling)
or the pool an HPO method samples from.

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
* ``none``:     ``g = 0`` (the default for every feature not listed).

so a main effect's strength is its swing over the whole domain. A true
interaction ``{a, b, strength: s}`` (any real ``s``; its sign says synergy or
antagonism) is ``h = 4·s·(u_a − ū_a)(u_b − ū_b)``, a pure interaction: it
averages to zero along each feature over the product of the generated rows'
marginals. The factor 4 makes a linear main effect and an interaction of equal
strength equally important under uniform continuous sampling (mean |·| = s/4).
Each main effect is centred (``g − mean g``) and ``ū`` is the mean ``u``, both
over the generated rows; the signal is the sum of all terms.

Rows, categorical positions and noise come from three independent streams
spawned from ``seed``, so changing ``snr`` or the effects keeps the rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.data.synthetic.settings import resolve, schema_of

PAIR_SCALE = 4.0


def _raw_main(effect: dict, u: np.ndarray) -> np.ndarray:
    shape = effect["shape"]
    if shape == "none":
        return np.zeros_like(u)
    scale = effect["direction"] * effect["strength"]
    if shape == "monotone":
        return scale * u ** effect["power"]
    if shape == "u":
        u0 = effect["u0"]
        return scale * ((u - u0) / max(u0, 1 - u0)) ** 2
    return scale * (u >= effect["threshold"]).astype(float)


class Oracle:
    """The noise-free signal f(X) of one resolved generator, for any rows."""

    def __init__(self, cfg: dict, schema: Schema, positions: dict[str, dict], generated: pd.DataFrame):
        self.cfg = cfg
        self.schema = schema
        self.positions = positions
        u = self.units(generated)
        self.ubar = {f: float(v.mean()) for f, v in u.items()}
        self.offset = {f: float(_raw_main(cfg["effects"][f], u[f]).mean()) for f in schema.names}

    def unit(self, name: str, values) -> np.ndarray:
        f = self.schema[name]
        if f.is_categorical:
            pos = self.positions[name]
            unknown = [v for v in values if v not in pos]
            if unknown:
                raise ValueError(f"feature {name!r}: {unknown[0]!r} is not one of its levels {list(pos)}")
            return np.array([pos[v] for v in values], dtype=float)
        return f.to_unit(np.asarray(values, dtype=float))

    def units(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        return {f: self.unit(f, X[f]) for f in self.schema.names}

    def main(self, name: str, u: np.ndarray) -> np.ndarray:
        return _raw_main(self.cfg["effects"][name], u) - self.offset[name]

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
            cols[f.name] = np.exp(rng.uniform(np.log(f.low), np.log(f.high), size=n))
        else:
            cols[f.name] = rng.uniform(f.low, f.high, size=n)
    return pd.DataFrame(cols)


def build(cfg: dict):
    """Schema, generated rows, oracle and the noise stream of resolved settings ``cfg``."""
    schema = schema_of(cfg["schema"])
    rows_rng, pos_rng, noise_rng = _streams(cfg["seed"])
    positions = _positions(schema, pos_rng)
    generated = _draw(schema, cfg["pool_size"] or cfg["n_rows"], rows_rng)
    return schema, generated, Oracle(cfg, schema, positions, generated), noise_rng


def true_function(settings) -> Oracle:
    """The oracle: f(X) without noise, for any rows of the schema (y − f(X) is the table's noise)."""
    return build(resolve(settings))[2]
