"""The leaderboard for people: the methods with 95 % intervals, per table size, the EBM's paired comparisons, verdicts."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.leaderboard import ALL, BOARD, DIRECTION, LEVEL, N_BOOT, VERDICT, band_labels
from harness.render.drawing import drawn
from harness.render.figures import axes_legend, save, subplots, suptitle
from harness.render.markdown import table
from harness.text import md_text, num

NAMES = {"spearman": "Spearman", "top3_overlap": "top-3", "pair_recall": "pair recall", "pair_precision": "pair precision",
         "shape_nrmse": "shape nRMSE", "seconds": "s per explanation"}
HEADLINE = ("spearman", "pair_recall", "seconds")  # method × size band
CURVES = ("spearman", "pair_recall", "shape_nrmse", "seconds")


def interval(mean, lo, hi, sig: int = 2) -> str:
    """``mean [lo, hi]``; "–" without a value."""
    return "–" if pd.isna(mean) else f"{num(mean, sig)} [{num(lo, sig)}, {num(hi, sig)}]"


def _cell(stats: pd.DataFrame, band, surrogate: str, measure: str) -> str:
    key = (band, surrogate, measure)
    if key not in stats.index:
        return "–"
    r = stats.loc[key]
    return interval(r["mean"], r["lo"], r["hi"])


def _order(boot: pd.DataFrame) -> list[str]:
    """Methods by mean Spearman over every table, best first (unscored last)."""
    s = boot[(boot["band"] == ALL) & (boot["measure"] == "spearman")].set_index("surrogate")["mean"]
    return list(s.sort_values(ascending=False, kind="stable").index)


@drawn
def figures(boot: pd.DataFrame, by_size: pd.DataFrame, out: Path) -> None:
    """leaderboard.png (every method over every table, 95 % intervals) and leaderboard_by_size.png (``by_size``: the
    bootstrap per table size)."""
    methods = _order(boot)
    whole = boot[boot["band"] == ALL].set_index(["surrogate", "measure"])
    fig, axes = subplots(1, len(BOARD), figsize=(2.6 * len(BOARD), 0.45 * len(methods) + 1.6), sharey=True)
    y = np.arange(len(methods))[::-1]
    for ax, m in zip(axes, BOARD):
        r = whole.reindex([(s, m) for s in methods])
        mean = r["mean"].to_numpy(dtype=float)
        err = np.vstack([mean - r["lo"].to_numpy(dtype=float), r["hi"].to_numpy(dtype=float) - mean])
        ax.errorbar(mean, y, xerr=err, fmt="o", ms=4, capsize=3)
        ax.set_title(NAMES[m] + (" ↑" if DIRECTION[m] > 0 else " ↓"), fontsize=9)
        ax.grid(alpha=0.3)
        if m == "seconds":
            ax.set_xscale("log")
    axes[0].set_yticks(y, methods)
    suptitle(fig, f"Every method over every table: mean and 95 % bootstrap interval ({N_BOOT} resamples of the tables)")
    save(fig, out / "leaderboard.png")
    sized = by_size[by_size["band"] != ALL].astype({"band": float})
    fig, axes = subplots(1, len(CURVES), figsize=(4.2 * len(CURVES), 4.0))
    for ax, m in zip(axes, CURVES):
        for s in methods:
            g = sized[(sized["surrogate"] == s) & (sized["measure"] == m)].sort_values("band")
            if g["mean"].notna().any():
                line, = ax.plot(g["band"], g["mean"], marker="o", ms=3, label=s)
                ax.fill_between(g["band"], g["lo"], g["hi"], alpha=0.12, color=line.get_color())
        ax.set_xscale("log")
        ax.set_xticks(sorted(sized["band"].unique()), [f"{v:g}" for v in sorted(sized["band"].unique())])
        ax.minorticks_off()
        ax.set_xlabel("table size (rows)")
        ax.set_title(NAMES[m] + (" ↑" if DIRECTION[m] > 0 else " ↓"), fontsize=10)
        ax.grid(alpha=0.3)
        if m == "seconds":
            ax.set_yscale("log")
    axes_legend(fig, axes[0])
    suptitle(fig, "Score vs table size per method (mean over tables, 95 % bootstrap band)")
    save(fig, out / "leaderboard_by_size.png")


def document(boot: pd.DataFrame, pairs: pd.DataFrame, verdicts: pd.DataFrame, reference: str, fits: pd.DataFrame,
             senses: pd.DataFrame, missing: pd.DataFrame, sampling: pd.DataFrame | None = None,
             honesty: pd.DataFrame | None = None) -> str:
    """leaderboard.md: the board, per size, per sampling regime, the reference's paired comparisons, verdicts, a
    reading, the honesty of the intervals, the method."""
    methods, stats = _order(boot), boot.set_index(["band", "surrogate", "measure"])
    bands = [b for b in dict.fromkeys(boot["band"]) if b != ALL]
    label = band_labels(fits)
    n_tables = fits["table"].nunique()
    parts = [f"## Leaderboard: {len(methods)} methods on {n_tables} tables (mean [95 % bootstrap interval] over tables)\n",
             table(["method", *[NAMES[m] for m in BOARD], "tables"],
                   [[s, *[_cell(stats, ALL, s, m) for m in BOARD], int(stats.loc[(ALL, s, "spearman"), "n_tables"])]
                    for s in methods]), ""]
    if len(missing):
        parts += ["Not explained, so not averaged (the paired comparisons use the tables both methods scored): "
                  + "; ".join(f"{md_text(r.surrogate)} on {r.n} table(s) ({md_text(r.reason.removeprefix('not explained: '))})"
                              for r in missing.itertuples()), ""]
    sizes = ", ".join(f"{label[b]} rows: {fits.loc[fits['band'] == b, 'table'].nunique()}" for b in bands)
    parts += [f"## Per table size (tables per size band: {sizes})\n"]
    for m in HEADLINE:
        parts += [f"**{NAMES[m]}**\n", table(["method", *[f"n = {label[b]}" for b in bands]],
                                             [[s, *[_cell(stats, b, s, m) for b in bands]] for s in methods]), ""]
    if sampling is not None and len(sampling):
        parts += [_sampling_markdown(sampling, methods), ""]
    parts += [f"## {md_text(reference)} against each method, per table size (paired over the tables both scored)\n",
              _paired_markdown(pairs, bands, label),
              f"Win rate: share of tables where {md_text(reference)} scores better (ties count half); p: two-sided Wilcoxon "
              f"signed-rank test of the per-table differences; Holm: p corrected by Holm's method for every comparison of this "
              f"section on the same score ({len(pairs) // max(1, pairs['measure'].nunique())} per score); "
              f"Δ = {md_text(reference)} − method. Only a Holm p < {LEVEL:g} is read as better or worse.", "",
              "## Verdicts: from which table size is each method indistinguishable from the best?\n",
              _verdict_markdown(verdicts, methods), "",
              f"In a size band, the best method has the best mean; another is distinguishable from it (worse) only when the "
              f"paired Wilcoxon p, Holm-corrected over every comparison with a best, is < {LEVEL:g} and the 95 % intervals "
              "are apart; otherwise it is indistinguishable. \"from n = k\": in the band from k rows and every larger band; "
              "\"never\": not in the largest band.", "",
              f"## Reading: {md_text(reference)} against the other methods\n", _reading(pairs, reference, label), ""]
    if honesty is not None and len(honesty):
        parts += [_honesty_markdown(honesty, methods, label), ""]
    parts += [_sense_note(senses)]
    return "\n".join(parts)


def _sampling_markdown(sampling: pd.DataFrame, methods: list[str]) -> str:
    """Spearman of main and total effects per sampling regime (every size)."""
    regimes = [r for r in dict.fromkeys(sampling["sampling"]) if r != ALL]
    stats = sampling[sampling["band"] == ALL].set_index(["sampling", "surrogate", "measure"])
    counts = sampling[sampling["band"] == ALL].groupby("sampling")["n_tables"].max()
    parts = ["## Per sampling regime (every table size)\n"]
    for m, name in (("sense_spearman", "Spearman of main effects against the true ones in the method's own sense"),
                    ("total_spearman", "Spearman of total effects against the true totals in the method's own sense")):
        rows = [[s, *[_cell(stats, r, s, m) for r in [*regimes, ALL]]] for s in methods]
        if any(c != "–" for row in rows for c in row[1:]):
            parts += [f"**{name}**\n", table(["method", *[f"{r} ({int(counts.get(r, 0))})" for r in [*regimes, ALL]]], rows), ""]
    return "\n".join(parts)


def _honesty_markdown(honesty: pd.DataFrame, methods: list[str], label: dict) -> str:
    """Coverage of the 90 % intervals, their width and the settled orderings that are true, per sampling and size."""
    regimes = list(dict.fromkeys(honesty["sampling"]))
    h = honesty.set_index(["sampling", "band", "surrogate"])
    bands = [*sorted(b for b in set(honesty["band"]) if b != ALL), ALL]
    parts = ["## Can the intervals be trusted? Per sampling regime and table size\n",
             "Each method's nominal 90 % intervals against the truth in its own sense (a local method against what it takes "
             "to reach the top γ of the space; fANOVA against the variance fractions; every other global method against "
             "mean |term| over the declared space). Coverage: the share of hyperparameters whose interval holds the true "
             "value, mean over tables (a measure in units of its own has none); settled: orderings \"a matters more than "
             "b\" whose intervals are apart, the share of them that are true (Σ over tables) and how many per table. "
             "Mean [95 % bootstrap interval over tables].\n"]
    for name, what in (("coverage_main", "coverage of main effects"), ("coverage_total", "coverage of total effects"),
                       ("settled_precision_main", "settled orderings of main effects that are true"),
                       ("settled_precision_total", "settled orderings of total effects that are true"),
                       ("width_main", "width of main-effect intervals (share of the summed importances)")):
        rows = []
        for s in methods:
            for b in bands:
                cells = []
                for r in regimes:
                    if (r, b, s) not in h.index:
                        cells.append("–")
                        continue
                    x = h.loc[(r, b, s)]
                    cell = interval(x[name], x[f"{name}_lo"], x[f"{name}_hi"])
                    if name.startswith("settled_precision") and cell != "–":
                        cell += f" ({num(x['settled_' + name.rsplit('_', 1)[1]], 2)})"
                    cells.append(cell)
                if any(c != "–" for c in cells):
                    rows.append([s, "all" if b == ALL else label.get(b, b), *cells])
        if rows:
            parts += [f"**{what}**{' (orderings settled per table)' if name.startswith('settled') else ''}\n",
                      table(["method", "table rows", *regimes], rows), ""]
    return "\n".join(parts)


def _paired_markdown(pairs: pd.DataFrame, bands: list, label: dict) -> str:
    """Per score, other methods × sizes: the reference's win rate, the Wilcoxon p and Δ (reference − method)."""
    parts = []
    for m in ("spearman", "pair_recall", "shape_nrmse"):
        g = pairs[pairs["measure"] == m].set_index(["surrogate", "band"])
        if not len(g):
            continue
        cells = {k: f"{num(r['win_rate'], 2)} (p {num(r['p'], 2)}, Holm {num(r['p_holm'], 2)}, "
                    f"Δ {num(r['difference'], 2, sign=True)}, {int(r['n_tables'])})"
                 for k, r in g.iterrows()}
        others = list(dict.fromkeys(g.index.get_level_values("surrogate")))
        parts += [f"**{NAMES[m]}**: win rate (p, Holm p, Δ, tables)\n",
                  table(["method", *[f"n = {label[b]}" for b in bands], "all"],
                        [[s, *[cells.get((s, b), "–") for b in [*bands, ALL]]] for s in others]), ""]
    return "\n".join(parts)


def _verdict_markdown(verdicts: pd.DataFrame, methods: list[str]) -> str:
    v = verdicts.drop_duplicates(["surrogate", "measure"]).set_index(["surrogate", "measure"])  # one verdict per band row

    def text(s, m):
        if (s, m) not in v.index:
            return "not scored"
        r = v.loc[(s, m)]
        where = "never" if pd.isna(r["from_n"]) else f"from n = {r['from_n']:g}"
        return f"{where} (best in {int(r['n_best'])} of {int(r['n_bands'])} bands)"
    return table(["method", *[NAMES[m] for m in VERDICT]], [[s, *[text(s, m) for m in VERDICT]] for s in methods])


def _reading(pairs: pd.DataFrame, reference: str, label: dict) -> str:
    """Per other method and score: the sizes where the reference is better, not distinguishable or worse (``pairs``'
    outcome: ``analysis.leaderboard.outcomes``, where p < LEVEL decides)."""
    lines = []
    for s, g in pairs.groupby("surrogate", sort=False):
        said = []
        for m in ("spearman", "pair_recall", "shape_nrmse"):
            h = g[(g["measure"] == m) & (g["band"] != ALL)]
            whole = g[(g["measure"] == m) & (g["band"] == ALL)]
            if not len(h):
                continue
            words = [f"{k} at n = " + ", ".join(f"{label[r.band]} (Δ {num(r.difference, 2, sign=True)}, "
                                                f"Holm p {num(r.p_holm, 2)})" for r in grp.itertuples())
                     for k in ("better", "worse") if len(grp := h[h["outcome"] == k])]
            same = h[h["outcome"] == "not distinguishable"]
            if len(same):
                words.append("not distinguishable at n = " + ", ".join(label[b] for b in same["band"]))
            for r in whole.itertuples():
                words.append(f"over all {r.n_tables} tables Δ {num(r.difference, 2, sign=True)} (Holm p "
                             f"{num(r.p_holm, 2)}, p {num(r.p, 2)}, win rate {num(r.win_rate, 2)})")
            said.append(f"{NAMES[m]}: " + "; ".join(words))
        lines.append(f"- **{md_text(reference)} vs {md_text(s)}** — " + ". ".join(said) + ".")
    return "\n".join(lines) if lines else f"No other method was compared with {md_text(reference)}."


def _sense_note(senses: pd.DataFrame) -> str:
    truth = {"fanova": "fANOVA variance fractions of the generator", "local": "what it takes to reach the top γ of the space",
             "mean": "mean |centred term| over the table's rows"}
    rows = [[s, r["measure"], r.get("sense", "global"), truth.get(r["truth_sense"], r["truth_sense"]),
             "everything" if r["scored_on"] == "all" else "ranking only"] for s, r in senses.iterrows()]
    return "\n".join([
        "## How the leaderboard is scored\n",
        "Each method is scored against the truth in its own sense: a variance fraction (fANOVA over the declared domain) "
        "against the generator's functional-ANOVA decomposition; a mean |centred term| (EBM, GAM, trees, SHAP, ridge) "
        "against the truth of the table's rows. Methods whose importance is in units of their own (MDI: share of "
        "impurity decrease; permutation: MSE increase) are scored on their ranking only (Spearman, Kendall, top-3) against "
        "the rows' truth. A local method (PED-ANOVA: what it takes to reach the top γ, another question) is scored on its "
        "ranking against the local truth. Time per explanation = fit + explain seconds (PED-ANOVA reads the rows, not a "
        "model: explain only), as recorded by each cell; it includes the intervals' replicates.\n",
        table(["method", "its importance", "sense", "scored against", "scored on"], rows)])
