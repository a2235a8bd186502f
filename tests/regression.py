"""Numbers checked against committed expected values, with explicit tolerances.

Set HARNESS_REGEN=1 to rewrite an expected file after a deliberate change
(then review the diff: that diff *is* the change in the numbers).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

EXPECTED = Path(__file__).parent / "expected"


def check_numbers(actual: pd.DataFrame, name: str, keys: list[str], tolerances: dict[str, tuple[float, float]]) -> None:
    """Compare ``actual`` with ``expected/<name>.csv`` column by column: |a - e| <= atol + rtol * |e|."""
    path = EXPECTED / f"{name}.csv"
    cols = [*keys, *tolerances]
    actual = actual[cols].sort_values(keys).reset_index(drop=True)
    if os.environ.get("HARNESS_REGEN"):
        path.parent.mkdir(exist_ok=True)
        actual.to_csv(path, index=False, float_format="%.10g")
    expected = pd.read_csv(path).sort_values(keys).reset_index(drop=True)
    assert len(actual) == len(expected), f"{name}: {len(actual)} rows, expected {len(expected)}"
    for k in keys:
        assert (actual[k].astype(str).to_numpy() == expected[k].astype(str).to_numpy()).all(), f"{name}: key column {k} differs"
    for col, (rtol, atol) in tolerances.items():
        a, e = actual[col].to_numpy(float), expected[col].to_numpy(float)
        same_nan = np.isnan(a) == np.isnan(e)
        assert same_nan.all(), f"{name}: {col} is NaN in different rows"
        bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise AssertionError(
                f"{name}: {col} changed in {int(bad.sum())} rows, e.g. {actual.loc[i, keys].to_dict()}: "
                f"{a[i]!r} vs expected {e[i]!r} (rtol={rtol}, atol={atol})"
            )
