"""Every file made from a name stays in its run folder under a name no other name shares; a name too long for a file
is refused before any fit (#27, 6)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness import run_experiment
from harness.errors import ConfigError
from cli import harness as cli


def _runs(path, n=80, tasks=None):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, n), "depth": rng.integers(1, 9, n).astype(float)})
    df["score"] = -np.log10(df["lr"]) + 0.05 * df["depth"] + rng.normal(0, 0.1, n)
    if tasks:
        df["task"] = [tasks[i % len(tasks)] for i in range(n)]
    df.to_csv(path, index=False)
    return path


HOSTILE = ["../../../x", "a/b", "a\\b", "..", ".", "a:b", "a%2Fb", "a~2Fb", "a#b", "tab\there", "é/ü", "CON?*"]


def test_safe_file_names_are_one_path_component_and_never_shared():
    from harness.text import file_part

    parts = [file_part(n) for n in HOSTILE]
    assert len(set(parts)) == len(HOSTILE)  # injective: two names never write one file
    for part in parts:
        assert part not in (".", "..") and not set(part) & set('/\\:*?"<>|%#\t')
    assert file_part("sw-en") == "sw-en" and file_part("my runs (v2)") == "my runs (v2)"  # plain names stay as they are


def test_a_name_holding_a_path_writes_inside_the_run_folder(tmp_path):
    path = _runs(tmp_path / "runs.csv")
    out = tmp_path / "a" / "b" / "run"
    result = run_experiment("interpret", ["data=table", f"data.path={path}", "data.target=score", "data.name=../../../x",
                                          "surrogate=[linear]", "seed=[0]", "n_jobs=1", "cache=false"], output_dir=out)
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != path]
    assert outside == []
    figures = sorted(p.name for p in out.glob("*.png"))
    assert figures == ["importance_..~2F..~2F..~2Fx.png", "interactions_..~2F..~2F..~2Fx.png",
                       "shapes_..~2F..~2F..~2Fx.png"]
    assert {str(f) for f in result.files} >= set(figures)
    assert set(pd.read_csv(out / "importances.csv")["dataset"]) == {"../../../x"}  # the name itself is kept


def test_a_task_name_too_long_for_a_file_is_refused_before_any_fit(tmp_path):
    path = _runs(tmp_path / "tasks.csv", tasks=["short", "L" * 300])
    proc = cli(tmp_path, "+experiment=interpret", "data=table", f"data.path={path}", "data.target=score",
               "data.task=task", "surrogate=[linear]", "seed=[0]", f"cache_dir={tmp_path / 'cache'}",
               f"hydra.run.dir={tmp_path / 'run'}", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"error: table name '{'L' * 40}…' is too long to name files (300 bytes as a file name, at most 100); "
        "give it a shorter name (data.name, or the values of the data.task column)")
    assert not (tmp_path / "cache" / "cells").exists()  # not one cell was fitted (or cached) first
    assert not (tmp_path / "run" / "metrics.csv").exists()


@pytest.mark.slow  # an EBM fit for its export's name: pytest -m slow tests/test_file_names.py
def test_the_longest_name_allowed_names_every_file(tmp_path):
    """At the limit, the longest file made from names (an EBM export: <surrogate>_<table>_seed<k>.json) and its
    temp file fit in a file system's 255 bytes."""
    from harness.text import NAME_BYTES, file_part

    name = "n" * NAME_BYTES
    out = tmp_path / "run"
    run_experiment("interpret", ["data=table", f"data.path={_runs(tmp_path / 'runs.csv')}", "data.target=score",
                                 f"data.name={name}", "surrogate=[ebm_fast]", "seed=[0]", "n_jobs=1", "cache=false"],
                   output_dir=out)
    assert (out / f"ebm_fast_{name}_seed0.json").is_file() and (out / f"shapes_{name}.png").is_file()
    with pytest.raises(ConfigError, match="too long to name files"):
        file_part(name + "é", "table name")
