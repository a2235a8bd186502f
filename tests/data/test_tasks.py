"""data=table data.task=<column>: one dataset per task, typing shared, domains per task, one line per bad input."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli import refusal
from tasks_table import nmt_csv

from harness.data import load_dataset, load_tables
from harness.data.infer import INDICATOR_LEVELS
from harness.data.readers.nmt import PAIRS, load_pair
from harness.data.readers.tasks import read_tasks
from harness.errors import ConfigError, DataError


def tasks_of(path, **opts):
    cfg = {"kind": "table", "path": str(path), "target": "score", "task": "task", **opts}
    return {ds.name: ds for ds in load_tables([cfg])}


def test_the_nmt_pairs_in_one_csv_are_the_nmt_pairs(tmp_path, data_dir):
    """Per-task observed domains recover the declared per-pair schemas: every pair holds every level it declares."""
    path = nmt_csv(tmp_path / "nmt.csv", root=data_dir)
    got = load_tables([{"kind": "table", "path": str(path), "target": "dev_bleu", "task": "pair",
                        "types": {"bpe": "log", "embed": "log", "lr": "log"}}])
    assert [ds.name for ds in got] == list(PAIRS)
    for ds in got:
        ref = load_pair(ds.name, root=data_dir)
        pd.testing.assert_frame_equal(ds.X, ref.X)
        pd.testing.assert_series_equal(ds.y, ref.y)
        for f, g in zip(ds.schema, ref.schema, strict=True):
            assert (f.name, f.scale, f.levels, f.low, f.high) == (g.name, g.scale, g.levels, g.low, g.high)
        assert "pair" not in ds.extras.columns and ds.details["task"] == ds.name
    assert len({ds.fingerprint for ds in got}) == 6


@pytest.fixture
def mixed(tmp_path):
    """Two tasks: lr spans 1000x over the table but 10x within b; b never uses sgd; depth is absent in a only."""
    rng = np.random.default_rng(0)
    n = 24
    df = pd.DataFrame({
        "task": ["a"] * n + ["b"] * n,
        "lr": np.r_[10 ** rng.uniform(-4, -1, n), 10 ** rng.uniform(-2, -1, n)],
        "opt": np.r_[rng.choice(["adam", "sgd", "rmsprop"], n), rng.choice(["adam", "rmsprop"], n)],
        "depth": np.r_[np.where(np.arange(n) % 4 == 0, np.nan, 2.0), rng.choice([2, 4, 8], n)],
    })
    df["score"] = np.log10(df["lr"]) + (df["opt"] == "sgd") + rng.normal(0, 0.1, 2 * n)
    path = tmp_path / "runs.csv"
    df.to_csv(path, index=False)
    return path


def test_typing_is_shared_and_domains_are_per_task(mixed):
    tasks = tasks_of(mixed)
    a, b = tasks["a"], tasks["b"]
    assert a.schema.names == b.schema.names == ["lr", "opt", "depth", "has_depth"]  # the indicator in both
    assert a.schema["lr"].scale == b.schema["lr"].scale == "log"  # decided on the whole column, not on b's 10x
    assert b.schema["lr"].low == b.X["lr"].min() >= 1e-2 and b.schema["lr"].high == b.X["lr"].max()
    assert a.schema["opt"].levels == ("adam", "rmsprop", "sgd") and b.schema["opt"].levels == ("adam", "rmsprop")
    assert a.schema["depth"].levels == (2.0,) and b.schema["depth"].levels == (2.0, 4.0, 8.0)
    assert a.schema["has_depth"].levels == INDICATOR_LEVELS and b.schema["has_depth"].levels == ("True",)
    assert not any(ds.schema.outside_mask(ds.X).to_numpy().any() for ds in tasks.values())
    assert b.schema.outside_mask(a.X)["opt"].sum() == (a.X["opt"] == "sgd").sum() > 0  # unseen in b: a's sgd rows
    assert a.fingerprint != b.fingerprint


def _write(tmp_path, df, name="t.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def _frame(tasks, n=12):
    rng = np.random.default_rng(1)
    rows = [(t, x, x + rng.normal()) for t in tasks for x in rng.uniform(0, 1, n)]
    return pd.DataFrame(rows, columns=["task", "x", "score"])


@pytest.mark.parametrize("edit, opts, error, message", [
    (lambda df: df.assign(task="only"), {}, DataError, "data.task=task: column 'task' of .* holds one task \\('only'\\)"),
    (lambda df: df.iloc[:-5], {}, DataError, "data.task=task: task 'b' \\(7 rows\\) of .* has fewer than data.min_rows=10"),
    (lambda df: df, {"task": "dataset"}, ConfigError, "data.task='dataset' is not a column of"),
    (lambda df: df, {"task": "score"}, ConfigError, "data.task='score' is the target column"),
    (lambda df: df, {"features": ["x", "task"]}, ConfigError, "data.features includes the task column 'task'"),
    (lambda df: df.assign(task=df["task"].where(df.index != 3)), {}, DataError, "row 4, column task: no task name"),
    (lambda df: df.assign(task=df["task"].replace("b", "b/c")), {}, DataError, "task name 'b/c' cannot name files"),
    (lambda df: df.assign(score=df["score"].where(df["task"] == "a", 2.0)), {}, DataError,
     "every row of task 'b' in .* has the same score \\(2\\)"),
])
def test_bad_tables_of_tasks_are_one_line_errors(tmp_path, edit, opts, error, message):
    path = _write(tmp_path, edit(_frame(["a", "b"])))
    with pytest.raises(error, match=message):
        tasks_of(path, **opts)


def test_task_names_that_read_alike_are_refused():
    df = _frame(["1", "x"]).astype({"task": object})
    df.loc[df["task"] == "x", "task"] = 1  # a Parquet or in-memory column can hold the text "1" and the number 1
    with pytest.raises(DataError, match="column task: task names '1' and 1 are the same once written as text"):
        read_tasks(df, "task", "score", where="t.parquet")


def test_numeric_task_ids_become_names_and_keep_file_order(tmp_path):
    path = _write(tmp_path, _frame([31, 3, 7.0]))
    assert list(tasks_of(path)) == ["31", "3", "7"]


def test_many_small_tasks_are_named_in_one_line(tmp_path):
    path = _write(tmp_path, _frame([f"t{i}" for i in range(8)], n=3))
    with pytest.raises(DataError, match=r"tasks 't0' \(3 rows\), .*'t4' \(3 rows\) and 3 more of .* have fewer"):
        tasks_of(path)


def test_load_dataset_refuses_a_table_of_tasks(tmp_path):
    path = _write(tmp_path, _frame(["a", "b"]))
    with pytest.raises(ConfigError, match="data.task='task' makes one dataset per task"):
        load_dataset({"kind": "table", "path": str(path), "target": "score", "task": "task"})


def test_a_run_stops_with_one_line_naming_the_option(tmp_path):
    path = _write(tmp_path, _frame(["a", "b"]).assign(task="a"))
    message = refusal("transfer", "data=table", f"data.path={path}", "data.target=score", "data.task=task",
                      output_dir=tmp_path / "run")
    assert message.startswith("data.task=task: column 'task' of ")
    assert not (tmp_path / "run" / "metrics.csv").exists()
