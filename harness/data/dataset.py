"""The typed table every experiment consumes: features, target, schema."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.data.schema import Schema


@dataclass(frozen=True)
class Dataset:
    """One HPO table.

    ``X`` holds the raw hyperparameter values in schema order, ``y`` the
    score (named after the target), ``extras`` any other recorded columns
    (GPU time, perplexity, …) aligned with ``X``. ``maximize`` says which
    direction of ``y`` is better; metrics and HPO orders follow it.
    ``fingerprint`` identifies the exact content (e.g. the files' SHA-256)
    so cached results are keyed by data, not by name.
    """

    name: str
    X: pd.DataFrame
    y: pd.Series
    schema: Schema
    extras: pd.DataFrame = field(default_factory=pd.DataFrame)
    maximize: bool = True
    fingerprint: str = ""
    meta: dict = field(default_factory=dict)

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
        return Dataset(
            name=self.name,
            X=self.X.iloc[rows].reset_index(drop=True),
            y=self.y.iloc[rows].reset_index(drop=True),
            schema=self.schema,
            extras=self.extras.iloc[rows].reset_index(drop=True) if len(self.extras.columns) else self.extras,
            maximize=self.maximize,
            fingerprint=self.fingerprint,
            meta=self.meta,
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
