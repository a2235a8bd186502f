"""A random generating function from one seed (``schema: random``), so a benchmark sees many truths, not one.

With one fixed function every table has the same true top-3 and a method
that happens to suit it wins everywhere. ``function(options, seed)`` draws
plain generator settings (schema, effects, interactions) that ``resolve``
then validates like any written by hand; the resolved settings spell the
draw out, so ``generate(ds.generator)`` rebuilds the table without
drawing again.

What is drawn (options, with defaults; a range is ``[low, high]`` or one number):

* ``n_features`` ∈ [3, 12] hyperparameters ``x1``, ``x2``, …, each of one
  kind: continuous log (30 %; e.g. 1e-5..1e-2), continuous linear (25 %),
  integer levels (20 %; a run like 2..7 or powers of two, log) or
  categorical (25 %; 2–5 levels ``a``, ``b``, …);
* ``conditional`` = 0.2: each feature's chance to be active only on some
  levels of a categorical parent (one that is neither conditional nor the
  feature itself; none if the schema has no such categorical);
* ``inert`` = 0.25: each feature's chance to have no main effect (at least one has one);
* the main-effect shapes: ``monotone`` (power log-uniform in [0.3, 3]),
  ``u`` (u0 in [0.15, 0.85]), ``step`` (threshold in [0.2, 0.8]) or
  ``plateau`` (a ramp of width ≥ 0.15) for numeric features; ``levels``
  (an independent uniform value per level) half the time for categorical
  ones, else one of monotone/u/step on the hidden level positions (no
  ``u`` on two levels); direction ±1;
* the importance profile: the main effects' standard deviations under the
  sampling distribution are Dirichlet(α) weights, α log-uniform in
  ``concentration`` = [0.2, 5] (small α: one dominant effect; large: flat),
  each strength set from the shape's exact variance (``shapes.moments``);
* ``interactions`` ∈ [0, 3] pairs of non-conditional features, each with
  chance ``pure_pairs`` = 0.3 of joining two features without a main effect
  (when two such remain); a pair's standard deviation is its sign (±) times
  a log-uniform factor in [0.25, 1.5] of the main effects' RMS standard deviation.

Drawn parameters are rounded to 3–4 significant digits so the settings and
``describe`` read exactly. The function comes from its own stream of the
seed (independent of rows, noise, ``n_rows``, ``snr`` and ``sampling``, so
a grid over those keeps the function); a ``snr`` range is drawn from another.
"""
from __future__ import annotations

import math
import operator
from itertools import combinations

import numpy as np

from harness.data.schema import Feature
from harness.synthetic.shapes import PAIR_SCALE, moments, nodes_of, unit_moments
from harness.errors import ConfigError

OPTIONS = {
    "n_features": [3, 12],
    "conditional": 0.2,
    "inert": 0.25,
    "interactions": [0, 3],
    "pure_pairs": 0.3,
    "concentration": [0.2, 5.0],
}
_INT_RANGES = {"n_features": 2, "interactions": 0}  # option -> its least value
_SHARES = ("conditional", "inert", "pure_pairs")
KINDS = ("log", "linear", "integer", "categorical")
KIND_SHARES = (0.3, 0.25, 0.2, 0.25)
_FUNCTION_STREAM, _SNR_STREAM = 3, 4  # spawn keys of the seed; the oracle's rows, positions and noise use 0, 1, 2


def _stream(seed: int, key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))


def _round(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}")


def _range(value, option: str, integer: bool) -> list:
    bounds = list(value) if isinstance(value, (list, tuple)) else [value, value]
    try:
        if len(bounds) != 2 or any(isinstance(v, bool) for v in bounds):
            raise TypeError
        bounds = [operator.index(v) for v in bounds] if integer else [float(v) for v in bounds]
    except (TypeError, ValueError):
        kind = "integers" if integer else "numbers"
        raise ConfigError(f"{option} must be a number or a range [low, high] of {kind}, got {value!r}") from None
    if not bounds[0] <= bounds[1] or not all(math.isfinite(v) for v in bounds):
        raise ConfigError(f"{option} range needs low <= high, got {bounds}")
    return bounds


def options(spec, where: str) -> dict:
    """The draw's options with defaults filled and ranges as [low, high]; a ConfigError names a bad one."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a mapping of draw options ({', '.join(OPTIONS)}), got {spec!r}")
    unknown = sorted(set(spec) - set(OPTIONS))
    if unknown:
        raise ConfigError(f"{where} has unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    out = {**OPTIONS, **spec}
    for key, least in _INT_RANGES.items():
        out[key] = _range(out[key], f"{where}.{key}", integer=True)
        if out[key][0] < least:
            raise ConfigError(f"{where}.{key} must be at least {least}, got {out[key]}")
    out["concentration"] = _range(out["concentration"], f"{where}.concentration", integer=False)
    if out["concentration"][0] <= 0:
        raise ConfigError(f"{where}.concentration must be > 0, got {out['concentration']}")
    for key in _SHARES:
        v = out[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ConfigError(f"{where}.{key} must be a share in [0, 1], got {v!r}")
        out[key] = float(v)
    return {key: out[key] for key in OPTIONS}


def snr(low: float, high: float, seed: int) -> float:
    """A signal-to-noise ratio log-uniform in [low, high], from the seed's own stream."""
    return _round(math.exp(_stream(seed, _SNR_STREAM).uniform(math.log(low), math.log(high))))


def _feature(name: str, kind: str, rng) -> dict:
    if kind == "log":
        low = int(rng.integers(-6, -1))
        return {"name": name, "scale": "log", "low": 10.0**low, "high": 10.0 ** (low + int(rng.integers(2, 5)))}
    if kind == "linear":
        high = float(rng.choice([0.5, 1.0, 10.0, 100.0]))
        return {"name": name, "scale": "linear", "low": 0.0 if rng.random() < 0.5 else high / 10, "high": high}
    if kind == "integer":
        if rng.random() < 0.5:
            start = int(rng.integers(1, 5))
            return {"name": name, "scale": "linear", "levels": list(range(start, start + int(rng.integers(3, 9))))}
        first = int(rng.integers(2, 7))
        return {"name": name, "scale": "log", "levels": [2**k for k in range(first, first + int(rng.integers(3, 7)))]}
    return {"name": name, "scale": "categorical", "levels": list("abcde"[: int(rng.integers(2, 6))])}


def _conditions(schema: list[dict], share: float, rng) -> None:
    """Make each feature conditional with chance ``share`` on a categorical that is neither a child nor itself."""
    parents: set[str] = set()
    children: set[str] = set()
    for entry in schema:
        candidates = [e for e in schema if e["scale"] == "categorical" and e["name"] != entry["name"]
                      and e["name"] not in children]
        if entry["name"] in parents or not candidates or not rng.random() < share:
            continue
        parent = candidates[int(rng.integers(len(candidates)))]
        levels = parent["levels"]
        picked = rng.permutation(len(levels))[: int(rng.integers(1, len(levels)))]
        entry.update(parent=parent["name"], active=[levels[i] for i in sorted(picked)])
        parents.add(parent["name"])
        children.add(entry["name"])


def _shape(entry: dict, rng) -> dict:
    if entry["scale"] == "categorical" and rng.random() < 0.5:
        v = rng.uniform(size=len(entry["levels"]))
        return {"shape": "levels", "values": [round(float(x), 3) for x in (v - v.min()) / (v.max() - v.min())]}
    binary = len(entry.get("levels", ())) == 2  # a U on two levels would barely differ between them
    kinds = ["monotone", "step"] + ([] if binary else ["u"]) + ([] if entry["scale"] == "categorical" else ["plateau"])
    shape = kinds[int(rng.integers(len(kinds)))]
    if shape == "monotone":
        return {"shape": shape, "power": _round(math.exp(rng.uniform(math.log(0.3), math.log(3.0))))}
    if shape == "u":
        return {"shape": shape, "u0": _round(rng.uniform(0.15, 0.85))}
    if shape == "step":
        return {"shape": shape, "threshold": _round(rng.uniform(0.2, 0.8))}
    start = _round(rng.uniform(0.0, 0.6))
    return {"shape": shape, "start": start, "end": _round(start + rng.uniform(0.15, 1.0 - start))}


def _nodes(entry: dict):
    levels = entry.get("levels") or ()
    f = Feature(entry["name"], scale=entry["scale"], levels=tuple(levels), low=entry.get("low"), high=entry.get("high"))
    return nodes_of(f)


def _variance(effect: dict, nodes) -> float:
    e1, e2, _ = moments({"strength": 1.0, "direction": 1, **effect}, nodes)
    return e2 - e1 * e1


def _effects(schema: list[dict], nodes: dict, opts: dict, rng) -> dict[str, dict]:
    active = [e["name"] for e in schema if not rng.random() < opts["inert"]]
    if not active:
        active = [schema[int(rng.integers(len(schema)))]["name"]]
    alpha = math.exp(rng.uniform(*(math.log(c) for c in opts["concentration"])))
    weights = dict(zip(active, rng.dirichlet(np.full(len(active), alpha))))
    out = {}
    for entry in schema:
        if entry["name"] not in weights:
            continue
        effect = _shape(entry, rng)
        strength = _round(float(weights[entry["name"]]) / math.sqrt(_variance(effect, nodes[entry["name"]])), 4)
        out[entry["name"]] = {**effect, "strength": strength, "direction": int(rng.choice([-1, 1]))}
    return out


def _interactions(schema: list[dict], nodes: dict, effects: dict, opts: dict, rng) -> list[dict]:
    eligible = [e["name"] for e in schema if "parent" not in e]
    pairs = list(combinations(eligible, 2))
    pure = [p for p in pairs if p[0] not in effects and p[1] not in effects]
    count = min(int(rng.integers(opts["interactions"][0], opts["interactions"][1] + 1)), len(pairs))
    rms = math.sqrt(np.mean([_variance(e, nodes[name]) * e["strength"] ** 2 for name, e in effects.items()]))
    out = []
    for _ in range(count):
        source = pure if pure and rng.random() < opts["pure_pairs"] else pairs
        a, b = source[int(rng.integers(len(source)))]
        pairs.remove((a, b))
        if (a, b) in pure:
            pure.remove((a, b))
        sd = rms * math.exp(rng.uniform(math.log(0.25), math.log(1.5))) * float(rng.choice([-1, 1]))
        var_ab = unit_moments(nodes[a])[1] * unit_moments(nodes[b])[1]
        out.append({"a": a, "b": b, "strength": _round(sd / (PAIR_SCALE * math.sqrt(var_ab)), 4)})
    return out


def function(opts: dict, seed: int) -> dict:
    """Schema, effects and interactions (as a user would write them) drawn from ``seed`` under resolved ``opts``."""
    rng = _stream(seed, _FUNCTION_STREAM)
    k = int(rng.integers(opts["n_features"][0], opts["n_features"][1] + 1))
    kinds = rng.choice(len(KINDS), size=k, p=KIND_SHARES)
    schema = [_feature(f"x{i + 1}", KINDS[kind], rng) for i, kind in enumerate(kinds)]
    _conditions(schema, opts["conditional"], rng)
    nodes = {e["name"]: _nodes(e) for e in schema}
    effects = _effects(schema, nodes, opts, rng)
    return {"schema": schema, "effects": effects, "interactions": _interactions(schema, nodes, effects, opts, rng)}
