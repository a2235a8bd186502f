"""The tradeoff experiment: Pareto fronts (checked against upstream's own), hypervolume, the trade and gain axes on a
table whose truth is known, the NMT pairs through the real CLI, a user's table and a multi-objective Optuna study."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from harness.analysis.tradeoff import hypervolume, normalised, pareto_mask
from harness.data.readers.nmt import load_pair
from harness.aggregate import aggregate
from cli import harness as _cli

FAST = "surrogate=[ebm_fast,linear]"

# Upstream's own Pareto fronts of (dev_bleu, dev_gpu_time): datasets/<pair>.fronts of Este1le/hpo_nmt, the rows
# marked 1 (counted from 0). The upstream files hold no front for zh-en.
UPSTREAM_FRONTS = {
    "ru-en": [2, 19, 38, 98],
    "ja-en": [2, 47, 59, 87, 89],
    "en-ja": [13, 56, 68, 70, 77, 83, 97, 147],
    "so-en": [87, 117, 171, 205, 310, 332, 598],
    "sw-en": [0, 5, 13, 23, 160, 230, 264, 285, 434, 478, 604, 611, 663, 759],
}


def cli(cwd, *args, **kw):
    return _cli(cwd, *args, cache=cwd / "cache", **kw)


@pytest.mark.parametrize("pair", list(UPSTREAM_FRONTS))
def test_fronts_are_upstreams(pair):
    ds = load_pair(pair)
    on = pareto_mask(ds.y.to_numpy(), -ds.extras["dev_gpu_time"].to_numpy())
    assert list(np.flatnonzero(on)) == UPSTREAM_FRONTS[pair]


def test_pareto_mask_matches_brute_force_with_ties():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 6, 300).astype(float), rng.integers(0, 6, 300).astype(float)  # many exact ties
    beaten = [((a >= a[i]) & (b >= b[i]) & ((a > a[i]) | (b > b[i]))).any() for i in range(len(a))]
    np.testing.assert_array_equal(pareto_mask(a, b), ~np.array(beaten))


def test_hypervolume_of_known_fronts():
    assert hypervolume(np.array([1.0]), np.array([1.0])) == 1.0  # one row best at both
    assert hypervolume(np.array([1.0, 0.5]), np.array([0.2, 0.8])) == pytest.approx(0.2 + 0.5 * 0.6)
    line = np.linspace(0, 1, 1001)  # a straight trade-off: half the box, less one staircase step
    assert hypervolume(line, 1 - line) == pytest.approx(0.5, abs=1e-3)
    np.testing.assert_allclose(normalised(np.array([3.0, 1.0, 2.0])), [1.0, 0.0, 0.5])


@pytest.fixture(scope="module")
def known(tmp_path_factory):
    """A table whose truth is known: `trade` buys accuracy with latency, `gain` improves both, `idle` does nothing."""
    import harness

    tmp = tmp_path_factory.mktemp("tradeoff_known")
    rng = np.random.default_rng(1)
    n = 240
    runs = pd.DataFrame({"trade": rng.integers(0, 5, n), "gain": rng.integers(0, 5, n), "idle": rng.integers(0, 5, n)})
    runs["acc"] = 0.5 + 0.05 * runs["trade"] + 0.05 * runs["gain"] + rng.normal(0, 0.01, n)
    runs["latency"] = 100 + 20 * runs["trade"] - 20 * runs["gain"] + rng.normal(0, 4, n)  # lower is better
    runs.to_csv(tmp / "runs.csv", index=False)
    out = tmp / "run"
    harness.run_experiment("tradeoff", ["data=table", f"data.path={tmp / 'runs.csv'}", "data.targets=[acc,latency]",
                                        "data.maximize=[true,false]", FAST], output_dir=out)
    return out


def test_trade_and_gain_axes_find_the_truth(known):
    trades = pd.read_csv(known / "trades.csv")
    for surrogate, g in trades.groupby("surrogate"):
        net = g.set_index("feature")["net"]
        assert net["trade"] > 0.5 and net["gain"] < -0.5 and abs(net["idle"]) < 0.05, surrogate
    drivers = pd.read_csv(known / "drivers.csv").query("surrogate == 'ebm_fast' and rank == 1")
    assert set(drivers.feature) <= {"trade", "gain"} and set(drivers.objective) == {"acc", "latency"}
    objectives = pd.read_csv(known / "objectives.csv")
    assert list(objectives.objective) == ["acc", "latency"] and list(objectives.maximize) == [True, False]
    front = pd.read_csv(known / "fronts.csv").iloc[0]
    assert front["objective"] == "acc" and front["versus"] == "latency" and 0 < front["hypervolume"] <= 1
    along = pd.read_csv(known / "along_front.csv").set_index("feature")["rho"]
    assert along["trade"] > 0.5  # the front's accurate end is reached by trading latency
    text = (known / "summary.md").read_text()
    assert "## Pareto fronts" in text and "| runs | acc vs latency |" in text and "trade +" in text
    assert (known / "tradeoff_runs.png").stat().st_size > 20_000


def test_nmt_pair_through_the_cli(tmp_path):
    """The reduced NMT run: one pair, BLEU against decode time."""
    out = tmp_path / "run"
    cli(tmp_path, "+experiment=tradeoff", "pairs=[zh-en]", "data.targets=[dev_bleu,dev_gpu_time]", FAST,
            "n_jobs=1", f"hydra.run.dir={out}")
    rows = pd.read_csv(out / "metrics.csv")
    assert len(rows) == 8 and (rows.status == "ok").all() and set(rows.dataset) == {"zh-en"}
    assert rows.groupby("axis").size().to_dict() == {"objective": 4, "trade": 2, "gain": 2}
    objectives = pd.read_csv(out / "objectives.csv").set_index("objective")
    assert objectives.loc["dev_gpu_time", ["unit", "maximize", "n_rows"]].tolist() == ["s", False, 118]
    fronts = pd.read_csv(out / "fronts.csv").iloc[0]
    zh = load_pair("zh-en")
    assert fronts["n_front"] == pareto_mask(zh.y.to_numpy(), -zh.extras["dev_gpu_time"].to_numpy()).sum()
    assert fronts["best_objective"] == zh.y.max() and fronts["best_versus"] == zh.extras["dev_gpu_time"].min()
    imp = pd.read_csv(out / "importances.csv")
    assert {"axis", "objective", "versus", "seed", "method"} <= set(imp.columns) and set(imp.dataset) == {"zh-en"}
    assert (out / "tradeoff_zh-en.png").stat().st_size > 20_000
    aggregate(out.parent)  # a folder of runs is summarised by the same code
    for name in ("fronts.csv", "trades.csv", "drivers.csv"):
        assert (out.parent / name).read_text() == (out / name).read_text(), name


def test_the_bleu_fit_is_the_interpret_cell():
    """Fitting BLEU on all rows is the interpret experiment's cell: the cache computes it once for both."""
    from harness.cells import cell_id
    from harness.config import compose
    from harness.experiments import interpret, setup_of, tradeoff

    over = ["pairs=[zh-en]", "surrogate=[linear]", "output_dir=."]
    cells, _, fitted = tradeoff.cells_of(setup_of(compose(["+experiment=tradeoff", *over])))
    mine = [cell_id(c, fitted) for c in cells if dict(c.keys)["objective"] == "dev_bleu" and dict(c.keys)["axis"] == "objective"]
    theirs, datasets = interpret.cells_of(setup_of(compose(["+experiment=interpret", *over])))
    assert mine == [cell_id(c, datasets) for c in theirs]
    assert len({cell_id(c, fitted) for c in cells}) == len(cells) == 7  # every other target is a cell of its own


def test_one_objective_is_a_one_line_error(tmp_path):
    from harness import run_experiment
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match="data.targets: the tradeoff experiment needs at least two objectives of table zh-en"):
        run_experiment("tradeoff", ["pairs=[zh-en]", "data.targets=[dev_bleu]"], output_dir=tmp_path / "r")


def test_a_multi_objective_optuna_study(tmp_path):
    import harness

    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = optuna.create_study(study_name="mo", storage=url, directions=["maximize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(["acc", "latency"])
    study.optimize(lambda t: (t.suggest_float("width", 1, 8) + 0 * t.suggest_float("noise", 0, 1),
                              t.params["width"] ** 2), n_trials=40)
    out = tmp_path / "run"
    harness.run_experiment("tradeoff", ["data=optuna", f"data.storage={url}", "data.targets=[0,1]",
                                        "surrogate=[linear]"], output_dir=out)
    objectives = pd.read_csv(out / "objectives.csv")
    assert list(objectives.objective) == ["acc", "latency"] and list(objectives.maximize) == [True, False]
    net = pd.read_csv(out / "trades.csv").set_index("feature")["net"]
    assert net["width"] > 0.3 > abs(net["noise"])  # width buys accuracy with latency
    assert pd.read_csv(out / "fronts.csv").loc[0, "n_front"] == 40  # every trial is a trade: all on the front


@pytest.mark.slow
def test_six_pairs_three_objectives(tmp_path):
    """The experiment as configured (six pairs, BLEU against decode time and parameter count), fast EBM and ridge."""
    out = tmp_path / "run"
    cli(tmp_path, "+experiment=tradeoff", FAST, "n_jobs=2", f"hydra.run.dir={out}", timeout=3600)
    rows = pd.read_csv(out / "metrics.csv")
    assert len(rows) == 6 * 7 * 2 and (rows.status == "ok").all()
    fronts = pd.read_csv(out / "fronts.csv")
    assert len(fronts) == 12 and set(fronts.versus) == {"dev_gpu_time", "num_param"}
    drivers = pd.read_csv(out / "drivers.csv").query("surrogate == 'ebm_fast' and objective == 'num_param'")
    assert set(drivers.query("rank == 1").feature) <= {"embed", "bpe"}  # the parameter count is the embedding tables
    fit = rows.query("surrogate == 'ebm_fast' and objective == 'num_param' and axis == 'objective'")
    assert (fit.r2 > 0.99).all()  # a deterministic function of the hyperparameters
    for pair in UPSTREAM_FRONTS:
        assert (out / f"tradeoff_{pair}.png").stat().st_size > 20_000
