"""exp, log and power through the C library, so that a number does not depend on the kernels numpy picks.

numpy picks its kernels for ``exp``, ``log`` and ``**`` by the CPU it runs on: with AVX-512 (X86_V4 and
later) their float64 results differ from the C library's in the last bit (here for 5 % of exp's and
power's values, 0.4 % of log's); without it numpy calls the C library itself. A synthetic table is a
benchmark's known truth, pinned by digest, so its generator computes through these, elementwise (about
0.2 µs a value), and gives the same bytes on an AVX-512 machine as on one without.
"""
from __future__ import annotations

import math

import numpy as np


def _libm(scalar, special):
    """``scalar`` elementwise; where the C library refuses (domain, overflow), numpy's value: an exact special one
    (NaN, ±inf, 0), without numpy's warning."""

    def one(*args):
        try:
            return scalar(*args)
        except (ValueError, OverflowError):
            return float(special(*args))

    fast, safe = np.frompyfunc(scalar, special.nin, 1), np.frompyfunc(one, special.nin, 1)

    def elementwise(*args):
        args = [np.asarray(a, dtype=float) for a in args]
        with np.errstate(all="ignore"):
            try:
                out = fast(*args)  # half the time of going through one() for every value
            except (ValueError, OverflowError):
                out = safe(*args)
        return out.astype(float) if isinstance(out, np.ndarray) else float(out)

    elementwise.__doc__ = f"numpy.{special.__name__} computed by the C library's {scalar.__name__}."
    return elementwise


exp = _libm(math.exp, np.exp)
log = _libm(math.log, np.log)
power = _libm(math.pow, np.power)
