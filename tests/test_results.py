"""What a run records of where it ran: the CPU kernels numpy and BLAS picked."""
from __future__ import annotations

import numpy as np

from harness.results import environment, kernels


def test_kernels_name_numpys_simd_targets_and_the_blas_in_use():
    found = kernels()
    assert found["numpy"] == list(np.show_config(mode="dicts")["SIMD Extensions"]["found"])
    from threadpoolctl import threadpool_info

    apis = {i["internal_api"] for i in threadpool_info() if i["user_api"] == "blas"}
    assert found["blas"] and {b.split()[0] for b in found["blas"]} == apis  # "openblas 0.3.31 SkylakeX"
    assert environment()["kernels"] == found


def test_a_numpy_that_cannot_say_gives_unknown_not_none(monkeypatch):
    def old_show_config(mode="stdout"):  # numpy before 1.25 has no mode
        raise TypeError("show_config() got an unexpected keyword argument 'mode'")

    monkeypatch.setattr(np, "show_config", old_show_config)
    assert kernels()["numpy"] is None
