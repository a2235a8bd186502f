"""Many tasks in one table: ``data=table data.task=<column>`` makes one Dataset per task.

A table of HPO results from many tasks (a ``dataset`` column naming 30 OpenML
tasks, say) is typed once, as ``data=table`` types any table, and then split
by the task column:

* **Shared typing.** Which columns are features, and each feature's scale
  (categorical, log, linear), whether it is a grid of levels or a range, and
  its ``has_<name>`` indicator, are decided on the whole table, so every task
  has the same columns and a model trained on one task can score another
  (transfer) or be trained on several pooled (leave one task out).
* **Per-task domains.** Each task's declared domain is what that task holds:
  its levels (in the shared order), or its range. This is what a declared
  search space per task would say, and what transfer's "unseen value" share
  is judged against: the NMT pairs written as one CSV recover exactly the
  per-pair schemas of ``data.nmt`` (every pair holds every level it declares),
  and so the same transfer matrices.

Tasks keep the order of their first row in the file. The task column itself
is neither a feature nor the target; its values become the datasets' names
(numbers written as text, ``3.0`` as ``3``). Every task needs ``data.min_rows``
rows with a score and two different scores; a column holding one task is
refused, since there is nothing to compare it with.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json

import numpy as np
import pandas as pd

from harness.data import column_names, infer
from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError, DataError

UNSAFE = ("/", "\\", "\0")  # task names become parts of file names (shapes_<task>.png)


def task_features(df: pd.DataFrame, column: str, target, features) -> list[str]:
    """The feature columns of a table of tasks: ``data.features``, or every column but the task column and the
    target; the task column is never one."""
    if features is None:
        return [str(c) for c in df.columns if str(c) not in (column, str(target))]
    if column in features:
        raise ConfigError(f"data.features includes the task column {column!r} (data.task): a task is not a hyperparameter")
    return list(features)


def read_tasks(df: pd.DataFrame, column: str, target, where: str) -> pd.DataFrame:
    """The frame with its task column checked and written as text (the names the tasks' datasets get)."""
    if column not in map(str, df.columns):
        raise ConfigError(f"data.task={column!r} is not a column of {where}; columns: {', '.join(map(str, df.columns))}"
                          + column_names.not_found(column))
    if column == str(target):
        raise ConfigError(f"data.task={column!r} is the target column (data.target); name the column of task names")
    df = df.rename(columns=str)
    values = df[column]
    missing = np.flatnonzero(values.isna().to_numpy())
    if missing.size:
        raise DataError(f"{where}, row {missing[0] + 1}, column {column}: no task name (data.task); every row needs one")
    names = values.map(infer.text)
    seen: dict[str, object] = {}
    for raw in values.unique():
        name = infer.text(raw)
        if not name.strip() or name in (".", "..") or any(c in name for c in UNSAFE):
            raise DataError(f"{where}, column {column}: task name {raw!r} cannot name files; "
                            f"use names without {' or '.join(map(repr, UNSAFE[:2]))} (data.task)")
        if seen.setdefault(name, raw) != raw:
            raise DataError(f"{where}, column {column}: task names {seen[name]!r} and {raw!r} are the same once "
                            "written as text (data.task)")
    return df.assign(**{column: names})


def split(whole: Dataset, column: str, min_rows: int, where: str) -> list[Dataset]:
    """The typed table cut into its tasks, each with its own observed domain (module docstring)."""
    tasks = whole.extras[column].astype(str)
    order = list(dict.fromkeys(tasks))
    if len(order) < 2:
        raise DataError(f"data.task={column}: column {column!r} of {where} holds one task ({order[0]!r}); "
                        "a table of tasks needs at least two (leave data.task unset to use the table as one)")
    sizes = tasks.value_counts()
    small = [f"{t!r} ({sizes[t]} rows)" for t in order if sizes[t] < min_rows]
    if small:
        raise DataError(f"data.task={column}: task{'s' if len(small) > 1 else ''} {', '.join(small[:5])}"
                        f"{f' and {len(small) - 5} more' if len(small) > 5 else ''} of {where} "
                        f"{'have' if len(small) > 1 else 'has'} fewer than data.min_rows={min_rows} scored rows "
                        "to split into training and test rows")
    out = []
    for name in order:
        part = whole.take(np.flatnonzero((tasks == name).to_numpy()))
        if part.y.nunique() < 2:
            raise DataError(f"data.task={column}: every row of task {name!r} in {where} has the same score "
                            f"({part.y.iloc[0]:g}); there is nothing to explain")
        out.append(task_dataset(part, name, column))
    return out


def task_dataset(part: Dataset, name: str, column: str) -> Dataset:
    """One task's rows of the typed table, its schema narrowed to what the task holds."""
    schema = observed_schema(part.schema, part.X)
    ident = {"table": part.fingerprint, "task_column": column, "task": name, "schema": schema.describe()}
    return dataclasses.replace(
        part,
        name=name,
        schema=schema,
        extras=part.extras.drop(columns=[column]),
        fingerprint=hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest(),
        details={**part.details, "task_column": column, "task": name},
    )


def observed_schema(schema: Schema, X: pd.DataFrame) -> Schema:
    """Per feature, the domain ``X`` holds: its levels in the schema's order, or its range; scales unchanged."""
    feats = []
    for f in schema:
        col = X[f.name]
        if f.is_categorical:
            present = set(col)
            feats.append(Feature(f.name, scale=f.scale, levels=tuple(v for v in f.levels if v in present), label=f.label))
        elif f.levels:
            feats.append(Feature(f.name, scale=f.scale, levels=tuple(np.unique(col.to_numpy(dtype=float)).tolist()),
                                 label=f.label))
        else:
            v = col.to_numpy(dtype=float)
            feats.append(Feature(f.name, scale=f.scale, low=float(v.min()), high=float(v.max()), label=f.label))
    return Schema.of(feats)
