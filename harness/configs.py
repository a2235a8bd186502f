"""Where the Hydra configs are: the installed package ``harness.conf``, or ``conf/`` in a checkout.

``conf/`` sits at the top of the repository and installs as ``harness.conf``.
When Python imports ``harness`` straight from a source checkout (e.g. running
``python -m harness`` in the repository root), that package name does not
exist, so the folder beside the package is used instead.
"""
from __future__ import annotations

import importlib.util
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

_CHECKOUT_CONF = Path(__file__).resolve().parent.parent / "conf"


def _installed() -> bool:
    try:
        return importlib.util.find_spec("harness.conf") is not None
    except ModuleNotFoundError:
        return False


def hydra_config_path() -> str:
    return "pkg://harness.conf" if _installed() else str(_CHECKOUT_CONF)


def config_root() -> Traversable:
    return resources.files("harness.conf") if _installed() else _CHECKOUT_CONF
