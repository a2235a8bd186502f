"""The record of a method that measures importance only: one main term per feature, no shapes, no pairs.

MDI, permutation importance and PED-ANOVA rank hyperparameters but draw no
curves; their records say so by leaving ``shapes`` and ``interactions``
empty, and their ``method`` names the units.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from harness.data.dataset import Dataset
from harness.interpretation.record import IMPORTANCE_COLUMNS, SHAPE_COLUMNS, Interpretation


def importance_record(data: Dataset, importance: Mapping[str, float], method: str, measure: str,
                      extras: dict | None = None) -> Interpretation:
    """A record with ``importance[f]`` for every schema feature f, in schema order."""
    rows = [(f, "main", f, None, float(importance[f])) for f in data.schema.names]
    return Interpretation(
        surrogate="", dataset=data.name, method=method, measure=measure,
        importances=pd.DataFrame(rows, columns=IMPORTANCE_COLUMNS),
        shapes=pd.DataFrame(columns=SHAPE_COLUMNS),
        extras=extras or {},
    )
