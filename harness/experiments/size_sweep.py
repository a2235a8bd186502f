"""Size sweep (paper §5.1–5.2, Table 2, Figure 5): train on nested subsets, test on a fixed split."""
from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from harness import plots
from harness.app import seeds_of
from harness.cells import run_cells
from harness.data import datasets_for
from harness.experiments.common import mean_std, prefix_cells, sizes_of, specs_of, split_of
from harness.hpo.random_order import random_order
from harness.paper import table2
from harness.results import atomic_write_text, refuse_duplicates, write_csv

log = logging.getLogger("harness")

KEYS = ["experiment", "dataset", "surrogate", "seed", "size_pct"]


def cells_of(cfg, explain: bool = False):
    datasets = {ds.name: ds for ds in datasets_for(cfg)}
    specs = specs_of(cfg)
    sizes = sizes_of(cfg)
    cells = []
    for ds in datasets.values():
        for seed in seeds_of(cfg):
            split = split_of(cfg, ds, seed)
            order = random_order(len(split.train), seed)
            keys = {"experiment": "size_sweep", "order_method": "random"}
            cells += prefix_cells(ds, split, order, sizes, specs, seed, keys, explain=explain)
    return cells, datasets


def run(cfg, opts):
    from harness.surrogates.explain import explain

    cells, datasets = cells_of(cfg, explain=bool(cfg.get("explain", False)))
    result = run_cells(cells, datasets, opts, explainer=explain, label="size_sweep")
    rows = result.rows
    write_csv(rows, opts.output_dir / "metrics.csv")
    summary = summarise(rows, opts.output_dir)
    log.info(
        "size_sweep: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
        len(cells), result.computed, result.cached, result.wall_seconds, opts.output_dir,
    )
    return summary


def summarise(rows: pd.DataFrame, out: Path) -> pd.DataFrame:
    """Mean ± std per (dataset, surrogate, size), the Table 2 comparison and the Figure 5 plot."""
    refuse_duplicates(rows, KEYS, "size_sweep metrics")
    summary = mean_std(rows, ["dataset", "surrogate", "size_pct", "n_train"])
    write_csv(summary, out / "summary.csv")
    text = table2_markdown(summary)
    atomic_write_text(out / "summary.md", text)
    print(text)
    for ds, part in summary.groupby("dataset"):
        plots.size_curves(part, out / f"size_sweep_{ds}.png", title=f"{ds}: test metrics vs training size (mean ± std over seeds)")
    return summary


def table2_markdown(summary: pd.DataFrame) -> str:
    """Test MSE mean ± std per surrogate and size; for sw-en the paper's EBM row beside ours."""
    parts = ["# Size sweep: test MSE, mean ± std over seeds (paper Table 2)\n"]
    paper = table2()
    for ds, part in summary.groupby("dataset"):
        sizes = sorted(part["size_pct"].unique())
        n_train = part.drop_duplicates("size_pct").set_index("size_pct")["n_train"]
        head = "| surrogate | " + " | ".join(f"{s:g} % (n={n_train[s]})" for s in sizes) + " |"
        lines = [f"## {ds}\n", head, "|" + "---|" * (len(sizes) + 1)]
        for sur, g in part.groupby("surrogate", sort=False):
            g = g.set_index("size_pct")
            cells = [_pm(g.at[s, "mse_mean"], g.at[s, "mse_std"], g.at[s, "n_failed"]) if s in g.index else "–" for s in sizes]
            lines.append(f"| {sur} | " + " | ".join(cells) + " |")
        if ds == "sw-en":
            cells = [f"{paper[s][0]:.2f} ± {paper[s][1]:.2f}" if s in paper else "–" for s in sizes]
            lines.append("| **paper EBM** | " + " | ".join(cells) + " |")
        lines.append("")
        for metric, label in (("src", "SRC (Spearman, test)"), ("mrr", "MRR (mean 1/rank of predicted best)")):
            lines += [f"{label}:\n", head, "|" + "---|" * (len(sizes) + 1)]
            for sur, g in part.groupby("surrogate", sort=False):
                g = g.set_index("size_pct")
                vals = [_pm(g.at[s, f"{metric}_mean"], g.at[s, f"{metric}_std"], 0, 3) if s in g.index else "–" for s in sizes]
                lines.append(f"| {sur} | " + " | ".join(vals) + " |")
            lines.append("")
        parts.append("\n".join(lines))
    parts.append("Std is the sample standard deviation (ddof=1) over seeds, i.e. over data compositions (paper §5.2).\n")
    return "\n".join(parts)


def _pm(mean, std, failed=0, digits=2) -> str:
    if pd.isna(mean):
        return f"failed ({int(failed)})" if failed else "–"
    s = f"{mean:.{digits}f} ± {std:.{digits}f}" if pd.notna(std) else f"{mean:.{digits}f}"
    return s + (f" ({int(failed)} failed)" if failed else "")
