"""Transfer drawn and written: train × test heatmaps (paper Fig. 7 layout), the when-does-it-work scatter, and the
markdown sections of the summary.

Every number here comes ready-made from ``harness.analysis.transfer``; words
that hold only for the paper's NMT pairs come in from ``harness.paper.transfer``
as arguments, so the defaults here speak of any tables.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.render.drawing import drawn
from harness.render.figures import has_spread, plt, save, subplots, suptitle
from harness.render.markdown import table
from harness.text import md_text, num, pm

TRAINED_ON = "trained on"
TESTED_ON = "tested on"


ANNOTATED = 12  # up to this many tasks, each cell carries its numbers; beyond, the colour alone (the CSVs hold them)
LABELLED = 50  # up to this many tasks every one is named on the axes; beyond, every k-th


def heatmap(ax, mean: pd.DataFrame, std: pd.DataFrame | None, title: str, cmap: str = "viridis",
            log: bool = False, sig: int = 2, vmin=None, vmax=None) -> None:
    """Columns = trained on (x), rows = tested on (y), as in the paper's Fig. 7; the in-domain diagonal is boxed.

    Legible up to about 50 tasks: numbers are written into the cells only up to ``ANNOTATED`` tasks, names
    shrink with the count and are thinned beyond ``LABELLED``.
    """
    from matplotlib import colors  # pyplot, and so matplotlib, is loaded: ax was drawn by it

    values = mean.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if log and finite.size and (finite > 0).all():
        norm = colors.LogNorm(vmin=vmin or finite.min(), vmax=vmax or finite.max())
    else:
        norm = colors.Normalize(vmin=finite.min() if vmin is None and finite.size else vmin,
                                vmax=finite.max() if vmax is None and finite.size else vmax)
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, norm=norm, aspect="equal")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)  # a log colour bar is labelled as every log axis (figures.finish)
    n = max(mean.shape)
    size = 8 if n <= ANNOTATED else 6 if n <= 30 else 5
    step = -(-n // LABELLED)
    ax.set_xticks(range(0, mean.shape[1], step), [str(c) for c in mean.columns[::step]], rotation=45 if n <= 30 else 90,
                  ha="right" if n <= 30 else "center", fontsize=size)
    ax.set_yticks(range(0, mean.shape[0], step), [str(r) for r in mean.index[::step]], fontsize=size)
    ax.set_xlabel(TRAINED_ON)
    ax.set_ylabel(TESTED_ON)
    ax.set_title(title, fontsize=10)
    cm = plt.get_cmap(cmap)
    for i, test in enumerate(mean.index):
        for j, train in enumerate(mean.columns):
            if test == train:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, lw=1.5 if n <= ANNOTATED else 0.6,
                                           ec="black"))
            v = values[i, j]
            if n > ANNOTATED or not np.isfinite(v):
                continue
            # the std stacked under the mean: a cell is too narrow for both on one line
            text = pm(v, np.nan if std is None else std.at[test, train], sig).replace(" ± ", "\n± ")
            r, g, b, _ = cm(norm(v))
            ax.text(j, i, text, ha="center", va="center", fontsize=6.5,
                    color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")


def panel_inches(n: int) -> float:
    """The side of one heatmap panel: the paper-sized 4.6 in up to ``ANNOTATED`` tasks, growing to 9 in at 60."""
    return 4.6 + min(max(n - ANNOTATED, 0), 48) * 4.4 / 48


@drawn
def heatmaps(panels: list[dict], path: Path, title: str) -> Path:
    """One figure of side-by-side heatmaps; each panel is the keyword arguments of :func:`heatmap`."""
    side = panel_inches(max(max(p["mean"].shape) for p in panels))
    fig, axes = subplots(1, len(panels), figsize=((side + 0.3) * len(panels), side), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        heatmap(ax, **panel)
    suptitle(fig, title)
    return save(fig, path)


POINTS_NAMED = 60  # cells named beside their points in the scatter (seven or eight tasks); beyond, the points alone


@drawn
def similarity_scatter(table: pd.DataFrame, predictors: dict[str, str], target: str, target_label: str,
                       path: Path, title: str, stats: dict[str, str]) -> Path:
    """One point per off-diagonal (train, test) cell: a similarity of the two tasks against transfer quality."""
    fig, axes = subplots(1, len(predictors), figsize=(4.6 * len(predictors), 4.0), squeeze=False)
    for ax, (col, label) in zip(axes[0], predictors.items()):
        ax.scatter(table[col], table[target], s=18)
        named = table if len(table) <= POINTS_NAMED else table.iloc[:0]
        for _, r in named.iterrows():
            if np.isfinite(r[col]) and np.isfinite(r[target]):
                ax.annotate(f"{r['train_pair']}→{r['test_pair']}", (r[col], r[target]), fontsize=5, alpha=0.7,
                            xytext=(2, 2), textcoords="offset points")
        ax.set_xlabel(label)
        ax.set_ylabel(target_label)
        ax.set_title(stats.get(col, ""), fontsize=9)
        ax.grid(alpha=0.3)
    suptitle(fig, title)
    return save(fig, path)


# --- figures of one feed ---------------------------------------------------------------------------------


def surrogate_heatmaps(mats: dict, path: Path, surrogate: str) -> Path:
    """MSE, SRC and MRR matrices of one surrogate side by side; ``mats`` maps a metric to (mean, std)."""
    return heatmaps(
        [
            dict(mean=mats["mse"][0], std=mats["mse"][1], title="test MSE (log colour)", cmap="magma_r", log=True),
            dict(mean=mats["src"][0], std=mats["src"][1], title="SRC (Spearman)", cmap="viridis", vmin=-1, vmax=1),
            dict(mean=mats["mrr"][0], std=mats["mrr"][1], title="MRR (1/rank of the pick)", cmap="viridis",
                 vmin=0, vmax=1),
        ],
        path,
        f"{surrogate}: trained on one task, tested on another"
        + (" (mean ± std over seeds)" if has_spread(mats["mse"][1].to_numpy().ravel()) else " (one seed)"),
    )


def unseen_heatmaps(ood: pd.DataFrame, extrap: pd.DataFrame, path: Path, feed: str) -> Path:
    return heatmaps(
        [dict(mean=ood, std=None, title="rows with a value not in the training domain", cmap="Reds", vmin=0, vmax=1),
         dict(mean=extrap, std=None, title="rows with a value beyond the training range", cmap="Reds", vmin=0, vmax=1)],
        path,
        f"Unseen hyperparameter values in the test split (feed={feed})",
    )


PREDICTOR_LABELS = {
    "importance_spearman": "Spearman of the two tasks' EBM feature importances",
    "shape_r_mean": "mean shape correlation on shared values",
    "ood_share_mean": "share of test rows with unseen values",
}


def similarity_figure(sim: pd.DataFrame, corr: pd.DataFrame, path: Path, ebm: str) -> Path:
    """The scatter of each candidate predictor against transfer SRC, its correlations in the panel titles."""
    stats = {r["predictor"]: f"Spearman {num(r['spearman'], 2)}, Pearson {num(r['pearson'], 2)} (n={r['cells']})"
             for _, r in corr.iterrows() if pd.notna(r["spearman"])}
    labels = {p: PREDICTOR_LABELS[p] for p in corr["predictor"]}
    return similarity_scatter(sim, labels, "src_mean", "transfer SRC (mean over seeds)", path,
                              f"{ebm}: task similarity vs transfer SRC, one point per cross-task cell", stats)


# --- markdown ------------------------------------------------------------------------------------------


def header(order, how: str, seeds, surrogates, feeds, cite: str = "") -> list[str]:
    """The summary's opening: what ran, and in which order the tasks are listed (``how``); ``cite`` names the
    paper's section and figure on its own data."""
    return [
        f"# Transfer{cite}\n",
        f"{len(order)} tasks ({how}): {', '.join(map(md_text, order))}; seeds {', '.join(map(str, seeds))}; "
        f"surrogates {', '.join(map(md_text, surrogates))}; feed {', '.join(feeds)}. Each model is fitted once on a task's "
        "training split and scored on every task's test split (the same seeded 80/20 splits as the other "
        "experiments); numbers are mean ± sample std over seeds. Matrices: rows = tested on, columns = "
        "trained on (trained-on on the x-axis, as in the heatmaps); the diagonal is in-domain.\n",
    ]


def matrix_md(mean: pd.DataFrame, std: pd.DataFrame | None = None) -> list[str]:
    """A matrix as a markdown table, mean ± std per cell, the in-domain diagonal in bold; above ``ANNOTATED``
    tasks a pointer to its CSV instead (a 50 × 50 table is read in a spreadsheet, not in prose)."""
    if max(mean.shape) > ANNOTATED:
        return [f"({mean.shape[0]} × {mean.shape[1]}: too large to print here; the `transfer_*.csv` matrices hold "
                "every cell.)\n"]
    rows = [[test, *(pm(mean.at[test, train], np.nan if std is None else std.at[test, train])
                     for train in mean.columns)] for test in mean.index]
    bold = [(i, j + 1) for i, test in enumerate(mean.index) for j, train in enumerate(mean.columns)
            if test == train and pd.notna(mean.at[test, train])]
    return [table(["tested on ↓ / trained on →", *mean.columns], rows, bold), ""]


def ebm_matrices_md(surrogate: str, mats: dict) -> list[str]:
    return [f"### {md_text(surrogate)}: test MSE\n", *matrix_md(*mats["mse"]),
            f"### {md_text(surrogate)}: SRC\n", *matrix_md(*mats["src"]),
            f"### {md_text(surrogate)}: MRR\n", *matrix_md(*mats["mrr"])]


def overview_md(overviews: dict[str, dict], suffix: str) -> list[str]:
    """Every surrogate's in-domain and median cross-task scores (``analysis.transfer.overview``), one row each."""
    rows = [[sur, num(o['in_domain_mse']), num(o['cross_mse']), num(o['in_domain_src']),
             num(o['cross_src']), num(o['cross_mrr'])] for sur, o in overviews.items()]
    head = ["surrogate", "in-domain MSE", "cross-task MSE (median)", "in-domain SRC", "cross-task SRC (median)",
            "cross-task MRR (median)"]
    return ["### Every surrogate at a glance (in-domain = mean over the diagonal)\n", table(head, rows), "",
            f"Matrices of every surrogate: `transfer_<metric>_<surrogate>{suffix}.csv` (mean) and `..._std.csv`; "
            f"heatmaps `transfer_<surrogate>{suffix}.png`.\n"]


FEED_NOTE = """\
What `feed` changes. With `feed=raw` (default) every model sees the raw values, and a value the training table
never had is handled by the model itself: EBM, the tree and XGBoost put it in the bin or leaf of the neighbouring
seen values, while ridge and the GAM map it through the *training* schema's log-aware [0, 1] range to a point
outside [0, 1] and extrapolate. With `feed=scaled` each table's values are first mapped onto its *own* schema's
[0, 1], so smallest meets smallest and largest meets largest: nothing lies beyond the training range any more
(`extrap_share` = 0), values may still fall between the trained levels (`ood_share` > 0), and the mapping asserts
that one table's smallest value plays the role of another's smallest — an assumption about the tasks, not a fact
of the data. Between tables with identical domains the two feeds differ only by a monotone re-scaling of the same
levels."""


def unseen_md(ood: pd.DataFrame, extrap: pd.DataFrame, feed: str, note: str = FEED_NOTE) -> list[str]:
    return ["### Unseen values\n",
            "Share of the test split's rows holding at least one value outside the training task's declared domain "
            "(`ood_share`, a level it never had) — and, of those, beyond its range (`extrap_share`) — judged on the "
            f"features as fed (feed={feed}); mean over seeds:\n",
            *matrix_md(ood), "Beyond the training range:\n", *matrix_md(extrap), note, ""]


def decomposition_md(ebm: str, share: pd.DataFrame, stats: dict) -> list[str]:
    """The shift² share of MSE (``analysis.transfer.shift2_share``)."""
    return [f"### {md_text(ebm)}: MSE = shift² + residual variance\n",
            "shift² = (mean(pred − true))² over the test split, the part of MSE a constant BLEU offset between the "
            "tasks explains; the rest (`resid_var` = MSE − shift²) is what no offset could remove. Share of MSE that "
            "is shift² (seed means):\n",
            *matrix_md(share),
            f"Across the {stats['cells']} cross-task cells the shift² share has median {num(stats['median'])} "
            f"(range {num(stats['min'])}–{num(stats['max'])}); on the diagonal its mean is "
            f"{num(stats['diagonal_mean'])}. Matrices: `transfer_shift2_{ebm}*.csv`, `transfer_resid_var_{ebm}*.csv`.\n"]


def diagnostics_md(ebm: str, corr: pd.DataFrame, scatter: str | None,
                   importances: str = "single-feature importances", shared: str = "") -> list[str]:
    """Which task similarity predicts transfer SRC (``analysis.transfer.predictor_correlations``).

    ``importances`` names what is ranked, ``shared`` says which features share enough values (words for the
    tables at hand); ``scatter`` is the figure's file name, if one was drawn.
    """
    rows = [[PREDICTOR_LABELS[r["predictor"]], r["cells"],
             *((num(r['spearman']), num(r['spearman_p']), num(r['pearson']), num(r['pearson_p']))
               if pd.notna(r["spearman"]) else ("–",) * 4)] for _, r in corr.iterrows()]
    md = [f"### {md_text(ebm)}: when does transfer work?\n",
          "For every cross-task cell (train A, test B): the similarity of the EBM fitted on A and the EBM fitted on "
          f"B with the same seed (`harness.interpretation.agreement`) — Spearman of their {importances}, and the mean "
          "over features of the Pearson correlation of their shapes on the raw values both tasks hold (a feature "
          f"counts only with ≥ 3 shared values{shared}) — averaged over seeds, against the transfer SRC of A → B; the "
          "unseen-value share is the third candidate. The similarities are symmetric, so A → B and B → A share an x "
          "value. Correlation across cells (scipy p-values, which treat the cells as independent — they are not "
          "quite):\n",
          table(["predictor of transfer SRC", "cells", "Spearman", "p", "Pearson", "p"], rows), ""]
    if scatter:
        md.append(f"Scatter: `{scatter}`; numbers: `transfer_similarity.csv`.\n")
    return md


def pooled_md(pooled: pd.DataFrame, sur: str) -> list[str]:
    """The leave-one-task-out table (``analysis.transfer.pooled_table``) of one surrogate."""
    part = pooled[pooled["surrogate"] == sur] if len(pooled) else pooled
    if not len(part):
        return ["### Leave one task out\n", "Not run: it needs at least three tasks.\n"]
    rows = [[r["held_out"], pm(r["pooled_mse_mean"], r["pooled_mse_std"]),
             pm(r["pooled_src_mean"], r["pooled_src_std"], 3), pm(r["pooled_mrr_mean"], r["pooled_mrr_std"], 3),
             r.get("best_source", "–"), pm(r.get("best_mse_mean", np.nan), r.get("best_mse_std", np.nan)),
             pm(r.get("best_src_mean", np.nan), r.get("best_src_std", np.nan), 3),
             pm(r.get("best_mrr_mean", np.nan), r.get("best_mrr_std", np.nan), 3),
             f"{num(r['in_domain_mse_mean'])} / {num(r['in_domain_src_mean'])}", num(r['pooled_ood_share'])]
            for _, r in part.iterrows()]
    head = ["held out", "pooled MSE", "pooled SRC", "pooled MRR", "best single source", "its MSE", "its SRC",
            "its MRR", "in-domain MSE / SRC", "pooled rows unseen"]
    return [f"### {md_text(sur)}: leave one task out\n",
            "Trained on the union of the other tasks' training splits (no task indicator; the pooled schema is the "
            "union of their domains), tested on the held-out task's test split; beside it the best single source "
            "for that task (lowest mean MSE) and the task's own in-domain model. MSE / SRC / MRR, mean ± std:\n",
            table(head, rows), "\nAll surrogates: `transfer_pooled.csv`.\n"]


def feed_comparison_md(comparison: pd.DataFrame) -> list[str]:
    """Raw vs scaled features (``analysis.transfer.feed_comparison``)."""
    rows = [[r["surrogate"], r["feed"], num(r['mse']), num(r['src']), num(r['differ_mse']),
             num(r['differ_src'])] for _, r in comparison.iterrows()]
    return ["## raw vs scaled features\n",
            "Medians over the cross-task cells; *different domains* = the cells where either task has values the other "
            "lacks (raw `ood_share` > 0 in one direction) — the only cells where the two feeds can differ by more than "
            "a monotone re-scaling of the same levels.\n",
            table(["surrogate", "feed", "cross-task MSE", "cross-task SRC", "different-domain MSE",
                   "different-domain SRC"], rows), ""]


def claims_md(claims) -> list[str]:
    """Checked claims (``harness.paper.claims.Claim``) as a table, the verdict in bold."""
    rows = [[f"{c.claim_id}: {c.claim}", c.verdict, c.evidence] for c in claims]
    return [table(["claim", "verdict (MSE view)", "evidence"], rows, bold=[(i, 1) for i in range(len(rows))]), ""]
