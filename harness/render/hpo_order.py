"""The HPO-order experiment for people: test MSE per sampling method and size, the regret table, Figure 6."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.render.drawing import drawn
from harness.render.figures import axes_legend, curves, has_spread, save, subplots, suptitle
from harness.render.markdown import table
from harness.text import md_text, num, pm

TITLE = "# HPO sampling orders: test MSE of surrogates trained on the first p % of each method's order\n"
REGRET_KS = (5, 10, 20, 50, 100)


def mse_sections(summary: pd.DataFrame) -> list[str]:
    """Per table, per surrogate: test MSE mean ± std by sampling method (rows) and training size (columns)."""
    lines = []
    for ds, part in summary.groupby("dataset", sort=False):
        lines.append(f"## {md_text(ds)}\n")
        spread = "mean ± std over seeds" if has_spread(part["mse_std"]) else "one seed"
        for sur, g in part.groupby("surrogate", sort=False):
            lines += [f"### {md_text(sur)}: test MSE, {spread}\n", _method_table(g), ""]
    return lines


def _method_table(g: pd.DataFrame) -> str:
    sizes = list(dict.fromkeys(g.sort_values("size_pct")["size_pct"]))
    rows = []
    for m, mg in g.groupby("order_method", sort=False):
        mg = mg.set_index("size_pct")
        rows.append([m, *[pm(mg.at[s, "mse_mean"], mg.at[s, "mse_std"]) if s in mg.index else "–" for s in sizes]])
    return table(["method", *[f"{s:g} %" for s in sizes]], rows)


def regret_section(mean: pd.Series, ks=REGRET_KS) -> list[str]:
    """The HPO view: mean regret after k evaluations per table and method (``analysis.hpo_order.mean_regret``)."""
    rows = [[ds, m, *[num(g.droplevel([0, 1]).get(k, float('nan'))) for k in ks]]
            for (ds, m), g in mean.groupby(level=[0, 1], sort=False)]
    text = table(["dataset", "method", *[f"k={k}" for k in ks]], rows)
    return ["## The HPO view: regret of the best configuration found after k evaluations\n",
            text + "\n\nRegret = pool best − best found so far (mean over seeds); 0 means the best configuration was found.", ""]


def approximations(regret: pd.DataFrame) -> list[str]:
    """One line per bounded-cost variant that built an order of this run (none when every order is exact)."""
    if "approximation" not in regret:
        return []
    used = regret.loc[regret["approximation"].fillna("").astype(str) != "", ["dataset", "approximation"]]
    return [f"order approximated on {', '.join(map(md_text, dict.fromkeys(g['dataset'])))}: {md_text(line)}"
            for line, g in used.drop_duplicates().groupby("approximation", sort=False)]


@drawn
def hpo_order_curves(summary: pd.DataFrame, path: Path, title: str) -> Path:
    """Figure 6: MSE vs size per HPO method, one panel per surrogate (the first, EBM, largest)."""
    surrogates = list(dict.fromkeys(summary["surrogate"]))
    fig, axes = subplots(1, len(surrogates), figsize=(4.2 * len(surrogates), 4.0), squeeze=False)
    for ax, sur in zip(axes[0], surrogates):
        curves(ax, summary[summary["surrogate"] == sur], "mse", "order_method")
        ax.set_title(sur)
    axes_legend(fig, axes[0][0], title="order", title_fontsize=8)
    spread = "mean ± std over seeds" if has_spread(summary["mse_std"]) else "one seed"
    suptitle(fig, f"{title} ({spread})")
    return save(fig, path)


@drawn
def regret_curves(stats: pd.DataFrame, path: Path) -> Path:
    """The HPO view: regret of the best configuration found after k evaluations, mean ± std over seeds where
    several ran (``stats``: ``analysis.hpo_order.regret_stats``)."""
    datasets = list(dict.fromkeys(stats["dataset"]))
    fig, axes = subplots(1, len(datasets), figsize=(5 * len(datasets), 4.2), squeeze=False)
    for ax, ds in zip(axes[0], datasets):
        for m, g in stats[stats["dataset"] == ds].groupby("order_method", sort=False):
            ax.plot(g["k"], g["mean"], label=m)
            ax.fill_between(g["k"], g["mean"] - g["std"].fillna(0), g["mean"] + g["std"].fillna(0), alpha=0.15,
                            color=ax.lines[-1].get_color())
        ax.set_xscale("log")
        ax.set_xlabel("evaluations k")
        ax.set_ylabel("regret (pool best − best found)")
        ax.set_title(ds)
        ax.grid(alpha=0.3)
    axes_legend(fig, axes[0][0], title="order", title_fontsize=8)
    spread = "mean ± std over seeds" if has_spread(stats["std"]) else "one seed"
    suptitle(fig, f"Regret of the best configuration found after k evaluations ({spread})")
    return save(fig, path)
