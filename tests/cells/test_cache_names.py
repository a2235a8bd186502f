"""The cell cache is keyed by content; the names that reach an output never come from another run's entry (#27, 5).

Swapped feature names are recomputed (the importances follow the names given, not the cached ones); a renamed
table is relabelled on the way out (no refit, and no file or row carries the old name); an entry written before
entries held their names is served when its records show the same names, and recomputed when they do not.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from harness import api, run_experiment
from harness.results import read_table


def _runs(n=120) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"lr": 10 ** rng.uniform(-4, -1, n), "depth": rng.integers(1, 9, n).astype(float)})
    df["score"] = -np.log10(df["lr"]) + 0.05 * df["depth"] + rng.normal(0, 0.1, n)
    return df


def _mains(record) -> dict:
    return record.main_importances().to_dict()


def test_swapped_column_names_are_explained_under_their_new_names(tmp_path):
    df = _runs()
    first = api.explain(df, target="score", surrogates=("linear",), cache=True, cache_dir=tmp_path)["linear"]
    assert first.main_importances().idxmax() == "lr"
    swapped = df.rename(columns={"lr": "depth", "depth": "lr"})
    again = api.explain(swapped, target="score", surrogates=("linear",), cache=True, cache_dir=tmp_path)["linear"]
    fresh = api.explain(swapped, target="score", surrogates=("linear",), cache=False)["linear"]
    assert again.main_importances().idxmax() == "depth"  # the strong column is called depth now
    assert _mains(again) == _mains(fresh)
    assert _mains(again) == {"depth": _mains(first)["lr"], "lr": _mains(first)["depth"]}


def _interpret(tmp_path, name: str, cache):
    path = tmp_path / "runs.csv"
    if not path.exists():
        _runs().to_csv(path, index=False)
    return run_experiment("interpret", ["data=table", f"data.path={path}", "data.target=score", f"data.name={name}",
                                        "surrogate=[linear,tree]", "seed=[0]", "n_jobs=1", f"cache_dir={cache}"],
                          output_dir=tmp_path / name)


def test_a_renamed_table_is_relabelled_from_the_cache_not_refitted(tmp_path):
    cache = tmp_path / "cache"
    _interpret(tmp_path, "first", cache)
    second = _interpret(tmp_path, "second", cache)
    assert second.rows["cached"].all()  # nothing refitted for a new name
    for table in ("metrics", "importances", "shapes"):
        assert set(read_table(tmp_path / "second" / f"{table}.csv")["dataset"]) == {"second"}, table
    names = {str(f) for f in second.files}
    assert {"importance_second.png", "shapes_second.png", "interactions_second.png"} <= names
    assert not [f for f in names if "first" in f]
    assert "| first |" not in (tmp_path / "second" / "summary.md").read_text()


def _strip_names(cache_root) -> int:
    """Rewrite every cell entry as the code before #27 wrote it: no ``names`` (checksum kept valid)."""
    n = 0
    for path in (cache_root / "cells").rglob("*.json"):
        entry = json.loads(path.read_text())
        result = json.loads(entry["result"])
        result.pop("names")
        body = json.dumps(result, sort_keys=True)
        entry.update(result=body, sha256=hashlib.sha256(body.encode()).hexdigest())
        path.write_text(json.dumps(entry))
        n += 1
    return n


def test_entries_from_before_names_were_stored_are_served_only_under_the_same_names(tmp_path):
    df = _runs()
    first = api.explain(df, target="score", surrogates=("tree",), cache=True, cache_dir=tmp_path)["tree"]
    assert _strip_names(tmp_path) == 1
    same = api.explain(df, target="score", surrogates=("tree",), cache=True, cache_dir=tmp_path)["tree"]
    assert _mains(same) == _mains(first)
    (entry,) = (tmp_path / "cells").rglob("*.json")
    assert "names" not in json.loads(json.loads(entry.read_text())["result"])  # served, not recomputed and rewritten
    swapped = api.explain(df.rename(columns={"lr": "depth", "depth": "lr"}), target="score", surrogates=("tree",),
                          cache=True, cache_dir=tmp_path)["tree"]
    assert _mains(swapped) == {"depth": _mains(first)["lr"], "lr": _mains(first)["depth"]}
    assert json.loads(json.loads(entry.read_text())["result"])["names"]["features"] == ["depth", "lr"]
