#!/usr/bin/env python
"""Each importance method's cost against Optuna's own evaluator on ~600-row tables.

    python scripts/bench_methods.py [--tables sw-en synthetic] [--seed 0] [--repeats 1]

Tables: the sw-en training rows (614 rows, six discrete hyperparameters) and
a synthetic table of 600 uniformly drawn configurations of six
hyperparameters (continuous, integer, log-scale and categorical: the worst
case for fANOVA, whose cost grows with the split points). Each table's
columns are put in Optuna's (sorted) order, and Optuna gets the same rows as
a study (``harness.explainers.pedanova.study_of``), so both sides fit the
same forest with the same seed.

Ours is what a cell records: ``fit_seconds + explain_seconds`` of the
method's surrogate config, run through the cell engine
(``harness.cells._fit_and_score``); PED-ANOVA uses no model, so its cost is
``explain_seconds`` alone. Optuna's is one ``evaluate(study)`` (it fits its
own forest). The limits are the issue's: at most 1.5× Optuna for fANOVA
singles, MDI and PED-ANOVA, at most 3× for fANOVA with every pair. Permutation
importance and TreeSHAP (no Optuna counterpart) are timed for the record.
Each time is the minimum over ``--repeats`` runs (a method whose first run,
or Optuna's, takes over 10 s is run once: Optuna's fANOVA takes minutes), ours
and Optuna's alternating so that the load of a shared machine hits both; "max
|Δ|" is the largest difference of the single-feature importances from Optuna's.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
_SHARED = REPO.parent / "shared" / "data" / "nmt_hpo"
if "HARNESS_DATA_DIR" not in os.environ and _SHARED.is_dir():
    os.environ["HARNESS_DATA_DIR"] = str(_SHARED)

import optuna  # noqa: E402
import sklearn  # noqa: E402

from harness.cells import Cell, _fit_and_score  # noqa: E402
from harness.data.dataset import Dataset  # noqa: E402
from harness.data.readers.nmt import load_pair  # noqa: E402
from harness.data.schema import Schema  # noqa: E402
from harness.data.splits import train_test_split  # noqa: E402
from harness.synthetic import generate  # noqa: E402
from harness.interpretation.record import Interpretation  # noqa: E402
from harness.explainers.pedanova import study_of  # noqa: E402
from harness.seeds import model_seed  # noqa: E402
from harness.surrogates import load_spec  # noqa: E402

SYNTHETIC = {
    "kind": "synthetic",
    "schema": [
        {"name": "batch", "scale": "log", "levels": [16, 32, 64, 128, 256]},
        {"name": "dropout", "low": 0.0, "high": 0.5},
        {"name": "layers", "levels": [1, 2, 3, 4, 5, 6, 7, 8]},
        {"name": "lr", "scale": "log", "low": 1e-5, "high": 1e-1},
        {"name": "optimizer", "scale": "categorical", "levels": ["adam", "sgd", "rmsprop"]},
        {"name": "weight_decay", "scale": "log", "low": 1e-6, "high": 1e-2},
    ],
    "effects": {"lr": {"shape": "u", "strength": 3.0}, "layers": {"shape": "monotone", "strength": 1.0},
                "optimizer": {"shape": "step", "strength": 1.0}, "dropout": {"shape": "monotone", "strength": 0.5}},
    "interactions": [{"a": "lr", "b": "batch", "strength": 1.0}],
    "n_rows": 600,
    "snr": 10.0,
    "seed": 0,
}
# (label, surrogate config, explainer override, Optuna evaluator, limit); None: no Optuna counterpart
METHODS = [
    ("fANOVA singles", "fanova", {"name": "fanova", "pairs": False}, "fanova", 1.5),
    ("fANOVA + pairs", "fanova", None, "fanova", 3.0),
    ("MDI", "mdi", None, "mdi", 1.5),
    ("PED-ANOVA γ=0.1", "ped_anova", None, "ped_anova", 1.5),
    ("permutation", "permutation", None, None, None),
    ("TreeSHAP (forest)", "shap", None, None, None),
]
LONG = 10.0  # seconds: a method (with Optuna's counterpart) this slow is timed once


def sorted_columns(ds: Dataset) -> Dataset:
    """The table with its columns in Optuna's order (sorted names), so both sides fit the same forest."""
    names = sorted(ds.schema.names)
    schema = Schema(tuple(ds.schema[n] for n in names))
    return dataclasses.replace(ds, X=ds.X[names], schema=schema)


def tables(names: list[str]) -> dict[str, Dataset]:
    out = {}
    if "sw-en" in names:
        ds = load_pair("sw-en")
        out["sw-en (614 training rows)"] = sorted_columns(ds.take(train_test_split(len(ds), seed=0).train))
    if "synthetic" in names:
        out["synthetic (600 rows)"] = sorted_columns(generate(SYNTHETIC)[0])
    return out


def optuna_evaluator(kind: str, seed: int):
    imp = optuna.importance
    return {"fanova": lambda: imp.FanovaImportanceEvaluator(seed=seed),
            "mdi": lambda: imp.MeanDecreaseImpurityImportanceEvaluator(seed=seed),
            "ped_anova": lambda: imp.PedAnovaImportanceEvaluator(target_quantile=0.1)}[kind]()


def ours(ds: Dataset, surrogate: str, explainer, seed: int) -> tuple[float, float, Interpretation]:
    spec = load_spec(surrogate)
    if explainer is not None:
        spec = dataclasses.replace(spec, explainer=explainer)
    cell = Cell(keys=(), train=ds.name, train_rows=tuple(range(len(ds))), surrogate=spec, seed=seed, evals=(), explain=True)
    out = _fit_and_score(cell, {ds.name: ds}, 1)
    if "interpretation" not in out:
        raise RuntimeError(f"{surrogate}: {out['reason']}")
    return out["fit_seconds"], out["explain_seconds"], Interpretation.from_dict(out["interpretation"])


def theirs(study, kind: str, seed: int) -> tuple[float, dict]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = optuna_evaluator(kind, seed).evaluate(study)
    return time.perf_counter() - t0, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="+", default=["sw-en", "synthetic"], choices=["sw-en", "synthetic"])
    parser.add_argument("--seed", type=int, default=0, help="the cell seed (the forest gets model_seed(seed) on both sides)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per timing (not repeated past 10 s); the minimum is reported")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    forest_seed = model_seed(args.seed)
    print(f"python {platform.python_version()}, optuna {optuna.__version__}, scikit-learn {sklearn.__version__}, "
          f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    failed = False
    for label, ds in tables(args.tables).items():
        study = optuna.create_study(direction="maximize" if ds.maximize else "minimize")
        study.add_trials(study_of(ds).get_trials(deepcopy=False))  # a real study, as Optuna's users have one
        print(f"\n{label}: {', '.join(ds.schema.names)}")
        print(f"  {'method':<20}{'fit s':>8}{'explain s':>11}{'ours s':>9}{'optuna s':>10}{'ratio':>8}{'limit':>7}{'max |Δ|':>10}")
        optuna_runs: dict[str, list[tuple[float, dict]]] = {}
        for name, surrogate, explainer, kind, limit in METHODS:
            runs, optuna_timed = [], optuna_runs.setdefault(kind, []) if kind else []
            for i in range(args.repeats):  # ours and Optuna's alternate, so a change of machine load hits both
                runs.append(ours(ds, surrogate, explainer, args.seed))
                slow_optuna = bool(optuna_timed) and optuna_timed[0][0] > LONG
                if kind and len(optuna_timed) <= i and not slow_optuna:
                    optuna_timed.append(theirs(study, kind, forest_seed))
                if sum(runs[0][:2]) > LONG or (optuna_timed and optuna_timed[0][0] > LONG):
                    break
            fit, explain = min(r[0] for r in runs), min(r[1] for r in runs)
            cost = explain if kind == "ped_anova" else min(r[0] + r[1] for r in runs)
            line = f"  {name:<20}{fit:8.2f}{explain:11.2f}{cost:9.2f}"
            if kind is not None:
                seconds = min(t for t, _ in optuna_runs[kind])
                mains = runs[0][2].main_importances()
                delta = max(abs(mains[k] - v) for k, v in optuna_runs[kind][0][1].items())
                ratio = cost / seconds
                failed |= ratio > limit
                line += f"{seconds:10.2f}{ratio:8.2f}{limit:7.1f}{delta:10.1e}{'  OVER' if ratio > limit else ''}"
            print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
