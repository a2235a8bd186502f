"""Configurations of a table's hyperparameters: read from a row, made from a declared default or from the rows,
and written back as the row a model is fed.

A *configuration* maps each hyperparameter (a schema feature that is not a condition's indicator column) to its raw
value, or to None where it is unset (a conditional hyperparameter whose condition does not hold). ``row_of`` writes
it as ``Dataset.X`` holds rows (``harness.data.infer``): an unset categorical is ``absent``, an unset number is its
feature's ``low``, and a condition's indicator says whether its features are set.

Which hyperparameter switches a condition on is read from the rows (``activity``): the categorical hyperparameter
whose every level observed leaves the condition's features always set or always unset (``solver`` for SMAC3's
``solver in {sgd,adam}``; a parent named in the condition's text is preferred). Changing that parent switches its
children with it, as an ablation path must (Fawcett & Hoos, 2016). A condition no categorical explains (a table's
empty cells) switches as one block.

The *reference* configuration an explanation's ablation starts from is the source's declared default
(``Dataset.defaults``: SMAC3's ``default_value``\\ s) where it declares one, else the typical configuration of the
rows: each categorical's most common level and each number's median, over the rows where it is set.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.infer import ABSENT, INDICATOR_LEVELS, active_masks, text

DEFAULT, TYPICAL = "default", "typical"
REFERENCES = ("auto", DEFAULT, TYPICAL)


@dataclass(frozen=True)
class Activity:
    """The features of one condition and what switches them on: ``parent`` set to one of ``levels`` (None: no
    categorical explains the condition; its features switch together)."""

    features: tuple[str, ...]
    parent: str | None
    levels: tuple[str, ...] = ()

    def active(self, config: dict) -> bool | None:
        """Whether the features are set in ``config`` by the parent's value (None without a parent)."""
        if self.parent is None:
            return None
        return config.get(self.parent) in self.levels


def hyperparameters(ds: Dataset) -> list[str]:
    """The schema features that are hyperparameters (not a condition's indicator column), in schema order."""
    indicators = {c.indicator for c in ds.conditions if c.indicator}
    return [f for f in ds.schema.names if f not in indicators]


def activity(ds: Dataset) -> list[Activity]:
    """One rule per condition of the table (see the module docstring)."""
    masks = active_masks(ds.X, ds.conditions)
    names = hyperparameters(ds)
    rules = []
    for c in ds.conditions:
        on = masks[c.features[0]]
        candidates = []
        for p in names:
            f = ds.schema[p]
            if p in c.features or not f.is_categorical:
                continue
            by_level = pd.Series(on).groupby(ds.X[p].to_numpy()).agg(["all", "any"])
            if bool((by_level["all"] == by_level["any"]).all()) and by_level["all"].any() and not by_level["all"].all():
                candidates.append((p, tuple(str(v) for v in by_level.index[by_level["all"]])))
        named = [cand for cand in candidates if cand[0] in c.condition]
        parent, levels = (named or candidates or [(None, ())])[0]
        rules.append(Activity(tuple(c.features), parent, levels))
    return rules


def of_row(ds: Dataset, i: int) -> dict:
    """The configuration of row ``i`` (positions 0..n-1)."""
    masks = active_masks(ds.X.iloc[[i]], ds.conditions)
    row = ds.X.iloc[i]
    return {h: (_plain(row[h]) if masks.get(h, [True])[0] else None) for h in hyperparameters(ds)}


def row_of(ds: Dataset, config: dict) -> pd.DataFrame:
    """``config`` as the one-row frame of the table's features (its schema's columns and dtypes)."""
    values = {}
    indicator_of = {c.indicator: c.features[0] for c in ds.conditions if c.indicator}
    for f in ds.schema:
        if f.name in indicator_of:
            values[f.name] = INDICATOR_LEVELS[config.get(indicator_of[f.name]) is not None]
        elif f.is_categorical:
            v = config.get(f.name)
            values[f.name] = ABSENT if v is None else text(v)
        else:
            v = config.get(f.name)
            values[f.name] = float(f.low if v is None else v)
    frame = pd.DataFrame([values], columns=ds.schema.names, dtype=object)
    return frame.astype({c: ds.X[c].dtype if ds.X[c].dtype.kind != "i" or float(values[c]).is_integer() else float
                         for c in frame.columns})


def best_rows(ds: Dataset, k: int = 3) -> list[int]:
    """The ``k`` best rows by score in the table's direction (ties in row order)."""
    y = ds.y.to_numpy(dtype=float)
    order = np.argsort(-y if ds.maximize else y, kind="stable")
    return [int(i) for i in order[:k]]


def reference(ds: Dataset, how: str = "auto", rules: list[Activity] | None = None) -> tuple[dict, str]:
    """The configuration an ablation starts from and how it was chosen (``default`` or ``typical``): ``how`` is
    ``auto`` (the declared default where the source declares one), ``default`` or ``typical``."""
    if how not in REFERENCES:
        raise ValueError(f"reference: expected one of {', '.join(REFERENCES)}, got {how!r}")
    rules = activity(ds) if rules is None else rules
    values = _typical_values(ds)
    declared = {h: v for h, v in ds.defaults.items() if h in values and _in_domain(ds, h, v)}
    if how == TYPICAL or not declared:
        if how == DEFAULT:
            raise ValueError(f"{ds.name}: the source declares no default configuration")
        masks = active_masks(ds.X, ds.conditions)
        for rule in rules:  # a block no parent switches: set where most rows set it
            if rule.parent is None and masks[rule.features[0]].mean() < 0.5:
                values.update(dict.fromkeys(rule.features))
        return settle(values, rules, values), TYPICAL
    config = {h: (text(declared[h]) if ds.schema[h].is_categorical else float(declared[h])) if h in declared
              else values[h] for h in values}
    return settle(config, rules, values), DEFAULT


def settle(config: dict, rules: list[Activity], fill: dict) -> dict:
    """``config`` with each condition's features unset where its parent switches them off, and set (from ``fill``
    where ``config`` has no value) where it switches them on."""
    out = dict(config)
    for rule in rules:
        on = rule.active(out)
        if on is None:
            continue
        for f in rule.features:
            out[f] = (out[f] if out.get(f) is not None else fill.get(f)) if on else None
    return out


def _typical_values(ds: Dataset) -> dict:
    """Each hyperparameter's most common level or median value over the rows where it is set."""
    masks = active_masks(ds.X, ds.conditions)
    config = {}
    for h in hyperparameters(ds):
        on = masks.get(h, np.ones(len(ds), dtype=bool))
        values = ds.X[h][on]
        if not len(values):
            config[h] = None
        elif ds.schema[h].is_categorical:
            counts = values.value_counts(sort=False)
            levels = [v for v in ds.schema[h].levels if v in counts.index]
            config[h] = max(levels, key=lambda v: counts[v])  # the first of the most common, in declared order
        else:
            config[h] = float(np.percentile(values.to_numpy(dtype=float), 50, method="lower"))
    return config


def _in_domain(ds: Dataset, h: str, value) -> bool:
    f = ds.schema[h]
    if f.is_categorical:
        return text(value) in f.levels
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and not bool(f.outside([v])[0])


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v
