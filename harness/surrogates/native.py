"""Numbers that do not depend on the CPU: EBM's native kernels pinned to one instruction set.

InterpretML's native library picks its SIMD kernels by CPU (AVX-512 where
the machine has it, else AVX2), and the two give EBMs that differ in the
last digits after a few thousand boosting rounds — enough to move a test
MSE by 1 %. The harness fits on the AVX2 kernels everywhere (every x86-64
server since 2013 has them; other CPUs use the scalar code), so the same
config and seed give the same numbers on any such machine.
"""
from __future__ import annotations

from contextlib import contextmanager

AVX2 = 0x00000002  # interpret.utils._native.Native.AccelerationFlags_AVX2


@contextmanager
def portable_kernels():
    try:
        from interpret import develop
    except ImportError:  # pragma: no cover - interpret-core is a dependency
        yield
        return
    before = develop.get_option("acceleration")
    develop.set_option("acceleration", AVX2)
    try:
        yield
    finally:
        develop.set_option("acceleration", before)
