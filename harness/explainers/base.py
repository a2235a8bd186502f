"""The explainer contract, and the one currency every additive explanation is written in.

An explainer turns a fitted model and the rows it was fitted on into an
:class:`~harness.interpretation.Interpretation` (``Explainer.explain``).
Most reduce the model to per-row additive terms first (a
:class:`Decomposition`: one main term per feature and, where the model has
them, one term per pair of features); ``record_of`` then centres each term
over the rows and summarises it, so every such explainer measures the same
thing: **importance = mean |centred term| over the fitting rows, in target
units** (the paper's definition and InterpretML's ``term_importances()``).
Shapes are the mean centred main term per raw value present in the rows
(with the number of rows holding it); interaction surfaces the mean centred
pair term per pair of raw values present (a feature with more than ``GRID``
distinct values is snapped to ``GRID`` evenly ranked representatives). A
conditional hyperparameter is read over the rows where it is set, here and
only here, so every additive explainer reports it the same way.
Models fed schema-scaled values (``feed="scaled"``) are still reported in
raw values: scaling is one-to-one.

Every explainer gives each importance a nominal 90 % interval from
**replicates** of its own measurement (``Replicates``): the fits the model
already holds where it has them (an EBM's outer bags, a forest's trees, a
GAM's coefficient posterior) or ``refits`` seeded bootstrap resamples of the
rows, each refitted on a clone of the model and measured the same way
(``refit_replicates``); ``intervals: false`` turns them off. ``finish`` adds
the bounds, the total effects and the interval's description to the record
(``harness.interpretation.intervals``).

Cached explanations are keyed by ``Explainer.version()``: a digest of the
explainer's code and parameters, so a change to either recomputes them.
"""
from __future__ import annotations

import abc
import hashlib
import importlib
import inspect
import json
import logging
import sys
from dataclasses import dataclass, field, replace
from typing import Callable, ClassVar

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.infer import active_masks
from harness.config import flag, integer
from harness.data.schema import Schema
from harness.errors import ConfigError, one_line
from harness.explainers import space
from harness.interpretation.intervals import TERM_COLUMNS, Rule, with_intervals
from harness.interpretation.record import INTERACTION_COLUMNS, SHAPE_COLUMNS, Interpretation, pair_term

log = logging.getLogger("harness")

GRID = 32
OVER = ("rows", "space")
SPACE_ROWS = 1000  # configurations drawn from the declared space where importance is measured over it (over: space)
REFITS = 10  # bootstrap refits of a model without replicates of its own (10 and 20 measured alike: scripts/bench_intervals.py)


@dataclass
class Decomposition:
    """A fitted model's per-row additive terms on the rows it was given, before centring.

    ``base + main.sum(1) + sum(pairs)`` is the prediction at every row;
    ``band`` is a per-row half-width of each main term where the model has
    one. Rows are numbered 0..n-1 in the order of the input. ``extras``
    travel with the record (EBM's own JSON export). ``replicates``: the
    terms of each replicate fit the model holds, on the same rows (an EBM's
    bags), with the ``rule`` and words (``what``) their interval takes.
    """

    main: pd.DataFrame
    pairs: dict[tuple[str, str], np.ndarray]
    base: float
    method: str
    band: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)
    replicates: "TermReplicates | None" = None
    rule: Rule | None = None
    what: str = ""


@dataclass
class TermReplicates:
    """The terms of R replicate fits on the same rows: ``main`` (R × rows × features, named by ``columns``) and
    ``pairs`` ((a, b) -> R × rows)."""

    main: np.ndarray
    columns: list[str]
    pairs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.main)

    def renamed(self, name: dict[str, str]) -> "TermReplicates":
        return TermReplicates(self.main, [name.get(c, c) for c in self.columns],
                              {(name.get(a, a), name.get(b, b)): v for (a, b), v in self.pairs.items()})


@dataclass
class Replicates:
    """Replicate importances (replicates × main and pair terms), the ``Rule`` that makes them an interval, and what
    they are in words (``the 4 outer bags``)."""

    values: pd.DataFrame
    rule: Rule
    what: str


class Explainer(abc.ABC):
    """Fitted model + the rows it was fitted on → Interpretation.

    Constructor parameters are stored verbatim in ``params`` and are part of
    ``version()``. ``applies_to(model)`` says whether the explainer can read
    this kind of fitted model (the final step of a pipeline); the registry
    uses it to pick an explainer for a surrogate that names none.
    """

    name: ClassVar[str]
    uses: ClassVar[tuple[str, ...]] = ("harness.interpretation.intervals",)  # more modules whose code makes the record

    def __init__(self, **params):
        self.params = params

    @property
    def intervals(self) -> bool:
        return self.params.get("intervals", True)

    @abc.abstractmethod
    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        """The record of ``est`` (fitted on ``data`` as ``feed`` presents it), labelled with ``data.name``."""

    @classmethod
    def applies_to(cls, model) -> bool:
        return False

    def version(self) -> str:
        """Digest of this explainer's code (its module, this one and the modules its classes name in ``uses``) and its
        parameters."""
        mro = [c for c in type(self).__mro__ if c.__module__ not in ("builtins", "abc")]
        modules = {sys.modules[c.__module__] for c in mro}
        modules |= {importlib.import_module(m) for c in mro for m in c.__dict__.get("uses", ())}
        h = hashlib.sha256()
        for module in sorted(modules, key=lambda m: m.__name__):
            h.update(module.__name__.encode())
            h.update(inspect.getsource(module).encode())
        h.update(json.dumps(self.params, sort_keys=True, default=str).encode())
        return f"{self.name}:{h.hexdigest()[:16]}"


class AdditiveExplainer(Explainer):
    """An explainer that reads the model as additive terms; the record follows from them.

    Its interval comes from the replicates the decomposition holds, else from ``refits`` bootstrap refits
    (constructor parameters ``intervals``, ``refits``, ``random_state``; see ``interval_params``).
    ``over``: where importance is measured — ``rows`` (the fitting rows, the paper's definition) or ``space``:
    ``SPACE_ROWS`` configurations drawn from the declared search space (``harness.explainers.space``), each term
    centred over them, so the importance is the model's over the space the user declared, however the search
    sampled it (shapes and surfaces stay on the rows, where the model has seen data).
    """

    uses = ("harness.explainers.space",)

    def __init__(self, intervals: bool = True, refits: int | None = None, random_state: int = 0, over: str = "rows",
                 **params):
        if over not in OVER:
            raise ConfigError(f"explainer {self.name}: over must be one of {', '.join(OVER)}, got {over!r}")
        extra = {"over": over} if over != "rows" else {}  # the default leaves versions, so caches, as they were
        super().__init__(**interval_params(self.name, intervals, refits, random_state), **extra, **params)

    @abc.abstractmethod
    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        """Per-row terms of ``est`` on ``X`` (what it was fed), features as ``schema`` names them."""

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        dec = self.decompose(est, *data.features(feed))
        record = record_of(dec, data, surrogate="")
        record.extras = dec.extras
        where = None
        if self.params.get("over") == "space":
            gen = np.random.default_rng(self.params["random_state"])
            where = replace(data, X=space.draw(data, SPACE_ROWS, gen), y=pd.Series(np.zeros(SPACE_ROWS)), extras=pd.DataFrame())
            dec = self.decompose(est, *where.features(feed))
            record.importances["importance"] = record.importances["term"].map(term_importances(dec.main, dec.pairs, where))
            record.method += (f"; importance over {SPACE_ROWS} configurations drawn from the declared space (random_state "
                              f"{self.params['random_state']}), each term centred over them")
        return finish(record, self.replicates(est, data, feed, dec, where))

    def replicates(self, est, data: Dataset, feed: str, dec: Decomposition, where: Dataset | None = None) -> Replicates | str:
        """The decomposition's own replicates, else bootstrap refits; a string says why there are none. Importances are
        measured over ``where`` (the drawn configurations of ``over: space``), else each fit's own rows."""
        if not self.intervals:
            return "intervals: false"
        if dec.replicates is not None and len(dec.replicates) >= 2:
            return Replicates(replicate_importances(dec.replicates, where or data), dec.rule, dec.what)

        def importance(fitted, sample: Dataset) -> dict:
            rows = where or sample
            d = self.decompose(fitted, *rows.features(feed))
            return term_importances(d.main, d.pairs, rows)

        return refit_replicates(est, data, feed, importance, self.params)


def interval_params(name: str, intervals, refits, random_state) -> dict:
    """The interval options every refitting explainer takes, checked: ``intervals`` (true/false), ``refits`` (bootstrap
    refits where the model has no replicates of its own, ≥ 2; null: the explainer's default, ``REFITS``) and
    ``random_state`` (the resamples' seed)."""
    return {"intervals": flag(intervals, f"explainer {name}: intervals"),
            "refits": None if refits is None else integer(refits, f"explainer {name}: refits", minimum=2),
            "random_state": integer(random_state, f"explainer {name}: random_state")}


def refit_replicates(est, data: Dataset, feed: str, importance: Callable[..., dict], params: dict,
                     refit: bool = True) -> Replicates | str:
    """``importance(model, sample)`` on ``params["refits"]`` seeded bootstrap resamples of the rows, each on a clone of
    ``est`` refitted to it (``refit=False``: on ``est`` itself, for a method that reads the rows alone).

    A resample the model cannot fit (one distinct target, a failing fit) is skipped and counted in the words.
    """
    from sklearn.base import clone

    gen = np.random.default_rng(params["random_state"])
    rows, failed, refits = [], 0, params["refits"] or REFITS
    for _ in range(refits):
        sample = data.take(np.sort(gen.integers(0, len(data), size=len(data))))
        if sample.y.nunique() < 2:
            failed += 1
            continue
        try:
            fitted = clone(est).fit(sample.features(feed)[0], sample.y) if refit else est
            rows.append(importance(fitted, sample))
        except Exception as exc:  # a resample is a result, not a crash: the interval says how many it lost
            log.debug("bootstrap resample not explained: %s", one_line(exc))
            failed += 1
    what = f"{len(rows)} {'refits on ' if refit else ''}seeded bootstrap resamples of the rows (random_state " \
           f"{params['random_state']}{f'; {failed} resample(s) could not be fitted' if failed else ''})"
    if len(rows) < 2:
        return f"fewer than 2 of {refits} bootstrap resamples could be explained"
    return Replicates(pd.DataFrame(rows), Rule("spread"), what)


def finish(record: Interpretation, replicates: Replicates | str, nonnegative: bool = True) -> Interpretation:
    """The record with its intervals, total effects and resamples, and ``method`` saying how the intervals were
    made (or, ``replicates`` being a string, why there are none)."""
    if isinstance(replicates, str):
        record.importances = with_intervals(record.importances, None, None)
        record.method += f"; no interval ({replicates})"
        return record
    record.importances = with_intervals(record.importances, replicates.values, replicates.rule, nonnegative)
    record.resamples = replicates.values.reset_index(drop=True)
    record.method += f"; {replicates.rule.describe(replicates.what)}"
    return record


def columns_of(columns, schema: Schema) -> dict[str, list[int]]:
    """Encoded column positions per schema feature, by the schema's column map (``Schema.column``: the encoder's
    names, a one-hot column with its feature), never by parsing a name."""
    out: dict[str, list[int]] = {f: [] for f in schema.names}
    for i, c in enumerate(columns):
        column = schema.column(c)
        if column is None:
            raise ValueError(f"encoded column {c!r} belongs to no feature of the schema ({', '.join(schema.names)})")
        out[column.feature].append(i)
    return out


def final_step(est):
    """The fitted model inside a pipeline, and a function giving what it is fed from the pipeline's input."""
    from sklearn.pipeline import Pipeline

    if isinstance(est, Pipeline):
        return est.steps[-1][1], est[:-1].transform
    return est, lambda X: X


# ---------------------------------------------------------------- the record


def record_of(dec: Decomposition, train: Dataset, surrogate: str) -> Interpretation:
    """Centre every term over the rows and summarise it per raw value (see the module docstring).

    A conditional hyperparameter's term (and a pair term holding one) is centred and summarised over the rows
    where it is set (``harness.data.infer.active_masks``): the filler its unset rows hold is no value of it.
    """
    X, schema = train.X.reset_index(drop=True), train.schema
    main, pairs, rows = _centred(dec.main, dec.pairs, train)
    imp = [(f, "main", f, None, _mean_abs(main[f][rows[f]])) for f in schema.names]
    imp += [(pair_term(a, b), "pair", a, b, _mean_abs(v[rows[a, b]])) for (a, b), v in pairs.items()]
    shapes = []
    for f in schema.names:
        frame = pd.DataFrame({"value": X[f], "c": main[f], "band": np.nan if dec.band is None else dec.band[f]})[rows[f]]
        g = frame.groupby("value", sort=False)
        per = pd.DataFrame({"c": g["c"].mean(), "band": g["band"].mean(), "n": g.size()})
        per = per.loc[_ordered(schema[f], per.index)]  # one look-up: a continuous feature has a value per row
        shapes += [(f, _plain(v), float(c), float(c - band), float(c + band), int(n)) for v, c, band, n in per.itertuples()]
    surfaces = []
    for (a, b), v in pairs.items():
        on = rows[a, b]
        frame = pd.DataFrame({"a": _snap(X[a][on]), "b": _snap(X[b][on]), "c": v[on]})
        per = frame.groupby(["a", "b"], sort=False)["c"].mean()
        if not len(per):
            continue
        rank_a = {va: i for i, va in enumerate(_ordered(schema[a], per.index.levels[0]))}
        rank_b = {vb: i for i, vb in enumerate(_ordered(schema[b], per.index.levels[1]))}
        cells = sorted(per.index, key=lambda ab: (rank_a[ab[0]], rank_b[ab[1]]))
        surfaces += [(a, b, _plain(va), _plain(vb), float(c)) for (va, vb), c in per.loc[cells].items()]
    terms = {**{f: f for f in schema.names}, **{(a, b): pair_term(a, b) for a, b in pairs}}
    return Interpretation(
        surrogate=surrogate,
        dataset=train.name,
        method=dec.method,
        importances=pd.DataFrame(imp, columns=TERM_COLUMNS),
        shapes=pd.DataFrame(shapes, columns=SHAPE_COLUMNS),
        interactions=pd.DataFrame(surfaces, columns=INTERACTION_COLUMNS),
        active={terms[k]: float(on.mean()) for k, on in rows.items() if not on.all()},
    )


def _centred(main: pd.DataFrame, pairs: dict, train: Dataset) -> tuple[pd.DataFrame, dict, dict]:
    """Every term centred over the rows it is read on (a conditional one: where it is set), and those rows."""
    X, schema = train.X.reset_index(drop=True), train.schema
    active = active_masks(X, train.conditions)
    everywhere = np.ones(len(X), dtype=bool)
    rows = {f: active.get(f, everywhere) for f in schema.names}
    rows.update({(a, b): rows[a] & rows[b] for a, b in pairs})
    centred = main - main.mean()
    centred_pairs = {k: v - v.mean() for k, v in pairs.items()}
    for f in active:  # conditional: centred over its own rows (NaN elsewhere, where it is never read)
        centred[f] = _centred_on(main[f].to_numpy(dtype=float), rows[f])
    for k in centred_pairs:
        if not rows[k].all():
            centred_pairs[k] = _centred_on(np.asarray(pairs[k], dtype=float), rows[k])
    return centred, centred_pairs, rows


def replicate_importances(reps: TermReplicates, train: Dataset) -> pd.DataFrame:
    """Each replicate's importances (replicates × terms) over ``train``'s rows, measured as ``record_of`` measures
    them: mean |term − its mean| over the rows it is read on (a conditional one: where it is set)."""
    active = active_masks(train.X.reset_index(drop=True), train.conditions)
    everywhere = np.ones(reps.main.shape[1], dtype=bool)

    def measured(values: np.ndarray, on: np.ndarray) -> np.ndarray:
        if not on.any():
            return np.zeros(len(values))
        v = values[:, on]
        return np.abs(v - v.mean(axis=1, keepdims=True)).mean(axis=1)

    out = {f: measured(reps.main[:, :, j], active.get(f, everywhere)) for j, f in enumerate(reps.columns)}
    out.update({pair_term(a, b): measured(v, active.get(a, everywhere) & active.get(b, everywhere))
                for (a, b), v in reps.pairs.items()})
    return pd.DataFrame(out)


def term_importances(main: pd.DataFrame, pairs: dict, train: Dataset) -> dict[str, float]:
    """term -> mean |centred term| over ``train``'s rows, as ``record_of`` measures it (a replicate's importances)."""
    main, pairs, rows = _centred(main, pairs, train)
    out = {f: _mean_abs(main[f][rows[f]]) for f in train.schema.names}
    out.update({pair_term(a, b): _mean_abs(v[rows[a, b]]) for (a, b), v in pairs.items()})
    return out


def _centred_on(values: np.ndarray, on: np.ndarray) -> np.ndarray:
    """``values`` centred to mean 0 over the rows ``on``; NaN on the others."""
    out = np.full(len(values), np.nan)
    if on.any():
        out[on] = values[on] - values[on].mean()
    return out


def _mean_abs(values) -> float:
    """Mean |term| over the rows given; 0 where there are none (a term that never acts on the data moves nothing)."""
    return float(np.mean(np.abs(values))) if len(values) else 0.0


def _ordered(feature, values) -> list:
    """Declared level order for categorical features, ascending otherwise."""
    values = list(values)
    if feature.is_categorical:
        return [v for v in feature.levels if v in values] + [v for v in values if v not in feature.levels]
    return sorted(values)


def _snap(values: pd.Series) -> pd.Series:
    """Each value replaced by the nearest of GRID evenly ranked representatives, when it has more distinct values."""
    distinct = np.sort(values.unique()) if values.dtype.kind in "fiu" else None
    if distinct is None or len(distinct) <= GRID:
        return values
    grid = distinct[np.round(np.linspace(0, len(distinct) - 1, GRID)).astype(int)]
    idx = np.clip(np.searchsorted(grid, values.to_numpy()), 1, GRID - 1)
    lower_closer = values.to_numpy() - grid[idx - 1] <= grid[idx] - values.to_numpy()
    return pd.Series(np.where(lower_closer, grid[idx - 1], grid[idx]), index=values.index)


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v
