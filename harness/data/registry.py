"""Table kinds: kind -> "module:function" taking the data config.

Imported lazily so optional dependencies (optuna, pyarrow) load only when used.
"""
from __future__ import annotations

import importlib

LOADERS: dict[str, str] = {
    "nmt": "harness.data.readers.nmt:load",
    "table": "harness.data.readers.table:load",
    "optuna": "harness.data.readers.optuna_study:load",
    "smac": "harness.data.readers.smac:load",
    "raytune": "harness.data.readers.raytune:load",
    "nmtlc": "harness.data.readers.nmtlc:load",
    "synthetic": "harness.synthetic:load",
}


def loader(kind: str):
    module, func = LOADERS[kind].split(":")
    return getattr(importlib.import_module(module), func)
