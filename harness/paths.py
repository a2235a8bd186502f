"""Where things live on disk: the shipped configs and the one cache folder.

Every cache (downloads, cells, HPO orders, stored reproduction parts) sits
under ``cache_root()``, so ``HARNESS_CACHE_DIR`` or ``cache_dir=`` moves all
of them at once, and a cluster points every worker at shared storage by
setting it once.
"""
from __future__ import annotations

import importlib.util
import os
from importlib import resources
from pathlib import Path

import platformdirs

_CHECKOUT_CONF = Path(__file__).resolve().parent.parent / "conf"


def cache_root(override=None) -> Path:
    """``override``, else ``$HARNESS_CACHE_DIR``, else the user cache dir."""
    if override:
        return Path(override)
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("harness"))


def cells_cache(override=None) -> Path:
    return cache_root(override) / "cells"


def orders_cache(override=None) -> Path:
    return cache_root(override) / "hpo_orders"


def parts_store(override=None) -> Path:
    return cache_root(override) / "parts"


def _installed() -> bool:
    """``conf/`` installs as the package ``harness.conf``; a source checkout has only the folder."""
    try:
        return importlib.util.find_spec("harness.conf") is not None
    except ModuleNotFoundError:
        return False


def hydra_config_path() -> str:
    return "pkg://harness.conf" if _installed() else str(_CHECKOUT_CONF)


def config_root():
    """The config tree as a Traversable (a Path in a checkout)."""
    return resources.files("harness.conf") if _installed() else _CHECKOUT_CONF
