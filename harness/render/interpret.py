"""The interpretation case study for people: its markdown sections and figures (paper Figures 2–4, 8–10).

Values are shown in the hyperparameters' own units (``fmt_value``: 10k,
3e-4, 512) and features by their schema labels (#embed, attn); ``labels``
maps a feature to its label, a feature without one is shown by its name.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.interpret import TOP_K, agreement_means, term_label, term_rank
from harness.interpretation import Interpretation
from harness.render.drawing import drawn
from harness.render.figures import level_ticks, log_scaled, plt, positions, save, suptitle
from harness.render.markdown import table
from harness.text import file_part, pm

COLORS = {"main": "tab:blue", "pair": "tab:orange"}


@drawn
def importance_bars(records: list[Interpretation], labels: dict, path: Path, title: str, top: int = 12,
                    spread: pd.Series | None = None) -> Path:
    """Figure 2: the ``top`` terms of each record by importance, singles and pairs coloured apart; one panel per record.

    ``spread`` (indexed by surrogate and term, e.g. the std over seeds) draws error bars where it is defined.
    """
    fig, axes = plt.subplots(1, len(records), figsize=(3.6 * len(records), 0.32 * top + 1.4), squeeze=False)
    for ax, rec in zip(axes[0], records):
        r = rec.ranking().head(top).iloc[::-1]
        names = [term_label(t, labels) for t in r["term"]]
        err = None if spread is None else [spread.get((rec.surrogate, t), np.nan) for t in r["term"]]
        ax.barh(names, r["importance"], xerr=err, color=[COLORS[k] for k in r["kind"]], ecolor="black", capsize=2)
        ax.set_title(rec.surrogate, fontsize=10)
        ax.set_xlabel(rec.measure)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    fig.legend(handles, ["single feature", "pair"], loc="lower center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, 0))
    suptitle(fig, title)
    fig.tight_layout(rect=(0, 0.3 / fig.get_figheight(), 1, 1))  # the legend's band: 0.3 inch at the bottom
    return save(fig, path)


@drawn
def shape_grid(reference: Interpretation, others: list[Interpretation], labels: dict, unit: str, path: Path,
               title: str) -> Path:
    """Figures 3/9: each feature's shape (reference with its band, others overlaid) over its data density."""
    features = list(pd.unique(reference.shapes["feature"]))
    ncol = min(3, len(features))
    nrow = math.ceil(len(features) / ncol)
    fig = plt.figure(figsize=(4.4 * ncol, 4.1 * nrow))
    outer = fig.add_gridspec(nrow, ncol, hspace=0.35, wspace=0.3)
    for i, f in enumerate(features):
        cell = outer[divmod(i, ncol)].subgridspec(2, 1, height_ratios=[3, 1], hspace=0.06)
        ax = fig.add_subplot(cell[0])
        dens = fig.add_subplot(cell[1], sharex=ax)
        ref = reference.shapes[reference.shapes["feature"] == f]
        values = list(ref["value"])
        x, discrete = positions(values)
        at = dict(zip(map(str, values), x))
        ax.plot(x, ref["contribution"], marker="o", color="black", lw=2, label=reference.surrogate, zorder=3)
        if ref["lower"].notna().any():
            ax.fill_between(x, ref["lower"], ref["upper"], color="black", alpha=0.15, lw=0, label="band")
        for rec in others:
            s = rec.shapes[(rec.shapes["feature"] == f) & rec.shapes["value"].astype(str).isin(at)]
            ax.plot([at[str(v)] for v in s["value"]], s["contribution"], marker=".", lw=1, alpha=0.8, label=rec.surrogate)
        ax.axhline(0, color="grey", lw=0.6)
        ax.set_title(labels.get(f, f), fontsize=10)
        ax.set_ylabel(f"contribution ({unit})", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelbottom=False)
        _density(dens, x, ref["density"].to_numpy(), discrete)
        dens.set_ylabel("rows", fontsize=8)
        if discrete:
            level_ticks(dens, x, values)
        elif log_scaled(x):
            dens.set_xscale("log")
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper center", ncol=len(names), fontsize=8, bbox_to_anchor=(0.5, 0.95), frameon=False)
    suptitle(fig, title)
    return save(fig, path)


def _density(ax, x: np.ndarray, rows: np.ndarray, discrete: bool) -> None:
    """Rows per value: a bar per level, or for a continuous feature a 60-bin histogram of them (a bar per
    distinct value would be one bar per row: 60k bars on a 10k-row table)."""
    if discrete:
        ax.bar(x, rows, width=0.6, color="tab:grey")
        return
    edges = (np.geomspace if log_scaled(x) else np.linspace)(x.min(), x.max() if x.max() > x.min() else x.min() + 1, 61)
    ax.hist(x, bins=edges, weights=rows, color="tab:grey")


@drawn
def interaction_heatmaps(record: Interpretation, pairs: list[tuple[str, str]], labels: dict, unit: str, path: Path,
                         title: str) -> Path:
    """Figures 4/10: each pair term as a value_a × value_b heatmap with its numbers written in."""
    fig, axes = plt.subplots(1, max(len(pairs), 1), figsize=(4.6 * max(len(pairs), 1), 3.9), squeeze=False)
    for ax, (a, b) in zip(axes[0], pairs):
        s = record.surface(a, b)
        im = ax.imshow(s.to_numpy(dtype=float), cmap="viridis", aspect="auto", origin="lower")
        level_ticks(ax, np.arange(s.shape[1]), list(s.columns))
        level_ticks(ax, np.arange(s.shape[0]), list(s.index), axis="y")
        ax.set_xlabel(labels.get(b, b))
        ax.set_ylabel(labels.get(a, a))
        if s.size <= 64:
            for (i, j), v in np.ndenumerate(s.to_numpy(dtype=float)):
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=7, color="white" if v < np.nanmean(s) else "black")
        fig.colorbar(im, ax=ax, label=f"pair term ({unit})")
        ax.set_title(f"{labels.get(a, a)} × {labels.get(b, b)}", fontsize=10)
    if not pairs:
        axes[0][0].text(0.5, 0.5, "no pair terms", ha="center", va="center")
        axes[0][0].set_axis_off()
    suptitle(fig, title)
    fig.tight_layout()
    return save(fig, path)


def case_figures(records: list[Interpretation], labels: dict, unit: str, spread: pd.Series, out: Path,
                 dataset: str) -> None:
    """One table's three figures; ``records[0]`` is the reference (its band drawn, its pair terms shown). The
    shape grid, the costliest, is handed aside first."""
    ref = records[0]
    shape_grid(ref, records[1:], labels, unit, out / f"shapes_{file_part(dataset)}.png",
               title=f"{dataset}: shape of each hyperparameter ({ref.surrogate} with ± band; others overlaid)")
    top = ref.ranking("pair").head(TOP_K)
    interaction_heatmaps(ref, list(zip(top["feature_a"], top["feature_b"])), labels, unit,
                         out / f"interactions_{file_part(dataset)}.png", title=f"{dataset}: top-{TOP_K} pair terms of {ref.surrogate}")
    importance_bars(records, labels, out / f"importance_{file_part(dataset)}.png", spread=spread,
                    title=f"{dataset}: term importance (mean |centred term| in {unit} unless a panel says otherwise; "
                          "bars ± std over seeds)")


# ---------------------------------------------------------------- markdown sections

TITLE = "# Interpretation case study (paper §4): every surrogate fitted on all rows of each table\n"


def fit_section(fit: pd.DataFrame) -> list[str]:
    """In-sample R² / MSE per table and surrogate ("failed" where no seed fitted)."""
    surrogates = list(dict.fromkeys(fit["surrogate"]))
    rows = []
    for d, g in fit.groupby("dataset", sort=False):
        g = g.set_index("surrogate")
        rows.append([d, *[f"{g.at[s, 'r2_mean']:.3f} / {g.at[s, 'mse_mean']:.2f}"
                          if s in g.index and pd.notna(g.at[s, "r2_mean"]) else "failed" for s in surrogates]])
    text = table(["table", *[f"{s} R² / MSE" for s in surrogates]], rows)
    return ["## In-sample fit (mean over seeds)\n", text + "\n\nIn-sample: every model is scored on the rows it was "
            "fitted on (the case study explains, it does not predict).", ""]


def ranking_section(means: dict, spread: pd.Series, reference: str, datasets: list[str], labels: dict[str, dict],
                    unit: str) -> list[str]:
    """The reference's single-feature ranking per table (seed mean ± std where several seeds ran) and its top pair."""
    rows = []
    for d in datasets:
        if (reference, d) not in means:
            continue
        rec, names = means[reference, d], labels.get(d, {})
        singles = rec.ranking("main")
        pairs = rec.ranking("pair")
        top_pair = (f"{term_label(pairs['term'].iloc[0], names)} ({pairs['importance'].iloc[0]:.2f}, "
                    f"rank {term_rank(rec, pairs['term'].iloc[0])} of all terms)") if len(pairs) else "–"
        rows.append([d, " > ".join(f"{names.get(f, f)} ({pm(v, spread.get((reference, d, f), np.nan))}{_on_rows(rec, f)})"
                                   for f, v in zip(singles["feature_a"], singles["importance"])), top_pair])
    head = (f"## Single-feature importance ranking of {reference} (seed mean{' ± std' if spread.notna().any() else ''}; "
            f"mean |centred term| in {unit})\n")
    note = ([f"A conditional hyperparameter is measured over the rows where it is set ({CONDITIONAL_NOTE})."]
            if any(means[reference, d].active for d in datasets if (reference, d) in means) else [])
    return [head, table(["table", "singles, most important first", "top pair term"], rows), "", *note, *([""] * len(note))]


CONDITIONAL_NOTE = "its importance is the mean |centred term| over those rows, its shape drawn from them alone"


def _on_rows(rec: Interpretation, term: str) -> str:
    """``, on 26 % of rows`` for a term measured over fewer than all rows, else nothing."""
    share = rec.active_share(term)
    return f", on {share:.0%} of rows" if share < 1 else ""


def conditional_section(means: dict, surrogates: list[str], datasets: list[str], labels: dict[str, dict]) -> list[str]:
    """Every surrogate's seed-mean importance of each conditional hyperparameter, beside the share of rows it is
    set on (what that importance was measured over); nothing where no table has one."""
    rows = []
    for d in datasets:
        recs = {s: means[s, d] for s in surrogates if (s, d) in means}
        conditional = dict.fromkeys(f for rec in recs.values() for f in rec.main_importances().index
                                    if rec.active_share(f) < 1)
        for f in conditional:
            share = next(rec.active_share(f) for rec in recs.values() if rec.active_share(f) < 1)
            rows.append([d, labels.get(d, {}).get(f, f), f"{share:.0%}",
                         *[pm(recs[s].main_importances().get(f, np.nan)) if s in recs else "–" for s in surrogates]])
    if not rows:
        return []
    return ["## Conditional hyperparameters (measured over the rows where they are set)\n",
            table(["table", "hyperparameter", "share of rows set", *surrogates], rows), "",
            f"Each importance is in its method's own measure; for an additive model, {CONDITIONAL_NOTE}. Methods that "
            "read no per-row terms (fANOVA, MDI, permutation, PED-ANOVA) measure every hyperparameter over all rows. "
            "The share is also the column active_share of importances.csv (1.0 for a term measured over all rows).", ""]


def agreement_section(agree: pd.DataFrame, reference: str) -> list[str]:
    """Each surrogate's agreement with the reference per table, and over all tables (bold)."""
    head = f"## Agreement with {reference} (per seed, then mean over seeds)\n"
    if not len(agree):
        return [head, "Only the reference ran: nothing to compare.\n", ""]
    per_table, overall = agreement_means(agree)
    k = f"top{TOP_K}_overlap"
    rows = [[d, s, f"{r['spearman']:.2f}", f"{r['kendall']:.2f}", f"{r[k]:.2f}",
             f"{r['shape_r_mean']:.2f} ({r['shape_r_features']:.0f})"] for (d, s), r in per_table.iterrows()]
    bold = [(len(rows) + i, j) for i in range(len(overall)) for j in (0, 1)]
    rows += [["all", s, f"{r['spearman']:.2f}", f"{r['kendall']:.2f}", f"{r[k]:.2f}", f"{r['shape_r_mean']:.2f}"]
             for s, r in overall.iterrows()]
    text = table(["table", "surrogate", "Spearman", "Kendall", f"top-{TOP_K} overlap", "mean shape r (features)"], rows, bold)
    note = (f"\nRank correlations and top-{TOP_K} overlap compare single-feature importances; the shape r is the "
            "Pearson correlation of a feature's shape with the reference's on the values both hold, averaged over "
            "features with at least 3 values (two-valued hyperparameters have none).")
    return [head, text + "\n" + note, ""]


def method_agreement_section(matrix: pd.DataFrame) -> list[str]:
    """The agreement matrix between methods: Spearman averaged over tables (methods × methods), then per table and pair."""
    methods = list(dict.fromkeys(matrix["method_a"]))
    mean = matrix.groupby(["method_a", "method_b"], sort=False)["spearman"].mean()
    k = f"top{TOP_K}_overlap"
    head = (f"## Agreement between methods (Spearman ρ of the single-feature importances; mean over "
            f"{matrix['dataset'].nunique()} table(s))\n")
    square = table(["", *methods], [[a, *[pm(mean.get((a, b))) for b in methods]] for a in methods])
    pairs = matrix[matrix["method_a"].map(methods.index) < matrix["method_b"].map(methods.index)]
    tables = list(dict.fromkeys(pairs["dataset"]))
    cells = pairs.set_index(["method_a", "method_b", "dataset"])
    rows = [[f"{a} · {b}", *[f"{pm(cells.at[(a, b, d), 'spearman'])} / {pm(cells.at[(a, b, d), k])}"
                            if (a, b, d) in cells.index else "–" for d in tables]]
            for (a, b) in dict.fromkeys(zip(pairs["method_a"], pairs["method_b"]))]
    note = (f"Per table: Spearman ρ / top-{TOP_K} overlap of each pair's seed-mean importances (method_agreement.csv). "
            "Ranks compare across units, so a variance fraction, an impurity share and a mean |term| can be set side by side; "
            "PED-ANOVA ranks what reaches the top 10 % of scores, another question.")
    return [head, square, "", table(["methods", *tables], rows), "", note, ""]


@drawn
def agreement_heatmaps(matrix: pd.DataFrame, path: Path) -> Path:
    """One methods × methods Spearman heatmap per table, and their mean."""
    methods = list(dict.fromkeys(matrix["method_a"]))
    panels = [("mean over tables", matrix), *matrix.groupby("dataset", sort=False)]
    cols = min(len(panels), 3)
    fig, axes = plt.subplots(math.ceil(len(panels) / cols), cols, figsize=(4.2 * cols, 3.8 * math.ceil(len(panels) / cols)),
                             squeeze=False)
    for ax, (name, g) in zip(axes.flat, panels):
        m = g.groupby(["method_a", "method_b"])["spearman"].mean().unstack().reindex(index=methods, columns=methods)
        im = ax.imshow(m.to_numpy(dtype=float), vmin=-1, vmax=1, cmap="RdBu")
        ax.set_xticks(range(len(methods)), methods, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(methods)), methods, fontsize=7)
        ax.set_title(str(name), fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    fig.colorbar(im, ax=axes, shrink=0.6, label="Spearman ρ of importances")
    suptitle(fig, "Agreement between methods, per table")
    return save(fig, path)


def method_section(means: dict, surrogates: list[str], first: str) -> list[str]:
    """How importance is measured, and each surrogate's method in words (from its record on the first table)."""
    return ["## How importance is measured\n",
            "Importance of a term = mean |term contribution| over the rows the model was fitted on, each term centred "
            "to mean 0 over those rows, in target units (paper §4.2.1; InterpretML's term_importances()); a conditional "
            "hyperparameter's term, over the rows where it is set. Per surrogate:\n",
            *[f"- **{s}**: {means[s, first].method}" for s in surrogates if (s, first) in means], ""]
