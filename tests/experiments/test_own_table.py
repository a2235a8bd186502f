"""Bring your own table: a mixed-type CSV with a loss to minimise, and an Optuna study, through the CLI."""
from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from cli import run as cli  # in this process: the CLI itself is tested with each experiment

SURROGATES = "surrogate=[ebm_fast,gam,tree,xgboost,linear]"


@pytest.fixture(scope="module")
def runs_csv(tmp_path_factory):
    """HPO results with a log-scale float, integer levels, a string categorical, a boolean and a constant."""
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({
        "lr": 10 ** rng.uniform(-4, -1, n),
        "depth": rng.choice([2, 4, 8], n),
        "optimizer": rng.choice(["adam", "sgd", "rmsprop"], n),
        "warmup": rng.choice([True, False], n),
        "gpu": "a100",
    })
    df["val_loss"] = (1 + 0.4 * (np.log10(df.lr) + 4) + df.optimizer.map({"adam": 0, "sgd": 0.8, "rmsprop": 0.3})
                      + 0.1 * (df.depth == 2) + 0.05 * rng.normal(size=n))
    df.loc[[3, 17], "val_loss"] = np.nan
    path = tmp_path_factory.mktemp("own") / "runs.csv"
    df.to_csv(path, index=False)
    return path


def test_size_sweep_and_interpret_on_a_users_csv(runs_csv, tmp_path):
    data = ["data=table", f"data.path={runs_csv}", "data.target=val_loss", "data.maximize=false"]
    sweep = cli(tmp_path, "+experiment=size_sweep", *data, "seed=[0,1]", "sizes=[25,100]", SURROGATES,
                f"hydra.run.dir={tmp_path / 'sweep'}")
    assert "dropped 2 rows with no val_loss" in sweep.stdout + sweep.stderr
    assert "dropped constant columns gpu" in sweep.stdout + sweep.stderr
    rows = pd.read_csv(tmp_path / "sweep" / "metrics.csv")
    assert len(rows) == 20 and (rows.status == "ok").all() and set(rows.dataset) == {"runs"}
    assert (rows.regret >= 0).all()  # regret follows the declared direction (lower loss is better)

    cli(tmp_path, "+experiment=interpret", *data, SURROGATES, f"hydra.run.dir={tmp_path / 'interp'}")
    shapes = pd.read_csv(tmp_path / "interp" / "shapes.csv")
    opt = shapes[shapes.feature == "optimizer"]
    assert set(opt.value.astype(str)) == {"adam", "rmsprop", "sgd"}
    assert set(opt.surrogate) == {"ebm_fast", "gam", "tree", "xgboost", "linear"}  # categories per surrogate
    imp = pd.read_csv(tmp_path / "interp" / "importances.csv")
    mains = imp[imp.kind == "main"]
    assert "gpu" not in set(mains.feature_a) and mains.importance.notna().all()
    for sur, g in mains.groupby("surrogate"):  # lr and optimizer carry the signal for every surrogate
        top2 = set(g.nlargest(2, "importance").feature_a)
        assert top2 == {"lr", "optimizer"}, (sur, top2)


def test_hpo_order_follows_the_direction(runs_csv, tmp_path):
    data = ["data=table", f"data.path={runs_csv}", "data.target=val_loss", "data.maximize=false"]
    cli(tmp_path, "+experiment=hpo_order", *data, "seed=[0]", "sizes=[25,100]", "surrogate=[linear]",
        f"hydra.run.dir={tmp_path / 'hpo'}")
    regret = pd.read_csv(tmp_path / "hpo" / "hpo_regret.csv")
    y = pd.read_csv(runs_csv)["val_loss"].dropna()
    for _, g in regret.groupby("order_method"):
        assert (np.diff(g.best) <= 0).all()  # the best loss found only goes down
    assert pd.read_csv(tmp_path / "hpo" / "claims.csv").empty  # the paper's claims are about its tables only
    assert regret.best.min() >= y.min() - 1e-12


def test_optuna_study_runs_through_interpret(tmp_path):
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{tmp_path / 'study.db'}"
    study = optuna.create_study(study_name="toy", storage=storage, direction="minimize",
                                sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        layers = trial.suggest_int("layers", 1, 4)
        act = trial.suggest_categorical("act", ["relu", "tanh"])
        return (np.log10(lr) + 2) ** 2 + 0.3 * layers + (0.5 if act == "tanh" else 0.0)

    study.optimize(objective, n_trials=40)
    cli(tmp_path, "+experiment=interpret", "data=optuna", f"data.storage={storage}", "data.study=toy",
        "surrogate=[ebm_fast,linear]", f"hydra.run.dir={tmp_path / 'interp'}")
    imp = pd.read_csv(tmp_path / "interp" / "importances.csv")
    ebm = imp[(imp.surrogate == "ebm_fast") & (imp.kind == "main")].set_index("feature_a")["importance"]
    assert ebm.idxmax() == "lr"
