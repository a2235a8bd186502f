"""Seeded lists of synthetic tables for a benchmark: many drawn functions across sizes, noise levels and samplings.

A leaderboard of explanation methods needs tables whose truths differ (else
one method's luck on one function decides it) and that span what makes
explaining hard: few rows, much noise, HPO-skewed samples. ``table_grid(seed)``
returns settings that ``generate`` takes, one per table; each table has its
own generator seed and so its own drawn function (``schema: random``).
``n_rows``, ``snr`` and ``sampling`` follow a balanced design: each factor's
values are dealt in seeded random order, one shuffled round after another,
so each value appears equally often (±1) and the factors are not confounded
with the table index. An HPO-sampled table draws its pool of
``pool_factor · n_rows`` rows (at most ``max_pool``).

``default`` is small, so a leaderboard of ~8 methods finishes in minutes on
two cores (24 tables of 50–400 rows, pools ≤ 600: a BO order of 600 rows
takes about 2 s); ``full`` is the larger study. Deterministic for the seed.
"""
from __future__ import annotations

import math

from harness.config import integer
from harness.errors import ConfigError
from harness.seeds import Stream, rng

SAMPLINGS = ["uniform", "random", "bo", "gb", "tpe"]
GRIDS = {
    "default": {"n_tables": 24, "n_rows": [50, 100, 200, 400], "snr": [1.0, 4.0, 16.0], "sampling": SAMPLINGS,
                "pool_factor": 3, "max_pool": 600},
    "full": {"n_tables": 120, "n_rows": [50, 100, 200, 400, 800], "snr": [0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
             "sampling": SAMPLINGS, "pool_factor": 3, "max_pool": 1600},
}


def _dealt(values: list, n: int, generator) -> list:
    rounds = math.ceil(n / len(values))
    return [values[i] for _ in range(rounds) for i in generator.permutation(len(values))][:n]


def table_grid(seed: int, size: str = "default", n_tables: int | None = None, random: dict | None = None) -> list[dict]:
    """``n_tables`` (default: the grid's) synthetic table settings; ``random`` = options of the draw for every table."""
    if size not in GRIDS:
        raise ConfigError(f"synthetic grid {size!r} is unknown; known: {', '.join(GRIDS)}")
    grid = GRIDS[size]
    n = integer(grid["n_tables"] if n_tables is None else n_tables, "synthetic grid: n_tables", minimum=1)
    g = rng(seed, Stream.SYNTHETIC_GRID)
    seeds = g.choice(2**31, size=n, replace=False)
    n_rows, snr, sampling = (_dealt(grid[k], n, g) for k in ("n_rows", "snr", "sampling"))
    out = []
    for i in range(n):
        table = {"kind": "synthetic", "schema": "random", "random": dict(random or {}), "seed": int(seeds[i]),
                 "n_rows": n_rows[i], "snr": snr[i], "sampling": sampling[i]}
        if sampling[i] != "uniform":
            table["pool_size"] = min(grid["pool_factor"] * n_rows[i], grid["max_pool"])
        out.append(table)
    return out
