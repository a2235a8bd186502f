"""The search space a run had, and a smaller one for the next run.

``declared(ds)``: per hyperparameter its type, range or levels, scale, the source's default and the condition that
switches it on (``harness.data.configurations.activity``: a parent and the levels that set it). The range is the
declared one where the source declares a space (SMAC3, Optuna) and the range the rows span otherwise.

``narrowed(ds, effects, ...)``: per hyperparameter, one of

* ``fix`` — it does not matter: its importance (the total effect where the record has one, else the main effect;
  the interval's upper end where there is an interval) is below ``negligible`` × the largest; fixed at its value in
  the best configuration;
* ``narrow`` — it matters: a number to the range its values span in the best ``good_fraction`` of the rows that set
  it (at least ``MIN_GOOD`` rows), widened by ``MARGIN`` of that span on each side in its own scale and kept inside
  the declared range; a categorical to the levels those rows hold;
* ``keep`` — it matters and the good rows span (nearly) all of it, or fewer than ``MIN_GOOD`` rows set it;
* ``drop`` — a conditional hyperparameter that its parent's next levels (or fixed value) never switch on; one they
  always switch on loses its condition, and the others keep it on the levels left.

The tool formats (Optuna, ConfigSpace, Ray Tune) are written from this table by ``harness.render.search_space``.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from harness.data import configurations as configs
from harness.data.dataset import Dataset
from harness.data.infer import ABSENT, active_masks
from harness.text import fmt_value, num

MIN_GOOD = 5
MARGIN = 0.1
KEEP_SPAN = 0.9  # a narrowed range this close to the whole one is kept as it is
SPACE_COLUMNS = ["feature", "type", "scale", "low", "high", "levels", "default", "parent", "parent_levels", "condition",
                 "declared"]
NEXT_COLUMNS = ["feature", "action", "type", "scale", "low", "high", "levels", "value", "parent", "parent_levels",
                "importance", "reason"]
DECLARING = ("smac", "optuna")  # sources whose schema is the declared space, not the rows' range


def declared(ds: Dataset, kind: str = "") -> pd.DataFrame:
    """One row per hyperparameter of the run's search space (``kind``: the source's reader kind)."""
    rules = {f: r for r in configs.activity(ds) for f in r.features}
    conditions = {f: c.condition for c in ds.conditions for f in c.features}
    rows = []
    for h in configs.hyperparameters(ds):
        f = ds.schema[h]
        rule = rules.get(h)
        levels = [v for v in f.levels if v != ABSENT] if f.is_categorical else []
        rows.append({"feature": h, "type": _type(ds, h), "scale": f.scale,
                     "low": np.nan if f.is_categorical else float(f.low),
                     "high": np.nan if f.is_categorical else float(f.high),
                     "levels": json.dumps(levels), "default": _text(ds.defaults.get(h)),
                     "parent": rule.parent if rule and rule.parent else "",
                     "parent_levels": json.dumps(list(rule.levels)) if rule and rule.parent else "[]",
                     "condition": conditions.get(h, ""), "declared": kind in DECLARING})
    return pd.DataFrame(rows, columns=SPACE_COLUMNS)


def narrowed(ds: Dataset, space: pd.DataFrame, effects: pd.DataFrame, good_fraction: float = 0.2,
             negligible: float = 0.05) -> pd.DataFrame:
    """The next run's search space (see the module docstring); ``effects``: the reference record's
    (``harness.analysis.importance.effects``)."""
    score = _scores(effects)
    top = max(score.max() if len(score) else 0.0, 0.0)
    order = np.asarray(configs.best_rows(ds, len(ds)), dtype=int)  # every row, best first
    masks = active_masks(ds.X, ds.conditions)
    rows = []
    for s in space.itertuples(index=False):
        h = s.feature
        imp = float(score.get(h, np.nan))
        setting = order[masks.get(h, np.ones(len(ds), dtype=bool))[order]]  # the rows that set it, best first
        base = {"feature": h, "type": s.type, "scale": s.scale, "low": s.low, "high": s.high, "levels": s.levels,
                "value": "", "parent": s.parent, "parent_levels": s.parent_levels, "importance": imp}
        if not np.isnan(imp) and imp < negligible * top and len(setting):
            where = "the best configuration" + ("" if setting[0] == order[0] else " that sets it")
            base.update(action="fix", value=_text(configs.of_row(ds, int(setting[0]))[h]),
                        reason=f"importance {_share(imp, top)} of the largest (below {fmt_value(100 * negligible)} %); "
                               f"fixed at its value in {where}")
            rows.append(base)
            continue
        k = max(MIN_GOOD, int(np.ceil(good_fraction * len(setting))))
        if len(setting) < MIN_GOOD:
            base.update(action="keep", reason=f"set on {len(setting)} rows: too few to narrow")
            rows.append(base)
            continue
        values = ds.X[h].iloc[setting[:k]]
        good = f"the best {k} rows" + ("" if len(setting) == len(ds) else " setting it")
        if ds.schema[h].is_categorical:
            held = [v for v in json.loads(s.levels) if v in set(values)]
            if len(held) == len(json.loads(s.levels)):
                base.update(action="keep", reason=f"{good} hold every level")
            elif len(held) == 1:
                base.update(action="fix", value=held[0], reason=f"the one level {good} hold")
            else:
                base.update(action="narrow", levels=json.dumps(held), reason=f"the levels {good} hold")
        else:
            lo, hi = _widened(ds.schema[h], values.to_numpy(dtype=float), s.type == "int")
            if _span(lo, hi, s.scale) >= KEEP_SPAN * _span(s.low, s.high, s.scale):
                base.update(action="keep", reason=f"{good} span its range")
            else:
                base.update(action="narrow", low=lo, high=hi,
                            reason=f"the range of {good}, widened by {MARGIN:.0%} of it each side")
        rows.append(base)
    return _conditions_narrowed(pd.DataFrame(rows, columns=NEXT_COLUMNS))


def _scores(effects: pd.DataFrame) -> pd.Series:
    """Per hyperparameter the importance the decision reads: the total's (else the main's) upper bound (else its
    estimate)."""
    kind = "total" if effects["total"].notna().any() else "main"
    upper = effects[f"{kind}_upper"].where(effects[f"{kind}_upper"].notna(), effects[kind])
    return pd.Series(upper.to_numpy(dtype=float), index=effects["feature"])


def _span(lo: float, hi: float, scale: str) -> float:
    return float(np.log(hi / lo)) if scale == "log" else float(hi - lo)


def _widened(feature, values: np.ndarray, integer: bool) -> tuple[float, float]:
    """``values``' range widened by ``MARGIN`` of its span each side (in the feature's scale), inside its range."""
    log = feature.scale == "log"
    v = np.log(values) if log else values
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo if hi > lo else (np.log(feature.high / feature.low) if log else feature.high - feature.low) * MARGIN
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    if log:
        lo, hi = float(np.exp(lo)), float(np.exp(hi))
    lo, hi = max(lo, float(feature.low)), min(hi, float(feature.high))
    if integer:
        lo, hi = float(np.floor(lo)), float(np.ceil(hi))
    return lo, hi


def _conditions_narrowed(table: pd.DataFrame) -> pd.DataFrame:
    """Each condition on the levels its parent keeps: a child that none of them switches on is dropped (and its own
    children with it), one that all of them switch on loses its condition."""
    while True:
        alive = table[(table["type"] == "categorical") & (table["action"] != "drop")]
        kept = {r.feature: [r.value] if r.action == "fix" else json.loads(r.levels) for r in alive.itertuples()}
        dropped = False
        for i, row in table.iterrows():
            parent = row["parent"]
            if not (isinstance(parent, str) and parent) or row["action"] == "drop":
                continue
            allowed = [v for v in json.loads(row["parent_levels"]) if v in kept.get(parent, [])]
            if not allowed:
                table.loc[i, ["action", "reason"]] = ["drop", f"never set: {parent} keeps none of the levels that "
                                                              "switch it on"]
                dropped = True
            elif set(allowed) == set(kept[parent]):
                table.loc[i, ["parent", "parent_levels"]] = ["", "[]"]
            else:
                table.loc[i, "parent_levels"] = json.dumps(allowed)
        if not dropped:
            return table


def _type(ds: Dataset, h: str) -> str:
    f = ds.schema[h]
    if f.is_categorical:
        return "categorical"
    return "int" if ds.X[h].dtype.kind in "iu" else "float"


def _text(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v.item() if isinstance(v, np.generic) else v)


def _share(value: float, top: float) -> str:
    return f"{num(100 * value / top)} %" if top > 0 else "0 %"
