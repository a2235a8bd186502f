"""Surrogates and importance methods are data: one YAML file each, turned into estimators here.

A surrogate config names an importable scikit-learn-compatible estimator
(``estimator._target_``, instantiated by Hydra) and says where the run's seed
and thread count go, so adding a model is one file under
``conf/surrogate/`` and no code unless its library lacks the sklearn
interface. An importance method (``conf/method/``: fANOVA, MDI, permutation,
PED-ANOVA, SHAP) has the same shape — the model it reads and the explainer
that reads it — and is selected with ``method=``; both become a
:class:`SurrogateSpec`, and their cells and rows are alike.
"""
from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from harness.paths import config_root
from harness.data.schema import Schema
from harness.config import integer
from harness.errors import ConfigError

REQUIRED = ("library", "estimator")
OPTIONAL = {"name": None, "seed_param": None, "threads_param": None, "min_rows": 2, "explainer": None}
EBM_LIBRARY = "interpret-core"
MAX_SEED = 2**32 - 1  # the narrowest random_state any wrapped library accepts (numpy's legacy RandomState)


@dataclass(frozen=True)
class SurrogateSpec:
    """One surrogate as configured.

    ``estimator`` is the Hydra node (``_target_`` plus constructor
    arguments); ``seed_param``/``threads_param`` are sklearn parameter paths
    (``random_state``, ``model__n_jobs``) or None when the model has no
    such knob; cells with fewer than ``min_rows`` training rows are not fitted.
    ``explainer`` names or configures the explainer (``harness.explainers``);
    None picks the one that reads the model.
    """

    name: str
    library: str
    estimator: dict = field(hash=False)
    seed_param: str | None = None
    threads_param: str | None = None
    min_rows: int = 2
    explainer: Any = field(default=None, hash=False)

    @property
    def is_ebm(self) -> bool:
        return is_ebm_library(self.library)


def is_ebm_library(library: str) -> bool:
    """An EBM is recognised by its library, in a spec (``interpret-core``) or a result row (``interpret-core==0.7.8``)."""
    return str(library).split("==")[0] == EBM_LIBRARY


GROUPS = ("method", "surrogate")  # where a name's file is looked for, in this order (conf/surrogate keeps old spellings)


def known_surrogates(cfg_surrogates: Mapping | None = None) -> list[str]:
    """Names with a YAML file (surrogates and methods), plus any defined only in the run config."""
    shipped = {p.name[: -len(".yaml")] for g in GROUPS for p in (config_root() / g).iterdir() if p.name.endswith(".yaml")}
    return sorted(shipped | set(cfg_surrogates or ()))


def load_spec(name: str, cfg_surrogates: Mapping | None = None) -> SurrogateSpec:
    """The run config's node for ``name`` if it has one, else ``conf/method/<name>.yaml`` or
    ``conf/surrogate/<name>.yaml``.

    ``cfg_surrogates`` is the composed ``surrogate`` (or ``method``) group (name -> node), so
    command-line overrides of a selected surrogate take effect.
    """
    if cfg_surrogates is not None and name in cfg_surrogates:
        node = cfg_surrogates[name]
        node = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node
    else:
        path = next((p for g in GROUPS if (p := config_root() / g / f"{name}.yaml").is_file()), None)
        if path is None:
            known = ", ".join(known_surrogates(cfg_surrogates))
            raise ConfigError(f"unknown surrogate {name!r}; known: {known}")
        node = OmegaConf.to_container(OmegaConf.create(path.read_text(encoding="utf-8")), resolve=True)
    return _spec(name, node)


def _spec(name: str, node: Any) -> SurrogateSpec:
    where = f"surrogate {name!r}"
    if not isinstance(node, dict):
        raise ConfigError(f"{where}: config must be a mapping, got {type(node).__name__}")
    unknown = sorted(set(node) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        allowed = ", ".join([*REQUIRED, *OPTIONAL])
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {allowed}")
    missing = [key for key in REQUIRED if key not in node]
    if missing:
        raise ConfigError(f"{where}: missing key(s) {', '.join(missing)}")
    if node.get("name") not in (None, name):
        raise ConfigError(f"{where}: its config says name: {node['name']!r}; the two must agree")
    estimator = node["estimator"]
    if not isinstance(estimator, dict) or not isinstance(estimator.get("_target_"), str):
        raise ConfigError(f"{where}: estimator must be a mapping with a _target_ (an importable class or factory)")
    min_rows = node.get("min_rows", OPTIONAL["min_rows"])
    min_rows = integer(min_rows, f"{where}: min_rows", minimum=1)
    for key in ("library", "seed_param", "threads_param"):
        value = node.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, got {value!r}")
    return SurrogateSpec(
        name=name,
        library=node["library"],
        estimator=estimator,
        seed_param=node.get("seed_param"),
        threads_param=node.get("threads_param"),
        min_rows=min_rows,
        explainer=node.get("explainer"),
    )


def build(spec: SurrogateSpec, schema: Schema, seed: int, n_jobs: int = 1):
    """A fresh, unfitted estimator for one cell.

    Parameters are set after instantiation through ``set_params`` so that
    the seed, thread count and schema reach nested estimators too: every
    parameter named ``schema`` (``encode__schema`` in a pipeline) gets the
    dataset's schema.
    """
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, {MAX_SEED}], got {seed}")
    where = f"surrogate {spec.name!r}"
    try:
        estimator = instantiate(spec.estimator, _convert_="all")
    except InstantiationException as e:
        reason = str(e).splitlines()[-1].split(", set env var HYDRA_FULL_ERROR")[0]
        raise ConfigError(f"{where}: cannot build {spec.estimator['_target_']}: {reason}") from e
    if not hasattr(estimator, "get_params") or not hasattr(estimator, "fit"):
        raise ConfigError(f"{where}: {spec.estimator['_target_']} is not a scikit-learn-compatible estimator")
    params: dict[str, Any] = {
        key: schema for key in estimator.get_params(deep=True) if key == "schema" or key.endswith("__schema")
    }
    if spec.seed_param:
        params[spec.seed_param] = seed
    if spec.threads_param:
        params[spec.threads_param] = n_jobs
    try:
        estimator.set_params(**params)
    except ValueError as e:
        raise ConfigError(f"{where}: seed_param/threads_param name no parameter of the estimator ({e})") from e
    return estimator


def library_version(spec: SurrogateSpec) -> str:
    """``dist==version`` of the library the surrogate's results depend on."""
    try:
        return f"{spec.library}=={_installed_version(spec.library)}"
    except importlib.metadata.PackageNotFoundError:
        raise ConfigError(f"surrogate {spec.name!r}: library {spec.library!r} is not installed") from None


@lru_cache(maxsize=None)
def _installed_version(dist: str) -> str:
    """Read once per process: every cell asks, and each lookup parses the package's metadata."""
    return importlib.metadata.version(dist)
