"""EBM (InterpretML): its terms as fitted.

``eval_terms(X)`` gives each term per row; a main term's band is ± the
standard deviation of that bin's score across the outer bags
(``standard_deviations_``, interpret's own error bars). Pair terms are EBM's
pair terms as fitted and as interpret's ``show()`` draws them (interpret
0.7.8 does not purify them by default). The record carries interpret's own
JSON export (``extras["ebm_json"]``).

**Intervals** come from the outer bags: the model is the mean of its bags'
models (``term_scores_`` = the mean of ``bagged_scores_``), each boosted on
its own random 1 − d of the rows (d = ``validation_size``, 0.15), so each
bag's importances are the estimate on a delete-d subsample. The delete-d
jackknife turns their spread into the estimate's: interval = estimate ± t ×
sqrt((1 − d) / d) × sd over bags (t with bags − 1 degrees of freedom). An EBM
with fewer than two bags is refitted on bootstrap resamples instead.
"""
from __future__ import annotations

import copy
import io
import json
import warnings
import weakref

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, TermReplicates, final_step
from harness.interpretation.intervals import Rule


class EBMTerms(AdditiveExplainer):
    name = "ebm"

    @classmethod
    def applies_to(cls, model) -> bool:
        from interpret.glassbox import ExplainableBoostingRegressor

        return isinstance(model, ExplainableBoostingRegressor)

    def decompose(self, est, X: pd.DataFrame, schema: Schema) -> Decomposition:
        model, feed = final_step(est)
        dec = _ebm(model, feed(X))
        name = {c.name: c.feature for c in schema.columns(onehot=False)}  # the model saw the schema's column map
        dec.main = dec.main.rename(columns=name)
        dec.band = dec.band.rename(columns=name)
        dec.pairs = {(name.get(a, a), name.get(b, b)): v for (a, b), v in dec.pairs.items()}
        dec.replicates = dec.replicates.renamed(name) if dec.replicates is not None else None
        return dec


def _bins(model, Xm: pd.DataFrame) -> np.ndarray:
    """Which bin of each term each row falls in (rows × terms, flat indices), by interpret's own binning: the terms of
    a copy whose scores are bin indices."""
    probe = copy.copy(model)
    probe.term_scores_ = [np.arange(s.size, dtype=float).reshape(s.shape) for s in model.term_scores_]
    return np.rint(probe.eval_terms(Xm)).astype(int)


def bag_predictions(model, Xm: pd.DataFrame) -> np.ndarray:
    """Each outer bag's own prediction at every row (bags × rows): its intercept plus its terms."""
    bins = _bins(model, Xm)
    bags = np.shape(model.bagged_scores_[0])[0]
    out = np.tile(np.asarray(getattr(model, "bagged_intercept_", np.full(bags, model.intercept_)), dtype=float)[:, None],
                  (1, len(Xm)))
    for t in range(len(model.term_features_)):
        out += np.asarray(model.bagged_scores_[t]).reshape(bags, -1)[:, bins[:, t]]
    return out


_EXPORTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _export(model) -> dict:
    """interpret's own JSON export of the model, made once per fitted model (a decomposition of other rows, as over the
    declared space, reuses it: the export is most of an explanation's time)."""
    if model not in _EXPORTS:
        buf = io.StringIO()
        with warnings.catch_warnings():  # interpret flags its JSON format as beta on every export
            warnings.filterwarnings("ignore", message="JSON formats are in beta")
            model.to_json(buf, detail="all")
        _EXPORTS[model] = json.loads(buf.getvalue())
    return _EXPORTS[model]


def held_out(model, n: int) -> float:
    """The share of rows each bag holds out (interpret's ``validation_size``: a share, or a count of rows)."""
    v = float(model.validation_size or 0)
    return v if v < 1 else v / n


def _ebm(model, Xm: pd.DataFrame) -> Decomposition:
    names = list(model.feature_names_in_)
    terms = model.eval_terms(Xm)
    bins = _bins(model, Xm)
    main = pd.DataFrame(0.0, index=range(len(Xm)), columns=names)
    band = pd.DataFrame(np.nan, index=main.index, columns=names)
    pairs = {}
    bags = np.shape(model.bagged_scores_[0])[0] if len(model.term_features_) else 0
    bagged = TermReplicates(np.zeros((bags, len(Xm), len(names))), names)
    for t, feats in enumerate(model.term_features_):
        per_bag = np.asarray(model.bagged_scores_[t]).reshape(bags, -1)[:, bins[:, t]]  # bags × rows
        if len(feats) == 1:
            main[names[feats[0]]] = terms[:, t]
            band[names[feats[0]]] = np.asarray(model.standard_deviations_[t]).ravel()[bins[:, t]]
            bagged.main[:, :, feats[0]] = per_bag
        elif len(feats) == 2:
            pairs[(names[feats[0]], names[feats[1]])] = terms[:, t]
            bagged.pairs[(names[feats[0]], names[feats[1]])] = per_bag
        else:
            raise ValueError(f"EBM term {model.term_names_[t]!r} joins {len(feats)} features; only mains and pairs are recorded")
    d = held_out(model, len(Xm))
    return Decomposition(
        main=main,
        pairs=pairs,
        base=float(model.intercept_),
        method="EBM terms (interpret eval_terms) centred over the fitting rows; band ± std of the bin score across outer bags",
        band=band,
        extras={"ebm_json": _export(model)},
        replicates=bagged if bags >= 2 and 0 < d < 1 else None,
        rule=Rule("spread", scale=float(np.sqrt((1 - d) / d))) if 0 < d < 1 else None,
        what=f"the {bags} outer bags (each fitted on {1 - d:.0%} of the rows; delete-d jackknife)",
    )
