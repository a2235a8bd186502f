"""Running the harness the way a user does: the real command line (a subprocess in a folder of its own), and
the same arguments in this process through the Python API, which skips the interpreter's start and the
worker pool's (the pool is reused across tests), for tests about what a run computes rather than the CLI."""
from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def harness(cwd, *args, timeout=600, cache=None, check=True):
    """``python -m harness ARGS`` in ``cwd``; ``cache`` gives the run a cell cache of its own."""
    env = {**os.environ, **({"HARNESS_CACHE_DIR": str(cache)} if cache else {})}
    proc = subprocess.run([sys.executable, "-m", "harness", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@dataclass
class Finished:
    """What a test reads of a run: its log (as ``stderr``, like the CLI's) and its result."""

    stderr: str
    result: object
    stdout: str = ""
    returncode: int = 0


def run(cwd, *args, cache=None, timeout=None) -> Finished:
    """The CLI's ``+experiment=NAME … hydra.run.dir=DIR`` arguments run by ``harness.run_experiment`` in this process."""
    from harness import run_experiment

    name = next(a.split("=", 1)[1] for a in args if a.startswith("+experiment="))
    out = next((a.split("=", 1)[1] for a in args if a.startswith("hydra.run.dir=")), None)
    overrides = [a for a in args if not a.startswith(("+experiment=", "hydra.run.dir="))]
    log, stream = logging.getLogger("harness"), io.StringIO()
    handler, level = logging.StreamHandler(stream), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    before = os.environ.get("HARNESS_CACHE_DIR")
    if cache:
        os.environ["HARNESS_CACHE_DIR"] = str(cache)
    try:
        result = run_experiment(name, overrides, output_dir=Path(cwd) / out if out else Path(cwd) / "run")
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        if cache and before is None:
            os.environ.pop("HARNESS_CACHE_DIR")
        elif cache:
            os.environ["HARNESS_CACHE_DIR"] = before
    return Finished(stderr=stream.getvalue(), result=result)


def refusal(name: str, *overrides: str, output_dir=None) -> str:
    """The one-line message ``harness.run_experiment`` refuses these overrides with (the CLI prints it after
    ``error:`` and exits 2, as tests/test_config.py checks through the real command line)."""
    import pytest

    from harness import run_experiment
    from harness.errors import HarnessError

    with pytest.raises(HarnessError) as err:
        run_experiment(name, list(overrides), output_dir=output_dir or Path.cwd() / "refused")
    message = str(err.value)
    assert "\n" not in message, message
    return message
