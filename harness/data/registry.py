"""Table kinds: kind -> "module:function" taking the data config.

Imported lazily so optional dependencies (optuna, pyarrow) load only when used.
"""
from __future__ import annotations

import importlib

LOADERS: dict[str, str] = {
    "nmt": "harness.data.nmt:load",
    "table": "harness.data.table:load",
    "optuna": "harness.data.optuna_study:load",
    "smac": "harness.data.smac:load",
    "raytune": "harness.data.raytune:load",
    "nmtlc": "harness.data.nmtlc:load",
    "synthetic": "harness.synthetic:load",
}


def loader(kind: str):
    module, func = LOADERS[kind].split(":")
    return getattr(importlib.import_module(module), func)
