"""Importance for reaching the top γ, read off a fitted model over the declared search space (a *local* sense).

PED-ANOVA (``harness.explainers.pedanova``) estimates, from the rows alone,
Var(P[top γ | x_d]): how much reaching the top γ of the scores depends on
hyperparameter d. On an HPO run the rows crowd the region the search liked,
and their top γ is a handful of rows. This explainer asks the fitted model
instead: over ``rows`` configurations drawn from the declared space
(``harness.explainers.space``), with x_d set in turn to each of ``grid``
values of its range (each level), which configurations does the model put in
its top γ (the γ-quantile of its predictions over ``QUANTILE_ROWS`` drawn
configurations)? With b = [prediction in the top γ]:

* **main** = Var over x_d of P[b | x_d] (the share of the configurations in
  the top at each value): PED-ANOVA's quantity, in its units;
* **total** = E over configurations of Var over x_d of b: what d does to
  reaching the top alone or with any other hyperparameter (b's total Sobol
  variance).

It is the synthetic generator's local truth (``harness.synthetic.local``)
with the model in place of the true function. A conditional hyperparameter
is set only where it is active; a parent's effect through the features it
activates is not varied (the conditional columns are copied from table rows).

**Intervals** from the model's own replicates where it has them — an EBM's
outer bags (each bag's predictions; the delete-d jackknife's spread, as for
its terms), a forest's groups of trees — else ``refits`` bootstrap refits.
Every replicate is read on the same drawn configurations.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from harness.config import integer
from harness.data.dataset import Dataset
from harness.errors import ConfigError
from harness.explainers import space
from harness.explainers.base import REFITS, Explainer, Replicates, final_step, finish, interval_params, refit_replicates
from harness.interpretation.intervals import TERM_COLUMNS, TOTAL, Rule, total_term
from harness.interpretation.record import LOCAL, SHAPE_COLUMNS, Interpretation

QUANTILE_ROWS = 32768  # drawn configurations whose predictions fix the top-γ cut (γ ± 0.0017)
GROUPS = 8  # groups of a forest's trees whose predictions are the replicates


class TopGamma(Explainer):
    name = "top_gamma"
    uses = ("harness.explainers.space", "harness.explainers.ebm")

    def __init__(self, gamma: float = 0.1, rows: int = 256, grid: int = 16, intervals: bool = True,
                 refits: int = REFITS, random_state: int = 0):
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma < 1:
            raise ConfigError(f"explainer top_gamma: gamma (the top quantile) must be in (0, 1), got {gamma!r}")
        super().__init__(gamma=float(gamma), rows=integer(rows, "explainer top_gamma: rows", minimum=10),
                         grid=integer(grid, "explainer top_gamma: grid", minimum=2),
                         **interval_params(self.name, intervals, refits, random_state))

    @classmethod
    def applies_to(cls, model) -> bool:
        return hasattr(model, "predict")

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        p = self.params
        gen = np.random.default_rng(p["random_state"])
        reference = space.draw(data, QUANTILE_ROWS, gen)
        base = space.draw(data, p["rows"], gen)
        on = space.active(data, base)
        blocks, weights = [], {}
        for f in data.schema.names:
            values, weights[f] = space.grid(data, f, p["grid"])
            block = base.loc[np.repeat(np.arange(len(base)), len(values))].reset_index(drop=True)
            setting = pd.Series(np.tile(values, len(base)), dtype=data.X[f].dtype)
            where = np.repeat(on.get(f, np.ones(len(base), dtype=bool)), len(values))
            block[f] = setting.where(where, block[f])
            blocks.append(block)
        X = pd.concat([reference, *blocks], ignore_index=True)
        if feed == "scaled":
            X = data.schema.scaled(X)
        sign = 1.0 if data.maximize else -1.0

        def effects(prediction: np.ndarray) -> dict[str, float]:
            prediction = sign * np.asarray(prediction, dtype=float)
            cut = np.quantile(prediction[:QUANTILE_ROWS], 1 - p["gamma"])
            out, start = {}, QUANTILE_ROWS
            for f in data.schema.names:
                w = weights[f]
                top = (prediction[start:start + len(base) * len(w)] >= cut).reshape(len(base), len(w)).astype(float)
                start += len(base) * len(w)
                share = top.mean(axis=0)
                out[f] = float(w @ (share - w @ share) ** 2)
                out[total_term(f)] = float(np.mean((top - (top @ w)[:, None]) ** 2 @ w))
            return out

        point = effects(est.predict(X))
        rows = [(f, "main", f, None, point[f]) for f in data.schema.names]
        rows += [(total_term(f), TOTAL, f, None, point[total_term(f)]) for f in data.schema.names]
        record = Interpretation(
            surrogate="", dataset=data.name, sense=LOCAL, measure=f"importance for reaching the top {p['gamma']:g}",
            method=f"importance for reaching the top γ (γ={p['gamma']:g}) read off the model over the declared space: "
                   f"{p['rows']} configurations drawn from it (random_state {p['random_state']}), each hyperparameter set "
                   f"to {p['grid']} values of its range (every level); main = Var of P[prediction in the model's top γ | x], "
                   f"total = mean Var of [top γ] over x (PED-ANOVA's units; the top γ of {QUANTILE_ROWS} drawn configurations)",
            importances=pd.DataFrame(rows, columns=TERM_COLUMNS), shapes=pd.DataFrame(columns=SHAPE_COLUMNS),
            extras={"gamma": p["gamma"]},
        )
        return finish(record, self._replicates(est, data, feed, X, effects))

    def _replicates(self, est, data: Dataset, feed: str, X: pd.DataFrame, effects) -> Replicates | str:
        if not self.intervals:
            return "intervals: false"
        members = _members(est, X, len(data))
        if members is not None:
            predictions, rule, what = members
            return Replicates(pd.DataFrame([effects(p) for p in predictions]), rule, what)
        return refit_replicates(est, data, feed, lambda fitted, _: effects(fitted.predict(X)), self.params)


def _members(est, X: pd.DataFrame, n: int):
    """(each member's predictions at X, the rule, words) for a model made of members fitted alike: an EBM's outer bags,
    a random forest's groups of trees; None for any other model."""
    from interpret.glassbox import ExplainableBoostingRegressor
    from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor

    from harness.explainers.ebm import bag_predictions, held_out

    model, encode = final_step(est)
    if isinstance(model, ExplainableBoostingRegressor):
        d = held_out(model, n)
        bags = np.shape(model.bagged_scores_[0])[0] if len(model.term_features_) else 0
        if bags < 2 or not 0 < d < 1:
            return None
        return (bag_predictions(model, encode(X)), Rule("spread", scale=float(np.sqrt((1 - d) / d))),
                f"the {bags} outer bags' predictions (each bag fitted on {1 - d:.0%} of the rows; delete-d jackknife)")
    if isinstance(model, (RandomForestRegressor, ExtraTreesRegressor)) and len(model.estimators_) >= 2:
        Xm = np.asarray(encode(X), dtype=np.float32)
        trees = np.array([t.predict(Xm) for t in model.estimators_])
        groups = np.array_split(np.arange(len(trees)), min(GROUPS, len(trees)))
        return ([trees[g].mean(axis=0) for g in groups], Rule("spread", scale=float(np.sqrt(len(trees) / len(groups)))),
                f"{len(groups)} groups of the forest's {len(trees)} trees' predictions (the groups' spread × √(trees per "
                "group): a tree's)")
    return None
