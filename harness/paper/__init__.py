"""The seed paper (an EBM fitted to the NMT HPO tables of Zhang & Duh 2020): its numbers, thresholds and claims.

Used only where the data is the paper's: a run on a user's own table never
passes through it.
"""
from __future__ import annotations

from typing import Iterable

from harness.data.readers.nmt import PAIRS
from harness.paper.numbers import table2


def on_paper_data(datasets: Iterable[str]) -> list[str]:
    """The paper's pairs among these table names (in the order given)."""
    return [d for d in datasets if d in PAIRS]


__all__ = ["PAIRS", "on_paper_data", "table2"]
