"""The paper's turning point (§5.1–5.2), read as a claim about explanations: the EBM is trustworthy from 30 % of sw-en.

The paper shows only prediction error there; what is checked is that the
EBM's explanation can be trusted from that size on. Used only on the paper's
data (``harness.paper.on_paper_data``).
"""
from __future__ import annotations

import pandas as pd

from harness.analysis.stability import FULL, TOLERANCE, same_share, size_text
from harness.paper.claims import Claim, verdict

EXPERIMENT = "stability"
PAIR = "sw-en"
PAPER_PCT = 30  # the paper's turning point: 185 of sw-en's 614 training rows
METHOD = "random"  # the paper's subsets are random


def claims(stab: pd.DataFrame, stable: pd.DataFrame, fraction: float, reference: str) -> list[Claim]:
    """At every random-subset size from 30 % to below 100 %, the EBM's top-3 set equals its full-data top-3 in ≥
    ``fraction`` of the seeds. Where it becomes stable under the HPO orders is given as evidence.
    """
    text = (f"{PAIR}: EBM interpretations from ≥ {PAPER_PCT} % of the training data (185 rows) are trustworthy "
            f"(implicit in §5.1–5.2; checked on {reference}'s explanations of random subsets)")
    shares = same_share(stab)
    g = shares[(shares["dataset"] == PAIR) & (shares["surrogate"] == reference) & (shares["order_method"] == METHOD)]
    g = g.set_index("size_pct")
    sizes = sorted(s for s in g.index if PAPER_PCT <= s < FULL)
    if not sizes:
        return [Claim(EXPERIMENT, f"{PAIR}.ebm30", text, verdict(0, 0),
                      f"needs {PAIR}, the {METHOD} order and sizes from {PAPER_PCT} % to below 100 % in the run")]
    held = [g.at[s, "share"] >= fraction - TOLERANCE for s in sizes]
    others = stable[(stable["dataset"] == PAIR) & (stable["surrogate"] == reference) & (stable["reference"] == "full")]
    evidence = ("top-3 = full-data top-3 in "
                + ", ".join(f"{g.at[s, 'share']:.0%} of seeds at {s:g} % ({g.at[s, 'n_train']} rows, τ {g.at[s, 'kendall']:.2f})"
                            for s in sizes)
                + f"; required ≥ {fraction:.0%} at each. Stable from: "
                + ", ".join(f"{r.order_method} {size_text(r.stable_pct, r.stable_rows)}" for r in others.itertuples()))
    return [Claim(EXPERIMENT, f"{PAIR}.ebm30", text, verdict(sum(held), len(held)), evidence)]

