"""harness: glassbox surrogates of hyperparameter-optimisation results, and a benchmark of them.

One call each for Python users (the rest is in the submodules)::

    import harness
    records = harness.explain(df, target="accuracy", surrogates=("ebm", "gam"))
    records["ebm"].importances            # one row per term: kind, features, importance
    result = harness.run_experiment("size_sweep", ["seed=0", "surrogate=[ebm_fast,linear]"], output_dir="out")
"""
from __future__ import annotations

__all__ = ["__version__", "explain", "run_experiment"]


def __getattr__(name: str):
    # looked up on first use: `python -m harness --help` and the data layer must not pay for the whole library
    if name == "__version__":
        from importlib import metadata

        try:
            return metadata.version("harness")
        except metadata.PackageNotFoundError:  # a source checkout that was never installed
            return "0+unknown"
    if name in ("explain", "run_experiment"):
        from harness import api

        return getattr(api, name)
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
