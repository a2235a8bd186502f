"""Deprecated spelling of :mod:`harness.synthetic`, the synthetic generator, now a package of its own beside the
benchmark that uses it; removed in the next release. Looked up on first use, so the data layer imports nothing
above it."""
from __future__ import annotations

import importlib
import warnings


def __getattr__(name: str):
    warnings.warn("harness.data.synthetic is renamed harness.synthetic; the old name goes in the next release",
                  DeprecationWarning, stacklevel=2)
    return getattr(importlib.import_module("harness.synthetic"), name)
