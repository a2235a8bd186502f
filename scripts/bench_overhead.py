#!/usr/bin/env python
"""What one run of the harness costs beyond the model's own work, both measured cold, as a user pays them.

    python scripts/bench_overhead.py                      # +experiment=interpret pairs=[sw-en] surrogate=ebm, 5 runs each
    python scripts/bench_overhead.py --runs 9 n_jobs=1    # more runs; overrides go to the harness run

Times, alternately and each in a fresh process, (1) the harness command
``python -m harness +experiment=interpret pairs=[PAIR] surrogate=ebm`` on a cold cache, and (2) the model's
own work as a user would script it without the harness: a Python process that imports pandas and
InterpretML, reads the same encoded table, fits the same ExplainableBoostingRegressor (the surrogate's
YAML parameters, the harness's seed, one thread) on every row, predicts those rows and explains the model
globally. The difference of the medians is what the harness adds: Hydra, its config, the cell engine, the
tidy tables, the summary and the figures. The two alternate, and the overhead is the median of the
back-to-back differences: the machine's speed drifts by a third within minutes, and a pair shares its drift.
Also printed: the harness's recorded fit + predict + explain seconds (the floor ``bench_run.py`` uses,
which leaves out the interpreter and the model library's imports).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
import sys
import pandas as pd
from interpret.glassbox import ExplainableBoostingRegressor
X, y = pd.read_pickle(sys.argv[1])
model = ExplainableBoostingRegressor(**eval(sys.argv[2])).fit(X, y)
model.predict(X)
model.explain_global()
"""


def table(pair: str, path: Path) -> dict:
    """The pair's rows as the EBM surrogate's encoder hands them to the model, pickled; the model's parameters."""
    import pandas as pd

    from harness.data import load_dataset
    from harness.seeds import model_seed
    from harness.surrogates import build, load_spec

    ds = load_dataset({"kind": "nmt", "pair": pair})
    X, schema = ds.features("raw")
    est = build(load_spec("ebm"), schema, seed=model_seed(0), n_jobs=1)
    pd.to_pickle((est[:-1].fit_transform(X), ds.y), path)
    params = {k.split("__", 1)[1]: v for k, v in est.get_params().items()
              if k.startswith("model__") and k.count("__") == 1}
    model = est[-1]
    defaults = type(model)().get_params()
    return {k: v for k, v in params.items() if v != defaults.get(k)}


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pair", default="sw-en")
    args, overrides = parser.parse_known_args()
    from harness.timing import cell_work

    with tempfile.TemporaryDirectory(prefix="harness-overhead-") as tmp:
        tmp = Path(tmp)
        params = table(args.pair, tmp / "table.pkl")
        bare = [sys.executable, "-c", BARE, str(tmp / "table.pkl"), repr(params)]
        harness, model, floors = [], [], []
        for i in range(args.runs):
            out = tmp / f"run{i}"
            env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp / f"cache{i}")}
            harness.append(timed([sys.executable, "-m", "harness", "+experiment=interpret", f"pairs=[{args.pair}]",
                                  "surrogate=ebm", *overrides, "progress=false", f"hydra.run.dir={out}"], env))
            floors.append(float(cell_work(out).to_numpy().sum()))
            model.append(timed(bare, dict(os.environ)))
        h, m, f = statistics.median(harness), statistics.median(model), statistics.median(floors)
        print(f"harness run  : median {h:.2f} s  (min {min(harness):.2f}, max {max(harness):.2f}, {args.runs} runs)")
        print(f"model alone  : median {m:.2f} s  (min {min(model):.2f}, max {max(model):.2f}): EBM {params}")
        pairs = sorted(a - b for a, b in zip(harness, model))
        q1, _, q3 = statistics.quantiles(pairs, n=4) if len(pairs) > 1 else (pairs[0],) * 3
        print(f"overhead     : {statistics.median(pairs):.2f} s  (median of the {args.runs} back-to-back differences "
              f"harness − model alone; quartiles {q1:.2f}–{q3:.2f}; difference of the medians {h - m:.2f} s)")
        print(f"recorded fit + predict + explain: median {f:.2f} s; harness − that: {h - f:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
