"""The paper's size-sweep results (§5.1–5.2, Table 2) on sw-en: its published EBM row and its claims.

Each claim's rule is written into its evidence; the rules were fixed before looking at the numbers.
"""
from __future__ import annotations

import pandas as pd

from harness.paper.claims import Claim, verdict
from harness.paper.numbers import table2

PAIR = "sw-en"  # the table the paper swept
CITES = (" (paper Table 2)", " (paper §5.2)")  # the summary's title and std note on the paper's data (render.size_sweep)


def beside(datasets) -> dict[str, tuple[str, dict]]:
    """The paper's Table 2 row to set beside ours, for the pair it was measured on."""
    return {PAIR: ("paper EBM", table2())} if PAIR in set(datasets) else {}


def claims(summary: pd.DataFrame) -> list[Claim]:
    """Paper §5.1–5.2 on sw-en: the turning point at 30 %, SRC towards 1, MRR near 1/3, std shrinking with size.

    Checked on the first surrogate listed (the paper used EBM); none applies without sw-en or its 5, 30, 100 % sizes.
    """
    part = summary[summary["dataset"] == PAIR]
    if not len(part):
        return []
    sur = part["surrogate"].iloc[0]
    g = part[part["surrogate"] == sur].set_index("size_pct").sort_index()
    if not {5, 30, 100} <= set(g.index):
        return []
    mse, src, mrr, std = g["mse_mean"], g["src_mean"], g["mrr_mean"], g["mse_std"]
    fall, after = (mse[5] - mse[30]) / (mse[5] - mse[100]), (mse[30] - mse[100]) / mse[30]
    late = [s for s in g.index if s >= 30]
    near_third = [s for s in late if 0.2 <= mrr[s] <= 0.5]
    rho = float(pd.Series(g.index, dtype=float).corr(pd.Series(std.to_numpy()), method="spearman"))
    return [
        Claim("size_sweep", "sw-en-turning-point", f"sw-en: {sur}'s test MSE falls steeply up to 30 % and is nearly flat after",
              verdict(int(fall >= 0.75) + int(after <= 0.3), 2),
              f"MSE {mse[5]:.2f} → {mse[30]:.2f} → {mse[100]:.2f} at 5/30/100 %: {fall:.0%} of the 5→100 % fall is done by 30 % "
              f"(rule ≥ 75 %), and it falls a further {after:.0%} after 30 % (rule ≤ 30 %)"),
        Claim("size_sweep", "sw-en-src", f"sw-en: {sur}'s SRC approaches 1 as data grows",
              verdict(int(src[100] >= 0.9) + int(src[100] > src[5]), 2),
              f"SRC {src[5]:.3f} at 5 %, {src[30]:.3f} at 30 %, {src[100]:.3f} at 100 % (rule: ≥ 0.9 at 100 % and above 5 %)"),
        Claim("size_sweep", "sw-en-mrr", f"sw-en: {sur}'s MRR settles near 1/3",
              verdict(len(near_third), len(late)),
              f"MRR in [0.2, 0.5] at {len(near_third)} of {len(late)} sizes ≥ 30 %; at 100 % it is {mrr[100]:.3f}"),
        Claim("size_sweep", "sw-en-std", f"sw-en: the std of {sur}'s MSE over seeds shrinks as data grows",
              verdict(int(rho <= -0.7) + int(std[100] < std[5]), 2),
              f"std {std[5]:.2f} at 5 %, {std[30]:.2f} at 30 %, {std[100]:.2f} at 100 %; Spearman(size, std) = {rho:.2f} (rule ≤ −0.7)"),
    ]


def claims_markdown(claims: list[Claim]) -> str:
    """The claims as a section of the size sweep's summary."""
    return ("\n## The paper's claims (§5.1–5.2), checked on the first surrogate listed (the paper used EBM)\n\n"
            + "\n".join(c.markdown() for c in claims) + "\n")
