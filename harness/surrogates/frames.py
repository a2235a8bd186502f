"""Input checks shared by the project's own estimators, as scikit-learn's estimator contract asks."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.sparse import issparse
from sklearn.exceptions import DataConversionWarning

from harness.data.schema import Schema


def as_frame(X, y=None, names: list[str] | None = None) -> tuple[pd.DataFrame, np.ndarray | None]:
    """``X`` as a DataFrame (an array gets columns ``x0, x1, …`` or ``names``) and ``y`` as a finite float vector."""
    if issparse(X):
        raise TypeError("Sparse data was passed, but dense data is required: convert it with X.toarray()")
    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if np.iscomplexobj(arr):
            raise ValueError("Complex data not supported")
        if arr.ndim != 2:
            raise ValueError(f"Expected 2D array, got {arr.ndim}D array instead. Reshape your data: one row per sample.")
        arr = arr.astype(float)  # an array holds numbers; text features come in a DataFrame
        X = pd.DataFrame(arr, columns=names if names is not None and len(names) == arr.shape[1]
                         else [f"x{i}" for i in range(arr.shape[1])])
    elif not all(isinstance(c, str) for c in X.columns):
        X = X.rename(columns=str)
    if X.shape[0] == 0:
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
    if X.shape[1] == 0:
        raise ValueError(f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is required.")
    numeric = X.select_dtypes(include="number")
    if numeric.shape[1] and not np.isfinite(numeric.to_numpy(dtype=float)).all():
        raise ValueError("Input X contains NaN or infinity.")
    if y is None:
        return X, None
    y = np.asarray(y)
    if np.iscomplexobj(y):
        raise ValueError("Complex data not supported")
    y = y.astype(float)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn("A column-vector y was passed when a 1d array was expected; it was flattened",
                      DataConversionWarning, stacklevel=3)
        y = y.ravel()
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"y must be a vector of {len(X)} targets, got shape {np.shape(y)}")
    if not np.isfinite(y).all():
        raise ValueError("Input y contains NaN or infinity.")
    return X, y


def check_columns(X: pd.DataFrame, schema: Schema, who: str) -> None:
    missing = [name for name in schema.names if name not in X.columns]
    if missing:
        raise ValueError(f"{who}: input lacks feature column(s) {', '.join(map(str, missing))}; "
                         f"X has {X.shape[1]} features, but {who} is expecting {len(schema)} features as input")
