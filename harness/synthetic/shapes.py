"""Main-effect shapes on a feature's scaled value u ∈ [0, 1]: their values and their exact moments.

One home for each shape, so the oracle (values), the functional-ANOVA truth
(exact moments) and the random draw (strengths calibrated to a target
standard deviation) can never disagree. With ``k = direction · strength``:

* ``monotone``: ``k·u**power``;
* ``u``:        ``k·((u − u0) / max(u0, 1 − u0))**2``;
* ``step``:     ``k·[u ≥ threshold]``;
* ``plateau``:  ``k·clip((u − start) / (end − start), 0, 1)``: flat, a linear ramp, flat
  (``start`` 0: saturating; ``end`` 1: flat then a ramp);
* ``levels``:   ``k·values[i]`` at the i-th declared level (discrete features only;
  ``values`` in [0, 1], one per level);
* ``none``:     0.

``moments`` gives E g, E g² and E u·g under the feature's sampling
distribution: u uniform on [0, 1] for a continuous feature (it is drawn
uniformly on its own, possibly log, scale), else each level's u with equal
probability. Continuous moments are closed forms, discrete ones finite sums:
both exact up to rounding.
"""
from __future__ import annotations

import numpy as np

from harness import libm
from harness.data.schema import Feature

# A pair {a, b, strength: s} is PAIR_SCALE·s·(u_a − ū_a)(u_b − ū_b): with the factor 4 a linear main effect and a
# pair of equal strength are equally important under uniform continuous sampling (mean |·| = s/4).
PAIR_SCALE = 4.0


def value(effect: dict, u: np.ndarray, nodes: np.ndarray | None = None) -> np.ndarray:
    """g(u) before centring; ``nodes`` (the levels' u, in level order) is needed by ``levels`` only."""
    shape = effect["shape"]
    if shape == "none":
        return np.zeros_like(u)
    scale = effect["direction"] * effect["strength"]
    if shape == "monotone":
        return scale * libm.power(u, effect["power"])
    if shape == "u":
        u0 = effect["u0"]
        return scale * ((u - u0) / max(u0, 1 - u0)) ** 2
    if shape == "step":
        return scale * (u >= effect["threshold"]).astype(float)
    if shape == "plateau":
        return scale * np.clip((u - effect["start"]) / (effect["end"] - effect["start"]), 0.0, 1.0)
    # levels: exact at the nodes (the only values a discrete feature takes)
    order = np.argsort(nodes)
    return scale * np.interp(u, nodes[order], np.asarray(effect["values"], dtype=float)[order])


def _unit_moments(effect: dict) -> tuple[float, float, float]:
    """E r, E r², E u·r for u ~ U[0, 1], where g = k·r."""
    shape = effect["shape"]
    if shape == "monotone":
        p = effect["power"]
        return 1 / (p + 1), 1 / (2 * p + 1), 1 / (p + 2)
    if shape == "u":
        u0 = effect["u0"]
        w2 = max(u0, 1 - u0) ** 2

        def power_integral(n):  # ∫_0^1 (u − u0)^n du
            return ((1 - u0) ** (n + 1) - (-u0) ** (n + 1)) / (n + 1)

        i2, i3, i4 = power_integral(2), power_integral(3), power_integral(4)
        return i2 / w2, i4 / w2**2, (i3 + u0 * i2) / w2
    if shape == "step":
        t = effect["threshold"]
        return 1 - t, 1 - t, (1 - t * t) / 2
    if shape == "plateau":
        a, b = effect["start"], effect["end"]
        ramp = b - a
        return ramp / 2 + (1 - b), ramp / 3 + (1 - b), ramp**2 / 3 + a * ramp / 2 + (1 - b * b) / 2
    raise ValueError(f"shape {shape!r} has no continuous moments")


def moments(effect: dict, nodes: np.ndarray | None = None) -> tuple[float, float, float]:
    """(E g, E g², E u·g) under the sampling distribution: ``nodes`` = the levels' u, or None for continuous."""
    if effect["shape"] == "none":
        return 0.0, 0.0, 0.0
    if nodes is not None:
        g = value(effect, nodes, nodes)
        return float(g.mean()), float((g * g).mean()), float((nodes * g).mean())
    k = effect["direction"] * effect["strength"]
    e1, e2, eu = _unit_moments(effect)
    return k * e1, k * k * e2, k * eu


def unit_moments(nodes: np.ndarray | None = None) -> tuple[float, float]:
    """(E u, Var u) under the sampling distribution."""
    if nodes is None:
        return 0.5, 1 / 12
    return float(nodes.mean()), float(nodes.var())


def nodes_of(feature: Feature, positions: dict | None = None) -> np.ndarray | None:
    """The u of a discrete feature's levels in level order (a categorical's hidden ``positions``; evenly spaced
    without them, which has the same moments), or None for a continuous feature."""
    if feature.is_categorical:
        if positions is None:
            return np.linspace(0.0, 1.0, len(feature.levels))
        return np.array([positions[v] for v in feature.levels], dtype=float)
    return feature.to_unit(feature.levels, log=libm.log) if feature.levels else None
