"""Optuna importance evaluators backed by the harness's glassbox surrogates.

    import optuna
    from harness.optuna_importance import EBMImportanceEvaluator

    optuna.importance.get_param_importances(study, evaluator=EBMImportanceEvaluator())
    optuna.visualization.plot_param_importances(study, evaluator=EBMImportanceEvaluator(seed=0))

The evaluator fits the surrogate (``ebm`` by default, or any configured one by name) on the study's
completed trials and returns each parameter's single-feature importance in the surrogate's own measure
(the paper's mean |centred term| for an EBM, a fraction of variance for fANOVA, …), most important first;
``get_param_importances`` turns them into shares summing to 1 unless ``normalize=False``. It follows the
contract of Optuna's evaluators (``optuna.testing.pytest_importance``, run by ``tests/test_optuna_contract.py``):

* ``params=[]`` gives ``{}``; a parameter no completed trial has, or a multi-objective study without
  ``target``, raises ``ValueError``;
* trials whose value (or ``target``) is not finite are left out, as Optuna's evaluators leave them out;
* with fewer than two such trials, a constant value, or only parameters that can take a single value,
  nothing can be told apart: every importance is 0 (Optuna's fANOVA raises on a constant value; its MDI and
  PED-ANOVA give 0), with a warning. A parameter with a single possible value gets 0 and is not fitted.

Where it differs from Optuna's fANOVA and MDI, and why:

* conditional parameters are kept (as Optuna's PED-ANOVA keeps them): a numeric parameter absent from a trial
  is filled at the low end of its domain beside an activity indicator, and the indicator's importance is
  credited to the parameter(s) it marks (split equally when one indicator marks several); every trial is used.
  A parameter whose range changes between trials is read over the union of its ranges.
* small studies: each surrogate needs ``min_rows`` trials with a finite value (its YAML): ``ebm`` and
  ``ebm_fast`` 20 (EBM's early stopping holds out 15 % of the rows), ``gam`` 10 (GCV picks the smoothing
  blindly below), every other shipped surrogate 2. A study with fewer, or one where the surrogate credits
  none of the value's variation to the parameters (a tree with ``min_samples_leaf=2`` cannot split 3 trials),
  is answered by ``fallback`` (``linear``: ridge regression, which fits any two trials) with a warning naming
  both. With ``fallback=None`` a study under ``min_rows`` raises ``ValueError``, and a fit that credits nothing
  gives its zeros with a warning.

``seed`` is the surrogate's ``random_state`` itself, as Optuna's ``seed`` is its forest's, and the parameters
are fitted in sorted order, as Optuna orders them: ``SurrogateImportanceEvaluator("fanova", seed=s)`` gives
``FanovaImportanceEvaluator(seed=s)``'s numbers on a study without conditional parameters (only the single-feature
fractions are computed: the explainer is told ``pairs: false``). Experiments and ``harness.explain`` derive a
model seed from the run seed and keep the table's column order, so their numbers for the same study differ from
the evaluator's by the model's randomness.
"""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import replace
from typing import Callable

from optuna.importance import BaseImportanceEvaluator

from harness.config import ExplainSample, integer
from harness.data.readers.optuna_study import from_study
from harness.errors import ConfigError, DataError
from harness.seeds import check_seed
from harness.surrogates.native import portable_kernels
from harness.surrogates.registry import MAX_SEED, build, load_spec

__all__ = ["EBMImportanceEvaluator", "SurrogateImportanceEvaluator"]

log = logging.getLogger("harness")


class SurrogateImportanceEvaluator(BaseImportanceEvaluator):
    """Parameter importances from a harness surrogate (``surrogate``: a name in ``conf/surrogate/``).

    ``fallback`` answers studies too small for ``surrogate`` (see the module docstring); None refuses them.
    """

    def __init__(self, surrogate: str = "ebm", *, seed: int = 0, n_jobs: int = 1, fallback: str | None = "linear"):
        self._spec = load_spec(surrogate)  # an unknown name or a broken YAML fails here, not after the study has run
        self._fallback = None if fallback is None else load_spec(fallback)
        if self._fallback is not None and self._fallback.min_rows > 2:
            raise ConfigError(f"fallback={fallback!r} needs {self._fallback.min_rows} trials; "
                              f"a fallback must fit any two (e.g. fallback='linear')")
        self.surrogate = surrogate
        self.fallback = fallback
        self.seed = check_seed(seed)
        if self.seed > MAX_SEED:
            raise ConfigError(f"seed={seed} is above {MAX_SEED}, the largest random_state every surrogate accepts")
        self.n_jobs = integer(n_jobs, "n_jobs", minimum=1)

    def evaluate(self, study, params: list[str] | None = None, *,
                 target: Callable | None = None) -> dict[str, float]:
        if target is None and len(study.directions) > 1:
            raise ValueError("If the `study` is being used for multi-objective optimization, please specify the "
                             "`target`, e.g. target=lambda t: t.values[0].")
        if params is not None and (not isinstance(params, (list, tuple)) or not all(isinstance(p, str) for p in params)):
            raise TypeError(f"Parameters must be specified as a list of names. Actual parameters: {params}.")
        where = f"study {study.study_name!r}"
        done = _complete(study)
        names = _assessed(done, params, where)
        if not names:
            return {}
        value = target if target is not None else (lambda t: t.value)
        values = {t.number: float(value(t)) for t in done}
        trials = [t for t in done if math.isfinite(values[t.number])]
        if len(trials) < len(done):
            log.info("%s: %d completed trial(s) with a non-finite %s left out", where, len(done) - len(trials),
                     "value" if target is None else "target")
        varying = sorted(p for p in names if _varies(p, trials))
        if len(trials) < 2 or not varying or len({values[t.number] for t in trials}) < 2:
            reason = (f"{len(trials)} completed trial(s) with a finite value" if len(trials) < 2 else
                      "no assessed parameter can take more than one value" if not varying else
                      f"every one of the {len(trials)} completed trials has the same value")
            _warn(f"{where}: {reason}; nothing tells the parameters apart, so every importance is 0")
            return dict.fromkeys(names, 0.0)

        ds = from_study(study, target=value, params=varying, min_rows=2)
        if target is None:  # the study's own objective: its direction (PED-ANOVA's top trials depend on it)
            ds = replace(ds, maximize=study.direction.name == "MAXIMIZE")
        spec = self._spec
        if len(ds) < spec.min_rows:
            spec = self._instead(f"surrogate {spec.name!r} needs at least {spec.min_rows} completed trials with a "
                                 f"finite value; {where} has {len(ds)}")
        raw = self._importances(spec, ds, varying)
        if not any(raw.values()):
            reason = (f"surrogate {spec.name!r} credits none of the variation of the {len(ds)} completed trials of "
                      f"{where} to the assessed parameters")
            if self._fallback is None or spec.name == self._fallback.name:
                _warn(f"{reason}; every importance is 0")
            else:
                spec = self._instead(reason)
                raw = self._importances(spec, ds, varying)
        out = {**dict.fromkeys(names, 0.0), **{p: v for p, v in raw.items() if p in names}}
        return dict(sorted(out.items(), key=lambda kv: kv[1], reverse=True))

    def _instead(self, reason: str):
        """The fallback surrogate, with a warning that says why; a ValueError when there is none."""
        if self._fallback is None:
            raise DataError(f"{reason}, and fallback=None")
        _warn(f"{reason}: the importances are those of the {self._fallback.name!r} surrogate instead", stacklevel=4)
        return self._fallback

    def _importances(self, spec, ds, names: list[str]) -> dict[str, float]:
        """Fit ``spec`` on every row of ``ds`` and read each parameter's importance off its own explainer."""
        from threadpoolctl import threadpool_limits

        from harness.cells import explained_rows
        from harness.explainers import for_model

        explainer = spec.explainer
        if isinstance(explainer, dict) and explainer.get("pairs"):  # single-feature importances are all it reads
            explainer = {**explainer, "pairs": False}
        with threadpool_limits(limits=self.n_jobs), portable_kernels():  # BLAS threads too, and EBM's kernels
            est = build(spec, ds.schema, seed=self.seed, n_jobs=self.n_jobs).fit(ds.X, ds.y)
            shown, _ = explained_rows(ds, ExplainSample().size(len(ds)), self.seed)
            record = for_model(est, explainer, where=f"surrogate {spec.name!r}: explainer").explain(est, shown)
        credit = dict.fromkeys(names, 0.0)
        for feature, value in record.main_importances().items():
            owners = _owners(str(feature), ds.conditions, names)
            for owner in owners:  # a negative score (permutation: shuffling lowered the error) is no importance
                credit[owner] += max(float(value), 0.0) / len(owners)
        return credit


class EBMImportanceEvaluator(SurrogateImportanceEvaluator):
    """Parameter importances from an Explainable Boosting Machine (the ``ebm`` surrogate: 10 pairwise terms).

    It needs 20 completed trials; smaller studies are answered by ``fallback`` with a warning.
    """

    def __init__(self, *, seed: int = 0, n_jobs: int = 1, fast: bool = False, fallback: str | None = "linear"):
        super().__init__("ebm_fast" if fast else "ebm", seed=seed, n_jobs=n_jobs, fallback=fallback)


def _warn(message: str, stacklevel: int = 3) -> None:
    """A UserWarning at the line that called ``evaluate`` (``stacklevel`` counts this function and ``evaluate``)."""
    warnings.warn(message, UserWarning, stacklevel=stacklevel)


def _complete(study):
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))


def _assessed(trials, params, where: str) -> list[str]:
    """The parameters to assess: ``params``, each of which some completed trial must have, or all of them."""
    present = list(dict.fromkeys(p for t in trials for p in t.params))
    if params is None:
        return present
    unknown = [p for p in params if p not in present]
    if unknown:
        raise ConfigError(f"{where}: no completed trial has parameter(s) {', '.join(map(repr, unknown))}; "
                          f"parameters: {', '.join(present) or 'none'}")
    return list(dict.fromkeys(params))


def _varies(name: str, trials) -> bool:
    """Can the parameter take more than one value in these trials (Optuna's ``not distribution.single()``)?"""
    having = [t for t in trials if name in t.params]
    return bool(having) and not (all(t.distributions[name].single() for t in having)
                                 and len({repr(t.params[name]) for t in having}) == 1)


def _owners(feature: str, conditions, params: list[str]) -> list[str]:
    """The parameters a feature speaks for: itself, or every parameter its activity indicator marks (the
    table's ``conditions``)."""
    if feature in params:
        return [feature]
    marked = next((c.features for c in conditions if c.indicator == feature), ())
    return [p for p in marked if p in params]
