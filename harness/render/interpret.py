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

from harness.analysis.interpret import TOP_K, term_label
from harness.interpretation import Interpretation
from harness.interpretation.record import MEAN_ABS
from harness.render.drawing import drawn
from harness.render.figures import (
    figure, has_spread, legend, level_ticks, log_scaled, plt, positions, save, subplots, suptitle, value_order, wrap,
)
from harness.render.markdown import table
from harness.text import file_part, md_text, num, nums, pm

COLORS = {"main": "tab:blue", "pair": "tab:orange"}
LABEL_CHARS = 28  # a term's label wrapped to lines of this many characters (a conditional's label is long)


def measure_label(measure: str, unit: str) -> str:
    """What a method's importance measures, as an axis or a heading names it: in the target's unit for a mean
    |centred term|, else in the method's own terms (fANOVA's fraction of variance, MDI's share of impurity decrease)."""
    return f"{measure} ({unit})" if measure == MEAN_ABS else measure


@drawn
def importance_bars(records: list[Interpretation], labels: dict, path: Path, title: str, unit: str = "target", top: int = 12,
                    spread: pd.Series | None = None) -> Path:
    """Figure 2: the ``top`` terms of each record by importance, singles and pairs coloured apart; one panel per
    record, each on its method's own measure.

    ``spread`` (indexed by surrogate and term, e.g. the std over seeds) draws error bars where it is defined.
    """
    shown = [rec.ranking().head(top).iloc[::-1] for rec in records]
    names = [[wrap(term_label(t, labels), LABEL_CHARS / 10, 10) for t in r["term"]] for r in shown]
    lines = max((n.count("\n") + 1 for ns in names for n in ns), default=1)
    width = max((len(line) for ns in names for n in ns for line in n.split("\n")), default=10)
    fig, axes = subplots(1, len(records), figsize=((2.6 + 0.06 * width) * len(records), (0.14 + 0.12 * lines) * top + 1.6),
                         squeeze=False)
    for ax, rec, r, ns in zip(axes[0], records, shown, names):
        err = None if spread is None else [spread.get((rec.surrogate, t), np.nan) for t in r["term"]]
        ax.barh(ns, r["importance"], xerr=err if has_spread(err) else None, color=[COLORS[k] for k in r["kind"]],
                ecolor="black", capsize=2)
        ax.set_title(rec.surrogate, fontsize=10)
        ax.set_xlabel(measure_label(rec.measure, unit))
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in COLORS.values()]
    legend(fig, handles, ["single feature", "pair"])
    suptitle(fig, title)
    return save(fig, path)


@drawn
def shape_grid(reference: Interpretation, others: list[Interpretation], labels: dict, unit: str, path: Path,
               title: str) -> Path:
    """Figures 3/9: each feature's shape (reference with its band, others overlaid) over its data density."""
    features = list(pd.unique(reference.shapes["feature"]))
    ncol = min(3, len(features))
    nrow = math.ceil(len(features) / ncol)
    fig = figure(figsize=(4.4 * ncol, 4.1 * nrow + 0.4))
    outer = fig.add_gridspec(nrow, ncol)
    for i, f in enumerate(features):
        cell = outer[divmod(i, ncol)].subgridspec(2, 1, height_ratios=[3, 1])
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
        ax.set_title(wrap(labels.get(f, f), 4.4, 10), fontsize=10)
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
    legend(fig, handles, names)
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


def in_value_order(surface: pd.DataFrame) -> pd.DataFrame:
    """A pair term's value_a × value_b table with both axes in value order (``value_order``)."""
    return surface.reindex(index=value_order(surface.index), columns=value_order(surface.columns))


@drawn
def interaction_heatmaps(record: Interpretation, pairs: list[tuple[str, str]], labels: dict, unit: str, path: Path,
                         title: str) -> Path:
    """Figures 4/10: each pair term as a value_a × value_b heatmap, both axes in value order, its numbers written in."""
    fig, axes = subplots(1, max(len(pairs), 1), figsize=(4.8 * max(len(pairs), 1), 4.4), squeeze=False)
    for ax, (a, b) in zip(axes[0], pairs):
        s = in_value_order(record.surface(a, b))
        values = s.to_numpy(dtype=float)
        im = ax.imshow(values, cmap="viridis", aspect="auto", origin="lower")
        level_ticks(ax, np.arange(s.shape[1]), list(s.columns))
        level_ticks(ax, np.arange(s.shape[0]), list(s.index), axis="y")
        ax.set_xlabel(wrap(labels.get(b, b), 4.0, 10))
        ax.set_ylabel(wrap(labels.get(a, a), 3.6, 10))
        if s.size <= 64:
            middle = np.nanmean(values)
            for (i, j), v in np.ndenumerate(values):
                if np.isfinite(v):
                    ax.text(j, i, num(v, 2), ha="center", va="center", fontsize=7, color="white" if v < middle else "black")
        fig.colorbar(im, ax=ax, label=f"pair term ({unit})")
        ax.set_title(wrap(f"{labels.get(a, a)} × {labels.get(b, b)}", 4.4, 10), fontsize=10)
    if not pairs:
        axes[0][0].text(0.5, 0.5, "no pair terms", ha="center", va="center")
        axes[0][0].set_axis_off()
    suptitle(fig, title)
    return save(fig, path)


def case_figures(records: list[Interpretation], labels: dict, unit: str, spread: pd.Series, out: Path,
                 dataset: str) -> None:
    """One table's three figures; ``records[0]`` is the reference (its band drawn, its pair terms shown). The
    shape grid, the costliest, is handed aside first. A "±" is promised only where there is a spread to draw."""
    ref = records[0]
    band = " with ± band" if ref.shapes["lower"].notna().any() else ""
    overlaid = "; others overlaid" if len(records) > 1 else ""
    shape_grid(ref, records[1:], labels, unit, out / f"shapes_{file_part(dataset)}.png",
               title=f"{dataset}: shape of each hyperparameter ({ref.surrogate}{band}{overlaid})")
    top = ref.ranking("pair").head(TOP_K)
    interaction_heatmaps(ref, list(zip(top["feature_a"], top["feature_b"])), labels, unit,
                         out / f"interactions_{file_part(dataset)}.png",
                         title=f"{dataset}: top-{TOP_K} pair terms of {ref.surrogate}")
    bars = "; bars ± std over seeds" if has_spread(spread) else ""
    importance_bars(records, labels, out / f"importance_{file_part(dataset)}.png", unit=unit, spread=spread,
                    title=f"{dataset}: term importance, each method in its own measure{bars}")


# ---------------------------------------------------------------- markdown sections


def title(cite: str = "") -> str:
    """The summary's first line; ``cite`` names the paper's section on its own data (``harness.paper.interpret``)."""
    return f"# Interpretation{cite}: every surrogate fitted on all rows of each table\n"


def fit_section(fit: pd.DataFrame) -> list[str]:
    """In-sample R² / MSE per table and surrogate ("failed" where no seed fitted)."""
    surrogates = list(dict.fromkeys(fit["surrogate"]))
    rows = []
    for d, g in fit.groupby("dataset", sort=False):
        g = g.set_index("surrogate")
        rows.append([d, *[f"{num(g.at[s, 'r2_mean'])} / {num(g.at[s, 'mse_mean'])}"
                          if s in g.index and pd.notna(g.at[s, "r2_mean"]) else "failed" for s in surrogates]])
    text = table(["table", *[f"{s} R² / MSE" for s in surrogates]], rows)
    return ["## In-sample fit (mean over seeds)\n", text + "\n\nIn-sample: every model is scored on the rows it was "
            "fitted on (the case study explains, it does not predict).", ""]


def ranking_section(means: dict, spread: pd.Series, reference: str, datasets: list[str], labels: dict[str, dict],
                    unit: str) -> list[str]:
    """The reference's single-feature ranking per table (seed mean ± std where several seeds ran) and its top pair;
    each importance with the digits that tell it from its neighbours."""
    rows, measures = [], []
    for d in datasets:
        if (reference, d) not in means:
            continue
        rec, names = means[reference, d], labels.get(d, {})
        measures.append(rec.measure)
        singles = rec.ranking("main")
        pairs = rec.ranking("pair")
        top_pair = (f"{term_label(pairs['term'].iloc[0], names)} ({num(pairs['importance'].iloc[0])}, "
                    f"rank {_rank(rec, pairs['term'].iloc[0])} of all terms)") if len(pairs) else "–"
        values = nums(singles["importance"])
        rows.append([d, " > ".join(f"{names.get(f, f)} ({_with_spread(v, spread.get((reference, d, f), np.nan))}"
                                   f"{_on_rows(rec, f)})" for f, v in zip(singles["feature_a"], values)), top_pair])
    measure = measure_label(measures[0], unit) if len(set(measures)) == 1 else "each table in its method's measure"
    head = (f"## Single-feature importance ranking of {md_text(reference)} (seed mean{' ± std' if has_spread(spread) else ''}; "
            f"{measure})\n")
    note = ([f"A conditional hyperparameter is measured over the rows where it is set ({CONDITIONAL_NOTE})."]
            if any(means[reference, d].active for d in datasets if (reference, d) in means) else [])
    return [head, table(["table", "singles, most important first", "top pair term"], rows), "", *note,
            *([""] * len(note))]


def _with_spread(value: str, std) -> str:
    """A ranking's importance (already written) and, where several seeds ran, its std."""
    return f"{value} ± {num(std, 2)}" if pd.notna(std) else value


def _rank(rec: Interpretation, term: str) -> int | None:
    """Rank of a term among all terms of the record's ranking (singles and pairs), 1 = most important."""
    r = rec.ranking().set_index("term")["rank"]
    return int(r[term]) if term in r.index else None


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


def agreement_section(per_table: pd.DataFrame, overall: pd.DataFrame, reference: str) -> list[str]:
    """Each surrogate's agreement with the reference per table, and over all tables (bold): the means
    ``harness.analysis.interpret.agreement_means`` took (``per_table`` empty: only the reference ran)."""
    head = f"## Agreement with {md_text(reference)} (per seed, then mean over seeds)\n"
    if not len(per_table):
        return [head, "Only the reference ran: nothing to compare.\n", ""]
    k = f"top{TOP_K}_overlap"
    rows = [[d, s, num(r["spearman"]), num(r["kendall"]), num(r[k]), f"{num(r['shape_r_mean'])} ({r['shape_r_features']:.0f})"]
            for (d, s), r in per_table.iterrows()]
    bold = [(len(rows) + i, j) for i in range(len(overall)) for j in (0, 1)]
    rows += [["all", s, num(r["spearman"]), num(r["kendall"]), num(r[k]), num(r["shape_r_mean"])]
             for s, r in overall.iterrows()]
    text = table(["table", "surrogate", "Spearman", "Kendall", f"top-{TOP_K} overlap", "mean shape r (features)"], rows, bold)
    note = (f"\nRank correlations and top-{TOP_K} overlap compare single-feature importances; the shape r is the "
            "Pearson correlation of a feature's shape with the reference's on the values both hold, averaged over "
            "features with at least 3 values (two-valued hyperparameters have none).")
    return [head, text + "\n" + note, ""]


MEAN_PANEL = "mean over tables"  # the first of ``analysis.interpret.agreement_squares``


def method_agreement_section(matrix: pd.DataFrame, squares: dict[str, pd.DataFrame]) -> list[str]:
    """The agreement matrix between methods: Spearman averaged over tables (``squares``' first: methods × methods),
    then per table and pair (``matrix``: method_agreement.csv)."""
    mean = squares[MEAN_PANEL]
    methods = list(mean.index)
    k = f"top{TOP_K}_overlap"
    head = (f"## Agreement between methods (Spearman ρ of the single-feature importances; mean over "
            f"{len(squares) - 1} table(s))\n")
    square = table(["", *methods], [[a, *[num(mean.at[a, b]) for b in methods]] for a in methods])
    pairs = matrix[matrix["method_a"].map(methods.index) < matrix["method_b"].map(methods.index)]
    tables = list(dict.fromkeys(pairs["dataset"]))
    cells = pairs.set_index(["method_a", "method_b", "dataset"])
    rows = [[f"{a} · {b}", *[f"{num(cells.at[(a, b, d), 'spearman'])} / {num(cells.at[(a, b, d), k])}"
                            if (a, b, d) in cells.index else "–" for d in tables]]
            for (a, b) in dict.fromkeys(zip(pairs["method_a"], pairs["method_b"]))]
    note = (f"Per table: Spearman ρ / top-{TOP_K} overlap of each pair's seed-mean importances (method_agreement.csv). "
            "Ranks compare across units, so a variance fraction, an impurity share and a mean |term| can be set side by side; "
            "PED-ANOVA ranks what reaches the top 10 % of scores, another question.")
    return [head, square, "", table(["methods", *tables], rows), "", note, ""]


@drawn
def agreement_heatmaps(squares: dict[str, pd.DataFrame], path: Path) -> Path:
    """One methods × methods Spearman heatmap per table, and their mean (``analysis.interpret.agreement_squares``)."""
    panels = list(squares.items())
    cols = min(len(panels), 3)
    rows = math.ceil(len(panels) / cols)
    fig, axes = subplots(rows, cols, figsize=(4.2 * cols, 3.8 * rows), squeeze=False)
    for ax, (name, m) in zip(axes.flat, panels):
        methods = list(m.index)
        im = ax.imshow(m.to_numpy(dtype=float), vmin=-1, vmax=1, cmap="RdBu")
        ax.set_xticks(range(len(methods)), methods, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(len(methods)), methods, fontsize=7)
        ax.set_title(str(name), fontsize=9)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_axis_off()
    fig.colorbar(im, ax=axes, shrink=0.6, label="Spearman ρ of importances")
    suptitle(fig, "Agreement between methods, per table")
    return save(fig, path)


def method_section(means: dict, surrogates: list[str], first: str, cite: str = "") -> list[str]:
    """How importance is measured, and each surrogate's method in words (from its record on the first table);
    ``cite`` names the paper's section on its own data."""
    return ["## How importance is measured\n",
            "Importance of a term = mean |term contribution| over the rows the model was fitted on, each term centred "
            f"to mean 0 over those rows, in target units ({cite}InterpretML's term_importances()); a conditional "
            "hyperparameter's term, over the rows where it is set. A method that measures importance another way "
            "(fANOVA: fraction of variance; MDI: share of impurity decrease; permutation: increase of the error) "
            "says so below and on its figure's axis. Per surrogate:\n",
            *[f"- **{md_text(s)}**: {md_text(means[s, first].method)}" for s in surrogates if (s, first) in means], ""]
