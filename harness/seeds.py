"""Named seed streams: one integer ``seed`` drives every random choice of a run.

Each use draws from its own stream, ``SeedSequence([seed, stream])``, so
changing one (say, the subset rule) never moves another (the split). The
numbers are part of every cached result's identity: never renumber a stream.
"""
from __future__ import annotations

import operator
from enum import IntEnum

import numpy as np

from harness.errors import ConfigError


class Stream(IntEnum):
    RANDOM_ORDER = 0   # the random visiting order of a pool (the size sweep's nested subsets)
    SPLIT = 1          # train/test split
    MODEL = 2          # every estimator's random_state
    FIDELITY_TEST = 3  # fresh uniform test rows of a synthetic table
    SYNTHETIC_GRID = 4  # the tables of a synthetic benchmark grid: their seeds and settings
    SYNTHETIC_ROWS = 5  # fresh rows from a synthetic generator's sampling distribution
    BOOTSTRAP = 6      # resampled tables of a leaderboard's confidence intervals
    EXPLAIN_SAMPLE = 7  # the rows a large training set is explained on (harness.cells)
    HPO_INIT = 101     # the initial design shared by BO and GB (so their curves are paired)


def check_seed(seed) -> int:
    """A non-negative integer seed, or a ConfigError naming the bad value."""
    try:
        if isinstance(seed, bool):
            raise TypeError
        seed = operator.index(seed)
    except TypeError:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}") from None
    if seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed}")
    return seed


def rng(seed: int, stream: Stream) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([check_seed(seed), int(stream)]))


def derive(seed: int, stream: Stream) -> int:
    """A 31-bit integer seed for a library that takes one (``random_state``)."""
    return int(np.random.SeedSequence([check_seed(seed), int(stream)]).generate_state(1)[0] & 0x7FFFFFFF)


def model_seed(seed: int) -> int:
    """The estimators' ``random_state``: derived from the run seed, never a library default."""
    return derive(seed, Stream.MODEL)
