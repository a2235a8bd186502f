"""The record of a method that measures importance only: one main term per feature, no shapes, no pairs.

MDI, permutation importance and PED-ANOVA rank hyperparameters but draw no
curves; their records say so by leaving ``shapes`` and ``interactions``
empty, and their ``method`` names the units. Their intervals come from
``replicates``: a mapping feature -> importance per replicate (or a string:
why there is none), as ``harness.explainers.base.finish`` takes them.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from harness.data.dataset import Dataset
from harness.explainers.base import Replicates, finish
from harness.interpretation.intervals import TERM_COLUMNS
from harness.interpretation.record import GLOBAL, SHAPE_COLUMNS, Interpretation


def importance_record(data: Dataset, importance: Mapping[str, float], method: str, measure: str,
                      replicates: Replicates | str, extras: dict | None = None, sense: str = GLOBAL,
                      nonnegative: bool = True) -> Interpretation:
    """A record with ``importance[f]`` for every schema feature f, in schema order, and its intervals."""
    rows = [(f, "main", f, None, float(importance[f])) for f in data.schema.names]
    record = Interpretation(
        surrogate="", dataset=data.name, method=method, measure=measure, sense=sense,
        importances=pd.DataFrame(rows, columns=TERM_COLUMNS),
        shapes=pd.DataFrame(columns=SHAPE_COLUMNS),
        extras=extras or {},
    )
    return finish(record, replicates, nonnegative)
