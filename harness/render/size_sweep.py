"""The size sweep for people: test MSE / SRC / MRR per surrogate and training size (paper Table 2), and Figure 5."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.render.drawing import drawn
from harness.render.figures import curves, plt, save, suptitle
from harness.render.markdown import table
from harness.text import pm

METRICS = (("src", "SRC (Spearman, test)"), ("mrr", "MRR (mean 1/rank of predicted best)"))


def table2_markdown(summary: pd.DataFrame, beside: dict[str, tuple[str, dict]] | None = None) -> str:
    """Test MSE mean ± std per surrogate and size, then SRC and MRR; one section per table.

    ``beside`` maps a table to a published row set beside ours: (label, {size: (mean, std)}), drawn in bold.
    """
    parts = ["# Size sweep: test MSE, mean ± std over seeds (paper Table 2)\n"]
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
            rows.append([label, *[pm(*published[s]) if s in published else "–" for s in sizes]])
        lines = [f"## {ds}\n", table(head, rows, bold), ""]
        for metric, label in METRICS:
            rows = [[sur, *[pm(g.at[s, f"{metric}_mean"], g.at[s, f"{metric}_std"], 3) if s in g.index else "–"
                            for s in sizes]] for sur, g in by_surrogate]
            lines += [f"{label}:\n", table(head, rows), ""]
        parts.append("\n".join(lines))
    parts.append("Std is the sample standard deviation (ddof=1) over seeds, i.e. over data compositions (paper §5.2).\n")
    return "\n".join(parts)


@drawn
def size_curves(summary: pd.DataFrame, path: Path, title: str, line_key: str = "surrogate",
                metrics=("mse", "src", "mrr")) -> Path:
    """Figure 5: each metric against training size, one line per ``line_key`` with a ± std band."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.6))
    for ax, m in zip(axes, metrics):
        curves(ax, summary, m, line_key)
    axes[0].legend(fontsize=8)
    suptitle(fig, title)
    fig.tight_layout()
    return save(fig, path)
