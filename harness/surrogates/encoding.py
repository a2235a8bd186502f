"""Turn a raw hyperparameter table into what a given model can consume.

Models differ in what they need from the schema: ridge wants every feature
on a common, log-aware footing; trees want raw values (readable thresholds)
and numbers for categories; EBM wants raw values and to be *told* which
columns are categorical (it types object columns of numeric-looking strings
as continuous). One schema-driven transformer covers all three, so every
surrogate accepts the same raw ``Dataset.X`` including string categories.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from harness.data.schema import Column, Schema
from harness.surrogates.frames import as_frame, check_columns

NUMERIC = ("unit", "raw")
CATEGORICAL = ("onehot", "category")


class SchemaEncoder(TransformerMixin, BaseEstimator):
    """Encode the schema's features column by column; stateless apart from checks.

    ``numeric``: "unit" maps to [0, 1] of the declared range (log-aware),
    "raw" keeps the values as floats. ``categorical``: "onehot" gives
    ``name=level`` indicator columns in declared level order, "category" a
    pandas categorical with the declared levels. Levels outside the schema
    become all-zero indicators / missing, so a model never sees a new code.
    The schema is injected by the surrogate registry; without one every column
    is numeric on its observed range, and text columns are categorical.
    Output columns are the schema's column map (``Schema.columns``): names every
    model library accepts, distinct even where users' names and levels would
    collide once made safe, each known by its feature and level (``columns_``).
    """

    def __init__(self, schema: Schema | None = None, numeric: str = "unit", categorical: str = "onehot"):
        self.schema = schema
        self.numeric = numeric
        self.categorical = categorical

    def fit(self, X, y=None) -> "SchemaEncoder":
        X, _ = as_frame(X)
        if self.numeric not in NUMERIC:
            raise ValueError(f"SchemaEncoder: numeric must be one of {NUMERIC}, got {self.numeric!r}")
        if self.categorical not in CATEGORICAL:
            raise ValueError(f"SchemaEncoder: categorical must be one of {CATEGORICAL}, got {self.categorical!r}")
        self.schema_ = self.schema if self.schema is not None else Schema.observed(X)
        check_columns(X, self.schema_, type(self).__name__)
        self.n_features_in_ = len(self.schema_)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # a DataFrame out, each column typed as its feature asks
        return tags

    def transform(self, X) -> pd.DataFrame:
        check_is_fitted(self, "schema_")
        X, _ = as_frame(X, names=self.schema_.names)
        check_columns(X, self.schema_, type(self).__name__)
        onehot = self.schema_.scaled(X, columns=[f.name for f in self.schema_ if f.is_categorical]) \
            if self.categorical == "onehot" else None
        columns: dict[str, np.ndarray | pd.Categorical] = {}
        for c in self.columns_:
            f = self.schema_[c.feature]
            if c.level is not None:
                columns[c.name] = onehot[c.name].to_numpy()
            elif not f.is_categorical:
                values = X[f.name].to_numpy(dtype=float)
                columns[c.name] = f.to_unit(values) if self.numeric == "unit" else values
            else:
                values = X[f.name].astype(object)
                columns[c.name] = pd.Categorical(values.where(values.isin(f.levels)), categories=list(f.levels))
        return pd.DataFrame(columns, index=X.index)

    @property
    def columns_(self) -> tuple[Column, ...]:
        """The columns ``transform`` makes, in order, each with its feature and level (``Schema.columns``)."""
        check_is_fitted(self, "schema_")
        return self.schema_.columns(onehot=self.categorical == "onehot")


def encoded(model: BaseEstimator, numeric: str = "unit", categorical: str = "onehot") -> Pipeline:
    """``Pipeline([("encode", SchemaEncoder), ("model", model)])``.

    A factory so that surrogate YAML stays flat: overrides read
    ``estimator.model.alpha=…`` and nested parameters are ``model__…``.
    """
    return Pipeline([("encode", SchemaEncoder(numeric=numeric, categorical=categorical)), ("model", model)])
