"""PED-ANOVA (Watanabe, Bansal & Hutter, IJCAI 2023) through Optuna's own ``PedAnovaImportanceEvaluator``.

PED-ANOVA asks which hyperparameters matter **for reaching the top γ** of the
scores: per hyperparameter, the Pearson divergence between the Parzen density
of the top-γ rows and that of all rows (``local: true``, Optuna's default) or
the uniform density over the domain (``local: false``). It reads the rows,
not a model: the fitted surrogate is ignored, so the cost it adds to a cell is
``explain_seconds`` alone. Importances only, no shapes; the units are
PED-ANOVA's (the divergence scaled by γ²), and every record's ``method`` says
"importance for reaching the top γ". Its sense is **local**: what it takes to
reach the best scores, not what moves the score over the whole space.
Intervals: PED-ANOVA of ``refits`` seeded bootstrap resamples of the rows
(no model to refit), their quantiles.

The rows become an in-memory Optuna study (``study_of``), one completed trial
per row in the table's direction, each hyperparameter with the distribution
its schema declares:

* categorical → ``CategoricalDistribution`` of the levels;
* numeric whose levels are evenly spaced (linear scale) → ``IntDistribution``
  (whole numbers) or ``FloatDistribution`` with that ``step``;
* any other numeric → ``IntDistribution`` (an int column) or
  ``FloatDistribution`` over the declared ``[low, high]``, ``log`` where the
  schema says log.

A study read by ``data=optuna`` thus gets its own distributions back, except
an int with a step > 1 and more than ``max_levels`` values (continuous in the
schema, step 1 here) and conditional parameters, which the table fills in.
Needs Optuna: ``pip install "harness[optuna]"``.
"""
from __future__ import annotations

import copy
import logging
import warnings
from datetime import datetime

import numpy as np

from harness.data.dataset import Dataset
from harness.errors import ConfigError, DataError
from harness.explainers.base import REFITS, Explainer, interval_params, refit_replicates
from harness.explainers.importance_only import importance_record
from harness.interpretation.record import LOCAL, Interpretation

log = logging.getLogger("harness")


class PEDANOVA(Explainer):
    name = "ped_anova"

    def __init__(self, gamma: float = 0.1, local: bool = True, intervals: bool = True, refits: int = REFITS,
                 random_state: int = 0):
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma < 1:
            raise ConfigError(f"explainer ped_anova: gamma (the top quantile) must be in (0, 1), got {gamma!r}")
        if not isinstance(local, bool):
            raise ConfigError(f"explainer ped_anova: local must be true or false, got {local!r}")
        super().__init__(gamma=float(gamma), local=local, **interval_params(self.name, intervals, refits, random_state))

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        optuna = _optuna()
        gamma, local = self.params["gamma"], self.params["local"]
        evaluator = optuna.importance.PedAnovaImportanceEvaluator(target_quantile=gamma, evaluate_on_local=local)

        def evaluate(rows: Dataset, quiet: bool = False) -> dict:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                importance = evaluator.evaluate(study_of(rows))
            for w in {str(w.message) for w in caught} if not quiet else ():
                log.info("PED-ANOVA on %s: %s", data.name, w)
            return importance

        return importance_record(
            data, evaluate(data), sense=LOCAL,
            replicates=refit_replicates(est, data, feed, lambda _, sample: evaluate(sample, quiet=True), self.params,
                                        refit=False) if self.intervals else "intervals: false",
            measure=f"importance for reaching the top {gamma:g}",
            method=f"importance for reaching the top γ (PED-ANOVA, γ={gamma:g}): Pearson divergence of the top-{gamma:g} "
                   f"rows' Parzen density from that of {'all rows' if local else 'the uniform density'}, per hyperparameter, by "
                   f"Optuna {optuna.__version__}'s PedAnovaImportanceEvaluator",
            extras={"gamma": gamma, "local": local},
        )


def _optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError('explainer ped_anova needs Optuna: pip install "harness[optuna]"') from None
    return optuna


def study_of(data: Dataset):
    """The rows as a read-only in-memory Optuna study of completed trials (see the module docstring).

    Optuna's importance evaluators read a study's trials through
    ``get_trials``; here it serves the table's trials as built. Adding them to
    the study's storage instead would deep-copy each one, three times the
    cost of PED-ANOVA itself on 600 rows. Nothing else of the study is filled.
    """
    optuna = _optuna()
    dists = {f.name: _distribution(f, data.X[f.name]) for f in data.schema}
    columns = {}
    for name, dist in dists.items():
        raw = data.X[name]
        values = raw.astype(str).tolist() if hasattr(dist, "choices") else (
            raw.astype(np.int64).tolist() if isinstance(dist, optuna.distributions.IntDistribution) else raw.astype(float).tolist())
        bad = [i for i, v in enumerate(values) if not dist._contains(dist.to_internal_repr(v))]
        if bad:
            raise DataError(f"dataset {data.name!r}, row {bad[0]}: {name} = {values[bad[0]]!r} is outside its declared domain {dist}")
        columns[name] = values
    y, now, done = data.y.astype(float).tolist(), datetime.now(), optuna.trial.TrialState.COMPLETE
    trials = [
        optuna.trial.FrozenTrial(number=i, state=done, value=y[i], datetime_start=now, datetime_complete=now,
                                 params={n: columns[n][i] for n in dists}, distributions=dists, user_attrs={},
                                 system_attrs={}, intermediate_values={}, trial_id=i)
        for i in range(len(data))
    ]
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # not one "new study created" line per cell
    try:
        study = optuna.create_study(direction="maximize" if data.maximize else "minimize")
    finally:
        optuna.logging.set_verbosity(verbosity)

    def get_trials(deepcopy: bool = True, states=None):
        chosen = [t for t in trials if states is None or t.state in states]
        return copy.deepcopy(chosen) if deepcopy else chosen

    study.get_trials = get_trials
    return study


def _distribution(feature, column):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if feature.is_categorical:
        return CategoricalDistribution(list(feature.levels))
    whole = column.dtype.kind in "iu"
    log = feature.scale == "log"
    steps = np.diff(feature.levels) if len(feature.levels) > 1 else np.zeros(0)
    if not log and steps.size and np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        if whole:
            return IntDistribution(int(feature.low), int(feature.high), step=int(round(steps[0])))
        return FloatDistribution(feature.low, feature.high, step=float(steps[0]))
    if whole:
        return IntDistribution(int(feature.low), int(feature.high), log=log)
    return FloatDistribution(feature.low, feature.high, log=log)
