"""Glassbox (and reference) surrogate models, configured by ``conf/surrogate/*.yaml``."""
from harness.surrogates.registry import SurrogateSpec, build, known_surrogates, library_version, load_spec

__all__ = ["SurrogateSpec", "build", "known_surrogates", "library_version", "load_spec"]
