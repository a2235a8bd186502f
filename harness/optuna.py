"""Deprecated spelling of :mod:`harness.optuna_importance`; removed in the next release."""
from __future__ import annotations

import warnings

from harness.optuna_importance import *  # noqa: F401,F403
from harness.optuna_importance import __all__  # noqa: F401

warnings.warn("harness.optuna is renamed harness.optuna_importance (the Optuna importance evaluators); the old name "
              "goes in the next release", DeprecationWarning, stacklevel=2)
