"""The typed table every experiment consumes: features, target, schema, and what the reader knows of its rows."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

import numpy as np
import pandas as pd

from harness.data.schema import Schema


@dataclass(frozen=True)
class Condition:
    """Features that are unset on the same rows of a table (a conditional hyperparameter and its siblings).

    ``features``: the conditional features, in column order; ``indicator``: the ``"True"``/``"False"`` column
    that says where they are set (None when all of them are categorical: they hold the level ``absent``);
    ``condition``: the condition in words (the declared one, ``solver in {sgd,adam}``, or ``<feature> is set``);
    ``active_rows``: the rows on which they are set.
    """

    features: tuple[str, ...]
    indicator: str | None
    condition: str
    active_rows: int

    def __getitem__(self, key: str):  # the mapping spelling of the records of earlier versions
        return getattr(self, key)


@dataclass(frozen=True)
class Dataset:
    """One HPO table.

    ``X`` holds the raw hyperparameter values in schema order, ``y`` the score (named after the target column),
    ``extras`` any other recorded columns (GPU time, perplexity, trial numbers …) aligned with ``X``. ``maximize``
    says which direction of ``y`` is better; metrics and HPO orders follow it. ``fingerprint`` identifies the
    exact content (the files' SHA-256 and the options that shape the table), so cached results are keyed by
    data, not by name.

    What the reader knows of the rows, each field empty where the source says nothing:

    * ``source``: where the rows were read (a file, a run folder, a storage URL and study);
    * ``label`` / ``unit``: the target in words and its unit, for titles and axes ("dev BLEU", "BLEU");
    * ``objectives``: every recorded objective, name -> ``{maximize, label, unit}``; ``targets``: the ones asked
      for (``data.targets``), the modelled one among them; ``table``: the table a derived dataset (another
      target of the same rows, a Pareto front's axis) was made from;
    * ``dropped``: rows or trials left out, counted by reason ("no score", "CRASHED", "non-finite cost");
      ``dropped_columns``: columns left out because they hold one value; ``absent``: parameter -> rows on
      which it is unset;
    * ``conditions``: the conditional features and where each is set (:class:`Condition`;
      ``harness.data.infer.active_masks`` turns them into rows);
    * ``defaults``: the configuration the source declares as its default (SMAC3's ``default_value``s), raw values
      by feature; the explanation's ablation starts from it;
    * ``details``: what only this kind of source records, for display (the budget chosen and the budgets seen,
      runs averaged per configuration, a study's objective index, a Ray Tune report rule);
    * ``generator``: a synthetic table's complete generator settings (its identity; ``harness.synthetic``);
    * ``parts`` / ``offsets``: a pooled table's parts and the first row of each (``harness.data.pooled``).
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    schema: Schema
    extras: pd.DataFrame = field(default_factory=pd.DataFrame)
    maximize: bool = True
    fingerprint: str = ""
    source: str = ""
    label: str = ""
    unit: str = ""
    objectives: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    targets: tuple[str, ...] = ()
    table: str = ""
    dropped: Mapping[str, int] = field(default_factory=dict)
    dropped_columns: tuple[str, ...] = ()
    absent: Mapping[str, int] = field(default_factory=dict)
    conditions: tuple[Condition, ...] = ()
    defaults: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    generator: Mapping[str, Any] | None = None
    parts: tuple[str, ...] = ()
    offsets: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if list(self.X.columns) != self.schema.names:
            raise ValueError(
                f"dataset {self.name!r}: feature columns {list(self.X.columns)} do not match schema {self.schema.names}"
            )
        if len(self.X) != len(self.y):
            raise ValueError(f"dataset {self.name!r}: {len(self.X)} feature rows but {len(self.y)} targets")

    def __len__(self) -> int:
        return len(self.X)

    @property
    def target(self) -> str:
        return str(self.y.name)

    @property
    def meta(self) -> dict:
        """Deprecated: the reader's facts as the untyped dict of earlier versions; use the typed fields."""
        warnings.warn("Dataset.meta is deprecated; read the typed fields (source, label, dropped, conditions, "
                      "details, …) instead", DeprecationWarning, stacklevel=2)
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _FACTS and getattr(self, f.name)}
        out.update(self.details)
        if self.label:
            out["target"] = self.label
        return out

    def column(self, name: str) -> pd.Series:
        """Any recorded column by name: a feature, the target or an extra."""
        if name in self.X.columns:
            return self.X[name]
        if name == self.target:
            return self.y
        if name in self.extras.columns:
            return self.extras[name]
        known = [*self.X.columns, self.target, *self.extras.columns]
        raise KeyError(f"dataset {self.name!r} has no column {name!r}; known: {', '.join(known)}")

    def take(self, rows) -> "Dataset":
        """The same table restricted to ``rows`` (positions), re-indexed 0..n-1."""
        rows = np.asarray(rows, dtype=int)
        return replace(
            self,
            X=self.X.iloc[rows].reset_index(drop=True),
            y=self.y.iloc[rows].reset_index(drop=True),
            extras=self.extras.iloc[rows].reset_index(drop=True) if len(self.extras.columns) else self.extras,
        )

    def scaled(self) -> pd.DataFrame:
        return self.schema.scaled(self.X)

    def features(self, feed: str = "raw") -> tuple[pd.DataFrame, Schema]:
        """What a model sees of the table: raw values, or values scaled to the schema's [0, 1] (``feed``)."""
        if feed == "raw":
            return self.X, self.schema
        if feed == "scaled":
            return self.scaled(), self.schema.unit()
        raise ValueError(f"feed={feed!r}: expected raw or scaled")


_FACTS = ("source", "objectives", "targets", "table", "dropped", "dropped_columns", "absent", "conditions",
          "defaults", "generator", "parts", "offsets", "unit")
