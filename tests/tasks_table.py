"""Tables of many tasks for the tests and the benchmark: the NMT pairs in one CSV, and families of synthetic tasks."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.data.readers.nmt import PAIRS, TARGET, load_pair
from harness.synthetic import generate

NMT_TYPES = "data.types={bpe: log, embed: log, lr: log}"  # the NMT schema's declared scales (see data.nmt.SCALES)


def nmt_csv(path: Path, root=None) -> Path:
    """The six NMT pairs as one CSV (the paper's order, each pair's rows in file order) with a ``pair`` column."""
    frames = []
    for p in PAIRS:
        ds = load_pair(p, root=root)
        frames.append(ds.X.assign(pair=p, **{TARGET: ds.y}))
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)
    return path


def synthetic_csv(path: Path, n_tasks: int, n_rows: int = 60) -> Path:
    """``n_tasks`` synthetic tasks (NMT schema) in two interleaved families: lr raises the score in even tasks and
    lowers it in odd ones (plus a weaker U-shaped embed in all), so tasks transfer within a family, not across."""
    frames = []
    for i in range(n_tasks):
        effects = {"lr": {"shape": "monotone", "strength": 3.0, "direction": 1 if i % 2 == 0 else -1},
                   "embed": {"shape": "u", "strength": 1.0}}
        ds, _ = generate({"name": f"t{i:02d}", "n_rows": n_rows, "seed": i, "effects": effects, "snr": 8.0})
        frames.append(ds.X.assign(task=ds.name, score=ds.y))
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)
    return path
