"""A full disk (#27): the error names the file that could not be written, and no temp file is left behind.

A real full file system: a small tmpfs mounted in a mount namespace of its own (``unshare``; skipped where this
system allows none), filled to the last byte.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest


def _namespace_with_tmpfs(tmp_path) -> list[str] | None:
    """The command prefix that runs a command with a 64 KB tmpfs of its own on ``tmp_path / 'full'``, or None."""
    (tmp_path / "full").mkdir()
    mount = f"mount -t tmpfs -o size=64k tmpfs {tmp_path / 'full'}"
    for prefix in (["unshare", "-m"], ["unshare", "-rm"]):
        try:
            probe = subprocess.run([*prefix, "sh", "-c", f"{mount} && true"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return [*prefix, "sh", "-c", f'{mount} && exec "$@"', "sh"]
    return None


@pytest.fixture
def small_disk(tmp_path):
    prefix = _namespace_with_tmpfs(tmp_path)
    if prefix is None:
        pytest.skip("this system allows no mount namespace with a tmpfs (unshare -m / -rm)")
    return prefix, tmp_path / "full"


def test_a_write_to_a_full_disk_names_its_file_and_leaves_no_temp_file(small_disk):
    prefix, full = small_disk
    script = textwrap.dedent(f"""
        import json, os
        with open({str(full)!r} + "/filler", "wb") as fh:  # the disk filled to the last byte
            try:
                fh.write(bytes(1 << 20))
            except OSError:
                pass
        import pandas as pd
        from harness.render.figures import plt, save
        from harness.results import write_csv
        out = {{}}
        fig, ax = plt.subplots()
        ax.plot(range(100))
        for name, write in (("figure.png", lambda p: save(fig, p)),
                            ("table.csv", lambda p: write_csv(pd.DataFrame({{"x": range(5000)}}), p))):
            try:
                write({str(full)!r} + "/" + name)
                out[name] = "written"
            except OSError as exc:
                out[name] = [exc.errno, exc.filename, exc.strerror]
        out["files"] = sorted(os.listdir({str(full)!r}))
        print(json.dumps(out))
    """)
    proc = subprocess.run([*prefix, sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["figure.png"] == [28, str(full / "figure.png"), "No space left on device"]
    assert out["table.csv"] == [28, str(full / "table.csv"), "No space left on device"]
    assert out["files"] == ["filler"]  # no .figure.png…tmp beside it


@pytest.mark.slow  # ~15 s: pytest -m slow tests/test_disk_full.py
def test_a_run_that_fills_the_disk_ends_in_one_line_naming_the_file(small_disk, tmp_path):
    prefix, full = small_disk
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, 60), "depth": rng.integers(1, 6, 60)})
    df["score"] = -np.log10(df["lr"]) + rng.normal(0, 0.1, 60)
    df.to_csv(tmp_path / "runs.csv", index=False)
    run = full / "run"
    script = (f"{sys.executable} -m harness +experiment=interpret data=table data.path={tmp_path / 'runs.csv'} "
              f"data.target=score 'surrogate=[linear]' 'seed=[0]' cache=false hydra.run.dir={run}; "
              f"echo rc=$?; ls -A {run}")
    proc = subprocess.run([*prefix, "sh", "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HYDRA_FULL_ERROR": "0"})
    lines = proc.stdout.strip().splitlines()
    rc = next(line for line in lines if line.startswith("rc="))
    assert rc == "rc=2", proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot write {run}/") and last.endswith(": No space left on device"), last
    left = lines[lines.index(rc) + 1:]
    assert not [f for f in left if f.startswith(".") and f not in (".hydra", ".harness.lock")], left
