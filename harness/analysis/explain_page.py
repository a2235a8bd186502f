"""The explain page's numbers: everything ``harness.render.explain`` shows, computed here from the run's tidy tables.

Pure: the tidy tables of one run (``importances``, ``shapes``, ``interactions``, ``ablation``, ``best``, ``sampling``,
``holdout``, ``trust``, ``features``, ``metrics``) and its facts (``explain.json``) in, one :class:`Page` of frames
and values out — no files, no text. The explain experiment writes the frames a user may want as CSVs beside the page
(``summary.csv``, ``effects.csv``, ``orderings.csv``, ``agreement.csv``, ``shape_summary.csv``) and hands the page
to the rendering, which only formats it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from harness.analysis import importance as imp
from harness.analysis import sampling as spread
from harness.analysis.interpret import TOP_K, feature_labels, method_agreement
from harness.interpretation import Interpretation, records_of

EFFECT_COLUMNS = ["surrogate", "rank", *imp.COLUMNS, "measure", "sense"]
METHOD_COLUMNS = ["surrogate", "method", "measure", "sense", "over_space", "library", "first"]
ORDERING_COLUMNS = ["kind", "feature_hi", "feature_lo", "settled", "adjacent"]
AGREEMENT_COLUMNS = ["method_a", "method_b", "spearman", "kendall", f"top{TOP_K}_overlap"]
SHAPE_COLUMNS = ["feature", "best_value", "in_best", "swing"]
PAIR_COLUMNS = ["term", "feature_a", "feature_b", "importance", "lower", "upper", "of_largest_main"]
MODEL_COLUMNS = ["model", "shared_with", "change", "first_step"]
PAIR_BINS = 10  # a pair surface's axis with more values than this is drawn in this many ranges of them
FEW_ROWS = ("below", "never")  # trust verdicts: fewer rows than the benchmark needed for a stable top-3


@dataclass(frozen=True)
class Page:
    """What the page shows, as computed. Without a record of the reference (``reference_explained`` false) only the
    at-a-glance fields are set: ``labels``, ``explained``, ``best_config``, ``path``, ``tie``."""

    reference: str
    explained: list[str]  # the surrogates with a record, in the run's order
    labels: dict  # feature -> its label
    best_config: dict  # the best configuration (a row of best.csv) with each condition's indicator
    path: pd.DataFrame  # the reference's ablation path, by step (empty without one)
    tie: bool  # the best configurations shown all have the same score
    effects: pd.DataFrame | None = None  # the reference's effects, most important first (summary.csv)
    kind: str = "main"  # the effect the orderings are read on: total where the record has totals, else main
    intervals: dict = field(default_factory=dict)  # "main"/"total" -> whether the reference gives intervals for it
    orderings: pd.DataFrame | None = None  # the reference's adjacent steps and settled orderings (orderings.csv)
    ranked: int = 0  # hyperparameters with a ``kind`` effect
    record: Interpretation | None = None  # the reference's record (its shapes are drawn)
    surfaces: Interpretation | None = None  # the record with the shown pairs' surfaces on coarse axes
    pairs: pd.DataFrame | None = None  # the strongest pair terms, with their share of the largest main effect
    shapes: pd.DataFrame | None = None  # per hyperparameter: best value by the model, in the best config, swing
    bands: bool = False  # the reference's shapes have bands
    gain: pd.Series | None = None  # the ablation step predicted to gain most (None: no step is predicted to help)
    models: pd.DataFrame | None = None  # every model's prediction of the whole path (None: one model)
    methods: pd.DataFrame | None = None  # per explained surrogate: method, measure, sense, library, first-ranked
    method_effects: pd.DataFrame | None = None  # every method's effects with its ranks (effects.csv)
    ranks: pd.DataFrame | None = None  # hyperparameters (reference's order) x methods: each method's rank
    agreement: pd.DataFrame | None = None  # each pair of methods: Spearman, Kendall, top-3 overlap (agreement.csv)
    few_rows: list[str] = field(default_factory=list)  # methods whose stable top-3 needed more rows than the run has
    concentrated: list[str] = field(default_factory=list)  # hyperparameters whose rows are concentrated
    poor: list[str] = field(default_factory=list)  # surrogates predicting held-out rows poorly
    folds: int = 0  # the held-out fit's folds (0: none measured)
    measured: bool = False  # some held-out fit was measured

    @property
    def reference_explained(self) -> bool:
        return self.effects is not None

    @property
    def steps(self) -> pd.DataFrame:
        """Each hyperparameter against the next one down the reference's ranking, and whether that order is settled."""
        return self.orderings[self.orderings["adjacent"]].reset_index(drop=True)

    @property
    def settled(self) -> int:
        """How many orderings the reference's intervals settle."""
        return int(self.orderings["settled"].sum())

    @property
    def answers(self) -> int:
        """How many different hyperparameters the methods rank first (1: they agree)."""
        return int(self.methods["first"].nunique())


def compute(facts: dict, rows: pd.DataFrame, importances=None, shapes=None, interactions=None, ablation=None,
            best=None, sampling=None, holdout=None, trust=None, features=None, **_) -> Page:
    """The page's numbers from the run's tidy tables and facts (``explain.json``)."""
    ref = facts["reference"]
    has = importances is not None and len(importances)
    explained = [s for s in facts["surrogates"] if has and (importances["surrogate"] == s).any()]
    path = reference_path(ablation, ref)
    target = facts["target"]
    glance = Page(reference=ref, explained=explained, labels=next(iter(feature_labels(features).values()), {}),
                  best_config=with_indicators(best.iloc[0].to_dict(), facts) if best is not None and len(best) else {},
                  path=path, tie=best is not None and len(best) > 1 and best[target].nunique() == 1)
    if ref not in explained:
        return glance
    effects = imp.effects(importances, ref)
    kind = "total" if imp.has_totals(effects) else "main"
    record = records_of(importances, shapes, interactions, by=("surrogate",))
    reference = record[(ref,)]
    pairs = pair_terms(reference, importances, facts["page"]["pairs"])
    every = method_effects(importances, explained)
    return replace(
        glance, effects=effects, kind=kind, intervals={k: imp.has_intervals(effects, k) for k in ("main", "total")},
        orderings=orderings(effects, kind), ranked=int(effects[kind].notna().sum()), record=reference,
        surfaces=coarse(reference, list(zip(pairs["feature_a"], pairs["feature_b"]))), pairs=pairs,
        shapes=shape_summary(reference, effects, glance.best_config, facts["maximize"]),
        bands=bool(reference.shapes["lower"].notna().any()), gain=largest_gain(path, facts["maximize"]),
        models=model_paths(ablation, facts.get("models")), methods=method_table(importances, every, rows),
        method_effects=every,
        ranks=method_ranks(every, explained, list(effects["feature"])),
        agreement=pairwise_agreement(record, explained),
        few_rows=[t.surrogate for t in trust.itertuples(index=False) if t.verdict in FEW_ROWS]
        if trust is not None and len(trust) else [],
        concentrated=spread.concentrated(sampling) if sampling is not None and len(sampling) else [],
        poor=poor_fits(holdout), folds=held_out_folds(holdout),
        measured=bool(holdout is not None and len(holdout) and holdout["r2"].notna().any()))


def with_indicators(config: dict, facts: dict) -> dict:
    """A configuration (a row of best.csv: "" where unset) with each condition's indicator: "True" where its features
    are set."""
    out = dict(config)
    for c in facts["conditions"]:
        if c["indicator"]:
            value = config.get(c["features"][0], "")
            out[c["indicator"]] = "False" if value == "" or (isinstance(value, float) and np.isnan(value)) else "True"
    return out


def reference_path(ablation: pd.DataFrame | None, reference: str) -> pd.DataFrame:
    """The reference's ablation path, step 0 (the reference configuration) first; empty without one."""
    if ablation is None or not len(ablation):
        return pd.DataFrame()
    return ablation[ablation["surrogate"] == reference].sort_values("step")


def orderings(effects: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The orderings the page reads: each hyperparameter against the next one down the ranking (``adjacent``) and
    every ordering the intervals settle, whether ``settled``; every ordering not listed is not settled."""
    steps = imp.adjacent(effects, kind)
    rows = [(kind, s.feature_hi, s.feature_lo, bool(s.settled), True) for s in steps.itertuples(index=False)]
    near = {(r[1], r[2]) for r in rows}
    rows += [(kind, hi, lo, True, False) for hi, lo in imp.settled(effects, kind).itertuples(index=False)
             if (hi, lo) not in near]
    position = {f: i for i, f in enumerate(effects["feature"])}
    rows.sort(key=lambda r: (position[r[1]], position[r[2]]))
    return pd.DataFrame(rows, columns=ORDERING_COLUMNS)


def method_effects(importances: pd.DataFrame, explained: list[str]) -> pd.DataFrame:
    """Every method's effects (main, total, bounds) with its rank, measure and sense, each most important first."""
    parts = [imp.effects(importances, s).assign(surrogate=s, measure=imp.measure(importances, s),
                                                sense=imp.sense(importances, s))
             for s in explained]
    frame = pd.concat([p.assign(rank=np.arange(1, len(p) + 1)) for p in parts], ignore_index=True) if parts else \
        pd.DataFrame(columns=EFFECT_COLUMNS)
    return frame[EFFECT_COLUMNS]


def method_ranks(effects: pd.DataFrame, explained: list[str], order: list[str]) -> pd.DataFrame:
    """Each method's rank of each hyperparameter: rows in ``order`` (the reference's), a column per method, <NA> where
    a method has no such hyperparameter."""
    wide = effects.pivot(index="feature", columns="surrogate", values="rank")
    return wide.reindex(index=order, columns=explained).astype("Int64")


def method_table(importances: pd.DataFrame, effects: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Per explained surrogate: how it was made (its method in words, whether over the declared space), its measure
    and sense, the library of its fit, and the hyperparameter it ranks first."""
    fits = rows[rows["eval_on"] == "train"] if "eval_on" in rows else rows
    libs = {s: str(g["library"].iloc[0]) for s, g in fits.groupby("surrogate", sort=False)} if "library" in fits else {}
    out = []
    for s, e in effects.groupby("surrogate", sort=False):
        method = imp.method(importances, s)
        out.append((s, method, e["measure"].iloc[0], e["sense"].iloc[0], "drawn from the declared space" in method,
                    libs.get(s, ""), e.loc[e["rank"] == 1, "feature"].iloc[0]))
    return pd.DataFrame(out, columns=METHOD_COLUMNS)


def pairwise_agreement(records: dict[tuple, Interpretation], explained: list[str]) -> pd.DataFrame:
    """Each pair of methods (in the run's order, each pair once): Spearman and Kendall of their hyperparameters'
    importances and the overlap of their top 3 (``harness.analysis.interpret.method_agreement``); ``records`` keyed
    by ``(surrogate,)``."""
    means = {(s, ""): records[(s,)] for s in explained}
    square = method_agreement(means, explained, [""], "explain")
    position = {s: i for i, s in enumerate(explained)}
    pairs = square[square["method_a"].map(position) < square["method_b"].map(position)]
    return pairs[AGREEMENT_COLUMNS].reset_index(drop=True)


def shape_summary(record: Interpretation, effects: pd.DataFrame, best: dict, maximize: bool) -> pd.DataFrame:
    """Per hyperparameter with a shape (most important first): the value the model predicts best, the best
    configuration's value ("" where unset) and the swing, the spread of its contribution over the values seen."""
    rows = []
    for f in effects["feature"]:
        s = record.shapes[record.shapes["feature"] == f]
        if not len(s):
            continue
        c = s["contribution"].to_numpy(dtype=float)
        at = int(np.nanargmax(c) if maximize else np.nanargmin(c))
        rows.append((f, s["value"].iloc[at], best.get(f, ""), np.nanmax(c) - np.nanmin(c)))
    return pd.DataFrame(rows, columns=SHAPE_COLUMNS, dtype=object).astype({"swing": float})  # values as they are


def pair_terms(record: Interpretation, importances: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` strongest pair terms of the record, each with its share of the largest main effect (NaN when that is
    not positive)."""
    pairs = record.ranking("pair").head(n)
    mains = importances[(importances["surrogate"] == record.surrogate) & (importances["kind"] == "main")]["importance"]
    out = pairs.reindex(columns=PAIR_COLUMNS[:-1])
    out["of_largest_main"] = pairs["importance"] / mains.max() if mains.max() > 0 else np.nan
    return out.reset_index(drop=True)


def coarse(record: Interpretation, pairs: list[tuple[str, str]], bins: int = PAIR_BINS) -> Interpretation:
    """The record with each shown pair's surface on at most ``bins`` ranges per axis: the values of a many-valued
    numeric hyperparameter split into ranges holding equally many of them, each range drawn at its median value and
    holding the mean of its cells (a 32 × 32 grid over a few hundred rows is mostly empty cells)."""
    parts = []
    for a, b in pairs:
        s = record.interactions[(record.interactions["feature_a"] == a) & (record.interactions["feature_b"] == b)].copy()
        for col in ("value_a", "value_b"):
            values = pd.to_numeric(s[col], errors="coerce")
            distinct = np.sort(values.dropna().unique())
            if values.notna().all() and len(distinct) > bins:
                groups = np.array_split(distinct, bins)
                centre = {v: float(np.median(g)) for g in groups for v in g}
                s[col] = values.map(centre)
        parts.append(s.groupby(["feature_a", "feature_b", "value_a", "value_b"], sort=False, as_index=False)
                     ["contribution"].mean())
    return replace(record, interactions=pd.concat(parts, ignore_index=True) if parts else record.interactions)


def largest_gain(path: pd.DataFrame, maximize: bool) -> pd.Series | None:
    """The step of the ablation path predicted to improve the score most; None when no step is predicted to help."""
    if len(path) <= 1:
        return None
    taken = path[path["step"] >= 1]
    gain = taken["change"] * (1 if maximize else -1)
    return taken.loc[gain.idxmax()] if gain.max() > 0 else None


def model_paths(ablation: pd.DataFrame | None, models: dict | None) -> pd.DataFrame | None:
    """Every model's prediction of its whole ablation path (reference to best) and its first step; None for one
    model. ``models``: the first surrogate of each model -> every surrogate reading it (explain.json's)."""
    if ablation is None or not len(ablation):
        return None
    models = models or {name: [name] for name in ablation["surrogate"].unique()}
    if len(models) <= 1:
        return None
    rows = []
    for model, names in models.items():
        g = ablation[ablation["surrogate"] == model].sort_values("step")
        if not len(g):
            continue
        first = g[g["step"] == 1]
        rows.append((model, list(names[1:]), g["predicted"].iloc[-1] - g["predicted"].iloc[0],
                     first["hyperparameter"].iloc[0] if len(first) else None))
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def poor_fits(holdout: pd.DataFrame | None) -> list[str]:
    """The surrogates that predict held-out rows poorly (holdout.csv's ``poor``)."""
    if holdout is None or not len(holdout):
        return []
    return [h.surrogate for h in holdout.itertuples(index=False) if h.poor is True or h.poor == 1.0]


def held_out_folds(holdout: pd.DataFrame | None) -> int:
    """How many folds the held-out fit used (0 when none was measured)."""
    if holdout is None or not len(holdout) or not holdout["folds"].notna().any():
        return 0
    return int(holdout["folds"].max())
