"""harness.libm gives numpy's values as numpy computes them without its CPU-specific kernels, on any CPU."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from harness import libm

SAMPLE = """
import json, numpy as np
rng = np.random.default_rng(7)
x, p, q = rng.uniform(-30, 30, 5000), rng.uniform(1e-6, 1, 5000), rng.uniform(0.3, 3, 5000)
print(json.dumps({"exp": np.exp(x).tolist(), "log": np.log(p).tolist(), "power": (p ** q).tolist(),
                  "power_scalar": (p ** 1.7).tolist()}))
"""


def _sample(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", SAMPLE], env=env, capture_output=True, text=True, check=True)
    return {k: np.array(v) for k, v in json.loads(out.stdout).items()}


def test_values_are_numpys_without_dispatched_kernels_bit_for_bit():
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__

    plain = _sample({**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(__cpu_dispatch__)})
    rng = np.random.default_rng(7)
    x, p, q = rng.uniform(-30, 30, 5000), rng.uniform(1e-6, 1, 5000), rng.uniform(0.3, 3, 5000)
    ours = {"exp": libm.exp(x), "log": libm.log(p), "power": libm.power(p, q), "power_scalar": libm.power(p, 1.7)}
    for name, values in ours.items():
        assert values.dtype == float and np.array_equal(values, plain[name]), name


@pytest.mark.parametrize("fn, args", [
    (libm.log, ([0.0, -1.0, np.nan, np.inf, -np.inf, 1e-320],)),
    (libm.exp, ([1000.0, -1000.0, np.nan, np.inf, -np.inf],)),
    (libm.power, ([0.0, -8.0, 1e300, -2.0, np.nan, 0.0], [-1.0, 1 / 3, 2.0, 3.0, 0.0, 0.5])),
])
def test_special_values_are_numpys(fn, args):
    numpy_fn = {libm.log: np.log, libm.exp: np.exp, libm.power: np.power}[fn]
    with np.errstate(all="ignore"):
        expected = numpy_fn(*(np.array(a) for a in args))
    np.testing.assert_array_equal(fn(*args), expected)


def test_scalars_and_shapes():
    assert libm.exp(0.0) == 1.0 and isinstance(libm.log(2.0), float)
    assert libm.power(np.ones((2, 3)), 2.0).shape == (2, 3)
