"""Transfer (paper §5.4, Figure 7): fit on one pair, score on every pair — and when does it work?

One fit per (train pair, seed, surrogate), scored on every pair's test split,
gives a train × test matrix per surrogate. Beside the paper's MSE the
summary reports SRC and MRR (a shift in BLEU level between tasks costs MSE
but no ranking), the share of test rows holding values the training pair
never had, the split of MSE into squared mean shift and residual variance,
how well the similarity of two pairs' EBM interpretations predicts transfer,
and a leave-one-pair-out model trained on the other pairs pooled.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import pearsonr, spearmanr

from harness.cells import Cell, Eval, cell_id, run_cells
from harness.paper.claims import NOT_EVALUATED, Claim, verdict, write_claims
from harness.config import seeds_of
from harness.data.dataset import Dataset
from harness.data.pooled import pool, rows_in
from harness.errors import ConfigError
from harness.analysis.summary import ebm_surrogates, main_ebm, mean_std
from harness.experiments.base import Experiment
from harness.experiments.common import datasets_of, specs_of, split_of
from harness.explanations import Interpretation, agreement, records_of
from harness.render import transfer as plots
from harness.results import atomic_write_text, refuse_duplicates, write_csv

log = logging.getLogger("harness")

NAME = "transfer"
KEYS = ["experiment", "feed", "train_kind", "train_pair", "test_pair", "surrogate", "seed"]
TABLES = ("metrics", "importances", "shapes")
FEEDS = ("raw", "scaled")
POOLED = "others"  # train_pair of a leave-one-pair-out row: every pair but the test pair, pooled
METRICS = ("mse", "src", "mrr", "r2", "regret", "shift2", "resid_var", "ood_share", "extrap_share", "fit_seconds")
MATRIX_METRICS = ("mse", "src", "mrr", "regret", "shift2", "resid_var")
CORNER = "tested_on\\trained_on"

# Claim thresholds, fixed before looking at any result (see the summary's claims section).
K_MSE = 2.0  # a transfer A→B is poor if its MSE exceeds K_MSE × B's own in-domain MSE, good otherwise
SRC_POOR = 0.5  # ... and, in the ranking view, poor if its SRC is below this, good otherwise


# --- cells -------------------------------------------------------------------------------------------


def feed_of(cfg) -> str:
    feed = cfg.get("feed", "raw")
    if feed not in FEEDS:
        raise ConfigError(f"feed={feed!r}: expected one of {', '.join(FEEDS)}")
    return feed


def _keys(feed: str, kind: str, train_pair: str) -> tuple:
    return (("experiment", NAME), ("feed", feed), ("train_kind", kind), ("train_pair", train_pair))


def _test_eval(name: str, split) -> Eval:
    return Eval(dataset=name, rows=tuple(int(i) for i in split.test), keys=(("test_pair", name),))


def pair_cells(datasets: dict[str, Dataset], splits: dict, specs, seeds, feed: str) -> list[Cell]:
    """One cell per (seed, train pair, surrogate), scored on the test split of every pair."""
    cells = []
    for seed in seeds:
        evals = tuple(_test_eval(name, splits[name, seed]) for name in datasets)
        for name in datasets:
            train_rows = tuple(int(i) for i in splits[name, seed].train)
            cells += [
                Cell(keys=_keys(feed, "pair", name), train=name, train_rows=train_rows, surrogate=spec, seed=seed,
                     evals=evals, feed=feed, explain=spec.is_ebm)
                for spec in specs
            ]
    return cells


def pooled_datasets(datasets: dict[str, Dataset], feed: str) -> dict[str, Dataset]:
    """Per held-out pair, the other pairs stacked (needs three pairs: with two, "the others" is one pair)."""
    if len(datasets) < 3:
        return {}
    return {
        held: pool([ds for name, ds in datasets.items() if name != held], feed=feed, name=f"all but {held}")
        for held in datasets
    }


def pooled_cells(pooled: dict[str, Dataset], splits: dict, specs, seeds, feed: str) -> list[Cell]:
    """Train on the union of the other pairs' training splits, test on the held-out pair's test split."""
    cells = []
    for held, ds in pooled.items():
        for seed in seeds:
            rows = np.concatenate([rows_in(ds, part, splits[part, seed].train) for part in ds.meta["parts"]])
            cells += [
                Cell(keys=_keys(feed, "pooled", POOLED), train=ds.name, train_rows=tuple(int(i) for i in rows),
                     surrogate=spec, seed=seed, evals=(_test_eval(held, splits[held, seed]),), feed=feed)
                for spec in specs
            ]
    return cells


def unseen_shares(train: Dataset, test: Dataset, feed: str) -> dict[str, float]:
    """Share of test rows with a value the training domain lacks, and with one beyond its range.

    Both are judged on the features as the surrogate sees them (``feed``),
    against the training table's declared schema.
    """
    _, schema = train.features(feed)
    X, _ = test.features(feed)
    beyond = np.zeros(len(X), dtype=bool)
    for f in schema:
        if not f.is_categorical:
            v = X[f.name].to_numpy(dtype=float)
            tol = 1e-9 * max(abs(f.low), abs(f.high), 1.0)
            beyond |= (v < f.low - tol) | (v > f.high + tol)
    return {
        "ood_share": float(schema.outside_mask(X).to_numpy().any(axis=1).mean()),
        "extrap_share": float(beyond.mean()),
    }


def unseen_table(cells: list[Cell], datasets: dict[str, Dataset]) -> pd.DataFrame:
    """Unseen-value shares per (train, test split, seed): they depend on the data only, not the surrogate."""
    out, done = [], set()
    for c in cells:
        for ev in c.evals:
            key = (c.key_dict["train_kind"], c.key_dict["train_pair"], ev.dataset, c.seed)
            if key in done:
                continue
            done.add(key)
            test = datasets[ev.dataset].take(ev.rows)
            shares = unseen_shares(datasets[c.train], test, c.feed)
            out.append(dict(zip(("train_kind", "train_pair", "test_pair", "seed"), key), **shares))
    return pd.DataFrame(out)


def interpretation_tables(cells: list[Cell], result, datasets: dict[str, Dataset]) -> dict[str, pd.DataFrame]:
    """The EBM cells' importances and shapes as tidy tables keyed by (feed, train pair, seed, surrogate)."""
    frames: dict[str, list] = {"importances": [], "shapes": []}
    for c in cells:
        d = result.interpretations.get(cell_id(c, datasets)) if c.explain else None
        if d is None:
            continue
        k = c.key_dict
        parts = Interpretation.from_dict(d).frames(
            experiment=NAME, feed=k["feed"], train_pair=k["train_pair"], seed=c.seed
        )
        for name in frames:
            frames[name].append(parts[name].assign(surrogate=c.surrogate.name))
    return {name: pd.concat(f, ignore_index=True) if f else pd.DataFrame() for name, f in frames.items()}


def run(cfg, opts):
    feed = feed_of(cfg)
    datasets = datasets_of(cfg, opts)
    if len(datasets) < 2:
        raise ConfigError(f"transfer needs at least two pairs, got {list(datasets)}; set pairs=[...]")
    specs, seeds = specs_of(cfg), seeds_of(cfg)
    splits = {(name, seed): split_of(cfg, ds, seed) for name, ds in datasets.items() for seed in seeds}
    pooled = pooled_datasets(datasets, feed)
    cells = pair_cells(datasets, splits, specs, seeds, feed) + pooled_cells(pooled, splits, specs, seeds, feed)
    everything = {**datasets, **{ds.name: ds for ds in pooled.values()}}
    result = run_cells(cells, everything, opts, label=NAME)
    rows = result.rows.merge(unseen_table(cells, everything), on=["train_kind", "train_pair", "test_pair", "seed"],
                             how="left", validate="many_to_one")
    write_csv(rows, opts.output_dir / "metrics.csv")
    tables = interpretation_tables(cells, result, everything)
    for name, frame in tables.items():
        write_csv(frame, opts.output_dir / f"{name}.csv")
    log.info(
        "transfer: %d cells (%d computed, %d cached) in %.1f s; wrote %s",
        len(cells), result.computed, result.cached, result.wall_seconds, opts.output_dir,
    )
    return EXPERIMENT.finish(rows, opts, **tables)


# --- summary -----------------------------------------------------------------------------------------


def pair_order(rows: pd.DataFrame) -> list[str]:
    """The configured pair order: test pairs in the order the cells scored them."""
    return list(dict.fromkeys(rows.loc[rows["train_kind"] == "pair", "test_pair"]))


def matrix(summary: pd.DataFrame, surrogate: str, column: str, order: list[str]) -> pd.DataFrame:
    """Rows = tested on, columns = trained on (the paper's Fig. 7 layout), both in ``order``."""
    part = summary[(summary["train_kind"] == "pair") & (summary["surrogate"] == surrogate)]
    m = part.pivot(index="test_pair", columns="train_pair", values=column).reindex(index=order, columns=order)
    m.index.name, m.columns.name = "tested on", "trained on"
    return m


def matrix_csv(m: pd.DataFrame, path: Path) -> Path:
    return write_csv(m.rename_axis(index=CORNER, columns=None).reset_index(), path)


def off_diagonal(m: pd.DataFrame) -> pd.Series:
    """The cross-pair cells of a matrix as a Series indexed by (train, test)."""
    cells = {(a, b): m.at[b, a] for a in m.columns for b in m.index if a != b}
    return pd.Series(cells, dtype=float).rename_axis(["train_pair", "test_pair"])


def with_resid_var(rows: pd.DataFrame) -> pd.DataFrame:
    """MSE = shift² + variance of the residual: ``resid_var`` is what no constant BLEU offset could remove."""
    return rows.assign(resid_var=rows["mse"] - rows["shift2"])


def summarise(rows: pd.DataFrame, out: Path, importances: pd.DataFrame | None = None,
              shapes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Matrices, heatmaps, diagnostics, leave-one-pair-out and the paper's claims, from tidy tables only."""
    refuse_duplicates(rows, KEYS, "transfer metrics")
    rows = with_resid_var(rows)
    summary = mean_std(rows, ["feed", "train_kind", "train_pair", "test_pair", "surrogate"], metrics=METRICS)
    write_csv(summary, out / "summary.csv")
    order = pair_order(rows)
    surrogates = list(dict.fromkeys(rows["surrogate"]))
    ebms = ebm_surrogates(rows)
    feeds = [f for f in FEEDS if f in set(rows["feed"])]
    seeds = sorted(rows["seed"].unique())
    md = [
        "# Transfer (paper §5.4, Figure 7)\n",
        f"Pairs (in this order): {', '.join(order)}; seeds {', '.join(map(str, seeds))}; "
        f"surrogates {', '.join(surrogates)}; feed {', '.join(feeds)}. Each model is fitted once on a pair's "
        "training split and scored on every pair's test split (the same seeded 80/20 splits as the other "
        "experiments); numbers are mean ± sample std over seeds. Matrices: rows = tested on, columns = "
        "trained on (the paper's Fig. 7 has trained-on on the x-axis); the diagonal is in-domain.\n",
    ]
    sim_tables, pooled_tables = [], []
    for feed in feeds:
        s_feed = summary[summary["feed"] == feed]
        present = set(s_feed["surrogate"])
        surs, feed_ebms = [x for x in surrogates if x in present], [x for x in ebms if x in present]
        suffix = "" if feed == "raw" else f"_{feed}"
        md.append(f"## feed = {feed}\n")
        md += _matrices_section(s_feed, order, surs, feed_ebms, out, suffix)
        md += _unseen_section(s_feed, order, surs[0], out, suffix, feed)
        for ebm in feed_ebms:
            md += _decomposition_section(s_feed, order, ebm)
            sim = similarity_table(importances, shapes, s_feed, order, ebm, feed)
            md += _diagnostics_section(sim, ebm, out, suffix)
            sim_tables.append(sim)
        pooled = pooled_table(s_feed, order)
        pooled_tables.append(pooled)
        md += _pooled_section(pooled, main_ebm(feed_ebms) or surs[0])
    if sim_tables:
        write_csv(pd.concat(sim_tables, ignore_index=True), out / "transfer_similarity.csv")
    write_csv(pd.concat(pooled_tables, ignore_index=True), out / "transfer_pooled.csv")
    if len(feeds) > 1:
        md += _feed_comparison(summary, order, surrogates, feeds)
    claim_feed = "raw" if "raw" in feeds else feeds[0]
    claim_ebm = main_ebm([x for x in ebms if x in set(summary.loc[summary["feed"] == claim_feed, "surrogate"])])
    if claim_ebm:
        claims = check_claims(summary[summary["feed"] == claim_feed], order, claim_ebm, claim_feed)
        write_claims(claims, out, title="Transfer (paper §5.4): the paper's claims")
        md += _claims_section(claims, claim_ebm, claim_feed)
    text = "\n".join(md)
    atomic_write_text(out / "summary.md", text)
    log.info("%s", text)
    return summary


def _fmt_matrix(mean: pd.DataFrame, std: pd.DataFrame | None, digits: int = 2) -> list[str]:
    head = "| tested on ↓ / trained on → | " + " | ".join(mean.columns) + " |"
    lines = [head, "|" + "---|" * (len(mean.columns) + 1)]
    for test in mean.index:
        cells = []
        for train in mean.columns:
            v = mean.at[test, train]
            s = "" if std is None or pd.isna(std.at[test, train]) else f" ± {std.at[test, train]:.{digits}f}"
            cell = "–" if pd.isna(v) else f"{v:.{digits}f}{s}"
            cells.append(f"**{cell}**" if test == train and cell != "–" else cell)
        lines.append(f"| {test} | " + " | ".join(cells) + " |")
    return lines + [""]


def _matrices_section(s: pd.DataFrame, order, surrogates, ebms, out: Path, suffix: str) -> list[str]:
    md = []
    overview = ["| surrogate | in-domain MSE | cross-pair MSE (median) | in-domain SRC | cross-pair SRC (median) "
                "| cross-pair MRR (median) |", "|---|---|---|---|---|---|"]
    for sur in surrogates:
        mats = {m: (matrix(s, sur, f"{m}_mean", order), matrix(s, sur, f"{m}_std", order)) for m in MATRIX_METRICS}
        for m, (mean, std) in mats.items():
            if m in ("shift2", "resid_var") and sur not in ebms:
                continue
            matrix_csv(mean, out / f"transfer_{m}_{sur}{suffix}.csv")
            matrix_csv(std, out / f"transfer_{m}_{sur}{suffix}_std.csv")
        plots.heatmaps(
            [
                dict(mean=mats["mse"][0], std=mats["mse"][1], title="test MSE (log colour)", cmap="magma_r", log=True),
                dict(mean=mats["src"][0], std=mats["src"][1], title="SRC (Spearman)", cmap="viridis", vmin=-1, vmax=1),
                dict(mean=mats["mrr"][0], std=mats["mrr"][1], title="MRR (1/rank of the pick)", cmap="viridis",
                     vmin=0, vmax=1),
            ],
            out / f"transfer_{sur}{suffix}.png",
            f"{sur}: trained on one pair, tested on another (mean ± std over seeds)",
        )
        diag = {m: np.diag(mats[m][0].to_numpy()) for m in ("mse", "src")}
        off = {m: off_diagonal(mats[m][0]) for m in ("mse", "src", "mrr")}
        overview.append(
            f"| {sur} | {np.nanmean(diag['mse']):.2f} | {off['mse'].median():.2f} | {np.nanmean(diag['src']):.3f} "
            f"| {off['src'].median():.3f} | {off['mrr'].median():.3f} |"
        )
        if sur in ebms:
            md.append(f"### {sur}: test MSE\n")
            md += _fmt_matrix(*mats["mse"])
            md.append(f"### {sur}: SRC\n")
            md += _fmt_matrix(*mats["src"], digits=3)
            md.append(f"### {sur}: MRR\n")
            md += _fmt_matrix(*mats["mrr"], digits=3)
    md += ["### Every surrogate at a glance (in-domain = mean over the diagonal)\n", *overview, ""]
    md.append(f"Matrices of every surrogate: `transfer_<metric>_<surrogate>{suffix}.csv` (mean) and `..._std.csv`; "
              f"heatmaps `transfer_<surrogate>{suffix}.png`.\n")
    return md


def _unseen_section(s: pd.DataFrame, order, any_surrogate: str, out: Path, suffix: str, feed: str) -> list[str]:
    ood = matrix(s, any_surrogate, "ood_share_mean", order)
    extrap = matrix(s, any_surrogate, "extrap_share_mean", order)
    matrix_csv(ood, out / f"transfer_ood_share{suffix}.csv")
    matrix_csv(extrap, out / f"transfer_extrap_share{suffix}.csv")
    plots.heatmaps(
        [dict(mean=ood, std=None, title="rows with a value not in the training domain", cmap="Reds", vmin=0, vmax=1),
         dict(mean=extrap, std=None, title="rows with a value beyond the training range", cmap="Reds", vmin=0, vmax=1)],
        out / f"transfer_unseen{suffix}.png",
        f"Unseen hyperparameter values in the test split (feed={feed})",
    )
    md = ["### Unseen values\n",
          "Share of the test split's rows holding at least one value outside the training pair's declared domain "
          "(`ood_share`, a level it never had) — and, of those, beyond its range (`extrap_share`) — judged on the "
          f"features as fed (feed={feed}); mean over seeds:\n"]
    md += _fmt_matrix(ood, None)
    md.append("Beyond the training range:\n")
    md += _fmt_matrix(extrap, None)
    md += [FEED_NOTE, ""]
    return md


FEED_NOTE = """\
What `feed` changes. With `feed=raw` (default) every model sees the raw values, and a value the training pair
never had is handled by the model itself: EBM, the tree and XGBoost put it in the bin or leaf of the neighbouring
seen values (bpe 1k–8k fed to a 10k–50k model all act like 10k, 6 layers like 4), while ridge and the GAM map it
through the *training* schema's log-aware [0, 1] range to a point outside [0, 1] and extrapolate (bpe 1k on a
10k–50k schema is −1.43). With `feed=scaled` each pair's values are first mapped onto its *own* schema's [0, 1],
so smallest meets smallest and largest meets largest (sw-en's bpe 1k–32k and zh-en's 10k–50k both span [0, 1];
so-en's 4 layers land on sw-en's 6): nothing lies beyond the training range any more (`extrap_share` = 0), values
may still fall between the trained levels (`ood_share` > 0), and the mapping asserts that a pair's smallest
vocabulary plays the role of another pair's smallest — an assumption about the tasks, not a fact of the data.
Between pairs with identical domains (zh-en, ru-en, ja-en, en-ja) the two feeds differ only by a monotone
re-scaling of the same levels."""


def _decomposition_section(s: pd.DataFrame, order, ebm: str) -> list[str]:
    mse, shift2 = matrix(s, ebm, "mse_mean", order), matrix(s, ebm, "shift2_mean", order)
    share = shift2 / mse
    off = off_diagonal(share)
    md = [f"### {ebm}: MSE = shift² + residual variance\n",
          "shift² = (mean(pred − true))² over the test split, the part of MSE a constant BLEU offset between the "
          "tasks explains; the rest (`resid_var` = MSE − shift²) is what no offset could remove. Share of MSE that "
          "is shift² (seed means):\n"]
    md += _fmt_matrix(share, None)
    md.append(f"Across the {len(off)} cross-pair cells the shift² share has median {off.median():.2f} "
              f"(range {off.min():.2f}–{off.max():.2f}); on the diagonal its mean is "
              f"{np.nanmean(np.diag(share.to_numpy())):.3f}. Matrices: `transfer_shift2_{ebm}*.csv`, "
              f"`transfer_resid_var_{ebm}*.csv`.\n")
    return md


# --- interpretation similarity ----------------------------------------------------------------------


AGREEMENT = {"spearman": "importance_spearman", "kendall": "importance_kendall", "top3_overlap": "top3_overlap",
             "shape_r_mean": "shape_r_mean", "shape_r_features": "shape_r_features"}


def similarity_table(importances, shapes, s: pd.DataFrame, order, ebm: str, feed: str) -> pd.DataFrame:
    """Per cross-pair (train, test): how alike the two pairs' EBMs are (same seed, then seed mean), and the transfer."""
    sims = []
    if importances is not None and len(importances):
        def own(frame):
            return frame[(frame["surrogate"] == ebm) & (frame["feed"] == feed)]

        records = records_of(own(importances), own(shapes), by=("train_pair", "seed"))
        for (a, seed), rec in records.items():
            for b in order:
                if b != a and (b, seed) in records:
                    sims.append({"train_pair": a, "test_pair": b, **agreement(rec, records[b, seed])})
    sim = (pd.DataFrame(sims).groupby(["train_pair", "test_pair"])[list(AGREEMENT)].mean().rename(columns=AGREEMENT)
           if sims else pd.DataFrame(columns=list(AGREEMENT.values())))
    cols = ["src_mean", "mse_mean", "shift2_mean", "resid_var_mean", "ood_share_mean"]
    cells = pd.DataFrame({c: off_diagonal(matrix(s, ebm, c, order)) for c in cols})
    table = cells.join(sim, how="left").reset_index()
    return table.assign(surrogate=ebm, feed=feed)[["surrogate", "feed", "train_pair", "test_pair",
                                                   *AGREEMENT.values(), *cols]]


PREDICTORS = {
    "importance_spearman": "Spearman of the two pairs' EBM feature importances",
    "shape_r_mean": "mean shape correlation on shared values",
    "ood_share_mean": "share of test rows with unseen values",
}


def _diagnostics_section(sim: pd.DataFrame, ebm: str, out: Path, suffix: str) -> list[str]:
    md = [f"### {ebm}: when does transfer work?\n",
          "For every cross-pair cell (train A, test B): the similarity of the EBM fitted on A and the EBM fitted on "
          "B with the same seed (`harness.explanations.agreement`) — Spearman of their six single-feature "
          "importances, and the mean over features of the Pearson correlation of their shapes on the raw values "
          "both pairs hold (a feature counts only with ≥ 3 shared values: embed and lr always, bpe between pairs "
          "of the same bpe grid, layers between sw-en and so-en) — averaged over seeds, against the transfer SRC "
          "of A → B; the unseen-value share is the third candidate. The similarities are symmetric, so A → B and "
          "B → A share an x value. Correlation across cells (scipy p-values, which treat the cells as "
          "independent — they are not quite):\n",
          "| predictor of transfer SRC | cells | Spearman | p | Pearson | p |", "|---|---|---|---|---|---|"]
    stats = {}
    for col, label in PREDICTORS.items():
        ok = sim[[col, "src_mean"]].dropna()
        if len(ok) >= 3 and ok[col].nunique() > 1 and ok["src_mean"].nunique() > 1:
            rs, ps = spearmanr(ok[col], ok["src_mean"])
            rp, pp = pearsonr(ok[col], ok["src_mean"])
            md.append(f"| {label} | {len(ok)} | {rs:.3f} | {ps:.3g} | {rp:.3f} | {pp:.3g} |")
            stats[col] = f"Spearman {rs:.2f}, Pearson {rp:.2f} (n={len(ok)})"
        else:
            md.append(f"| {label} | {len(ok)} | – | – | – | – |")
    md.append("")
    if len(sim):
        plots.similarity_scatter(sim, PREDICTORS, "src_mean", "transfer SRC (mean over seeds)",
                                 out / f"transfer_similarity_{ebm}{suffix}.png",
                                 f"{ebm}: pair similarity vs transfer SRC, one point per cross-pair cell", stats)
        md.append(f"Scatter: `transfer_similarity_{ebm}{suffix}.png`; numbers: `transfer_similarity.csv`.\n")
    return md


# --- leave one pair out -----------------------------------------------------------------------------


def pooled_table(s: pd.DataFrame, order) -> pd.DataFrame:
    """Per held-out pair and surrogate: the pooled model beside the best single source (by MSE) and in-domain."""
    out = []
    pooled = s[s["train_kind"] == "pooled"]
    for (sur, held), g in pooled.groupby(["surrogate", "test_pair"]):
        p = g.iloc[0]
        singles = s[(s["train_kind"] == "pair") & (s["surrogate"] == sur) & (s["test_pair"] == held)]
        cross = singles[singles["train_pair"] != held]
        row = {"feed": p["feed"], "surrogate": sur, "held_out": held}
        for m in ("mse", "src", "mrr"):
            row[f"pooled_{m}_mean"], row[f"pooled_{m}_std"] = p[f"{m}_mean"], p[f"{m}_std"]
        if len(cross):
            best = cross.loc[cross["mse_mean"].idxmin()]
            row["best_source"] = best["train_pair"]
            for m in ("mse", "src", "mrr"):
                row[f"best_{m}_mean"], row[f"best_{m}_std"] = best[f"{m}_mean"], best[f"{m}_std"]
            row["best_src_any_source"] = cross["src_mean"].max()
        own = singles[singles["train_pair"] == held]
        for m in ("mse", "src", "mrr"):
            row[f"in_domain_{m}_mean"] = own[f"{m}_mean"].iloc[0] if len(own) else np.nan
        row["pooled_ood_share"] = p["ood_share_mean"]
        out.append(row)
    df = pd.DataFrame(out)
    if len(df):
        df["rank"] = df["held_out"].map({p: i for i, p in enumerate(order)})
        df = df.sort_values(["surrogate", "rank"]).drop(columns="rank").reset_index(drop=True)
    return df


def _pooled_section(pooled: pd.DataFrame, sur: str) -> list[str]:
    part = pooled[pooled["surrogate"] == sur] if len(pooled) else pooled
    if not len(part):
        return ["### Leave one pair out\n", "Not run: it needs at least three pairs.\n"]
    md = [f"### {sur}: leave one pair out\n",
          "Trained on the union of the other pairs' training splits (no pair indicator; the pooled schema is the "
          "union of their domains), tested on the held-out pair's test split; beside it the best single source "
          "for that pair (lowest mean MSE) and the pair's own in-domain model. MSE / SRC / MRR, mean ± std:\n",
          "| held out | pooled MSE | pooled SRC | pooled MRR | best single source | its MSE | its SRC | its MRR "
          "| in-domain MSE / SRC | pooled rows unseen |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in part.iterrows():
        md.append(
            f"| {r['held_out']} | {_pm(r, 'pooled_mse')} | {_pm(r, 'pooled_src', 3)} | {_pm(r, 'pooled_mrr', 3)} "
            f"| {r.get('best_source', '–')} | {_pm(r, 'best_mse')} | {_pm(r, 'best_src', 3)} | {_pm(r, 'best_mrr', 3)} "
            f"| {r['in_domain_mse_mean']:.2f} / {r['in_domain_src_mean']:.3f} | {r['pooled_ood_share']:.2f} |"
        )
    md.append("\nAll surrogates: `transfer_pooled.csv`.\n")
    return md


def _pm(r, prefix: str, digits: int = 2) -> str:
    m, s = r.get(f"{prefix}_mean", np.nan), r.get(f"{prefix}_std", np.nan)
    if pd.isna(m):
        return "–"
    return f"{m:.{digits}f}" + ("" if pd.isna(s) else f" ± {s:.{digits}f}")


def _feed_comparison(summary: pd.DataFrame, order, surrogates, feeds) -> list[str]:
    """Medians over cross-pair cells per surrogate and feed, overall and where the two pairs' domains differ."""
    raw = summary[summary["feed"] == "raw"]
    ood = off_diagonal(matrix(raw, raw["surrogate"].iloc[0], "ood_share_mean", order))
    differ = [bool(ood[a, b] > 0 or ood[b, a] > 0) for a, b in ood.index]
    md = ["## raw vs scaled features\n",
          "Medians over the cross-pair cells; *different domains* = the cells where either pair has values the other "
          "lacks (raw `ood_share` > 0 in one direction) — the only cells where the two feeds can differ by more than "
          "a monotone re-scaling of the same levels.\n",
          "| surrogate | feed | cross-pair MSE | cross-pair SRC | different-domain MSE | different-domain SRC |",
          "|---|---|---|---|---|---|"]
    for sur in surrogates:
        for feed in feeds:
            s = summary[(summary["surrogate"] == sur) & (summary["feed"] == feed)]
            if not len(s):
                continue
            off = {m: off_diagonal(matrix(s, sur, f"{m}_mean", order)) for m in ("mse", "src")}
            md.append(f"| {sur} | {feed} | {off['mse'].median():.2f} | {off['src'].median():.3f} "
                      f"| {off['mse'][differ].median():.2f} | {off['src'][differ].median():.3f} |")
    return md + [""]


# --- claims -----------------------------------------------------------------------------------------


def check_claims(s: pd.DataFrame, order, ebm: str, feed: str) -> list[Claim]:
    """The paper's four transfer claims, judged with the thresholds K_MSE and SRC_POOR fixed above."""
    mse, src = matrix(s, ebm, "mse_mean", order), matrix(s, ebm, "src_mean", order)
    mse_sd, src_sd = matrix(s, ebm, "mse_std", order), matrix(s, ebm, "src_std", order)
    shift2 = matrix(s, ebm, "shift2_mean", order)
    off_mse = off_diagonal(mse).dropna()
    worst_rank = off_mse.rank(ascending=False, method="min")

    def cell(a: str, b: str) -> str:
        ratio = mse.at[b, a] / mse.at[b, b]
        return (f"{a}→{b}: MSE {mse.at[b, a]:.2f} ± {mse_sd.at[b, a]:.2f} = {ratio:.1f}× {b}'s in-domain "
                f"{mse.at[b, b]:.2f} ({_ordinal(int(worst_rank[a, b]))} worst of {len(off_mse)} cross-pair cells; shift² "
                f"{shift2.at[b, a] / mse.at[b, a]:.0%} of it), SRC {src.at[b, a]:.3f} ± {src_sd.at[b, a]:.3f} "
                f"(in-domain {src.at[b, b]:.3f})")

    def poor_mse(a, b) -> bool:
        return mse.at[b, a] > K_MSE * mse.at[b, b]

    def poor_src(a, b) -> bool:
        return src.at[b, a] < SRC_POOR

    def agree(v_mse: str, v_src: str) -> str:
        return f"SRC view: {v_src} — {'agrees' if v_src == v_mse else 'disagrees'} with the MSE view."

    have = set(order)
    rows = []

    def add(cid, claim, needed, judge):
        if not set(needed) <= have:
            rows.append(Claim(NAME, cid, claim, NOT_EVALUATED, f"needs pairs {', '.join(needed)}"))
        else:
            v, evidence = judge()
            rows.append(Claim(NAME, cid, claim, v, f"[{ebm}, feed={feed}] {evidence}"))

    def a_judge():
        dirs = [("sw-en", "so-en"), ("so-en", "sw-en")]
        v_mse = verdict(sum(poor_mse(a, b) for a, b in dirs), 2)
        v_src = verdict(sum(poor_src(a, b) for a, b in dirs), 2)
        return v_mse, "; ".join(cell(a, b) for a, b in dirs) + f". {agree(v_mse, v_src)}"

    def b_judge():
        dirs = [("en-ja", "ru-en"), ("ru-en", "en-ja")]
        v_mse = verdict(sum(not poor_mse(a, b) for a, b in dirs), 2)
        v_src = verdict(sum(not poor_src(a, b) for a, b in dirs), 2)
        return v_mse, "; ".join(cell(a, b) for a, b in dirs) + f". {agree(v_mse, v_src)}"

    def c_judge():
        a, own = "en-ja", mse.at["en-ja", "en-ja"]
        tests = ["ja-en", "ru-en"]
        v_mse = verdict(sum(mse.at[b, a] < own for b in tests), 2)
        v_src = verdict(sum(src.at[b, a] > src.at[a, a] for b in tests), 2)
        r2 = matrix(s, ebm, "r2_mean", order)
        ev = "; ".join(
            f"en-ja→{b}: MSE {mse.at[b, a]:.2f} ± {mse_sd.at[b, a]:.2f}, SRC {src.at[b, a]:.3f}, R² {r2.at[b, a]:.3f} "
            f"({b}'s own model: MSE {mse.at[b, b]:.2f}, SRC {src.at[b, b]:.3f})" for b in tests)
        ev = (f"en-ja→en-ja: MSE {own:.2f} ± {mse_sd.at[a, a]:.2f}, SRC {src.at[a, a]:.3f}, R² {r2.at[a, a]:.3f}; "
              f"{ev}. SRC view (SRC higher on those test sets than on en-ja's own): {v_src} — "
              f"{'agrees' if v_src == v_mse else 'disagrees'} with the MSE view.")
        return v_mse, ev

    def d_judge():
        parts, hits_mse, hits_src = [], 0, 0
        for a in order:
            ratios = {b: mse.at[b, a] / mse.at[b, b] for b in order if b != a}
            worst = max(ratios, key=ratios.get)
            low = min((b for b in order if b != a), key=lambda b: src.at[b, a])
            hits_mse += ratios[worst] > K_MSE
            hits_src += src.at[low, a] < SRC_POOR
            parts.append(f"{a}: worst {worst} {ratios[worst]:.1f}×, lowest SRC {low} {src.at[low, a]:.3f}")
        v_mse = verdict(hits_mse, len(order))
        v_src = verdict(hits_src, len(order))
        return v_mse, (f"{hits_mse}/{len(order)} sources have a target with MSE > {K_MSE:g}× its in-domain MSE; "
                       f"{hits_src}/{len(order)} a target with SRC < {SRC_POOR}. " + "; ".join(parts)
                       + f". {agree(v_mse, v_src)}")

    add("transfer.a", "sw-en and so-en transfer poorly to each other (both directions)", ["sw-en", "so-en"], a_judge)
    add("transfer.b", "en-ja and ru-en transfer well to each other (both directions)", ["en-ja", "ru-en"], b_judge)
    add("transfer.c", "the en-ja model has lower MSE on the ja-en and ru-en test sets than on en-ja's own",
        ["en-ja", "ja-en", "ru-en"], c_judge)
    add("transfer.d", "no single source pair generalises well to all the others", order[:2], d_judge)
    return rows


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _claims_section(claims: list[Claim], ebm: str, feed: str) -> list[str]:
    md = [f"## The paper's claims ({ebm}, feed={feed})\n",
          f"Thresholds fixed before the results were seen: a transfer A→B is *poor* in the MSE view if its MSE "
          f"exceeds {K_MSE:g}× B's own in-domain MSE (else *good*), and poor in the ranking view if its SRC is below "
          f"{SRC_POOR} (else good). (a) and (b) need both directions, (c) both test sets, (d) every source to have a "
          "poor target; some but not all is *partly*. MSE also punishes a mere shift in BLEU level between tasks, which SRC does not, so each claim is judged in "
          "both views.\n",
          "| claim | verdict (MSE view) | evidence |", "|---|---|---|"]
    md += [f"| {c.claim_id}: {c.claim} | **{c.verdict}** | {c.evidence} |" for c in claims]
    return md + [""]


class Transfer(Experiment):
    name = "transfer"
    title = "Transfer across language pairs (paper §5.4, Figure 7)"
    keys = tuple(KEYS)
    tables = TABLES

    def run(self, cfg, opts):
        return run(cfg, opts)

    def summarise(self, rows, out, **tables):
        return summarise(rows, out, **tables)


EXPERIMENT = Transfer()
