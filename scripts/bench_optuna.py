#!/usr/bin/env python
"""The harness's Optuna evaluators against Optuna's own on one random-search study: time and numbers.

    python scripts/bench_optuna.py [--trials 150] [--seed 0] [--repeats 3] [--others linear tree gam xgboost ebm_fast]

The study: ``--trials`` random-search trials of six parameters of every kind Optuna has (float, log float,
stepped float, int, log int, categorical), none conditional, so Optuna's evaluators and the harness's assess
the same parameters. Pairs compared: ``SurrogateImportanceEvaluator("fanova" | "mdi" | "ped_anova", seed=s)``
against ``FanovaImportanceEvaluator(seed=s)``, ``MeanDecreaseImpurityImportanceEvaluator(seed=s)`` and
``PedAnovaImportanceEvaluator()``. Each time is one ``evaluate(study)``, the minimum over ``--repeats`` runs,
ours and Optuna's alternating so that the load of a shared machine hits both; "max |Δ|" is the largest
difference of their numbers. The harness's other evaluators (``--others``; add ``ebm``, the paper's 14-bag EBM,
for minutes more) are timed once each for the record: they have no Optuna counterpart.
"""
from __future__ import annotations

import argparse
import math
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

import harness  # noqa: E402
from harness.optuna_importance import SurrogateImportanceEvaluator  # noqa: E402

OTHERS = ["linear", "tree", "gam", "xgboost", "ebm_fast"]


def objective(trial) -> float:
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    dropout = trial.suggest_float("dropout", 0.0, 0.5)
    warmup = trial.suggest_float("warmup", 0, 4, step=1)
    layers = trial.suggest_int("layers", 1, 8)
    batch = trial.suggest_int("batch", 16, 256, log=True)
    opt = trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    return (-(math.log10(lr) + 3) ** 2 + 0.3 * layers * (opt == "adam") - 2 * (dropout - 0.2) ** 2
            + 0.1 * math.log2(batch) * (math.log10(lr) > -3) + 0.05 * warmup)


def seconds(evaluator, study) -> tuple[float, dict]:
    t0 = time.perf_counter()
    result = evaluator.evaluate(study)
    return time.perf_counter() - t0, result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--others", nargs="*", default=OTHERS, help="harness evaluators timed alone")
    args = ap.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.simplefilter("ignore", UserWarning)  # PED-ANOVA's notes on sparse regimes
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=args.seed))
    study.optimize(objective, n_trials=args.trials)
    print(f"{args.trials}-trial random-search study, seed {args.seed}; minimum of {args.repeats} run(s); "
          f"harness {harness.__version__}, optuna {optuna.__version__}, scikit-learn {sklearn.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPU(s)")
    pairs = [("fANOVA", SurrogateImportanceEvaluator("fanova", seed=args.seed),
              optuna.importance.FanovaImportanceEvaluator(seed=args.seed)),
             ("MDI", SurrogateImportanceEvaluator("mdi", seed=args.seed),
              optuna.importance.MeanDecreaseImpurityImportanceEvaluator(seed=args.seed)),
             ("PED-ANOVA", SurrogateImportanceEvaluator("ped_anova", seed=args.seed),
              optuna.importance.PedAnovaImportanceEvaluator())]
    print(f"{'method':<12}{'harness s':>11}{'Optuna s':>10}{'Optuna/harness':>16}{'max |Δ|':>11}")
    for label, ours, theirs in pairs:
        t_ours = t_theirs = math.inf
        for _ in range(args.repeats):
            t, r_ours = seconds(ours, study)
            t_ours = min(t_ours, t)
            t, r_theirs = seconds(theirs, study)
            t_theirs = min(t_theirs, t)
        delta = max(abs(r_ours[p] - r_theirs[p]) for p in r_theirs)
        print(f"{label:<12}{t_ours:>11.3f}{t_theirs:>10.3f}{t_theirs / t_ours:>16.1f}{delta:>11.1e}")
    print("harness only:")
    for name in args.others:
        t, result = seconds(SurrogateImportanceEvaluator(name, seed=args.seed), study)
        print(f"  {name:<10}{t:>8.3f} s   top: {', '.join(list(result)[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
