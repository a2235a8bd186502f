"""Explainers by name, and the one each surrogate gets.

A surrogate's YAML names its explainer (``explainer: ebm``) or configures one
(``explainer: {name: agnostic, max_rows: 500}``, or ``{_target_: my.module.MyExplainer, ...}``
for one of your own, a subclass of :class:`~harness.explainers.base.Explainer`). With none
named, the first registered explainer that ``applies_to`` the fitted model is used, and any
regressor at all falls back to the model-agnostic partial-dependence explainer.
"""
from __future__ import annotations

import importlib
from typing import Any, Mapping

from harness.errors import ConfigError
from harness.explainers.base import Explainer, final_step

# name -> "module:Class"; the order is the dispatch order for surrogates that name no explainer
EXPLAINERS: dict[str, str] = {
    "ebm": "harness.explainers.ebm:EBMTerms",
    "gam": "harness.explainers.gam:GAMTerms",
    "treeshap": "harness.explainers.treeshap:TreeSHAP",
    "linear": "harness.explainers.linear:LinearTerms",
    "agnostic": "harness.explainers.agnostic:PartialDependence",
    # the importance methods of the field; after the catch-all, so they are used only where a surrogate names them
    "fanova": "harness.explainers.fanova:FANOVA",
    "mdi": "harness.explainers.mdi:MDI",
    "ped_anova": "harness.explainers.pedanova:PEDANOVA",
    "permutation": "harness.explainers.permutation:Permutation",
    "interventional_shap": "harness.explainers.shap:InterventionalSHAP",
    "ablation": "harness.explainers.ablation:Ablation",  # a path between configurations, named by the explain experiment
    "top_gamma": "harness.explainers.topgamma:TopGamma",
}
# name -> (explainer, options): an explainer with options under a name of its own (an extra explainer is named, not
# configured: ``explainers: {ebm_fast: [ebm_space]}`` in the fidelity experiment)
PRESETS: dict[str, tuple[str, dict]] = {
    "ebm_space": ("ebm", {"over": "space"}),  # EBM terms measured over the declared search space, not the fitting rows
}


def _import(path: str, where: str):
    module, _, attr = path.replace(":", ".").rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ConfigError(f"{where}: cannot import {path!r} ({exc})") from None


def known_explainers() -> list[str]:
    return [*EXPLAINERS, *PRESETS]


def as_config(config: str | Mapping[str, Any] | None) -> dict:
    """An explainer config as a mapping: a name is ``{name: ...}``; None and ``auto`` (the auto-picked one) are ``{}``."""
    if config is None or config == "auto":
        return {}
    return {"name": config} if isinstance(config, str) else dict(config)


def preset_of(config: str | Mapping[str, Any] | None) -> str | None:
    """The preset a config names or spells out in full (``ebm_space``, or ``{name: ebm, over: space}``), else None."""
    config = as_config(config)
    for preset, (name, params) in PRESETS.items():
        if config in ({"name": preset}, {"name": name, **params}):
            return preset
    return None


def make(config: str | Mapping[str, Any] | None, where: str = "explainer") -> Explainer | None:
    """The explainer a config names: a name, ``{name: ..., params}``, ``{_target_: ..., params}``; None for auto."""
    if config is None or config == "auto":
        return None
    if isinstance(config, str):
        config = as_config(config)
    if not isinstance(config, Mapping):
        raise ConfigError(f"{where}: expected a name or a mapping, got {config!r}")
    params = {k: v for k, v in config.items() if k not in ("name", "_target_")}
    if "_target_" in config:
        cls = _import(str(config["_target_"]), where)
        if not (isinstance(cls, type) and issubclass(cls, Explainer)):
            raise ConfigError(f"{where}: {config['_target_']} is not a harness.explainers.Explainer subclass")
    else:
        name = config.get("name")
        if name in PRESETS:
            name, preset = PRESETS[name]
            params = {**preset, **params}
        if name not in EXPLAINERS:
            raise ConfigError(f"{where}: unknown explainer {name!r}; known: {', '.join(known_explainers())}")
        cls = _import(EXPLAINERS[name], where)
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def without_intervals(config: str | Mapping[str, Any] | None):
    """An explainer config with its intervals turned off (``intervals: false``); None (the auto-picked one) and one of
    your own (``_target_``, which may take no such option) stay as they are."""
    if config is None or config == "auto" or (isinstance(config, Mapping) and "_target_" in config):
        return config
    return {**as_config(config), "intervals": False}


def for_model(est, config=None, where: str = "explainer") -> Explainer:
    """The configured explainer, or the first that reads this (fitted or unfitted) model's final step."""
    named = make(config, where)
    if named is not None:
        return named
    model, _ = final_step(est)
    for name, path in EXPLAINERS.items():
        cls = _import(path, where)
        if cls.applies_to(model):
            return cls()
    raise ConfigError(f"{where}: no explainer reads {type(model).__name__} (it has no predict method)")
