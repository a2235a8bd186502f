"""The stability experiment for people: figures of how explanations converge with data, and the summary's markdown."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.stability import FULL, REFERENCES, SAME, TOP_K, seeds_needed, size_text
from harness.render.drawing import drawn
from harness.render.figures import axes_legend, curves, legend, plt, save, subplots, suptitle, wrap
from harness.render.markdown import table
from harness.text import file_part, md_text, num, pm

HEAD = "# Explanation stability: from how many rows can each surrogate's explanation be trusted?\n"
NOTHING = HEAD + "\nNo explanation was recorded (every fit failed).\n"

AGREEMENT_PANELS = (
    ("full_kendall", "Kendall τ vs own full-data ranking"),
    (f"full_{SAME}", f"share of seeds: top-{TOP_K} = full-data top-{TOP_K}"),
    ("ebm_kendall", "Kendall τ vs EBM full-data ranking"),
)


@drawn
def agreement_curves(summary: pd.DataFrame, fraction: float, path: Path, title: str) -> Path:
    """Rows: agreement measures; columns: sampling methods; one line per surrogate (mean over seeds).

    No ± std bands: five surrogates' bands hide each other (the spread is in the summary tables).
    """
    methods = list(dict.fromkeys(summary["order_method"]))
    fig, axes = subplots(len(AGREEMENT_PANELS), len(methods), figsize=(4.4 * len(methods), 3.2 * len(AGREEMENT_PANELS) + 0.4),
                         squeeze=False, sharey="row")
    for i, (metric, label) in enumerate(AGREEMENT_PANELS):
        for j, m in enumerate(methods):
            ax = axes[i][j]
            curves(ax, summary[summary["order_method"] == m].drop(columns=[f"{metric}_std"]), metric, "surrogate")
            ax.set_ylabel(label if j == 0 else "", fontsize=9)
            if metric.endswith("_same"):
                ax.axhline(fraction, color="grey", ls="--", lw=1)
            if i == 0:
                ax.set_title(f"sampling: {m}")
    axes_legend(fig, axes[0][0])
    suptitle(fig, title)
    return save(fig, path)


@drawn
def stable_bars(stable: pd.DataFrame, path: Path, title: str) -> Path:
    """Training rows until each surrogate's top-3 is stable (vs its own full-data fit), one bar per sampling method.

    "never" is drawn as a hatched bar up to the full training split.
    """
    own = stable[stable["reference"] == "full"]
    surrogates = list(dict.fromkeys(own["surrogate"]))
    methods = list(dict.fromkeys(own["order_method"]))
    width = 0.8 / max(len(methods), 1)
    fig, ax = subplots(figsize=(max(1.5 + 1.3 * len(surrogates), 4.0), 4.6))
    handles = []
    for j, m in enumerate(methods):
        g = own[own["order_method"] == m].set_index("surrogate").reindex(surrogates)
        never = g["stable_rows"].isna().to_numpy()
        height = g["stable_rows"].fillna(g["full_rows"]).fillna(0).to_numpy(dtype=float)
        x = np.arange(len(surrogates)) + (j - (len(methods) - 1) / 2) * width
        bars = ax.bar(x, height, width)
        handles.append(plt.Rectangle((0, 0), 1, 1, color=bars.patches[0].get_facecolor(), label=m))
        for bar, nv, pct in zip(bars, never, g["stable_pct"]):
            mid = bar.get_x() + bar.get_width() / 2
            if nv:
                bar.set_hatch("//")
                bar.set_alpha(0.35)
                ax.text(mid, bar.get_height() / 2, "never", ha="center", va="center", fontsize=8, rotation=90)
            else:
                ax.text(mid, bar.get_height(), f"{pct:g}%", ha="center", va="bottom", fontsize=7)
    handles.append(plt.Rectangle((0, 0), 1, 1, facecolor="white", edgecolor="black", hatch="//", label="never (full split)"))
    full = own["full_rows"].dropna()
    if len(full):
        ax.axhline(full.max(), color="grey", lw=0.8, ls=":")
    ax.set_xticks(range(len(surrogates)), surrogates)
    ax.set_ylabel("training rows")
    legend(fig, handles, [h.get_label() for h in handles], title="sampling", title_fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(wrap(title, fig.get_figwidth(), 10), fontsize=10)
    return save(fig, path)


def requirement(fraction: float, n_seeds: int) -> str:
    """The stable criterion in words, e.g. "4 of 5 seeds"."""
    return f"{seeds_needed(fraction, n_seeds)} of {n_seeds} seeds"


def figures(summary: pd.DataFrame, stable: pd.DataFrame, fraction: float, need: str, out: Path) -> None:
    """Per dataset: the agreement curves and the bars of rows until stable."""
    for ds in dict.fromkeys(summary["dataset"]):
        agreement_curves(summary[summary["dataset"] == ds], fraction, out / f"stability_{file_part(ds)}.png",
                         title=f"{ds}: does the explanation from fewer rows match the full-data one? (mean over seeds)")
        stable_bars(stable[stable["dataset"] == ds], out / f"stable_rows_{file_part(ds)}.png",
                    title=f"{ds}: training rows until the top-{TOP_K} set is stable ({need})")


def document(summary: pd.DataFrame, stable: pd.DataFrame, spread: pd.DataFrame, reference: str, fraction: float,
             need: str, claims: str, earliest: pd.DataFrame) -> str:
    """summary.md: per dataset a plain reading and the tables, then the claims' markdown (none: "", a run on other
    tables than the paper's) and how it is measured. ``earliest``: ``analysis.stability.earliest_stable``."""
    parts = [HEAD]
    if summary["dataset"].nunique() > 1:
        parts += [f"## Rows until each method's top-{TOP_K} is stable, per table (against its own full-data fit, ≥ {need})\n",
                  per_method_markdown(stable), ""]
    for ds in dict.fromkeys(summary["dataset"]):
        part, st = summary[summary["dataset"] == ds], stable[stable["dataset"] == ds]
        parts += [f"## {md_text(ds)}\n", "### Reading\n", _reading(st, part, reference, need, earliest[earliest["dataset"] == ds]), "",
                  f"### Rows until the ranking is stable (top-{TOP_K} set = the full-data top-{TOP_K} in ≥ {need}, "
                  f"at that size and every larger one below 100 %)\n", _stable_markdown(st), "",
                  "### Agreement with the full-data explanations, per size (mean ± std over seeds)\n",
                  _agreement_markdown(part), "",
                  f"### The reference {md_text(reference)}'s single-feature importances by size (random order; mean [min–max] over seeds)\n",
                  _spread_markdown(spread[spread["dataset"] == ds] if len(spread) else spread), ""]
    parts += ["#" + claims] if claims else []
    parts += [_method_note(reference, fraction, need)]
    return "\n".join(parts)


def per_method_markdown(stable: pd.DataFrame) -> str:
    """Rows until each method's top-3 is stable against its own full-data fit: methods × tables (one column per
    sampling method where several ran)."""
    own = stable[stable["reference"] == "full"]
    orders = list(dict.fromkeys(own["order_method"]))
    columns = [(d, m) for d in dict.fromkeys(own["dataset"]) for m in orders]
    cells = own.set_index(["surrogate", "dataset", "order_method"])
    rows = [[s, *[size_text(cells.at[(s, d, m), "stable_pct"], cells.at[(s, d, m), "stable_rows"])
                  if (s, d, m) in cells.index else "–" for d, m in columns]] for s in dict.fromkeys(own["surrogate"])]
    head = [d if len(orders) == 1 else f"{d} ({m})" for d, m in columns]
    return table(["method", *head], rows)


def _stable_markdown(stable: pd.DataFrame) -> str:
    methods = list(dict.fromkeys(stable["order_method"]))
    rows = []
    for (s, prefix), g in stable.groupby(["surrogate", "reference"], sort=False):
        g = g.set_index("order_method")
        cells = []
        for m in methods:
            if m not in g.index:
                cells.append("–")
                continue
            r = g.loc[m]
            cell = size_text(r["stable_pct"], r["stable_rows"])
            if pd.notna(r["first_pct"]) and r["first_pct"] != r["stable_pct"]:
                cell += f"; first {size_text(r['first_pct'], r['first_rows'])}"
            cells.append(cell)
        rows.append([s, "own full data" if prefix == "full" else "EBM full data", *cells])
    full = stable["full_rows"].dropna()
    return (table(["surrogate", "against", *methods], rows)
            + f"\n\n\"never\": not reached below the full training split ({int(full.max()) if len(full) else '?'} rows); "
            "\"first\": the smallest size that qualified before a larger one failed again.")


AGREEMENT_ROWS = (("τ vs own full", "full_kendall", 2, True), (f"top-{TOP_K} share", f"full_{SAME}", 1, False),
                  ("τ vs EBM full", "ebm_kendall", 2, True))  # label, column, significant digits, with its std


def _agreement_markdown(summary: pd.DataFrame) -> str:
    sizes = sorted(summary["size_pct"].unique())
    n = summary.drop_duplicates("size_pct").set_index("size_pct")["n_train"]
    lines = []
    for sur, g in summary.groupby("surrogate", sort=False):
        rows = []
        for m, mg in g.groupby("order_method", sort=False):
            mg = mg.set_index("size_pct")
            for label, col, sig, spread in AGREEMENT_ROWS:
                rows.append([m, label, *[pm(mg.at[s, f"{col}_mean"], mg.at[s, f"{col}_std"] if spread else np.nan, sig)
                                         if s in mg.index else "–" for s in sizes]])
        lines += [f"**{md_text(sur)}** — Kendall τ of the single-feature importances; top-{TOP_K} share = share of seeds whose "
                  f"top-{TOP_K} set is the full-data one\n",
                  table(["order", "measure", *[f"{s:g} % ({n[s]})" for s in sizes]], rows), ""]
    return "\n".join(lines)


def _spread_markdown(spread: pd.DataFrame) -> str:
    if not len(spread):
        return "The random order is not in this run.\n"
    sizes = sorted(spread["size_pct"].unique())
    rows = []
    for term, g in spread.sort_values(["size_pct", "importance_mean"], ascending=[False, False]).groupby("term", sort=False):
        g = g.set_index("size_pct")
        rows.append([term, *[f"{num(g.at[s, 'importance_mean'])} [{num(g.at[s, 'importance_min'])}–{num(g.at[s, 'importance_max'])}]"
                             if s in g.index else "–" for s in sizes]])
    return (table(["feature", *[f"{s:g} %" for s in sizes]], rows)
            + "\n\nImportance = mean |centred term| over the fitting rows, in target units; all terms and their rank "
            "ranges are in importance_spread.csv.")


def _reading(stable: pd.DataFrame, summary: pd.DataFrame, reference: str, need: str, per: pd.DataFrame) -> str:
    """Plain language: from how many rows each surrogate's explanation can be trusted, and under which sampling."""
    own = stable[stable["reference"] == "full"]
    mse = summary.set_index(["surrogate", "order_method", "size_pct"])["mse_mean"]
    lines = []
    for s, g in own.groupby("surrogate", sort=False):
        held = g[g["stable_pct"].notna()]
        parts = [f"{m}: from {size_text(r.stable_pct, r.stable_rows)}" + _mse_text(mse, s, m, r.stable_pct)
                 for m, r in zip(held["order_method"], held.itertuples())]
        never = list(g.loc[g["stable_pct"].isna(), "order_method"])
        if never:
            parts.append(f"never below the full split under {' / '.join(map(md_text, never))}")
        lines.append(f"- **{md_text(s)}**: its top-{TOP_K} hyperparameters can be trusted — {'; '.join(parts)}.")
    if len(per):
        lines.append("- Earliest stable per sampling method: "
                     + "; ".join(f"{md_text(m)}: {md_text(s)} ({size_text(p, n)})" for m, s, p, n in
                                 zip(per["order_method"], per["surrogate"], per["stable_pct"], per["stable_rows"])) + ".")
    vs_ebm = stable[(stable["reference"] == "ebm") & (stable["surrogate"] != reference)]
    if len(vs_ebm):
        lines.append(f"- Naming {md_text(reference)}'s full-data top-{TOP_K} (the reference model on all rows): " + "; ".join(
            f"{md_text(s)} " + ", ".join(f"{md_text(m)} {size_text(p, n)}" for m, p, n in zip(g["order_method"], g["stable_pct"], g["stable_rows"]))
            for s, g in vs_ebm.groupby("surrogate", sort=False)) + ".")
    return "\n".join([f"\"Trusted\" means: fitted on that many rows, the surrogate names the same top-{TOP_K} hyperparameters "
                      f"as when fitted on the whole training split in ≥ {need}, and keeps doing so with more rows.\n", *lines])


def _mse_text(mse: pd.Series, s: str, m: str, pct) -> str:
    here, full = mse.get((s, m, pct), np.nan), mse.get((s, m, FULL), np.nan)
    return f" (test MSE {num(here)} there, {num(full)} on all rows)" if pd.notna(here) and pd.notna(full) else ""


def _method_note(reference: str, fraction: float, need: str) -> str:
    return "\n".join([
        "## How it is measured\n",
        "Each cell is hpo_order's: the surrogate trained on the first p % of a sampling method's visiting order of the "
        "training split (random = the size sweep's nested subsets), explained as in the interpret experiment "
        "(importance = mean |centred term| over the fitting rows). It is compared with "
        + " and ".join(f"`{p}_*`: {t}" for p, t in REFERENCES.items())
        + f" ({reference}), both of the same seed: Kendall τ-b and Spearman of the single-feature importances, top-{TOP_K} "
        f"overlap (|∩| / {TOP_K}) and set equality, and the mean Pearson correlation of each feature's shape on the values "
        f"both hold (features with ≥ 3 values). stable_fraction = {fraction:g} ({need}). Tables: stability.csv (one row "
        "per cell), summary.csv (mean ± std over seeds), stable_sizes.csv, importance_spread.csv (mean, std, min–max "
        "over seeds of every term's importance and of each feature's rank), importances.csv / shapes.csv (the "
        "explanations themselves).",
        "",
    ])
