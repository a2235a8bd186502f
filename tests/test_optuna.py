"""harness.optuna_importance: Optuna's importance API driven by a harness surrogate, on real studies built here."""
from __future__ import annotations

import math

import pytest

optuna = pytest.importorskip("optuna")

from harness.optuna_importance import EBMImportanceEvaluator, SurrogateImportanceEvaluator  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _conditional(trial):
    """x matters most, then the choice; y exists only under 'b' and matters there; z is noise."""
    x = trial.suggest_float("x", 0.0, 1.0)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    z = trial.suggest_int("z", 0, 3)
    value = 4.0 * x + (1.0 if kind == "b" else 0.0) + 0.0 * z
    if kind == "b":
        y = trial.suggest_float("y", 1e-3, 1.0, log=True)
        value += 0.5 * math.log10(y)
    return value


@pytest.fixture(scope="module")
def study():
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(_conditional, n_trials=120)
    return s


@pytest.fixture(scope="module")
def two_objectives():
    s = optuna.create_study(directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=1))
    s.optimize(lambda t: (t.suggest_float("a", 0, 1) * 3 + t.suggest_float("b", 0, 1) * 0.1,
                          t.suggest_float("c", 0, 1)), n_trials=60)
    return s


def test_get_param_importances_with_the_ebm(study):
    imp = optuna.importance.get_param_importances(study, evaluator=EBMImportanceEvaluator(fast=True))
    assert set(imp) == {"x", "kind", "z", "y"}  # the conditional y is kept
    assert list(imp)[0] == "x" and list(imp)[-1] == "z"
    assert sum(imp.values()) == pytest.approx(1.0)
    assert list(imp.values()) == sorted(imp.values(), reverse=True)
    # Optuna's own fANOVA leaves y out: it is absent from the trials that chose 'a'
    assert "y" not in optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))


def test_params_and_target_are_honoured(study):
    ev = SurrogateImportanceEvaluator("tree")
    imp = optuna.importance.get_param_importances(study, evaluator=ev, params=["x", "z"])
    assert set(imp) == {"x", "z"} and imp["x"] > imp["z"]
    by_z = optuna.importance.get_param_importances(study, evaluator=ev, target=lambda t: float(t.params["z"]))
    assert list(by_z)[0] == "z"
    with pytest.raises(Exception, match="nosuch"):
        ev.evaluate(study, params=["nosuch"])


def test_multi_objective_through_target(two_objectives):
    ev = SurrogateImportanceEvaluator("linear")
    with pytest.raises(ValueError, match="multi-objective"):
        ev.evaluate(two_objectives)
    first = optuna.importance.get_param_importances(two_objectives, evaluator=ev, target=lambda t: t.values[0])
    second = optuna.importance.get_param_importances(two_objectives, evaluator=ev, target=lambda t: t.values[1])
    assert list(first)[0] == "a" and list(second)[0] == "c"


def test_plot_param_importances_draws(study):
    pytest.importorskip("plotly")
    fig = optuna.visualization.plot_param_importances(study, evaluator=SurrogateImportanceEvaluator("linear"))
    assert set(fig.data[0].y) == {"x", "kind", "z", "y"}


@pytest.mark.parametrize("kwargs, message", [
    ({"surrogate": "nosuch"}, r"^unknown surrogate 'nosuch'; known: ebm, "),
    ({"surrogate": "linear", "seed": -3}, r"^seed must be a non-negative integer, got -3$"),
    ({"surrogate": "linear", "n_jobs": 0}, r"^n_jobs=0 must be at least 1$"),
])
def test_a_bad_evaluator_is_refused_when_made_not_after_the_study(kwargs, message):
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        SurrogateImportanceEvaluator(**kwargs)
