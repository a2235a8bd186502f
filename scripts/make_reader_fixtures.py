"""Regenerate the SMAC3 and Ray Tune run folders and the Optuna study under tests/data/fixtures/ with the real
libraries.

    pip install -e ".[smac,raytune,optuna]"
    python scripts/make_reader_fixtures.py [smac_mlp] [smac_mf] [raytune_sgd] [optuna_mlp]   # default: all four

* ``smac_mlp``: SMAC3's HPO facade tuning an sklearn MLP on a digits subset
  (solver in {lbfgs, sgd, adam}; batch_size and learning_rate_init active for
  sgd/adam, learning_rate for sgd only), non-deterministic, so the intensifier
  runs incumbents on several seeds, with a 10 s wall-time limit per trial, so
  the slowest trials are recorded as TIMEOUT (which ones depends on the
  machine's load) with the crash cost 1.0 (SMAC3's model cannot learn from
  the default infinite cost).
* ``smac_mf``: the same space under SMAC3's multi-fidelity facade (Hyperband
  over max_iter as the budget).
* ``raytune_sgd``: Ray Tune's basic variant generator with ASHA, an sklearn
  SGDClassifier reporting accuracy after each epoch; l1_ratio is set only for
  the elasticnet penalty and schedule/eta0 only for non-optimal schedules
  (``None`` otherwise), a nested ``schedule`` dict.

* ``optuna_mlp``: an Optuna study (TPE, seed 0, 40 trials) in a SQLite file ``optuna_mlp.db`` tuning the same MLP
  on the same digits subset, with the same conditional space written as Optuna code (batch_size and
  learning_rate_init suggested for sgd/adam only, learning_rate for sgd only); a trial that takes longer than 10 s is
  pruned, as SMAC3's wall-time limit drops it.

Only the files the readers parse are kept (SMAC3: configspace.json,
runhistory.json; Ray Tune: each trial's params.json, result.json,
progress.csv), so the committed folders stay small. The slow tests call the
same run functions with cheap objectives (``quadratic_cost``,
``quick_trainable``) and read the libraries' whole output.
"""
from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "data" / "fixtures"
SMAC_FILES = ("configspace.json", "runhistory.json")
RAY_FILES = ("params.json", "result.json", "progress.csv")


def mlp_space(seed: int = 0):
    """The conditional MLP space of issue #15 (a ConfigSpace ConfigurationSpace)."""
    from ConfigSpace import Categorical, ConfigurationSpace, EqualsCondition, Float, InCondition, Integer

    cs = ConfigurationSpace(seed=seed)
    solver = Categorical("solver", ["lbfgs", "sgd", "adam"], default="adam")
    batch_size = Integer("batch_size", (30, 300), default=200)
    learning_rate = Categorical("learning_rate", ["constant", "invscaling", "adaptive"], default="constant")
    learning_rate_init = Float("learning_rate_init", (1e-4, 1.0), default=1e-3, log=True)
    cs.add([
        Integer("n_layer", (1, 3), default=1),
        Integer("n_neurons", (8, 256), log=True, default=32),
        Categorical("activation", ["logistic", "tanh", "relu"], default="tanh"),
        solver, batch_size, learning_rate, learning_rate_init,
    ])
    cs.add([
        InCondition(batch_size, solver, ["sgd", "adam"]),
        EqualsCondition(learning_rate, solver, "sgd"),
        InCondition(learning_rate_init, solver, ["sgd", "adam"]),
    ])
    return cs


def mlp_error(config, seed: int = 0, budget: float | None = None) -> float:
    """Hold-out error of an sklearn MLP on every third digits image."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    c = dict(config)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X[::3] / 16.0, y[::3], test_size=0.3, random_state=seed)
    clf = MLPClassifier(
        hidden_layer_sizes=[c["n_neurons"]] * c["n_layer"], activation=c["activation"], solver=c["solver"],
        batch_size=c.get("batch_size", 200), learning_rate=c.get("learning_rate", "constant"),
        learning_rate_init=c.get("learning_rate_init", 1e-3), max_iter=int(budget or 20), random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X_train, y_train)
    return 1.0 - clf.score(X_test, y_test)


def smac_run(out: Path, objective=mlp_error, n_trials: int = 30, multi_fidelity: bool = False,
             deterministic: bool = False, trial_walltime_limit: float | None = None, seed: int = 0) -> Path:
    """Run SMAC3 on the MLP space; its whole output goes to ``out/<out.name>/<seed>/``, which is returned."""
    from smac import HyperparameterOptimizationFacade, MultiFidelityFacade, Scenario

    shutil.rmtree(out, ignore_errors=True)
    kw = {"min_budget": 5, "max_budget": 45} if multi_fidelity else {}
    scenario = Scenario(mlp_space(seed), name=out.name, output_directory=out, deterministic=deterministic,
                        n_trials=n_trials, trial_walltime_limit=trial_walltime_limit, crash_cost=1.0, seed=seed,
                        **kw)
    facade = MultiFidelityFacade if multi_fidelity else HyperparameterOptimizationFacade
    facade(scenario, objective, overwrite=True, logging_level=40).optimize()
    return out / out.name / str(seed)


def quadratic_cost(config, seed: int = 0, budget: float | None = None) -> float:
    """A cheap SMAC3 objective for the slow tests: a known function of the MLP parameters, noisy per seed."""
    c = dict(config)
    cost = 0.1 * c["n_layer"] + (np.log10(c["n_neurons"]) - 1.5) ** 2 + 0.5 * (c["solver"] == "lbfgs")
    cost += (np.log10(c.get("learning_rate_init", 1e-3)) + 2) ** 2 / 4 + 10 / (budget or 45)
    return float(cost + np.random.default_rng(seed).normal(0, 0.01))


def sgd_trainable(config):
    """One Ray Tune trial: an SGDClassifier on digits, accuracy reported after each epoch."""
    from ray import tune
    from sklearn.datasets import load_digits
    from sklearn.linear_model import SGDClassifier

    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:1200], order[1200:]
    schedule = config["schedule"]
    clf = SGDClassifier(loss="log_loss", penalty=config["penalty"], alpha=config["alpha"],
                        l1_ratio=0.15 if config["l1_ratio"] is None else config["l1_ratio"],
                        learning_rate=schedule["kind"], eta0=schedule["eta0"] or 0.01, random_state=0)
    for _ in range(config.get("epochs", 5)):
        clf.partial_fit(X[train] / 16.0, y[train], classes=np.arange(10))
        tune.report({"accuracy": float(clf.score(X[test] / 16.0, y[test]))})


def _l1_ratio(config):
    return float(np.random.uniform(0, 1)) if config["penalty"] == "elasticnet" else None


def _eta0(config):
    return float(10 ** np.random.uniform(-4, 0)) if config["schedule"]["kind"] != "optimal" else None


def quick_trainable(config):
    """A cheap Ray Tune trainable for the slow tests: a known function of the SGD parameters, per iteration;
    the l1 penalty fails before its first report (ASHA could stop it before a later failure), so Ray records
    some trials as errored."""
    from ray import tune

    if config["penalty"] == "l1":
        raise ValueError("l1 diverged")
    for i in range(config.get("epochs", 5)):
        score = 1 - (np.log10(config["alpha"]) + 3) ** 2 / 25 - 0.5 / (i + 1)
        tune.report({"accuracy": float(score)})


def raytune_run(out: Path, trainable=sgd_trainable, num_samples: int = 12, max_t: int = 5, seed: int = 0) -> Path:
    """Run Ray Tune (ASHA) with its whole output in ``out`` (the experiment folder), which is returned."""
    import random

    import ray
    from ray import tune

    random.seed(seed)
    np.random.seed(seed)
    space = {
        "penalty": tune.choice(["l2", "l1", "elasticnet"]),
        "alpha": tune.loguniform(1e-6, 1e-1),
        "l1_ratio": tune.sample_from(_l1_ratio),
        "schedule": {"kind": tune.choice(["optimal", "constant", "invscaling"]), "eta0": tune.sample_from(_eta0)},
        "epochs": max_t,
    }
    shutil.rmtree(out, ignore_errors=True)
    # workers import this module by name when it is not __main__ (the slow tests load it from its path)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(Path(__file__).parent)}})
    try:
        tune.Tuner(
            trainable, param_space=space,
            tune_config=tune.TuneConfig(metric="accuracy", mode="max", num_samples=num_samples,
                                        scheduler=tune.schedulers.ASHAScheduler(max_t=max_t, grace_period=1),
                                        trial_dirname_creator=lambda t: t.trial_id),
            run_config=tune.RunConfig(storage_path=str(out.parent.resolve()), name=out.name, verbose=0),
        ).fit()
    finally:
        ray.shutdown()
    return out


def optuna_run(path: Path, objective=mlp_error, n_trials: int = 40, seed: int = 0, limit: float = 10.0) -> Path:
    """An Optuna study of the MLP space in the SQLite file ``path`` (replaced), study name ``path.stem``."""
    import time

    import optuna

    def trial_objective(trial):
        config = {"n_layer": trial.suggest_int("n_layer", 1, 3),
                  "n_neurons": trial.suggest_int("n_neurons", 8, 256, log=True),
                  "activation": trial.suggest_categorical("activation", ["logistic", "tanh", "relu"]),
                  "solver": trial.suggest_categorical("solver", ["lbfgs", "sgd", "adam"])}
        if config["solver"] in ("sgd", "adam"):
            config["batch_size"] = trial.suggest_int("batch_size", 30, 300)
            config["learning_rate_init"] = trial.suggest_float("learning_rate_init", 1e-4, 1.0, log=True)
        if config["solver"] == "sgd":
            config["learning_rate"] = trial.suggest_categorical("learning_rate", ["constant", "invscaling", "adaptive"])
        start = time.perf_counter()
        error = objective(config, seed=seed)
        if time.perf_counter() - start > limit:
            raise optuna.TrialPruned(f"longer than {limit:g} s")
        return error

    path.unlink(missing_ok=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=path.stem, storage=f"sqlite:///{path}", direction="minimize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(trial_objective, n_trials=n_trials)
    return path


def prune(folder: Path, keep: tuple[str, ...]) -> None:
    """Delete every file under ``folder`` not named in ``keep``, then the folders left empty."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.name not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


MAKERS = {
    "smac_mlp": (lambda: smac_run(FIXTURES / "smac_mlp", n_trials=40, trial_walltime_limit=10), SMAC_FILES),
    "smac_mf": (lambda: smac_run(FIXTURES / "smac_mf", multi_fidelity=True, deterministic=True), SMAC_FILES),
    "raytune_sgd": (lambda: raytune_run(FIXTURES / "raytune_sgd", num_samples=22), RAY_FILES),
    "optuna_mlp": (lambda: optuna_run(FIXTURES / "optuna_mlp.db"), None),
}


def main(names: list[str]) -> None:
    for name in names or MAKERS:
        make, keep = MAKERS[name]
        made = make()
        if keep is not None:
            prune(FIXTURES / name, keep)
        files = [made] if made.is_file() else [p for p in (FIXTURES / name).rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"{name}: wrote {made if made.is_file() else FIXTURES / name} ({size / 1024:.1f} KiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
