"""EBM (InterpretML): its terms as fitted.

``eval_terms(X)`` gives each term per row; a main term's band is ± the
standard deviation of that bin's score across the outer bags
(``standard_deviations_``, interpret's own error bars). Pair terms are EBM's
pair terms as fitted and as interpret's ``show()`` draws them (interpret
0.7.8 does not purify them by default). The record carries interpret's own
JSON export (``extras["ebm_json"]``).
"""
from __future__ import annotations

import copy
import io
import json
import warnings

import numpy as np
import pandas as pd

from harness.data.schema import Schema
from harness.explainers.base import AdditiveExplainer, Decomposition, final_step


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
        return dec


def _ebm(model, Xm: pd.DataFrame) -> Decomposition:
    names = list(model.feature_names_in_)
    terms = model.eval_terms(Xm)
    # Which bin each row falls in, by interpret's own binning: evaluate a copy whose scores are bin indices.
    probe = copy.copy(model)
    probe.term_scores_ = [np.arange(s.size, dtype=float).reshape(s.shape) for s in model.term_scores_]
    bins = np.rint(probe.eval_terms(Xm)).astype(int)
    main = pd.DataFrame(0.0, index=range(len(Xm)), columns=names)
    band = pd.DataFrame(np.nan, index=main.index, columns=names)
    pairs = {}
    for t, feats in enumerate(model.term_features_):
        if len(feats) == 1:
            main[names[feats[0]]] = terms[:, t]
            band[names[feats[0]]] = np.asarray(model.standard_deviations_[t]).ravel()[bins[:, t]]
        elif len(feats) == 2:
            pairs[(names[feats[0]], names[feats[1]])] = terms[:, t]
        else:
            raise ValueError(f"EBM term {model.term_names_[t]!r} joins {len(feats)} features; only mains and pairs are recorded")
    buf = io.StringIO()
    with warnings.catch_warnings():  # interpret flags its JSON format as beta on every export
        warnings.filterwarnings("ignore", message="JSON formats are in beta")
        model.to_json(buf, detail="all")
    return Decomposition(
        main=main,
        pairs=pairs,
        base=float(model.intercept_),
        method="EBM terms (interpret eval_terms) centred over the fitting rows; band ± std of the bin score across outer bags",
        band=band,
        extras={"ebm_json": json.loads(buf.getvalue())},
    )
