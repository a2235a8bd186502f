"""The paper's claims on HPO sampling orders (§5.3, Figure 6), checked on each of its NMT pairs in a run.

Each claim's rule is written into its evidence; the rules were fixed before looking at the numbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.paper.claims import Claim, verdict


def claims(summary: pd.DataFrame, dataset: str) -> list[Claim]:
    """Paper §5.3 on one pair: (a) BO and random fall sharply 5→30 %; (b) GB stays highest; (c) BO lowest from 15 % on.

    Checked on the first surrogate listed (the paper used EBM).
    """
    summary = summary[summary["dataset"] == dataset]
    summary = summary[summary["surrogate"] == summary["surrogate"].iloc[0]]
    mse = summary.pivot_table(index="size_pct", columns="order_method", values="mse_mean")
    sur = summary["surrogate"].iloc[0]
    out = []
    if {5, 30, 100} <= set(mse.index):
        drops = {}
        for m in ("bo", "random"):
            if m in mse:
                total = mse.at[5, m] - mse.at[100, m]
                drops[m] = ((mse.at[5, m] - mse.at[30, m]) / mse.at[5, m], (mse.at[5, m] - mse.at[30, m]) / total if total else np.nan)
        ok = [rel >= 0.4 and share >= 0.75 for rel, share in drops.values()]
        out.append(Claim(
            "hpo_order", f"{dataset}-a", f"{dataset}: with {sur}, BO and random fall sharply from 5 % to 30 %",
            verdict(sum(ok), len(ok)),
            "; ".join(f"{m}: MSE {mse.at[5, m]:.2f} → {mse.at[30, m]:.2f} → {mse.at[100, m]:.2f} at 5/30/100 %, "
                      f"{rel:.0%} lower at 30 %, {share:.0%} of the 5→100 % fall done by 30 %" for m, (rel, share) in drops.items())
            + " (sharp = ≥ 40 % lower and ≥ 75 % of the total fall done by 30 %)",
        ))
    if {"gb", "bo", "random"} <= set(mse.columns):
        # at 100 % every order holds the whole pool: the three training sets are one and the same
        mse = mse.loc[[s for s in mse.index if s < 100]]
        highest = mse.idxmax(axis=1)
        held = [s for s in mse.index if highest[s] == "gb"]
        out.append(Claim(
            "hpo_order", f"{dataset}-b", f"{dataset}: with {sur}, GB's MSE stays the highest of the three",
            verdict(len(held), len(mse.index)),
            f"GB highest at {len(held)} of {len(mse.index)} sizes below 100 %; "
            + ", ".join(f"{s:g} %: gb {mse.at[s, 'gb']:.2f} / bo {mse.at[s, 'bo']:.2f} / random {mse.at[s, 'random']:.2f}" for s in mse.index),
        ))
        late = [s for s in mse.index if s >= 15]
        lowest = mse.loc[late].idxmin(axis=1)
        held = [s for s in late if lowest[s] == "bo"]
        out.append(Claim(
            "hpo_order", f"{dataset}-c", f"{dataset}: with {sur}, from 15 % on BO has the lowest MSE",
            verdict(len(held), len(late)),
            f"BO lowest at {len(held)} of {len(late)} sizes from 15 % to below 100 %"
            + (f"; not at {', '.join(f'{s:g} % ({lowest[s]})' for s in late if lowest[s] != 'bo')}" if len(held) < len(late) else ""),
        ))
    return out


def claims_section(claims: list[Claim]) -> list[str]:
    """The claims as a section of the experiment's summary."""
    return ["## The paper's claims (first surrogate listed; the paper used EBM)\n", *[c.markdown() for c in claims], ""]
