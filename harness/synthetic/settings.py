"""The generator's settings: defaults, validation and the resolved form that identifies a table.

``resolve`` turns what a user writes (a Hydra ``data`` group, a dict) into
the complete settings — defaults filled, the schema spelled out, every
feature's effect listed — or stops with one ``ConfigError`` naming the option.
The resolved settings are what ``Dataset.generator`` records and what
the fingerprint hashes, so they must read the same whoever wrote them; an
option a setting does not use (a condition, a drawn function) leaves no key
behind, so adding options never changes an existing table's identity.

``schema: random`` draws the schema, effects and interactions from the seed
(``harness.synthetic.draw``, options under ``random``); the resolved
settings spell the draw out and keep its options under ``drawn``. ``snr`` may
be a range ``[low, high]``, drawn log-uniformly from the seed.

**Conditional features.** A schema entry with ``parent`` (a categorical
feature that is not conditional itself) and ``active`` (a proper subset of
the parent's levels) is active only on rows whose parent takes one of those
levels; elsewhere it holds no value. It takes part in no interaction, and a
categorical one has text levels (the data layer writes categories as text).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Optional

from harness.data import infer
from harness.data.readers.base import ReaderOptions
from harness.data.schema import Feature, Schema
from harness.synthetic import draw
from harness.config import integer
from harness.errors import ConfigError
from harness.options import option
from harness.interpretation.record import pair_term

VERSION = "synthetic-1"
TARGET = "score"
SHAPES = ("monotone", "u", "step", "plateau", "levels", "none")
SAMPLINGS = ("uniform", "random", "bo", "gb", "tpe")



@dataclasses.dataclass
class SyntheticOptions(ReaderOptions):
    """A seeded synthetic HPO table with a known generating function (``harness.synthetic`` documents each term);
    ``resolve`` reads the nested settings (schema entries, effects, interactions, the draw's options)."""

    kind: str = "synthetic"
    name: Optional[str] = option(None, "null = derived from the settings, e.g. synthetic-nmt-snr4-n400-uniform-s0")
    schema: Any = option("nmt", "nmt (the sw-en NMT schema), random (drawn from the seed) or a list of features: "
                                "[{name: a, scale: log, levels: [1, 10, 100]}, {name: b, low: 0, high: 1}]")
    n_rows: Any = option(400, "rows in the table")
    seed: Any = option(0, "generator seed: rows, categorical level order, noise (apart from the experiment's seed)")
    effects: Any = option(factory=dict, help="main effects by feature: {lr: {shape: monotone, strength: 3.0}}; "
                                             "unlisted features: none")
    interactions: Any = option(factory=list, help="true pairs: [{a: embed, b: lr, strength: 1.5}]")
    snr: Any = option(4.0, "var(signal) / var(noise): a number, or a range [low, high] drawn log-uniformly")
    sampling: Any = option("uniform", "uniform | random | bo | gb | tpe: with an HPO method, the first n_rows it "
                                      "visits in a pool of pool_size")
    pool_size: Any = option(2000, "the HPO pool (random / bo / gb / tpe sampling only)")
    maximize: Any = option(True, "whether a higher score is better")
    random: Any = option(None, "options of the draw, with schema: random")
    drawn: Any = option(None, "the draw's options, as the resolved settings of a drawn function record them")


DEFAULTS = SyntheticOptions().as_dict()
_SHAPE_PARAMS = {
    "monotone": {"strength": 1.0, "direction": 1, "power": 1.0},
    "u": {"strength": 1.0, "direction": 1, "u0": 0.5},
    "step": {"strength": 1.0, "direction": 1, "threshold": 0.5},
    "plateau": {"strength": 1.0, "direction": 1, "start": 0.25, "end": 0.75},
    "levels": {"strength": 1.0, "direction": 1},
    "none": {},
}
_EFFECT_KEYS = ("shape", "strength", "direction", "power", "u0", "threshold", "start", "end", "values")
_FEATURE_KEYS = ("name", "scale", "levels", "low", "high", "label", "parent", "active")


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
    if entry.get("parent") is not None and entry.get("scale") == "categorical":
        levels = [infer.text(v) for v in levels]
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
        from harness.data.readers.nmt import schema_for

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


def conditions_of(spec, schema: Schema) -> dict[str, tuple[str, tuple]]:
    """child -> (parent, the parent's levels on which the child is active, in the parent's order)."""
    if not isinstance(spec, (list, tuple)):
        return {}
    out = {}
    for i, entry in enumerate(spec):
        if entry.get("parent") is None and entry.get("active") is None:
            continue
        name, parent, active = entry["name"], entry.get("parent"), entry.get("active")
        where = f"data.schema[{i}] ({name})"
        if parent not in schema.names or parent == name:
            raise ConfigError(f"{where}: parent must name another feature of the schema, got {parent!r}")
        levels = schema[parent].levels
        if not schema[parent].is_categorical:
            raise ConfigError(f"{where}: parent {parent!r} must be a categorical feature")
        if not isinstance(active, (list, tuple)) or not active or any(v not in levels for v in active):
            raise ConfigError(f"{where}: active must be a non-empty list of {parent}'s levels {list(levels)}, got {active!r}")
        if all(v in active for v in levels):
            raise ConfigError(f"{where}: active lists every level of {parent}; leave out parent/active for a feature that is always active")
        out[name] = (parent, tuple(v for v in levels if v in active))
    for name, (parent, _) in out.items():
        if parent in out:
            raise ConfigError(f"data.schema: {name!r} depends on {parent!r}, which is conditional itself; nest no conditions")
    return out


def _schema_settings(schema: Schema, conditions: dict) -> list[dict]:
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
        if f.name in conditions:
            out[-1].update(parent=conditions[f.name][0], active=list(conditions[f.name][1]))
    return out


def _levels_effect(where: str, out: dict, spec: dict, feature: Feature) -> dict:
    if not feature.is_discrete:
        raise ConfigError(f"{where}.shape=levels needs a feature with declared levels; {feature.name!r} is continuous")
    values = spec.get("values")
    n = len(feature.levels)
    if not isinstance(values, (list, tuple)) or len(values) != n:
        raise ConfigError(f"{where}.values must list one number in [0, 1] per level ({n}), got {values!r}")
    out["values"] = [_real(v, f"effects.{feature.name}.values") for v in values]
    if not all(0 <= v <= 1 for v in out["values"]):
        raise ConfigError(f"{where}.values must lie in [0, 1], got {list(values)}")
    return out


def _effect(name: str, spec, feature: Feature) -> dict:
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
    if shape == "plateau" and not 0 <= out["start"] < out["end"] <= 1:
        raise ConfigError(f"{where}: plateau needs 0 <= start < end <= 1, got start={out['start']:g}, end={out['end']:g}")
    if shape == "levels":
        return _levels_effect(where, out, spec, feature)
    return out


def _interactions(specs, names: list[str], conditional) -> list[dict]:
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
        for f in (a, b):
            if f in conditional:
                raise ConfigError(f"{where}: {f!r} is conditional; a conditional feature takes part in no interaction")
        if (a, b) in seen:
            raise ConfigError(f"{where}: the pair {pair_term(a, b)} is listed twice")
        seen.add((a, b))
        out.append({"a": a, "b": b, "strength": _real(spec.get("strength", 1.0), f"interactions[{i}].strength")})
    return sorted(out, key=lambda p: (names.index(p["a"]), names.index(p["b"])))


def _snr(value, seed: int) -> float:
    """A number, or a range [low, high] drawn log-uniformly from the seed."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            raise ConfigError(f"data.snr must be a number or a range [low, high], got {list(value)!r}")
        if not 0 < value[0] <= value[1] or not math.isfinite(value[1]):
            raise ConfigError(f"data.snr range needs 0 < low <= high, got {list(value)}")
        return draw.snr(float(value[0]), float(value[1]), seed)
    snr = _real(value, "snr")
    if snr <= 0:
        raise ConfigError(f"data.snr must be > 0 (var(signal) / var(noise)), got {snr:g}")
    return snr


def _function(s: dict, seed: int) -> tuple[object, dict, list, dict | None]:
    """Schema spec, effects, interactions and the draw's options: as written, or drawn (``schema: random``)."""
    if s["schema"] != "random":
        if s["random"] is not None:
            raise ConfigError("data.random (the options of a random draw) applies only with data.schema: random")
        drawn = None if s["drawn"] is None else draw.options(s["drawn"], "data.drawn")
        return s["schema"], s["effects"] or {}, s["interactions"] or [], drawn
    for key in ("effects", "interactions", "drawn"):
        if s[key]:
            raise ConfigError(f"data.{key} cannot be given with data.schema: random (the draw makes them)")
    drawn = draw.options(s["random"] or {}, "data.random")
    f = draw.function(drawn, seed)
    return f["schema"], f["effects"], f["interactions"], drawn


def resolve(settings) -> dict:
    """The complete, validated settings: defaults filled, schema spelled out, every feature's effect listed.

    Idempotent, so ``resolve(ds.generator)`` is ``ds.generator``.
    """
    settings = dict(settings)
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"synthetic data has no option(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    if s["kind"] != "synthetic":
        raise ConfigError(f"data.kind must be 'synthetic' for the synthetic generator, got {s['kind']!r}")
    seed = integer(s["seed"], "data.seed", 0)
    spec, effects, interactions, drawn = _function(s, seed)
    schema = schema_of(spec)
    conditions = conditions_of(spec, schema)
    names = schema.names
    if not isinstance(effects, dict):
        raise ConfigError(f"data.effects must map feature names to effects, got {effects!r}")
    for name in effects:
        if name not in names:
            raise ConfigError(f"data.effects: unknown feature {name!r}; schema features: {', '.join(names)}")
    n_rows = integer(s["n_rows"], "data.n_rows", 2)
    snr = _snr(s["snr"], seed)
    if s["sampling"] not in SAMPLINGS:
        raise ConfigError(f"data.sampling={s['sampling']!r} is unknown; known: {', '.join(SAMPLINGS)}")
    pool_size = None
    if s["sampling"] != "uniform":
        pool_size = integer(s["pool_size"], "data.pool_size", 2)
        if n_rows > pool_size:
            raise ConfigError(
                f"data.n_rows={n_rows} exceeds data.pool_size={pool_size}: "
                f"sampling={s['sampling']} keeps the first n_rows of a pool of pool_size rows"
            )
    if not isinstance(s["maximize"], bool):
        raise ConfigError(f"data.maximize must be true or false, got {s['maximize']!r}")
    name = s["name"]
    if name is None:
        label = f"{len(schema)}f"
        if isinstance(s["schema"], str):  # nmt, or random: the count drawn
            label = "nmt" if s["schema"] == "nmt" else f"random{label}"
        rows = "uniform" if pool_size is None else f"{s['sampling']}{pool_size}"
        name = f"synthetic-{label}-snr{snr:g}-n{n_rows}-{rows}-s{seed}"
    elif not isinstance(name, str) or not name:
        raise ConfigError(f"data.name must be a non-empty string or null, got {name!r}")
    out = {
        "kind": "synthetic",
        "name": name,
        "schema": _schema_settings(schema, conditions),
        "n_rows": n_rows,
        "seed": seed,
        "effects": {f.name: _effect(f.name, effects.get(f.name, {"shape": "none"}), f) for f in schema},
        "interactions": _interactions(interactions, names, conditions),
        "snr": snr,
        "sampling": s["sampling"],
        "pool_size": pool_size,
        "maximize": s["maximize"],
    }
    if drawn is not None:
        out["drawn"] = drawn
    return out
