"""The surrogates that failed, as every experiment's summary.md names them (``harness.analysis.summary``'s table).

A fit or an explanation that fails is a result, not a crash (``harness.cells``); so that it is never mistaken
for a quiet success, each summary ends with the surrogates that failed and why, and a run where every
surrogate failed gets a summary that says only that.
"""
from __future__ import annotations

import pandas as pd

from harness.render.markdown import table

HEAD = "## Failed surrogates\n"


def section(failures: pd.DataFrame) -> list[str]:
    """Markdown lines naming each failed surrogate, how many of its rows failed and the most frequent reason."""
    if not len(failures):
        return []
    rows = [[f.surrogate, f"{f.n_failed} of {f.n_rows}", f.reason] for f in failures.itertuples()]
    return [HEAD, table(["surrogate", "rows failed", "reason (most frequent)"], rows), "",
            "A row failed when its surrogate could not be fitted or its own explainer could not explain the fit; "
            "metrics.csv holds every row with its reason.", ""]


def line(failure) -> str:
    """One failed surrogate in one line of text (a log warning, a part of an error)."""
    return f"surrogate {failure.surrogate} failed in {failure.n_failed} of {failure.n_rows} rows: {failure.reason}"


def nothing(title: str, failures: pd.DataFrame) -> str:
    """The whole summary.md of a run in which every surrogate failed."""
    return "\n".join([f"# {title}\n", "Every requested surrogate failed: there is nothing to summarise.\n",
                      *section(failures)])
