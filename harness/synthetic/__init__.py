"""Seeded HPO-like tables whose generating function, and so whose true explanation, is known.

A real HPO table cannot say whether a surrogate's explanation is right; a
synthetic one can. ``generate(settings)`` returns the table and its truth as
an :class:`~harness.interpretation.Interpretation`, so surrogates' explanations
are scored against it exactly as they are compared with each other.

The package: ``settings`` (defaults, validation, ``resolve``), ``shapes``
(main-effect shapes and their exact moments), ``draw`` (a random generating
function from the seed: ``schema: random``), ``oracle`` (rows drawn from the
seed and the noise-free signal, ``true_function``; fresh rows of the same
function, ``sample_rows``), ``truth`` (the truth of
a table's rows, ``truth_of``, in the mean |term| sense or — with
``fanova``, the exact variance decomposition — as variance fractions),
``description`` (``describe``: the table in words) and ``grid`` (seeded
lists of table settings for a benchmark, ``table_grid``); this module makes tables.

**Rows.** With ``sampling: uniform`` the ``n_rows`` rows the oracle draws are
the table. With ``sampling: random | bo | gb | tpe`` a pool of ``pool_size`` such
rows is drawn, its noisy score computed, and the table is the first ``n_rows``
configurations that HPO method visits (an ``order`` from
``harness.hpo.sampler`` on the schema-scaled pool, seeded by ``seed``), in
visiting order — a skewed sample, as real HPO logs are.

**Noise.** ``y = signal + ε``, ε Gaussian with variance
``var(signal) / snr`` (variance over the generated rows), drawn from the seed.

**Identity.** ``Dataset.generator`` holds the complete resolved
settings (plain JSON; ``generate`` of it rebuilds the table), and the
fingerprint is the SHA-256 of those settings, ``VERSION`` and the table
itself, so a change to the HPO methods or the RNG can never reuse stale
cached results.
"""
from __future__ import annotations

import hashlib
import json
import math
from typing import Callable

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.readers.base import Reader
from harness.synthetic.description import describe
from harness.synthetic.grid import table_grid
from harness.synthetic.oracle import Oracle, build, sample_rows, true_function
from harness.synthetic.settings import TARGET, VERSION, SyntheticOptions, resolve
from harness.synthetic.truth import decompose, truth_of
from harness.errors import ConfigError
from harness.interpretation.record import Interpretation

Order = Callable[..., np.ndarray]  # (method, X, y, seed, maximize=) -> a permutation of the pool

__all__ = ["TARGET", "VERSION", "Order", "describe", "generate", "load", "resolve", "sample_rows", "table_grid",
           "true_function", "truth_of"]


def _varies(oracle: Oracle, generated: pd.DataFrame) -> bool:
    u = oracle.units(generated)
    if any(np.ptp(oracle.main(f, u[f])) > 0 for f in oracle.schema.names):
        return True
    pairs = oracle.cfg["interactions"]
    return any(p["strength"] != 0 and np.ptp(u[p["a"]]) > 0 and np.ptp(u[p["b"]]) > 0 for p in pairs)


def _fingerprint(cfg: dict, X: pd.DataFrame, y: pd.Series) -> str:
    content = {
        "version": VERSION,
        "generator": cfg,
        "X": {c: X[c].tolist() for c in X.columns},
        "y": y.tolist(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def generate(settings, order: Order | None = None) -> tuple[Dataset, Interpretation]:
    """The table and its true interpretation.

    ``order(method, X, y, seed, maximize=...)`` gives an HPO method's visiting order of the scaled
    pool (``harness.hpo.sampler`` makes one, cached like the experiments' orders); a table sampled by
    an HPO method cannot be made without it.
    """
    ds, oracle = _table(settings, order)
    return ds, decompose(oracle, ds)


def _table(settings, order: Order | None) -> tuple[Dataset, Oracle]:
    cfg = resolve(settings)
    schema, X, oracle, noise_rng = build(cfg)
    if not _varies(oracle, X):
        raise ConfigError("synthetic data has no signal: give at least one effect or interaction that varies over the rows")
    signal = oracle(X)
    y = signal + noise_rng.normal(0.0, math.sqrt(signal.var() / cfg["snr"]), size=len(X))
    if cfg["sampling"] != "uniform":
        if order is None:
            raise ConfigError(f"data.sampling={cfg['sampling']} needs an HPO order: load the table through "
                              "harness.hpo.sampler (the experiments and harness.explain do)")
        visits = order(cfg["sampling"], schema.scaled(X).to_numpy(), y, cfg["seed"], maximize=cfg["maximize"])
        keep = np.asarray(visits[: cfg["n_rows"]])
        X, y, signal = X.iloc[keep].reset_index(drop=True), y[keep], signal[keep]
    y = pd.Series(y, name=TARGET)
    ds = Dataset(
        name=cfg["name"],
        X=X,
        y=y,
        schema=schema,
        extras=pd.DataFrame({"signal": signal}),
        maximize=cfg["maximize"],
        fingerprint=_fingerprint(cfg, X, y),
        source="the synthetic generator",
        label="synthetic score (signal + Gaussian noise)",
        generator=cfg,
    )
    return ds, oracle


class SyntheticReader(Reader):
    """``data=synthetic``: the table alone (its truth, computed value by value, costs more than the table on
    continuous features; ``truth_of`` gives it when asked)."""

    kind = "synthetic"
    Options = SyntheticOptions

    def load(self) -> Dataset:
        return _table(self.options.as_dict(), self.order)[0]
