"""Explanation stability: from how many rows, and under which sampling, can a surrogate's explanation be trusted?

The paper judges models trained on little (§5.1–5.2) or HPO-skewed (§5.3)
data by their test error alone. Here the explanation itself is judged. The
cells are hpo_order's own — every method's order prefixes, the random order
being the size sweep's subsets — explained, so with ``explain`` on in those
experiments they come from the cell cache instead of being refitted. Each
cell's explanation is compared with

* ``full``: the same surrogate fitted on the whole training split (the 100 %
  cell of that seed), and
* ``ebm``: the reference EBM's full-data explanation of that seed (``ebm``
  if it ran, else the first EBM listed — the paper's model),

by the Kendall and Spearman correlation of the single-feature importances,
top-3 overlap and exact top-3 set equality, and the mean per-feature shape
correlation (``harness.explanations.agreement``).

**Stable.** A surrogate's ranking is stable at a size when its top-3 set
equals the full-data top-3 in at least ``stable_fraction`` of the seeds (4 of
5) at that size and at every larger size below 100 % (at 100 % it is the
reference itself); "never" when no size below 100 % qualifies. The first
size that qualifies, ignoring later relapses, is reported beside it.

Everything after the fits is recomputed from the tidy ``metrics``,
``importances`` and ``shapes`` tables, so a multirun aggregates the same way.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from harness.cells import cell_id, run_cells
from harness.paper.claims import Claim, verdict, write_claims
from harness.errors import ConfigError, HarnessError
from harness.experiments import hpo_order
from harness.analysis.summary import ebm_surrogates, mean_std, reference_surrogate
from harness.experiments.base import Experiment
from harness.experiments.common import sizes_of
from harness.explanations import Interpretation, agreement, records_of
from harness.render import stability as plots
from harness.results import atomic_write_text, refuse_duplicates, write_csv

log = logging.getLogger("harness")

NAME = "stability"
KEYS = ["experiment", "dataset", "surrogate", "seed", "order_method", "size_pct"]
TABLES = ("metrics", "importances", "shapes")
RECORD_KEYS = ("dataset", "surrogate", "seed", "order_method", "size_pct")
FULL = 100
TOP_K = 3
SAME = f"top{TOP_K}_same"
MEASURES = ("kendall", "spearman", f"top{TOP_K}_overlap", SAME, "shape_r")
REFERENCES = {"full": "its own full-data fit", "ebm": "the reference EBM's full-data fit"}
DEFAULT_FRACTION = 0.8
PAPER_PCT = 30  # the paper's turning point (§5.1–5.2): 185 of sw-en's 614 training rows


def fraction_of(cfg) -> float:
    fraction = cfg.get("stable_fraction", DEFAULT_FRACTION)
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise ConfigError(f"stable_fraction must be a share of the seeds in (0, 1], e.g. 0.8; got {fraction!r}")
    return float(fraction)


def run(cfg, opts):
    fraction = fraction_of(cfg)
    sizes = sizes_of(cfg)
    if FULL not in sizes:  # the full-data reference is the 100 % cell
        cfg = OmegaConf.merge(cfg, {"sizes": [*sizes, FULL]})
    cells, datasets, _ = hpo_order.cells_of(cfg, opts, explain=True)
    result = run_cells(cells, datasets, opts, label=NAME)
    # stable_fraction rides along in the rows so that a multirun's aggregation applies the run's own criterion
    rows = result.rows.assign(experiment=NAME, stable_fraction=fraction)
    tables: dict[str, list] = {"importances": [], "shapes": []}
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets))
        if d is None:  # a failed fit: its metrics row says why
            continue
        keys = {**c.key_dict, "experiment": NAME, "seed": c.seed, "n_train": len(c.train_rows)}
        frames = Interpretation.from_dict(d).frames(**keys)
        for name in tables:
            tables[name].append(frames[name])
    out = opts.output_dir
    write_csv(rows, out / "metrics.csv")
    for name, parts in tables.items():
        write_csv(_experiment_first(pd.concat(parts, ignore_index=True)) if parts else pd.DataFrame(), out / f"{name}.csv")
    log.info("stability: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
             len(cells), result.computed, result.cached, result.wall_seconds, out)
    # Read back what was written, so a single run is summarised exactly as harness.report summarises a multirun.
    return EXPERIMENT.finish(pd.read_csv(out / "metrics.csv"), opts,
                  **{name: pd.read_csv(out / f"{name}.csv") if parts else None for name, parts in tables.items()})


def _experiment_first(df: pd.DataFrame) -> pd.DataFrame:
    return df[["experiment", *[c for c in df.columns if c != "experiment"]]]


def summarise(rows: pd.DataFrame, out: Path, importances=None, shapes=None) -> pd.DataFrame:
    """Agreement per cell, spread over seeds, rows until stable, figures, the paper's 30 % claim and a plain reading."""
    refuse_duplicates(rows, KEYS, "stability metrics")
    fractions = rows["stable_fraction"].dropna().unique() if "stable_fraction" in rows else []
    if len(fractions) > 1:
        raise HarnessError(f"stability runs with different stable_fraction ({', '.join(map(str, fractions))}) "
                           "cannot be summarised together")
    fraction = float(fractions[0]) if len(fractions) else DEFAULT_FRACTION
    head = "# Explanation stability: from how many rows can each surrogate's explanation be trusted?\n"
    if importances is None or not len(importances):
        atomic_write_text(out / "summary.md", head + "\nNo explanation was recorded (every fit failed).\n")
        write_claims([], out)
        return pd.DataFrame()
    records = records_of(importances, shapes, by=RECORD_KEYS)
    surrogates = list(dict.fromkeys(rows["surrogate"]))
    reference = reference_surrogate(rows, surrogates)
    stab = stability_table(rows, records, reference)
    write_csv(stab, out / "stability.csv")
    write_csv(importance_spread(importances), out / "importance_spread.csv")
    by = ["dataset", "surrogate", "order_method", "size_pct", "n_train"]
    summary = mean_std(stab, by, metrics=[f"{p}_{m}" for p in REFERENCES for m in MEASURES] + ["mse"])
    write_csv(summary, out / "summary.csv")
    stable = stable_sizes(stab, fraction)
    write_csv(stable, out / "stable_sizes.csv")
    claims = paper_claims(stab, stable, fraction, reference) if reference in ebm_surrogates(rows) else []

    n_seeds = stab["seed"].nunique()
    need = f"{int(np.ceil(fraction * n_seeds - 1e-9))} of {n_seeds} seeds"
    parts = [head]
    for ds in dict.fromkeys(stab["dataset"]):
        part, st = summary[summary["dataset"] == ds], stable[stable["dataset"] == ds]
        plots.agreement_curves(part, fraction, out / f"stability_{ds}.png",
                               title=f"{ds}: does the explanation from fewer rows match the full-data one? (mean over seeds)")
        plots.stable_bars(st, out / f"stable_rows_{ds}.png",
                          title=f"{ds}: training rows until the top-{TOP_K} set is stable ({need})")
        parts += [f"## {ds}\n", "### Reading\n", _reading(st, part, reference, need), "",
                  f"### Rows until the ranking is stable (top-{TOP_K} set = the full-data top-{TOP_K} in ≥ {need}, "
                  f"at that size and every larger one below 100 %)\n", _stable_markdown(st), "",
                  "### Agreement with the full-data explanations, per size (mean ± std over seeds)\n",
                  _agreement_markdown(part), "",
                  f"### The reference {reference}'s single-feature importances by size (random order; mean [min–max] over seeds)\n",
                  _spread_markdown(importances, ds, reference), ""]
    claims_text = write_claims(claims, out, title=f"The paper's claim, checked on {reference}'s explanations")
    parts += ["#" + claims_text, _method_note(reference, fraction, need)]
    text = "\n".join(parts)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def stability_table(rows: pd.DataFrame, records: dict[tuple, Interpretation], reference: str) -> pd.DataFrame:
    """One row per cell: its explanation against its own full-data fit (``full_*``) and the reference EBM's (``ebm_*``)."""
    out = []
    for r in rows.to_dict("records"):
        rec = records.get(tuple(r[k] for k in RECORD_KEYS))
        row = {k: r[k] for k in [*KEYS, "n_train", "mse", "status"]}
        row["reference_ebm"] = reference
        notes = [] if rec is not None else [f"no explanation ({r.get('reason') or r['status']})"]
        for prefix, sur in (("full", r["surrogate"]), ("ebm", reference)):
            ref = records.get((r["dataset"], sur, r["seed"], r["order_method"], FULL))
            a = agreement(rec, ref, k=TOP_K) if rec is not None and ref is not None else {}
            if rec is not None and ref is None:
                notes.append(f"{prefix}: no full-data explanation of {sur}")
            elif a.get("reason"):
                notes.append(f"{prefix}: {a['reason']}")
            overlap = a.get(f"top{TOP_K}_overlap", np.nan)
            row.update({f"{prefix}_kendall": a.get("kendall", np.nan), f"{prefix}_spearman": a.get("spearman", np.nan),
                        f"{prefix}_top{TOP_K}_overlap": overlap, f"{prefix}_{SAME}": float(overlap == 1) if a else np.nan,
                        f"{prefix}_shape_r": a.get("shape_r_mean", np.nan)})
        row["note"] = "; ".join(notes)
        out.append(row)
    return pd.DataFrame(out)


def importance_spread(importances: pd.DataFrame) -> pd.DataFrame:
    """Per surrogate, method, size and term: the importance's mean, std and min–max over seeds, and its rank among singles.

    A pair term that only some fits selected (EBM picks its pairs per fit) has importance 0 in the others.
    """
    keys = ["dataset", "surrogate", "order_method", "size_pct", "n_train"]
    fits = importances[[*keys, "seed"]].drop_duplicates()
    terms = importances[[*keys, "term", "kind"]].drop_duplicates()
    imp = fits.merge(terms, on=keys).merge(importances[[*keys, "seed", "term", "importance"]], on=[*keys, "seed", "term"],
                                          how="left").fillna({"importance": 0.0})
    main = imp["kind"] == "main"
    imp["rank"] = np.nan
    imp.loc[main, "rank"] = imp[main].groupby([*keys, "seed"], sort=False)["importance"].rank(ascending=False, method="min")
    g = imp.groupby([*keys, "term", "kind"], sort=False)
    stats = g["importance"].agg(importance_mean="mean", importance_std="std", importance_min="min",
                                importance_max="max", n_seeds="count")
    ranks = g["rank"].agg(rank_mean="mean", rank_min="min", rank_max="max")
    out = stats.join(ranks).reset_index()
    out.insert(0, "experiment", NAME)
    return out


def stable_sizes(stab: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Per surrogate, method and reference: the fewest rows from which the top-k set agrees in ≥ ``fraction`` of seeds.

    A seed whose cell failed counts as disagreeing: it gave no explanation to trust.
    """
    out = []
    for (d, s, m), g in stab.groupby(["dataset", "surrogate", "order_method"], sort=False):
        full_rows = g.loc[g["size_pct"] == FULL, "n_train"].max()
        below = g[g["size_pct"] < FULL]
        for prefix in REFERENCES:
            share = below.assign(agree=below[f"{prefix}_{SAME}"] == 1).groupby(["size_pct", "n_train"])["agree"].mean()
            held = (share >= fraction - 1e-9).to_numpy()
            sizes = share.index.to_list()
            first = next((i for i, h in enumerate(held) if h), None)
            fails = np.flatnonzero(~held)
            stable = 0 if not len(fails) else (fails[-1] + 1 if fails[-1] + 1 < len(sizes) else None)
            out.append({
                "experiment": NAME, "dataset": d, "surrogate": s, "order_method": m, "reference": prefix,
                "stable_pct": sizes[stable][0] if stable is not None and sizes else np.nan,
                "stable_rows": sizes[stable][1] if stable is not None and sizes else np.nan,
                "first_pct": sizes[first][0] if first is not None else np.nan,
                "first_rows": sizes[first][1] if first is not None else np.nan,
                "full_rows": full_rows, "n_seeds": g["seed"].nunique(), "stable_fraction": fraction,
            })
    return pd.DataFrame(out)


def paper_claims(stab: pd.DataFrame, stable: pd.DataFrame, fraction: float, reference: str) -> list[Claim]:
    """Paper §5.1–5.2 reads 30 % of sw-en (185 rows) as the turning point after which the EBM is good enough to use.

    It shows only prediction error; the claim checked is that the EBM's explanation is trustworthy from there: at
    every random-subset size from 30 % to below 100 %, its top-3 set equals its full-data top-3 in ≥ ``fraction``
    of the seeds. The same criterion under the HPO orders is given as evidence.
    """
    text = (f"sw-en: EBM interpretations from ≥ {PAPER_PCT} % of the training data (185 rows) are trustworthy "
            f"(implicit in §5.1–5.2; checked on {reference}'s explanations of random subsets)")
    g = stab[(stab["dataset"] == "sw-en") & (stab["surrogate"] == reference) & (stab["order_method"] == "random")]
    sizes = sorted(s for s in g["size_pct"].unique() if PAPER_PCT <= s < FULL)
    if not sizes:
        return [Claim(NAME, "sw-en.ebm30", text, verdict(0, 0),
                      f"needs sw-en, the random order and sizes from {PAPER_PCT} % to below 100 % in the run")]
    by = g.groupby("size_pct")
    share, kendall, n = by[f"full_{SAME}"].apply(lambda x: (x == 1).mean()), by["full_kendall"].mean(), by["n_train"].first()
    held = [share[s] >= fraction - 1e-9 for s in sizes]
    others = stable[(stable["dataset"] == "sw-en") & (stable["surrogate"] == reference) & (stable["reference"] == "full")]
    evidence = ("top-3 = full-data top-3 in " + ", ".join(f"{share[s]:.0%} of seeds at {s:g} % ({n[s]} rows, τ {kendall[s]:.2f})"
                                                         for s in sizes)
                + f"; required ≥ {fraction:.0%} at each. Stable from: "
                + ", ".join(f"{r.order_method} {_size_text(r.stable_pct, r.stable_rows)}" for r in others.itertuples()))
    return [Claim(NAME, "sw-en.ebm30", text, verdict(sum(held), len(held)), evidence)]


# ---------------------------------------------------------------- markdown


def _size_text(pct, rows) -> str:
    return "never" if pd.isna(pct) else f"{int(rows)} rows ({pct:g} %)"


def _stable_markdown(stable: pd.DataFrame) -> str:
    methods = list(dict.fromkeys(stable["order_method"]))
    lines = ["| surrogate | against | " + " | ".join(methods) + " |", "|" + "---|" * (len(methods) + 2)]
    for (s, prefix), g in stable.groupby(["surrogate", "reference"], sort=False):
        g = g.set_index("order_method")
        cells = []
        for m in methods:
            if m not in g.index:
                cells.append("–")
                continue
            r = g.loc[m]
            cell = _size_text(r["stable_pct"], r["stable_rows"])
            if pd.notna(r["first_pct"]) and r["first_pct"] != r["stable_pct"]:
                cell += f"; first {_size_text(r['first_pct'], r['first_rows'])}"
            cells.append(cell)
        lines.append(f"| {s} | {'own full data' if prefix == 'full' else 'EBM full data'} | " + " | ".join(cells) + " |")
    full = stable["full_rows"].dropna()
    lines.append(f"\n\"never\": not reached below the full training split ({int(full.max()) if len(full) else '?'} rows); "
                 "\"first\": the smallest size that qualified before a larger one failed again.")
    return "\n".join(lines)


def _agreement_markdown(summary: pd.DataFrame) -> str:
    sizes = sorted(summary["size_pct"].unique())
    n = summary.drop_duplicates("size_pct").set_index("size_pct")["n_train"]
    lines = []
    for sur, g in summary.groupby("surrogate", sort=False):
        lines += [f"**{sur}** — Kendall τ of the single-feature importances; top-{TOP_K} share = share of seeds whose "
                  f"top-{TOP_K} set is the full-data one\n",
                  "| order | measure | " + " | ".join(f"{s:g} % ({n[s]})" for s in sizes) + " |",
                  "|" + "---|" * (len(sizes) + 2)]
        for m, mg in g.groupby("order_method", sort=False):
            mg = mg.set_index("size_pct")
            for label, col, digits, pm in (("τ vs own full", "full_kendall", 2, True), (f"top-{TOP_K} share", f"full_{SAME}", 1, False),
                                           ("τ vs EBM full", "ebm_kendall", 2, True)):
                cells = [_pm(mg.at[s, f"{col}_mean"], mg.at[s, f"{col}_std"] if pm else np.nan, digits) if s in mg.index else "–"
                         for s in sizes]
                lines.append(f"| {m} | {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _pm(mean, std, digits: int) -> str:
    if pd.isna(mean):
        return "–"
    return f"{mean:.{digits}f} ± {std:.{digits}f}" if pd.notna(std) else f"{mean:.{digits}f}"


def _spread_markdown(importances: pd.DataFrame, ds: str, reference: str) -> str:
    spread = importance_spread(importances[(importances["dataset"] == ds) & (importances["surrogate"] == reference)
                                           & (importances["order_method"] == "random") & (importances["kind"] == "main")])
    if not len(spread):
        return "The random order is not in this run.\n"
    sizes = sorted(spread["size_pct"].unique())
    lines = ["| feature | " + " | ".join(f"{s:g} %" for s in sizes) + " |", "|" + "---|" * (len(sizes) + 1)]
    for term, g in spread.sort_values(["size_pct", "importance_mean"], ascending=[False, False]).groupby("term", sort=False):
        g = g.set_index("size_pct")
        lines.append(f"| {term} | " + " | ".join(
            f"{g.at[s, 'importance_mean']:.2f} [{g.at[s, 'importance_min']:.2f}–{g.at[s, 'importance_max']:.2f}]"
            if s in g.index else "–" for s in sizes) + " |")
    lines.append("\nImportance = mean |centred term| over the fitting rows, in target units; all terms and their rank "
                 "ranges are in importance_spread.csv.")
    return "\n".join(lines)


def _reading(stable: pd.DataFrame, summary: pd.DataFrame, reference: str, need: str) -> str:
    """Plain language: from how many rows each surrogate's explanation can be trusted, and under which sampling."""
    own = stable[stable["reference"] == "full"]
    mse = summary.set_index(["surrogate", "order_method", "size_pct"])["mse_mean"]
    lines = []
    for s, g in own.groupby("surrogate", sort=False):
        held = g[g["stable_pct"].notna()]
        parts = [f"{m}: from {_size_text(r.stable_pct, r.stable_rows)}" + _mse_text(mse, s, m, r.stable_pct)
                 for m, r in zip(held["order_method"], held.itertuples())]
        never = list(g.loc[g["stable_pct"].isna(), "order_method"])
        if never:
            parts.append(f"never below the full split under {' / '.join(never)}")
        lines.append(f"- **{s}**: its top-{TOP_K} hyperparameters can be trusted — {'; '.join(parts)}.")
    best = own.dropna(subset=["stable_rows"])
    if len(best):
        per = best.loc[best.groupby("order_method", sort=False)["stable_rows"].idxmin()]
        lines.append("- Earliest stable per sampling method: "
                     + "; ".join(f"{m}: {s} ({_size_text(p, n)})" for m, s, p, n in
                                 zip(per["order_method"], per["surrogate"], per["stable_pct"], per["stable_rows"])) + ".")
    vs_ebm = stable[(stable["reference"] == "ebm") & (stable["surrogate"] != reference)]
    if len(vs_ebm):
        lines.append(f"- Naming {reference}'s full-data top-{TOP_K} (the paper's model on all rows): " + "; ".join(
            f"{s} " + ", ".join(f"{m} {_size_text(p, n)}" for m, p, n in zip(g["order_method"], g["stable_pct"], g["stable_rows"]))
            for s, g in vs_ebm.groupby("surrogate", sort=False)) + ".")
    return "\n".join([f"\"Trusted\" means: fitted on that many rows, the surrogate names the same top-{TOP_K} hyperparameters "
                      f"as when fitted on the whole training split in ≥ {need}, and keeps doing so with more rows.\n", *lines])


def _mse_text(mse: pd.Series, s: str, m: str, pct) -> str:
    here, full = mse.get((s, m, pct), np.nan), mse.get((s, m, FULL), np.nan)
    return f" (test MSE {here:.2f} there, {full:.2f} on all rows)" if pd.notna(here) and pd.notna(full) else ""


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


class Stability(Experiment):
    name = "stability"
    title = "Stability of interpretations under less and skewed data"
    keys = tuple(KEYS)
    tables = TABLES

    def run(self, cfg, opts):
        return run(cfg, opts)

    def summarise(self, rows, out, **tables):
        return summarise(rows, out, **tables)


EXPERIMENT = Stability()
