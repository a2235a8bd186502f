"""The fidelity experiment for people: figures of the scores over the grid, the shapes over the truth, the markdown."""
from __future__ import annotations

from itertools import product
from pathlib import Path

import pandas as pd

from harness.analysis.fidelity import MEASURES, SKEW, TOP_K, at_setting
from harness.interpretation import Interpretation
from harness.render.drawing import drawn
from harness.render.figures import axes_legend, curves, save, subplots, suptitle
from harness.render.interpret import shape_grid
from harness.render.markdown import table
from harness.text import md_text, pm

LABELS = {"spearman": "Spearman ρ of importances vs truth", "kendall": "Kendall τ of importances vs truth",
          f"top{TOP_K}_overlap": f"top-{TOP_K} overlap with truth", "importance_error": "importance error (relative)",
          "shape_nrmse": "shape error (pooled nRMSE)",
          "shape_r_mean": "shape correlation with truth", "pair_precision": "pair precision", "pair_recall": "pair recall",
          "pair_hits_at_k": "true pairs among top-|true| pairs", "r2": "test R² vs noise-free signal"}
FIGURES = ("spearman", "importance_error", "shape_nrmse", "pair_recall", "r2")
HEAD = ["Spearman", "Kendall", f"top-{TOP_K}", "imp. error", "shape nRMSE", "shape r", "pair prec.", "pair recall", "pair hits@k",
        "test R²"]  # the columns of MEASURES


def figures(summary: pd.DataFrame, out: Path) -> None:
    for metric in FIGURES:
        grid_curves(summary, metric, LABELS[metric], out / f"fidelity_{metric}.png",
                    title=f"{LABELS[metric]} vs table size (mean over seeds)")


@drawn
def grid_curves(summary: pd.DataFrame, metric: str, label: str, path: Path, title: str,
                rows: str = "sampling", cols: str = "snr", x: str = "n_rows") -> Path:
    """One panel per (``rows``, ``cols``) value, ``metric`` vs ``x``, one line per surrogate (mean over seeds; no bands)."""
    rvals, cvals = list(dict.fromkeys(summary[rows])), sorted(summary[cols].unique())
    fig, axes = subplots(len(rvals), len(cvals), figsize=(3.8 * len(cvals), 3.0 * len(rvals) + 0.4), squeeze=False,
                         sharex=True, sharey=True)
    for i, r in enumerate(rvals):
        for j, c in enumerate(cvals):
            ax = axes[i][j]
            part = summary[(summary[rows] == r) & (summary[cols] == c)]
            curves(ax, part.drop(columns=[f"{metric}_std"]), metric, "surrogate", x=x)
            ax.set_xscale("log")
            ax.set_xticks(sorted(summary[x].unique()), [f"{v:g}" for v in sorted(summary[x].unique())])
            ax.minorticks_off()
            ax.set_title(f"{rows} {r}, {cols} {c:g}", fontsize=9)
            ax.set_xlabel(x if i == len(rvals) - 1 else "")
            ax.set_ylabel(label if j == 0 else "", fontsize=9)
    axes_legend(fig, axes[0][0])
    suptitle(fig, title)
    return save(fig, path)


def shape_figure(records: dict[tuple, Interpretation], out: Path) -> None:
    """Each surrogate's shapes over the truth's (``records`` of one table: the truth's and the surrogates')."""
    recs = list(records.values())
    truth = next((r for r in recs if r.surrogate == "truth"), None)
    if truth is None:
        return
    shape_grid(truth, [r for r in recs if r is not truth], {}, "target", out / "shapes_vs_truth.png",
               title=f"{truth.dataset}: each surrogate's shapes over the true ones (black)")


def tables_markdown(tables: pd.DataFrame) -> str:
    """tables.md: every generated table in words, with its complete settings."""
    text = "\n\n".join(f"- {d}\n\n  Settings: `{s}`" for d, s in zip(tables["description"], tables["settings"]))
    return "# The generated tables\n\n" + text + "\n"


def document(means: dict, summary: pd.DataFrame, setting: dict | None, tables: pd.DataFrame | None,
             threshold: float, board: str = "") -> str:
    """summary.md: the leaderboard, a reading, the whole grid, skew, the tables, the method; with a factorial grid
    (``setting`` given) also one setting and each surrogate's grid. ``means``: ``analysis.fidelity.summary_means``."""
    parts = ["# Fidelity: explanations scored against the known truth of synthetic tables\n"]
    if board:
        parts += [board, ""]
    parts += ["## Skew, in words\n", _reading(means["skew"]), ""]
    if setting is not None:
        parts += [f"## At one setting: {_setting_text(setting)} (mean ± std over seeds)\n", _setting_markdown(summary, setting), ""]
    parts += ["## Over the whole grid (mean over every table)\n", _overall_markdown(means["overall"], means["failed"]), "",
              "## Skew: mean over sizes and noise levels, by how the rows were sampled\n", _skew_markdown(means["skew"]), ""]
    if setting is not None:
        sampling = {v: i for i, v in enumerate(dict.fromkeys(summary["sampling"]))}
        for sur, g in summary.groupby("surrogate", sort=False):
            g = g.sort_values(["sampling", "snr", "n_rows"], key=lambda c: c.map(sampling) if c.name == "sampling" else c)
            parts += [f"## {md_text(sur)}: mean over seeds per grid point\n", _surrogate_markdown(g), ""]
    if tables is not None and len(tables):
        parts += ["## The tables\n",
                  f"{len(tables)} tables over {tables['seed'].nunique()} seed(s), each described in tables.md with its "
                  "complete settings (tables.csv: settings JSON; `harness.synthetic.generate(json.loads(settings))` "
                  "rebuilds it). The first:\n", md_text(tables["description"].iloc[0]), ""]
    parts.append(_method_note(threshold))
    return "\n".join(parts)


def _setting_text(s: dict) -> str:
    return f"n_rows = {s['n_rows']}, snr = {s['snr']:g}, sampling = {md_text(s['sampling'])}"


def _setting_markdown(summary: pd.DataFrame, s: dict) -> str:
    rows = [[r["surrogate"], *[pm(r.get(f"{c}_mean"), r.get(f"{c}_std")) for c in MEASURES]]
            for _, r in at_setting(summary, s).iterrows()]
    return table(["surrogate", *HEAD], rows)


def _overall_markdown(mean: pd.DataFrame, failed: pd.Series) -> str:
    text = table(["surrogate", *HEAD], [[s, *[pm(v) for v in r]] for s, r in mean.iterrows()])
    if len(failed):
        text += "\n\nFailed fits (not averaged): " + ", ".join(f"{md_text(s)} {n}" for s, n in failed.items())
    return text


def _reading(mean: pd.DataFrame) -> str:
    """Per surrogate, in words: how its shapes and predictions move from uniform rows to each HPO-skewed sampling."""
    samplings = list(dict.fromkeys(mean.index.get_level_values("sampling")))
    base, skewed = samplings[0], samplings[1:]
    if not skewed:
        return f"Only {md_text(base)} sampling ran: see the tables for the effect of size and noise."
    lines = [f"Mean over sizes, noise levels and seeds; shape error 0 = exact, 1 = no better than drawing no effect. "
             f"From {md_text(base)} rows to {' / '.join(map(md_text, skewed))}:\n"]
    for sur in dict.fromkeys(mean.index.get_level_values("surrogate")):
        def moved(col: str) -> str:
            return f"{pm(mean.at[(sur, base), col])} → " + " / ".join(pm(mean.at[(sur, m), col]) for m in skewed)
        lines.append(f"- **{md_text(sur)}**: shape error against the truth of the rows it saw {moved('shape_nrmse')}, against the "
                     f"truth over the whole space {moved('global_shape_nrmse')}; test R² {moved('r2')}.")
    lines.append("\nWhere the first stays flat and the second grows, the explanation is faithful to the skewed rows but not "
                 "to the search space: on a sample an HPO method chose, part of an interaction shows up as main effect, and "
                 "values the method rarely visited are estimated from a few rows.")
    return "\n".join(lines)


def _skew_markdown(mean: pd.DataFrame) -> str:
    """Against the table's own truth and the global one: does skew mislead about the function, or only about the rows?"""
    surrogates, samplings = (dict.fromkeys(mean.index.get_level_values(k)) for k in ("surrogate", "sampling"))
    rows = []
    for sur, m in product(surrogates, samplings):  # surrogate by surrogate
        if (sur, m) in mean.index:
            r = mean.loc[(sur, m)]
            rows.append([sur, m, *[f"{pm(r[a])} / {pm(r[b])}" for a, b in zip(SKEW[:-1:2], SKEW[1:-1:2])], pm(r["r2"])])
    return (table(["surrogate", "sampling", "Spearman (table / global)", "imp. error (table / global)",
                   "shape nRMSE (table / global)", "test R²"], rows)
            + "\n\n*table*: against the truth of the rows the surrogate saw (on a skewed sample part of an interaction "
            "becomes main effect: that is that table's truth); *global*: against the truth over fresh uniform rows, "
            "what holds for the whole search space.")


def _surrogate_markdown(g: pd.DataFrame) -> str:
    rows = [[r["sampling"], f"{r['snr']:g}", f"{r['n_rows']}", *[pm(r[f"{c}_mean"]) for c in MEASURES]]
            for _, r in g.iterrows()]
    return table(["sampling", "snr", "n_rows", *HEAD], rows)


def _method_note(threshold: float) -> str:
    return "\n".join([
        "## How fidelity is scored\n",
        "Every surrogate is fitted on all rows of a table and explained as in the interpret experiment; the truth is the "
        "generating function decomposed on the same rows (`harness.synthetic.truth_of`).",
        "",
        "- **Ranking**: Spearman and Kendall τ-b of the single-feature importances with the true ones (features without a "
        "true effect tie at 0, so a perfect ranking of the others scores Kendall < 1); top-3 overlap. Rank correlations "
        "ignore size, and even a model of pure noise ranks features with more levels higher (here the null features "
        "have the fewest), so *imp. error* = Σ |importance − true importance| / Σ true importance over single features "
        "checks the sizes (0 = exact, 1 = e.g. all importances 0).",
        "- **Shapes**: per feature, both shapes re-centred to a row-weighted mean of 0 on the values both hold; "
        "RMSE of the difference weighted by rows, divided by the true shape's row-weighted RMS (nRMSE, per feature in "
        "shape_errors.csv). The summary's *shape nRMSE* pools all features: sqrt(Σ rmse²) / sqrt(Σ scale²), so a "
        "spurious effect of a feature without a true one counts as error. 0 = exact, 1 = as large as the truth itself "
        "(predicting no effect at all scores 1). *shape r*: mean Pearson correlation over features with a true effect and "
        "≥ 3 values.",
        f"- **Pairs**: a pair is detected when its importance ≥ {threshold:g} × the surrogate's largest single-feature "
        "importance (`pair_threshold`); precision and recall over the true pairs. Models without pair terms (ridge, the "
        "additive GAM) detect none: recall 0, precision undefined (–). *hits@k*: share of true pairs among the surrogate's "
        "top-k pair terms, k = number of true pairs (threshold-free).",
        "- **Test R²**: on fresh uniform rows of the same generator (another seed), against the noise-free signal f(X).",
        "",
    ])
