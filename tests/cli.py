"""The real command line, run the way a user runs it: a subprocess in a folder of its own."""
from __future__ import annotations

import os
import subprocess
import sys


def harness(cwd, *args, timeout=600, cache=None, check=True):
    """``python -m harness ARGS`` in ``cwd``; ``cache`` gives the run a cell cache of its own."""
    env = {**os.environ, **({"HARNESS_CACHE_DIR": str(cache)} if cache else {})}
    proc = subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc
