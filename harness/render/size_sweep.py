"""The size sweep for people: test MSE / SRC / MRR per surrogate and training size (paper Table 2), and Figure 5."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.render.drawing import drawn
from harness.render.figures import axes_legend, curves, has_spread, save, subplots, suptitle
from harness.render.markdown import table
from harness.text import md_text, pm

METRICS = (("src", "SRC (Spearman, test)"), ("mrr", "MRR (mean 1/rank of predicted best)"))


def table2_markdown(summary: pd.DataFrame, beside: dict[str, tuple[str, dict]] | None = None,
                    cites: tuple[str, str] = ("", "")) -> str:
    """Test MSE mean ± std per surrogate and size, then SRC and MRR; one section per table.

    ``beside`` maps a table to a published row set beside ours: (label, {size: (mean, std)}), drawn in bold;
    ``cites`` name the paper's table and section in the title and the std note (on the paper's data only).
    """
    parts = [f"# Size sweep: test MSE, mean ± std over seeds{cites[0]}\n"]
    for ds, part in summary.groupby("dataset"):
        sizes = sorted(part["size_pct"].unique())
        n_train = part.drop_duplicates("size_pct").set_index("size_pct")["n_train"]
        head = ["surrogate", *[f"{s:g} % (n={n_train[s]})" for s in sizes]]
        by_surrogate = [(sur, g.set_index("size_pct")) for sur, g in part.groupby("surrogate", sort=False)]
        rows = [[sur, *[pm(g.at[s, "mse_mean"], g.at[s, "mse_std"], failed=g.at[s, "n_failed"]) if s in g.index else "–"
                        for s in sizes]] for sur, g in by_surrogate]
        bold = []
        if ds in (beside or {}):
            label, published = beside[ds]
            bold = [(len(rows), 0)]
            rows.append([label, *[_as_printed(*published[s]) if s in published else "–" for s in sizes]])
        lines = [f"## {md_text(ds)}\n", table(head, rows, bold), ""]
        for metric, label in METRICS:
            rows = [[sur, *[pm(g.at[s, f"{metric}_mean"], g.at[s, f"{metric}_std"], 3) if s in g.index else "–"
                            for s in sizes]] for sur, g in by_surrogate]
            lines += [f"{label}:\n", table(head, rows), ""]
        parts.append("\n".join(lines))
    parts.append(f"Std is the sample standard deviation (ddof=1) over seeds, i.e. over data compositions{cites[1]}; "
                 "with one seed there is none.\n")
    return "\n".join(parts)


def _as_printed(mean: float, std: float) -> str:
    """A published mean ± std as the paper printed it (two decimals), not rounded again."""
    return f"{mean:.2f} ± {std:.2f}"


@drawn
def size_curves(summary: pd.DataFrame, path: Path, title: str, line_key: str = "surrogate",
                metrics=("mse", "src", "mrr")) -> Path:
    """Figure 5: each metric against training size, one line per ``line_key`` with a ± std band where several seeds
    ran (the title says which)."""
    fig, axes = subplots(1, len(metrics), figsize=(4.6 * len(metrics), 4.0))
    for ax, m in zip(axes, metrics):
        curves(ax, summary, m, line_key)
    axes_legend(fig, axes[0])
    spread = has_spread(summary[[f"{m}_std" for m in metrics if f"{m}_std" in summary]].to_numpy().ravel())
    suptitle(fig, f"{title} ({'mean ± std over seeds' if spread else 'one seed'})")
    return save(fig, path)
