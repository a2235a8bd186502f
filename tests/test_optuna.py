"""harness.optuna_importance: Optuna's importance API driven by a harness surrogate, on real studies built here."""
from __future__ import annotations

import math
import warnings

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


def _random_search(objective, n_trials: int, seed: int, **directions):
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed), **directions)
    s.optimize(objective, n_trials=n_trials)
    return s


@pytest.fixture(scope="module")
def study():
    return _random_search(_conditional, 120, seed=0)


@pytest.fixture(scope="module")
def two_objectives():
    return _random_search(lambda t: (t.suggest_float("a", 0, 1) * 3 + t.suggest_float("b", 0, 1) * 0.1,
                                     t.suggest_float("c", 0, 1)), 60, seed=1, directions=["minimize", "maximize"])


def test_get_param_importances_with_the_ebm(study):
    imp = optuna.importance.get_param_importances(study, evaluator=EBMImportanceEvaluator(fast=True))
    assert set(imp) == {"x", "kind", "z", "y"}  # the conditional y is kept
    assert list(imp)[0] == "x" and list(imp)[-1] == "z"
    assert sum(imp.values()) == pytest.approx(1.0)
    assert list(imp.values()) == sorted(imp.values(), reverse=True)
    # Optuna's own fANOVA leaves y out: it is absent from the trials that chose 'a'
    assert "y" not in optuna.importance.get_param_importances(
        study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))


@pytest.fixture(scope="module")
def thirty():
    """30 trials: enough for the EBM (min_rows 20) to be fitted itself, and cheap to fit."""
    return _random_search(_conditional, 30, seed=1)


@pytest.fixture(scope="module")
def ebm_raw(thirty):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback: the EBM itself
        return EBMImportanceEvaluator(fast=True).evaluate(thirty)


def test_the_ebm_gives_its_own_measure_and_get_param_importances_the_shares(thirty, ebm_raw):
    # mean |centred term| in target units: 4x has mean |4x - 2| = 1 for uniform x
    assert ebm_raw["x"] == pytest.approx(1.0, rel=0.25) and sum(ebm_raw.values()) > 1.2
    shares = optuna.importance.get_param_importances(thirty, evaluator=EBMImportanceEvaluator(fast=True))
    assert shares == pytest.approx({p: v / sum(ebm_raw.values()) for p, v in ebm_raw.items()}, rel=1e-12)
    assert list(shares) == list(ebm_raw)


def test_params_and_target_are_honoured(study):
    ev = SurrogateImportanceEvaluator("tree")
    imp = optuna.importance.get_param_importances(study, evaluator=ev, params=["x", "z"])
    assert set(imp) == {"x", "z"} and imp["x"] > imp["z"]
    by_z = optuna.importance.get_param_importances(study, evaluator=ev, target=lambda t: float(t.params["z"]))
    assert list(by_z)[0] == "z"
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match=r"no completed trial has parameter\(s\) 'nosuch'; parameters: x, kind, z, y$"):
        ev.evaluate(study, params=["nosuch"])  # a ValueError too, as Optuna's evaluators raise


def test_multi_objective_through_target(two_objectives):
    ev = SurrogateImportanceEvaluator("linear")
    with pytest.raises(ValueError, match="multi-objective"):
        ev.evaluate(two_objectives)
    first = optuna.importance.get_param_importances(two_objectives, evaluator=ev, target=lambda t: t.values[0])
    second = optuna.importance.get_param_importances(two_objectives, evaluator=ev, target=lambda t: t.values[1])
    assert list(first)[0] == "a" and list(second)[0] == "c"


def test_plot_param_importances_draws(study, two_objectives):
    pytest.importorskip("plotly")
    fig = optuna.visualization.plot_param_importances(study, evaluator=SurrogateImportanceEvaluator("linear"))
    assert set(fig.data[0].y) == {"x", "kind", "z", "y"}
    # a multi-objective study: Optuna's plot passes one target per objective, and draws a bar set for each
    fig = optuna.visualization.plot_param_importances(two_objectives, evaluator=SurrogateImportanceEvaluator("linear"))
    assert [bars.y[-1] for bars in fig.data] == ["a", "c"]  # the most important last (the top bar)


@pytest.mark.parametrize("kwargs, message", [
    ({"surrogate": "nosuch"}, r"^unknown surrogate 'nosuch'; known: ebm, "),
    ({"surrogate": "linear", "seed": -3}, r"^seed must be a non-negative integer, got -3$"),
    ({"surrogate": "linear", "seed": 2**32}, r"^seed=4294967296 is above 4294967295, the largest random_state "),
    ({"surrogate": "linear", "n_jobs": 0}, r"^n_jobs=0 must be at least 1$"),
    ({"surrogate": "linear", "fallback": "gam"}, r"^fallback='gam' needs 10 trials; a fallback must fit any two "),
    ({"surrogate": "linear", "fallback": "nosuch"}, r"^unknown surrogate 'nosuch'; known: ebm, "),
])
def test_a_bad_evaluator_is_refused_when_made_not_after_the_study(kwargs, message):
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        SurrogateImportanceEvaluator(**kwargs)


def _mixed(trial):
    """Every kind of distribution, suggested out of name order; ``fixed`` can take one value only."""
    x = trial.suggest_float("x", -1.0, 1.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    layers = trial.suggest_int("layers", 1, 6)
    opt = trial.suggest_categorical("opt", ["adam", "sgd", "rms"])
    step = trial.suggest_float("step", 0, 3, step=1)
    trial.suggest_float("fixed", 2.0, 2.0)
    return -abs(math.log10(lr) + 3) - 0.1 * layers + 0.5 * (opt == "adam") + x * (layers > 3) + 0.2 * step


@pytest.fixture(scope="module")
def mixed():
    return _random_search(_mixed, 60, seed=3, direction="maximize")


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("params, target", [(None, None), (["x", "lr", "opt"], None),
                                            (None, lambda t: t.params["x"] ** 2 + t.params["layers"])])
def test_the_fanova_surrogate_gives_optunas_fanova_numbers(mixed, seed, params, target):
    ours = SurrogateImportanceEvaluator("fanova", seed=seed).evaluate(mixed, params=params, target=target)
    theirs = optuna.importance.FanovaImportanceEvaluator(seed=seed).evaluate(mixed, params=params, target=target)
    assert list(ours) == list(theirs)  # the same order, most important first
    assert max(abs(ours[p] - theirs[p]) for p in theirs) <= 1e-12  # the same forest: they agree to 1e-16
    assert len(set(theirs.values())) > 2  # not all equal: the comparison has something to compare
    if params is None:
        assert ours["fixed"] == theirs["fixed"] == 0.0  # a single-value parameter is not fitted, as in Optuna's


@pytest.mark.parametrize("target", [None, lambda t: t.params["x"] ** 2 + t.params["layers"]])
def test_the_mdi_surrogate_gives_optunas_mdi_numbers(mixed, target):
    """Without the single-value ``fixed`` (Optuna's MDI fits it; the harness fits no single-value parameter) and with
    ``params`` in sorted order (Optuna 5.1's MDI computes in sorted order but labels in the order given)."""
    names = ["layers", "lr", "opt", "step", "x"]
    ours = SurrogateImportanceEvaluator("mdi", seed=5).evaluate(mixed, params=names, target=target)
    theirs = optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=5).evaluate(mixed, params=names, target=target)
    assert list(ours) == list(theirs) and max(abs(ours[p] - theirs[p]) for p in theirs) <= 1e-12
    shuffled = SurrogateImportanceEvaluator("mdi", seed=5).evaluate(mixed, params=names[::-1], target=target)
    assert shuffled == ours


@pytest.mark.parametrize("target", [None, lambda t: t.params["x"] ** 2 + t.params["layers"]])
def test_the_ped_anova_surrogate_gives_optunas_numbers_in_the_studys_direction(mixed, target):
    ours = SurrogateImportanceEvaluator("ped_anova").evaluate(mixed, target=target)
    theirs = optuna.importance.PedAnovaImportanceEvaluator().evaluate(mixed, target=target)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15) and max(theirs.values()) > 0


def test_normalize_false_gives_the_surrogates_own_measure(study):
    ev = SurrogateImportanceEvaluator("linear")
    raw = ev.evaluate(study)
    with pytest.warns(optuna.exceptions.ExperimentalWarning):
        assert optuna.importance.get_param_importances(study, evaluator=ev, normalize=False) == raw
    assert raw["x"] == pytest.approx(1.0, rel=0.2) and sum(raw.values()) > 1.2  # mean |term| in target units


def _with_an_infinite_trial(study, value: float):
    """A copy of ``study`` with one more completed trial whose value is ``value``."""
    out = optuna.create_study(directions=[d.name.lower() for d in study.directions])
    out.add_trials(study.trials)
    last = study.trials[-1]
    out.add_trial(optuna.trial.create_trial(params=last.params, distributions=last.distributions,
                                            values=[value] * len(study.directions)))
    return out


def test_a_non_finite_value_is_left_out_as_optunas_evaluators_leave_it_out(study, thirty, ebm_raw):
    assert EBMImportanceEvaluator(fast=True).evaluate(_with_an_infinite_trial(thirty, math.inf)) == ebm_raw
    tree = SurrogateImportanceEvaluator("tree")
    assert tree.evaluate(_with_an_infinite_trial(study, -math.inf)) == tree.evaluate(study)


def test_a_non_finite_target_is_left_out_too(two_objectives):
    ev, first = SurrogateImportanceEvaluator("xgboost"), (lambda t: t.values[0])
    with_inf = _with_an_infinite_trial(two_objectives, math.inf)
    assert ev.evaluate(with_inf, target=first) == ev.evaluate(two_objectives, target=first)
    assert ev.evaluate(two_objectives, target=lambda t: math.nan if t.number == 0 else t.values[0]) == \
        ev.evaluate(_without_first(two_objectives), target=first)


def _without_first(study):
    out = optuna.create_study(directions=[d.name.lower() for d in study.directions])
    out.add_trials(study.trials[1:])
    return out


def test_plot_param_importances_warns_and_goes_on_past_an_infinite_value(study, caplog):
    pytest.importorskip("plotly")
    optuna.logging.enable_propagation()
    try:
        fig = optuna.visualization.plot_param_importances(_with_an_infinite_trial(study, math.inf),
                                                          evaluator=SurrogateImportanceEvaluator("linear"))
    finally:
        optuna.logging.disable_propagation()
    assert "Trial 120 is omitted in visualization because its objective value is inf or nan." in caplog.text
    assert set(fig.data[0].y) == {"x", "kind", "z", "y"} and sum(fig.data[0].x) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def small():
    return _random_search(_conditional, 10, seed=4)


def test_a_study_under_min_rows_is_answered_by_the_fallback_with_a_warning(small):
    with pytest.warns(UserWarning, match=r"surrogate 'ebm_fast' needs at least 20 completed trials with a finite value; "
                                         r"study '.*' has 10: the importances are those of the 'linear' surrogate"):
        ours = EBMImportanceEvaluator(fast=True).evaluate(small)
    assert ours == SurrogateImportanceEvaluator("linear").evaluate(small)
    with pytest.raises(ValueError, match=r"surrogate 'ebm' needs at least 20 .* has 10, and fallback=None$"):
        EBMImportanceEvaluator(fallback=None).evaluate(small)


def test_a_surrogate_that_credits_nothing_is_replaced_by_the_fallback_with_a_warning():
    s = _random_search(lambda t: t.suggest_float("a", 0, 1) + 2 * t.suggest_float("b", 0, 1), 3, seed=0)
    with pytest.warns(UserWarning, match="surrogate 'tree' credits none of the variation of the 3 completed trials"):
        ours = SurrogateImportanceEvaluator("tree").evaluate(s)  # min_samples_leaf=2: 3 trials cannot be split
    assert ours == SurrogateImportanceEvaluator("linear").evaluate(s) and ours["b"] > ours["a"] > 0
    with pytest.warns(UserWarning, match="to the assessed parameters; every importance is 0$"):
        assert SurrogateImportanceEvaluator("tree", fallback=None).evaluate(s) == {"a": 0.0, "b": 0.0}


def test_a_constant_value_gives_zeros_as_optunas_mdi_does():
    s = _random_search(lambda t: 0.0 * t.suggest_float("a", 0, 1) * t.suggest_float("b", 0, 1), 5, seed=0)
    with pytest.warns(UserWarning, match="every one of the 5 completed trials has the same value; .* every importance is 0"):
        ours = EBMImportanceEvaluator(fast=True).evaluate(s)
    assert ours == optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0).evaluate(s) == {"a": 0.0, "b": 0.0}
    with pytest.raises(RuntimeError, match="zero total variance"):  # Optuna's fANOVA refuses it
        optuna.importance.FanovaImportanceEvaluator(seed=0).evaluate(s)


def test_the_documented_minimum_of_every_surrogate_is_its_min_rows():
    import harness.optuna_importance as module
    from harness.surrogates.registry import known_surrogates, load_spec

    stated = {"ebm": 20, "ebm_fast": 20, "gam": 10}
    assert "``ebm`` and\n  ``ebm_fast`` 20" in module.__doc__ and "``gam`` 10" in module.__doc__
    assert {n: load_spec(n).min_rows for n in known_surrogates()} == {n: stated.get(n, 2) for n in known_surrogates()}


def test_one_condition_credits_every_parameter_it_marks():
    def objective(trial):
        value = trial.suggest_float("x", 0, 1)
        if trial.suggest_categorical("kind", ["a", "b"]) == "b":  # u and w are set on the same trials: one indicator
            value += 3.0 + trial.suggest_float("u", 0, 1) + trial.suggest_float("w", 0, 1)
        return value

    both = SurrogateImportanceEvaluator("linear").evaluate(_random_search(objective, 40, seed=0), params=["u", "w"])
    assert both["u"] == pytest.approx(both["w"], rel=0.3) and min(both.values()) > 0.5  # each gets half the 3.0 jump
