"""One entry point for every HPO method, with an on-disk cache of the orders.

A BO or GB order of a 614-row pool takes seconds and experiments ask for the
same (data, seed) many times, so orders are stored as .npy files named by a
SHA-256 of everything that determines them, including the version of the
algorithm in force (exact or a method's bounded-cost variant, see
:func:`approximation`) and the values of all its parameters (defaults too, so
a changed default is a different key).
"""
from __future__ import annotations

import errno
import hashlib
import inspect
import json
import logging
import os
import io
from functools import partial
from pathlib import Path

import numpy as np

from harness.paths import orders_cache
from harness.errors import ConfigError
from harness.results import atomic_write_bytes
from harness.hpo import bo, gb, random_order, tpe
from harness.hpo._pool import check_pool
from harness.seeds import check_seed

METHODS = ("random", "bo", "gb", "tpe")
log = logging.getLogger("harness")
_UNWRITABLE: set[Path] = set()  # order cache folders already warned of in this process

_FUNCS = {"random": random_order.random_pool_order, "bo": bo.bo_order, "gb": gb.gb_order, "tpe": tpe.tpe_order}
_VERSIONS = {"random": random_order.VERSION, "bo": bo.VERSION, "gb": gb.VERSION, "tpe": tpe.VERSION}
_APPROXIMATE = {"bo": bo, "gb": gb}  # methods with a bounded-cost variant: APPROX_VERSION and approximation()
_COMMON = ("X", "y", "seed", "n_init", "maximize")


def order_cache(cache: bool = True, cache_dir=None) -> Path | None:
    """Where orders are cached for a run's ``cache`` / ``cache_dir`` options: None when not at all, or (after one
    warning, here in the run's own process rather than in the workers computing the orders) when the folder
    cannot be written."""
    if not cache:
        return None
    folder = orders_cache(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "Permission denied", str(folder))
    except OSError as exc:
        _unwritable(folder, exc)
        return None
    return folder


def sampler(cache: bool = True, cache_dir=None):
    """``order_pool`` bound to a run's order cache: the ``order`` a synthetic table sampled by an HPO method needs.
    Bound lazily: a run that samples no table this way neither makes the folder nor hears of one it cannot write."""
    return partial(order_pool, cache_dir=orders_cache(cache_dir) if cache else None)


def _method_params(method: str, params: dict) -> dict:
    """All method-specific parameters with defaults filled in; unknown names are a ConfigError."""
    signature = inspect.signature(_FUNCS[method])
    known = [p for p in signature.parameters if p not in _COMMON]
    unknown = sorted(set(params) - set(known))
    if unknown:
        allowed = ", ".join(known) or "none"
        raise ConfigError(f"HPO method {method!r} has no parameter(s) {', '.join(unknown)}; allowed: {allowed}")
    return {p: _like(params[p], signature.parameters[p].default) if p in params else signature.parameters[p].default
            for p in known}


def _like(value, default):
    """A number given in the default's kind (``k=10.0`` for an int ``k``, ``prior_weight=1`` for a float one) as
    that kind: the same order, so the same cache key."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, bool) or isinstance(default, bool):
        return value
    if isinstance(default, int) and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    return value


def approximation(method: str, n: int, params: dict | None = None) -> str:
    """One line naming the approximation in force for a pool of n rows with these method parameters ("" if exact).

    Methods switch to a bounded-cost variant above a pool size (forced either
    way by the ``approx`` parameter); experiments write this line into their
    outputs so that a table says which order it was built on.
    """
    if method not in _FUNCS:
        raise ConfigError(f"unknown HPO method {method!r}; known: {', '.join(METHODS)}")
    module = _APPROXIMATE.get(method)
    return module.approximation(n, _method_params(method, params or {})) if module else ""


def _version(method: str, n: int, params: dict) -> str:
    """The algorithm version of the order actually computed: the variant in force has its own."""
    return _APPROXIMATE[method].APPROX_VERSION if approximation(method, n, params) else _VERSIONS[method]


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def _jsonable(obj):
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return repr(obj)


def cache_key(method: str, X: np.ndarray, y: np.ndarray, seed: int, n_init: int, maximize: bool, params: dict) -> str:
    spec = {
        "method": method,
        "version": _version(method, len(X), params),
        "X": [_digest(X), str(X.dtype), list(X.shape)],
        "y": [_digest(y), str(y.dtype), list(y.shape)],
        "seed": seed,
        "n_init": n_init,
        "maximize": bool(maximize),
        "params": params,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=_jsonable).encode()).hexdigest()


def _load(path: Path, n: int) -> np.ndarray | None:
    """The cached order, or None if it is missing, unreadable or not a permutation of the pool."""
    try:
        order = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if order.shape != (n,) or order.dtype.kind not in "iu":
        return None
    if not np.array_equal(np.sort(order), np.arange(n)):
        return None
    return order.astype(np.intp)


def order_pool(
    method: str,
    X,
    y,
    seed: int,
    n_init: int = 3,
    maximize: bool = True,
    cache_dir: str | Path | None = None,
    **method_params,
) -> np.ndarray:
    """The full visiting order of the pool (a permutation of range(len(y))) for one HPO method."""
    if method not in _FUNCS:
        raise ConfigError(f"unknown HPO method {method!r}; known: {', '.join(METHODS)}")
    params = _method_params(method, method_params)
    seed = check_seed(seed)
    X, y_checked = check_pool(X, y, n_init, maximize)
    n_init = int(n_init)
    path = None
    if cache_dir is not None:
        key = cache_key(method, X, y_checked, seed, n_init, maximize, params)
        path = Path(cache_dir) / f"{method}-{key}.npy"
        cached = _load(path, len(y_checked))
        if cached is not None:
            return cached
    order = np.asarray(_FUNCS[method](X, y, seed, n_init=n_init, maximize=maximize, **params), dtype=np.intp)
    if path is not None:
        _store(path, order)
    return order


def _store(path: Path, order: np.ndarray) -> None:
    """Cache an order; a cache that cannot be written degrades to "computed, not cached" with one warning per
    folder and process, as the cell cache does."""
    buf = io.BytesIO()
    np.save(buf, order)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buf.getvalue())
    except OSError as exc:
        _unwritable(path.parent, exc)


def _unwritable(folder: Path, exc: OSError) -> None:
    if folder not in _UNWRITABLE:
        _UNWRITABLE.add(folder)
        log.warning("HPO order cache %s cannot be written (%s): orders are computed, not cached", folder,
                    exc.strerror or exc)
