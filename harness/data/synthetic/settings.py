"""The generator's settings: defaults, validation and the resolved form that identifies a table.

``resolve`` turns what a user writes (a Hydra ``data`` group, a dict) into
the complete settings — defaults filled, the schema spelled out, every
feature's effect listed — or stops with one ``ConfigError`` naming the option.
The resolved settings are what ``Dataset.meta["generator"]`` records and what
the fingerprint hashes, so they must read the same whoever wrote them.
"""
from __future__ import annotations

import math
import operator

from harness.data.schema import Feature, Schema
from harness.errors import ConfigError
from harness.explanations.record import pair_term

VERSION = "synthetic-1"
TARGET = "score"
SHAPES = ("monotone", "u", "step", "none")
SAMPLINGS = ("uniform", "random", "bo", "gb")

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


def schema_of(spec) -> Schema:
    """The schema a ``schema`` setting names: ``nmt`` (the NMT tables' six hyperparameters) or a list of features."""
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
    schema = schema_of(s["schema"])
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
