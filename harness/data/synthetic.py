"""Seeded HPO-like tables whose generating function, and so whose true explanation, is known.

A real HPO table cannot say whether a surrogate's explanation is right; a
synthetic one can. ``generate(settings)`` returns the table and its truth as
an :class:`~harness.explanations.Interpretation`, so surrogates' explanations
are scored against it exactly as they are compared with each other.

**Rows.** Each feature is drawn independently from the seed: a discrete
feature (declared ``levels``) takes each level with equal probability; a
continuous one is uniform on ``[low, high]`` on its own scale (log-uniform for
``log``). With ``sampling: uniform`` these ``n_rows`` rows are the table. With
``sampling: random | bo | gb`` a pool of ``pool_size`` such rows is drawn, its
noisy score computed, and the table is the first ``n_rows`` configurations
that HPO method visits (an ``order`` from ``harness.hpo.sampler`` on the schema-scaled pool,
seeded by ``seed``), in visiting order — a skewed sample, as real HPO logs are.
The "generated rows" below are the table (uniform) or the pool (otherwise).

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

**Noise.** ``y = signal + ε``, ε Gaussian with variance
``var(signal) / snr`` (variance over the generated rows), drawn from the seed.
Rows, categorical positions and noise come from three independent streams
spawned from ``seed``, so changing ``snr`` or the effects keeps the rows.

**Truth.** ``truth_of(ds)`` decomposes the oracle on the rows ``ds`` holds
(a split of a synthetic table gets its own truth), as a perfect GA²M fitted
to those rows would: each term re-centred over the rows, pair terms pure with
respect to these rows' marginals. On a skewed sample ``ū`` of the rows differs
from the pool's, so part of an interaction becomes main effect of its
features (``4·s·(ū_b − ū_b^pool)·(u_a − ū_a)`` for ``a``); a ``none`` feature
in a true pair can then have a non-zero importance — that is the truth of
that table. Importance = mean |term| over the rows (every feature, every pair;
zero for ``none`` features and pairs that are not true). Shapes: each
feature's centred contribution at each value present (density = its count;
no band). Interactions: each true pair's surface on the product of the values
present, thinned to ``GRID`` evenly ranked values for a feature with more.

**Identity.** ``Dataset.meta["generator"]`` holds the complete resolved
settings (plain JSON; ``generate`` of it rebuilds the table), and the
fingerprint is the SHA-256 of those settings, ``VERSION`` and the table
itself, so a change to the HPO methods or the RNG can never reuse stale
cached results.
"""
from __future__ import annotations

import hashlib
import json
import math
import operator
from itertools import combinations
from typing import Callable

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError
from harness.explanations.record import IMPORTANCE_COLUMNS, INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

VERSION = "synthetic-1"
TARGET = "score"
GRID = 32
SHAPES = ("monotone", "u", "step", "none")
SAMPLINGS = ("uniform", "random", "bo", "gb")
PAIR_SCALE = 4.0
Order = Callable[..., np.ndarray]  # (method, X, y, seed, maximize=) -> a permutation of the pool

DEFAULTS = {
    "kind": "synthetic",
    "name": None,
    "schema": "nmt",
    "n_rows": 400,
    "seed": 0,
    "effects": {},
    "interactions": [],
    "snr": 4.0,
    "sampling": "uniform",
    "pool_size": 2000,
    "maximize": True,
}
_SHAPE_PARAMS = {
    "monotone": {"strength": 1.0, "direction": 1, "power": 1.0},
    "u": {"strength": 1.0, "direction": 1, "u0": 0.5},
    "step": {"strength": 1.0, "direction": 1, "threshold": 0.5},
    "none": {},
}
_EFFECT_KEYS = ("shape", "strength", "direction", "power", "u0", "threshold")
_FEATURE_KEYS = ("name", "scale", "levels", "low", "high", "label")


# ---------------------------------------------------------------- settings


def _int(value, option: str, minimum: int) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        value = operator.index(value)
    except TypeError:
        raise ConfigError(f"data.{option} must be an integer, got {value!r}") from None
    if value < minimum:
        raise ConfigError(f"data.{option} must be at least {minimum}, got {value}")
    return value


def _real(value, option: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"data.{option} must be a finite number, got {value!r}")
    return float(value)


def _num(v):
    """Integral numbers as int so the settings JSON reads as written (1000, not 1000.0)."""
    v = float(v)
    return int(v) if v.is_integer() else v


def _feature(entry, i: int) -> Feature:
    if not isinstance(entry, dict):
        raise ConfigError(f"data.schema[{i}] must be a mapping with name, scale and levels or low/high, got {entry!r}")
    unknown = sorted(set(entry) - set(_FEATURE_KEYS))
    if unknown:
        raise ConfigError(f"data.schema[{i}] has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_FEATURE_KEYS)}")
    if not isinstance(entry.get("name"), str) or not entry["name"]:
        raise ConfigError(f"data.schema[{i}] needs a non-empty string name, got {entry.get('name')!r}")
    levels = entry.get("levels") or ()
    if not isinstance(levels, (list, tuple)):
        raise ConfigError(f"data.schema[{i}] ({entry['name']}): levels must be a list, got {levels!r}")
    if len({str(v) for v in levels}) != len(levels):
        raise ConfigError(f"data.schema[{i}] ({entry['name']}): levels must be distinct, got {list(levels)}")
    try:
        return Feature(
            entry["name"],
            scale=entry.get("scale", "linear"),
            levels=tuple(levels),
            low=entry.get("low"),
            high=entry.get("high"),
            label=entry.get("label") or "",
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"data.schema[{i}]: {exc}") from None


def _schema(spec) -> Schema:
    if spec == "nmt":
        from harness.data.nmt import schema_for

        return schema_for("sw-en")
    if not isinstance(spec, (list, tuple)) or not spec:
        raise ConfigError(f"data.schema must be 'nmt' or a non-empty list of features, got {spec!r}")
    features = [_feature(entry, i) for i, entry in enumerate(spec)]
    try:
        schema = Schema.of(features)
    except ValueError as exc:
        raise ConfigError(f"data.schema: {exc}") from None
    for f in schema:
        if not f.is_categorical and not f.low < f.high:
            raise ConfigError(f"data.schema: feature {f.name!r} needs low < high (or two levels), got {f.low}..{f.high}")
    return schema


def _schema_settings(schema: Schema) -> list[dict]:
    out = []
    for f in schema:
        numeric = not f.is_categorical
        out.append({
            "name": f.name,
            "scale": f.scale,
            "levels": [_num(v) for v in f.levels] if numeric else list(f.levels),
            "low": _num(f.low) if numeric else None,
            "high": _num(f.high) if numeric else None,
            "label": f.label,
        })
    return out


def _effect(name: str, spec) -> dict:
    where = f"data.effects.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a mapping like {{shape: monotone, strength: 1.0}}, got {spec!r}")
    unknown = sorted(set(spec) - set(_EFFECT_KEYS))
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(_EFFECT_KEYS)}")
    shape = spec.get("shape", "none")
    if shape not in SHAPES:
        raise ConfigError(f"{where}.shape={shape!r} is unknown; known shapes: {', '.join(SHAPES)}")
    out = {"shape": shape}
    # Parameters another shape uses are dropped, so switching shape on the command line just works.
    for key, default in _SHAPE_PARAMS[shape].items():
        value = _real(spec.get(key, default), f"effects.{name}.{key}")
        out[key] = value
    if shape == "none":
        return out
    if out["strength"] < 0:
        raise ConfigError(f"{where}.strength must be >= 0 (use direction: -1 to reverse), got {out['strength']:g}")
    if out["direction"] not in (1, -1):
        raise ConfigError(f"{where}.direction must be 1 or -1, got {out['direction']:g}")
    out["direction"] = int(out["direction"])
    if shape == "monotone" and not out["power"] > 0:
        raise ConfigError(f"{where}.power must be > 0, got {out['power']:g}")
    if shape == "u" and not 0 <= out["u0"] <= 1:
        raise ConfigError(f"{where}.u0 must lie in [0, 1], got {out['u0']:g}")
    if shape == "step" and not 0 < out["threshold"] <= 1:
        raise ConfigError(f"{where}.threshold must lie in (0, 1], got {out['threshold']:g}")
    return out


def _interactions(specs, names: list[str]) -> list[dict]:
    if not isinstance(specs, (list, tuple)):
        raise ConfigError(f"data.interactions must be a list of {{a, b, strength}}, got {specs!r}")
    out, seen = [], set()
    for i, spec in enumerate(specs):
        where = f"data.interactions[{i}]"
        if not isinstance(spec, dict) or set(spec) - {"a", "b", "strength"} or not {"a", "b"} <= set(spec):
            raise ConfigError(f"{where} must be a mapping {{a, b, strength}}, got {spec!r}")
        for key in ("a", "b"):
            if spec[key] not in names:
                raise ConfigError(f"{where}.{key}: unknown feature {spec[key]!r}; schema features: {', '.join(names)}")
        a, b = sorted((spec["a"], spec["b"]), key=names.index)
        if a == b:
            raise ConfigError(f"{where}: a pair needs two different features, got {a!r} twice")
        if (a, b) in seen:
            raise ConfigError(f"{where}: the pair {pair_term(a, b)} is listed twice")
        seen.add((a, b))
        out.append({"a": a, "b": b, "strength": _real(spec.get("strength", 1.0), f"interactions[{i}].strength")})
    return sorted(out, key=lambda p: (names.index(p["a"]), names.index(p["b"])))


def resolve(settings) -> dict:
    """The complete, validated settings: defaults filled, schema spelled out, every feature's effect listed.

    Idempotent, so ``resolve(ds.meta["generator"])`` is ``ds.meta["generator"]``.
    """
    settings = dict(settings)
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"synthetic data has no option(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    if s["kind"] != "synthetic":
        raise ConfigError(f"data.kind must be 'synthetic' for the synthetic generator, got {s['kind']!r}")
    schema = _schema(s["schema"])
    names = schema.names
    effects = s["effects"] or {}
    if not isinstance(effects, dict):
        raise ConfigError(f"data.effects must map feature names to effects, got {effects!r}")
    for name in effects:
        if name not in names:
            raise ConfigError(f"data.effects: unknown feature {name!r}; schema features: {', '.join(names)}")
    n_rows = _int(s["n_rows"], "n_rows", 2)
    seed = _int(s["seed"], "seed", 0)
    snr = _real(s["snr"], "snr")
    if snr <= 0:
        raise ConfigError(f"data.snr must be > 0 (var(signal) / var(noise)), got {snr:g}")
    if s["sampling"] not in SAMPLINGS:
        raise ConfigError(f"data.sampling={s['sampling']!r} is unknown; known: {', '.join(SAMPLINGS)}")
    pool_size = None
    if s["sampling"] != "uniform":
        pool_size = _int(s["pool_size"], "pool_size", 2)
        if n_rows > pool_size:
            raise ConfigError(
                f"data.n_rows={n_rows} exceeds data.pool_size={pool_size}: "
                f"sampling={s['sampling']} keeps the first n_rows of a pool of pool_size rows"
            )
    if not isinstance(s["maximize"], bool):
        raise ConfigError(f"data.maximize must be true or false, got {s['maximize']!r}")
    name = s["name"]
    if name is None:
        label = "nmt" if s["schema"] == "nmt" else f"{len(schema)}f"
        drawn = "uniform" if pool_size is None else f"{s['sampling']}{pool_size}"
        name = f"synthetic-{label}-snr{snr:g}-n{n_rows}-{drawn}-s{seed}"
    elif not isinstance(name, str) or not name:
        raise ConfigError(f"data.name must be a non-empty string or null, got {name!r}")
    return {
        "kind": "synthetic",
        "name": name,
        "schema": _schema_settings(schema),
        "n_rows": n_rows,
        "seed": seed,
        "effects": {f: _effect(f, effects.get(f, {"shape": "none"})) for f in names},
        "interactions": _interactions(s["interactions"] or [], names),
        "snr": snr,
        "sampling": s["sampling"],
        "pool_size": pool_size,
        "maximize": s["maximize"],
    }


# ---------------------------------------------------------------- the oracle


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


def _build(cfg: dict):
    schema = _schema(cfg["schema"])
    rows_rng, pos_rng, noise_rng = _streams(cfg["seed"])
    positions = _positions(schema, pos_rng)
    generated = _draw(schema, cfg["pool_size"] or cfg["n_rows"], rows_rng)
    return schema, generated, Oracle(cfg, schema, positions, generated), noise_rng


def true_function(settings) -> Oracle:
    """The oracle: f(X) without noise, for any rows of the schema (y − f(X) is the table's noise)."""
    return _build(resolve(settings))[2]


# ---------------------------------------------------------------- generate


def _varies(oracle: Oracle, generated: pd.DataFrame) -> bool:
    u = oracle.units(generated)
    if any(np.ptp(oracle.main(f, u[f])) > 0 for f in oracle.schema.names):
        return True
    pairs = oracle.cfg["interactions"]
    return any(p["strength"] != 0 and np.ptp(u[p["a"]]) > 0 and np.ptp(u[p["b"]]) > 0 for p in pairs)


def _fingerprint(cfg: dict, X: pd.DataFrame, y: pd.Series) -> str:
    content = {
        "version": VERSION,
        "generator": cfg,
        "X": {c: X[c].tolist() for c in X.columns},
        "y": y.tolist(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def generate(settings, order: Order | None = None) -> tuple[Dataset, Interpretation]:
    """The table and its true interpretation.

    ``order(method, X, y, seed, maximize=...)`` gives an HPO method's visiting order of the scaled
    pool (``harness.hpo.sampler`` makes one, cached like the experiments' orders); a table sampled by
    an HPO method cannot be made without it.
    """
    cfg = resolve(settings)
    schema, X, oracle, noise_rng = _build(cfg)
    if not _varies(oracle, X):
        raise ConfigError("synthetic data has no signal: give at least one effect or interaction that varies over the rows")
    signal = oracle(X)
    y = signal + noise_rng.normal(0.0, math.sqrt(signal.var() / cfg["snr"]), size=len(X))
    if cfg["sampling"] != "uniform":
        if order is None:
            raise ConfigError(f"data.sampling={cfg['sampling']} needs an HPO order: load the table through "
                              "harness.hpo.sampler (the experiments and harness.explain do)")
        visits = order(cfg["sampling"], schema.scaled(X).to_numpy(), y, cfg["seed"], maximize=cfg["maximize"])
        keep = np.asarray(visits[: cfg["n_rows"]])
        X, y, signal = X.iloc[keep].reset_index(drop=True), y[keep], signal[keep]
    y = pd.Series(y, name=TARGET)
    ds = Dataset(
        name=cfg["name"],
        X=X,
        y=y,
        schema=schema,
        extras=pd.DataFrame({"signal": signal}),
        maximize=cfg["maximize"],
        fingerprint=_fingerprint(cfg, X, y),
        meta={"generator": cfg, "target": "synthetic score (signal + Gaussian noise)"},
    )
    return ds, _truth(oracle, ds)


def load(data_cfg: dict, order: Order | None = None) -> Dataset:
    """Registry loader for ``kind: synthetic``; the truth stays reachable through ``truth_of``."""
    return generate(data_cfg, order)[0]


# ---------------------------------------------------------------- truth


def _present(f: Feature, values: pd.Series) -> list:
    if f.is_categorical:
        seen = set(values.tolist())
        return [v for v in f.levels if v in seen]
    return sorted(values.unique().tolist())


def _grid(values: list) -> list:
    if len(values) <= GRID:
        return values
    return [values[i] for i in np.round(np.linspace(0, len(values) - 1, GRID)).astype(int)]


def _truth(oracle: Oracle, ds: Dataset) -> Interpretation:
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
    return _truth(_build(resolve(cfg))[2], ds)


# ---------------------------------------------------------------- describe


def _feature_text(f: dict) -> str:
    if f["scale"] == "categorical":
        return f"{f['name']} (categorical, {len(f['levels'])} levels)"
    span = f"{f['low']:g}–{f['high']:g}"
    kind = f"{len(f['levels'])} levels {span}" if f["levels"] else f"continuous {span}"
    return f"{f['name']} ({f['scale']}, {kind})"


def _effect_text(name: str, e: dict) -> str:
    if e["shape"] == "monotone":
        arrow = "increasing" if e["direction"] > 0 else "decreasing"
        power = "" if e["power"] == 1 else f", power {e['power']:g}"
        return f"{name} monotone {arrow} (strength {e['strength']:g}{power})"
    if e["shape"] == "u":
        kind = "valley" if e["direction"] > 0 else "peak"
        return f"{name} U-shaped, {kind} at u0={e['u0']:g} (strength {e['strength']:g})"
    sign = "up" if e["direction"] > 0 else "down"
    return f"{name} step {sign} at u={e['threshold']:g} (strength {e['strength']:g})"


def describe(ds: Dataset) -> str:
    """A markdown paragraph that says exactly how the table was generated."""
    g = ds.meta["generator"]
    if g["sampling"] == "uniform":
        drawn = f"{g['n_rows']} rows drawn uniformly at random"
    else:
        method = {"random": "random search", "bo": "Bayesian optimisation", "gb": "graph-based HPO"}[g["sampling"]]
        drawn = f"the first {g['n_rows']} configurations {method} visits in a pool of {g['pool_size']} rows drawn uniformly"
    features = ", ".join(_feature_text(f) for f in g["schema"])
    mains = [_effect_text(n, e) for n, e in g["effects"].items() if e["shape"] != "none"]
    inert = [n for n, e in g["effects"].items() if e["shape"] == "none"]
    if inert:
        mains.append(f"no effect of {', '.join(inert)}")
    pairs = "; ".join(f"{p['a']} × {p['b']} (strength {p['strength']:g})" for p in g["interactions"]) or "none"
    positions = _build(resolve(g))[2].positions
    placed = "".join(
        f" Categorical {name}: " + ", ".join(f"{level} at u={u:g}" for level, u in pos.items()) + " (order from the seed)."
        for name, pos in positions.items()
    )
    goal = "higher is better" if g["maximize"] else "lower is better"
    return (
        f"**{ds.name}** is a synthetic HPO table (generator {VERSION}, seed {g['seed']}, "
        f"fingerprint `{ds.fingerprint[:12]}`): {drawn} over {features}. "
        f"The score ({goal}) is the sum of main effects on each feature's scaled value u ∈ [0, 1] "
        f"(strength = swing over the domain): {'; '.join(mains)}; pairwise interactions 4·s·(u_a − ū_a)(u_b − ū_b): {pairs}; "
        f"plus Gaussian noise with var(signal)/var(noise) = {g['snr']:g}.{placed} "
        f"`harness.data.synthetic.generate(meta['generator'])` regenerates it."
    )
