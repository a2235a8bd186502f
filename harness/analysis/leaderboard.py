"""The leaderboard of importance methods over many synthetic tables: bootstrap intervals, paired tests, verdicts.

The unit is a **table** (a dataset and seed): every method explained the
same tables, so methods are compared table by table. A **size band** is a
range of table sizes (``size_bands``: a band starts at the least size and at
each edge; none: one band per size), named by its least size; ``all`` holds
every table.

* **Means with 95 % intervals**: the mean of a score over a band's tables,
  and the 2.5–97.5 percentiles of that mean over ``N_BOOT`` resamples of the
  band's tables with replacement. The resamples are drawn from the
  ``BOOTSTRAP`` stream of the rows' least seed and shared by every method,
  so the intervals are deterministic for a run and paired across methods.
* **Paired comparison** of the reference (the EBM) with each other method
  per band: on the tables both scored, the win rate (the share of tables
  where the reference is better; a tie counts half) and the two-sided
  Wilcoxon signed-rank p-value of the differences (p = 1 when all are 0),
  and ``p_holm``: that p corrected by Holm's step-down method for every
  comparison the table makes of the same score (all bands and methods). A
  difference is a verdict ("better", "worse") only where ``p_holm`` < ``LEVEL``.
* **Indistinguishable from the best**: per band and score, the best method
  has the best mean; another is indistinguishable from it when the paired
  Wilcoxon p, Holm-corrected over every comparison with a best on that score,
  is ≥ ``LEVEL`` *or* their 95 % intervals overlap. A method's verdict is the least
  size from which it is indistinguishable at that size and every larger one.
* **Honesty** per method, sampling regime and size band (``honesty``): the
  mean coverage of the nominal 90 % intervals of main and total effects over
  the tables, their mean width, and the pooled share of settled orderings
  that are true (Σ true / Σ settled over the tables), each with its 95 %
  bootstrap interval over the tables.

Pure functions of the scored fits (``harness.analysis.fidelity.scored_fits``).
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

from harness.analysis.fidelity import HONESTY, TOP_K, reads_model
from harness.seeds import Stream, rng

N_BOOT = 2000
LEVEL = 0.05
ALL = "all"
# score -> +1 where higher is better, -1 where lower is; "seconds" = fit + explain (explain alone for a model-free method)
DIRECTION = {"spearman": 1, "kendall": 1, f"top{TOP_K}_overlap": 1, "pair_recall": 1, "pair_precision": 1,
             "shape_nrmse": -1, "importance_error": -1, "r2": 1, "seconds": -1}
BOARD = ("spearman", f"top{TOP_K}_overlap", "pair_recall", "pair_precision", "shape_nrmse", "seconds")
VERDICT = ("spearman", "pair_recall", "shape_nrmse")  # the scores a verdict is given on
BY_SAMPLING = ("sense_spearman", "total_spearman")  # per sampling regime and size band
KINDS = ("main", "total")


def size_bands(sizes, edges=None) -> dict:
    """Each table size -> its band's least size: a band starts at the least size and at every edge (none: one per size)."""
    sizes = sorted(set(sizes))
    if edges is None:
        return {n: n for n in sizes}
    index = {n: sum(n >= e for e in edges) for n in sizes}
    least = {}
    for n in sizes:
        least.setdefault(index[n], n)
    return {n: least[index[n]] for n in sizes}


def unexplained(scored: pd.DataFrame) -> pd.DataFrame:
    """Fits that ran but were not explained (e.g. exact Shapley over more than 12 players), per method: how many, why."""
    none = scored[(scored["status"] == "ok") & scored["spearman"].isna() & scored["reason"].astype(object).fillna("").astype(str).str.startswith("not explained")]
    return none.groupby("surrogate", sort=False)["reason"].agg(n="size", reason="first").reset_index()


def band_labels(fits: pd.DataFrame) -> dict:
    """band -> its sizes in words: "50–100", or "400" for a band of one size."""
    spans = fits.groupby("band")["n_rows"].agg(["min", "max"])
    return {b: f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}" for b, (lo, hi) in spans.iterrows()}


def fits_of(scored: pd.DataFrame) -> pd.DataFrame:
    """One row per successful fit: its table, band (``size_band`` of its scores, else its size) and every board score,
    with its seconds per explanation."""
    ok = scored[scored["status"] == "ok"].copy()
    ok["table"] = ok["dataset"].astype(str) + "#" + ok["seed"].astype(str)
    banded = ok.dropna(subset=["size_band"]).groupby("n_rows")["size_band"].first() if "size_band" in ok else pd.Series()
    ok["band"] = ok["n_rows"].map(banded).fillna(ok["n_rows"]).astype(ok["n_rows"].dtype)  # an unexplained fit has no scores
    model = ok["measure"].map(reads_model) if "measure" in ok else True
    ok["seconds"] = ok["explain_seconds"] + np.where(model, ok["fit_seconds"], 0.0)
    keep = ["table", "dataset", "seed", "surrogate", "sampling", "n_rows", "band",
            *[c for c in (*DIRECTION, "total_spearman", *HONESTY) if c in ok.columns]]
    return ok[[c for c in dict.fromkeys(keep) if c in ok.columns]].reset_index(drop=True)


def bands_of(fits: pd.DataFrame) -> list:
    """The size bands, smallest first, then ``all``."""
    return [*sorted(fits["band"].unique().tolist()), ALL]


def _in_band(fits: pd.DataFrame, band) -> pd.DataFrame:
    return fits if band == ALL else fits[fits["band"] == band]


def _wide(part: pd.DataFrame, measure: str, methods: list[str]) -> pd.DataFrame:
    """Tables × methods of one score (NaN where a method did not score a table)."""
    return part.pivot_table(index="table", columns="surrogate", values=measure, dropna=False).reindex(columns=methods)


def methods_of(fits: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(fits["surrogate"]))


def bootstrap(fits: pd.DataFrame, seed: int, measures=BOARD, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Per band, method and score: mean over tables, its 95 % bootstrap interval (``lo``, ``hi``) and ``n_tables``."""
    gen, methods, out = rng(seed, Stream.BOOTSTRAP), methods_of(fits), []
    for band in bands_of(fits):
        part = _in_band(fits, band)
        tables = sorted(part["table"].unique())
        draws = gen.integers(0, len(tables), size=(n_boot, len(tables)))
        for m in [m for m in measures if m in fits]:
            wide = _wide(part, m, methods).reindex(index=tables).to_numpy(dtype=float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a method without this score: all NaN
                means = np.nanmean(wide[draws], axis=1)
                lo, hi = np.nanpercentile(means, [2.5, 97.5], axis=0)
                mean = np.nanmean(wide, axis=0)
            n = np.sum(~np.isnan(wide), axis=0)
            out += [{"band": band, "surrogate": s, "measure": m, "mean": mean[j], "lo": lo[j], "hi": hi[j], "n_tables": int(n[j])}
                    for j, s in enumerate(methods)]
    return pd.DataFrame(out, columns=["band", "surrogate", "measure", "mean", "lo", "hi", "n_tables"])


def compare(a: pd.Series, b: pd.Series, measure: str) -> dict:
    """``a`` against ``b`` on the tables both scored: n, means, mean difference, a's win rate, Wilcoxon p."""
    both = pd.concat([a, b], axis=1).dropna()
    d = DIRECTION[measure] * (both.iloc[:, 0] - both.iloc[:, 1]).to_numpy()
    out = {"n": len(d), "mean_a": both.iloc[:, 0].mean(), "mean_b": both.iloc[:, 1].mean(),
           "diff": both.iloc[:, 0].mean() - both.iloc[:, 1].mean(), "win_rate": np.nan, "p": np.nan}
    if len(d):
        out["win_rate"] = float(np.mean(d > 0) + 0.5 * np.mean(d == 0))
        out["p"] = 1.0 if np.all(d == 0) else float(wilcoxon(d).pvalue)
    return out


def holm(p) -> np.ndarray:
    """Holm's step-down adjustment of the p-values ``p`` (NaN stays NaN): the family is every p given."""
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate((len(order) - np.arange(len(order))) * p[order]))
    out[order] = adjusted
    return out


def paired(fits: pd.DataFrame, reference: str, measures=BOARD) -> pd.DataFrame:
    """The reference against every other method, per band and score (``win_rate`` and ``p`` are the reference's;
    ``p_holm`` corrected for every comparison made here)."""
    methods, out = methods_of(fits), []
    for band in bands_of(fits):
        part = _in_band(fits, band)
        for m in [m for m in measures if m in fits]:
            wide = _wide(part, m, methods)
            if reference not in wide or wide[reference].isna().all():
                continue
            for other in methods:
                if other != reference and wide[other].notna().any():
                    c = compare(wide[reference], wide[other], m)
                    out.append({"band": band, "reference": reference, "surrogate": other, "measure": m, "n_tables": c["n"],
                                "reference_mean": c["mean_a"], "other_mean": c["mean_b"], "difference": c["diff"],
                                "win_rate": c["win_rate"], "p": c["p"]})
    frame = pd.DataFrame(out, columns=["band", "reference", "surrogate", "measure", "n_tables", "reference_mean",
                                       "other_mean", "difference", "win_rate", "p"])
    return frame.assign(p_holm=holm_by(frame, "p"))


def holm_by(frame: pd.DataFrame, column: str) -> np.ndarray:
    """``holm`` of ``frame[column]`` within each score (``measure``): one family per score."""
    out = np.full(len(frame), np.nan)
    for _, idx in frame.groupby("measure", sort=False).indices.items():
        out[idx] = holm(frame[column].to_numpy(dtype=float)[idx])
    return out


def judged(fits: pd.DataFrame, boot: pd.DataFrame, measures=VERDICT) -> pd.DataFrame:
    """Per size band (not ``all``), score and method: the best method, the paired p against it (and Holm-corrected over
    every such comparison), interval overlap, and whether the method is indistinguishable from the best (the best
    itself is)."""
    methods, out = methods_of(fits), []
    stats = boot.set_index(["band", "measure", "surrogate"])
    for band in bands_of(fits)[:-1]:
        part = _in_band(fits, band)
        for m in [m for m in measures if m in fits]:
            wide = _wide(part, m, methods)
            scored = [s for s in methods if wide[s].notna().any()]
            if not scored:
                continue
            best = max(scored, key=lambda s: DIRECTION[m] * stats.at[(band, m, s), "mean"])
            b = stats.loc[(band, m, best)]
            for s in scored:
                r = stats.loc[(band, m, s)]
                p = np.nan if s == best else compare(wide[s], wide[best], m)["p"]
                overlap = bool(r["lo"] <= b["hi"] and b["lo"] <= r["hi"])
                out.append({"band": band, "measure": m, "surrogate": s, "best": best, "p_vs_best": p, "overlap": overlap})
    frame = pd.DataFrame(out, columns=["band", "measure", "surrogate", "best", "p_vs_best", "overlap"])
    frame["p_vs_best_holm"] = holm_by(frame, "p_vs_best")
    best = frame["surrogate"] == frame["best"]
    frame.loc[best, ["p_vs_best", "p_vs_best_holm"]] = 1.0
    frame["indistinguishable"] = best | (frame["p_vs_best_holm"] >= LEVEL) | frame["overlap"]
    return frame


def outcomes(pairs: pd.DataFrame) -> pd.Series:
    """Per row of ``paired``: whether the reference is "better", "worse" or "not distinguishable" from the method
    (the paired test, Holm-corrected, decides at ``LEVEL``; better follows the measure's direction)."""
    significant = pairs["p_holm"] < LEVEL
    better = pairs["measure"].map(DIRECTION) * pairs["difference"] > 0
    return pd.Series(np.where(~significant, "not distinguishable", np.where(better, "better", "worse")), index=pairs.index,
                     name="outcome")


def verdicts(judgement: pd.DataFrame) -> pd.DataFrame:
    """Per score and method: the least size from which it is indistinguishable from the best at every larger size
    (``from_n``; NaN = not at the largest size), and at how many sizes it is the best."""
    out = []
    for (m, s), g in judgement.groupby(["measure", "surrogate"], sort=False):
        g = g.sort_values("band")
        held = g["indistinguishable"].to_numpy()
        fails = np.flatnonzero(~held)
        start = 0 if not len(fails) else fails[-1] + 1
        out.append({"measure": m, "surrogate": s, "from_n": g["band"].iloc[start] if start < len(g) else np.nan,
                    "n_best": int((g["best"] == s).sum()), "n_bands": len(g)})
    return pd.DataFrame(out, columns=["measure", "surrogate", "from_n", "n_best", "n_bands"])


def by_sampling(fits: pd.DataFrame, seed: int, measures=BY_SAMPLING) -> pd.DataFrame:
    """``bootstrap`` of ``measures`` within each sampling regime (and ``all`` of them), per size band."""
    parts = [(s, fits if s == ALL else fits[fits["sampling"] == s]) for s in [*samplings_of(fits), ALL]]
    return pd.concat([bootstrap(part, seed, measures).assign(sampling=s) for s, part in parts], ignore_index=True)


def samplings_of(fits: pd.DataFrame) -> list:
    return list(dict.fromkeys(fits["sampling"])) if "sampling" in fits else []


def honesty(fits: pd.DataFrame, seed: int, n_boot: int = N_BOOT) -> pd.DataFrame:
    """Per method, sampling regime and size band (each also ``all``): coverage and width of the intervals of main and
    total effects (mean over tables) and the pooled share of settled orderings that are true, with 95 % bootstrap
    intervals over the tables (``<score>_lo``/``_hi``); ``settled_<kind>`` = orderings settled per table;
    ``sense_spearman`` = Spearman of the main effects against the truth in the method's own sense."""
    if "sampling" not in fits or not any(f"coverage_{k}" in fits for k in KINDS):
        return pd.DataFrame()
    gen, out = rng(seed, Stream.BOOTSTRAP), []
    for sampling in [*samplings_of(fits), ALL]:
        part = fits if sampling == ALL else fits[fits["sampling"] == sampling]
        for band in bands_of(part):
            cell = _in_band(part, band)
            for method, g in cell.groupby("surrogate", sort=False):
                draws = gen.integers(0, len(g), size=(n_boot, len(g)))
                row = {"sampling": sampling, "band": band, "surrogate": method, "n_tables": len(g)}
                row.update(_mean_interval(g["sense_spearman"].to_numpy(dtype=float), draws, "sense_spearman"))
                for kind in KINDS:
                    for name in (f"coverage_{kind}", f"width_{kind}"):
                        row.update(_mean_interval(g[name].to_numpy(dtype=float), draws, name))
                    claims, true = g[f"settled_{kind}"].to_numpy(dtype=float), g[f"settled_true_{kind}"].to_numpy(dtype=float)
                    row.update(_ratio_interval(true, claims, draws, f"settled_precision_{kind}"))
                    row[f"settled_{kind}"] = float(np.nanmean(claims)) if np.isfinite(claims).any() else np.nan
                out.append(row)
    return pd.DataFrame(out)


def _mean_interval(values: np.ndarray, draws: np.ndarray, name: str) -> dict:
    if not np.isfinite(values).any():
        return {name: np.nan, f"{name}_lo": np.nan, f"{name}_hi": np.nan}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(np.nanmean(values[draws], axis=1), [2.5, 97.5])
    return {name: float(np.nanmean(values)), f"{name}_lo": lo, f"{name}_hi": hi}


def _ratio_interval(num: np.ndarray, den: np.ndarray, draws: np.ndarray, name: str) -> dict:
    """Σ num / Σ den over the tables (NaN without any den), and its bootstrap interval."""
    ok = np.isfinite(den)
    if not ok.any() or np.nansum(den) == 0:
        return {name: np.nan, f"{name}_lo": np.nan, f"{name}_hi": np.nan}
    num, den = np.where(ok, num, 0.0), np.where(ok, den, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratios = num[draws].sum(axis=1) / den[draws].sum(axis=1)
    lo, hi = np.nanpercentile(ratios, [2.5, 97.5])
    return {name: float(num.sum() / den.sum()), f"{name}_lo": lo, f"{name}_hi": hi}


def board(fits: pd.DataFrame, reference: str, seed: int) -> dict[str, pd.DataFrame]:
    """The whole leaderboard of ``fits``: intervals per band and per table size, the reference's paired comparisons,
    each method's verdicts beside the judgement per band they come from, the scores per sampling regime and the
    honesty of the intervals."""
    boot = bootstrap(fits, seed)
    judgement = judged(fits, boot)
    out = {"leaderboard": boot, "leaderboard_by_size": bootstrap(fits.assign(band=fits["n_rows"]), seed),
           "paired": paired(fits, reference), "verdicts": judgement.merge(verdicts(judgement), how="left")}
    if "sampling" in fits:
        out["leaderboard_by_sampling"] = by_sampling(fits, seed)
        out["honesty"] = honesty(fits, seed)
    return out
