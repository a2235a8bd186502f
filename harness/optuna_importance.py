"""Optuna importance evaluators backed by the harness's glassbox surrogates.

    import optuna
    from harness.optuna_importance import EBMImportanceEvaluator

    optuna.importance.get_param_importances(study, evaluator=EBMImportanceEvaluator())
    optuna.visualization.plot_param_importances(study, evaluator=EBMImportanceEvaluator(seed=0))

The evaluator fits the surrogate (``ebm`` by default, or any configured one by name) on the study's
completed trials and returns each parameter's share of the surrogate's single-feature importance
(mean |centred term| over the trials, the paper's measure), summing to 1, most important first — the
form Optuna's own evaluators return. Unlike Optuna's fANOVA, which leaves out every parameter absent
from some trial, conditional parameters are kept: a numeric parameter absent from a trial is filled
at the low end of its domain beside an activity indicator, and the indicator's importance is credited
to the parameter(s) it marks (split equally when one indicator marks several).
"""
from __future__ import annotations

from typing import Callable

from optuna.importance import BaseImportanceEvaluator

from harness.api import explain
from harness.config import integer
from harness.data.readers.optuna_study import from_study
from harness.seeds import check_seed
from harness.surrogates.registry import load_spec

__all__ = ["EBMImportanceEvaluator", "SurrogateImportanceEvaluator"]


class SurrogateImportanceEvaluator(BaseImportanceEvaluator):
    """Parameter importances from a harness surrogate (``surrogate``: a name in ``conf/surrogate/``)."""

    def __init__(self, surrogate: str = "ebm", *, seed: int = 0, n_jobs: int = 1):
        load_spec(surrogate)  # an unknown name or a broken YAML fails here, not after the study has run
        self.surrogate = surrogate
        self.seed = check_seed(seed)
        self.n_jobs = integer(n_jobs, "n_jobs", minimum=1)

    def evaluate(self, study, params: list[str] | None = None, *,
                 target: Callable | None = None) -> dict[str, float]:
        if target is None and len(study.directions) > 1:
            raise ValueError("If the `study` is being used for multi-objective optimization, please specify the "
                             "`target`, e.g. target=lambda t: t.values[0].")
        if params is not None and (not isinstance(params, (list, tuple)) or not all(isinstance(p, str) for p in params)):
            raise TypeError(f"Parameters must be specified as a list of names. Actual parameters: {params}.")
        ds = from_study(study, target=target, params=list(params) if params is not None else None, min_rows=2)
        record = explain(ds, surrogates=(self.surrogate,), seed=self.seed, n_jobs=self.n_jobs)[self.surrogate]
        names = list(params) if params is not None else list(dict.fromkeys(p for t in _complete(study) for p in t.params))
        credit = dict.fromkeys(names, 0.0)
        for feature, value in record.main_importances().items():
            owners = _owners(str(feature), ds.conditions, names)
            for owner in owners:
                credit[owner] += float(value) / len(owners)
        total = sum(credit.values())
        shares = {p: (v / total if total > 0 else 1.0 / len(credit)) for p, v in credit.items()}
        return dict(sorted(shares.items(), key=lambda kv: kv[1], reverse=True))


class EBMImportanceEvaluator(SurrogateImportanceEvaluator):
    """Parameter importances from an Explainable Boosting Machine (the ``ebm`` surrogate: 10 pairwise terms)."""

    def __init__(self, *, seed: int = 0, n_jobs: int = 1, fast: bool = False):
        super().__init__("ebm_fast" if fast else "ebm", seed=seed, n_jobs=n_jobs)


def _complete(study):
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def _owners(feature: str, conditions, params: list[str]) -> list[str]:
    """The parameters a feature speaks for: itself, or every parameter its activity indicator marks (the
    table's ``conditions``)."""
    if feature in params:
        return [feature]
    marked = next((c.features for c in conditions if c.indicator == feature), ())
    return [p for p in marked if p in params]
