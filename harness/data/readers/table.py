"""Your own HPO results as a table: ``data=table data.path=runs.csv data.target=acc``.

One row per trained configuration, one column per hyperparameter, one score
column. Feature types follow ``harness.data.infer`` (overridable per column
with ``data.types``). Rows without a score are dropped and counted; columns
holding a single value are dropped and reported, since a surrogate can say
nothing about them (other tools report NaN importances for them). Rows are
counted from 1, not counting the header.
"""
from __future__ import annotations

import dataclasses
import hashlib
import logging
from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import pandas as pd

from harness.data import column_names, infer
from harness.data.dataset import Dataset
from harness.data.readers import tasks
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.objectives import Objective
from harness.data.sources import file_hash
from harness.config import distinct, flag
from harness.errors import ConfigError, DataError, one_line
from harness.options import option

log = logging.getLogger(__name__)

READERS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".parquet": None, ".pq": None}


@dataclasses.dataclass
class TableOptions(ReaderOptions):
    """Your own HPO results: a .csv, .tsv or .parquet file, one row per configuration."""

    kind: str = "table"
    path: Optional[str] = option(None, "the table file (required; .parquet needs pip install \"harness[parquet]\")")
    target: Optional[str] = option(None, "the score column (required unless targets is set); rows without a score "
                                         "are dropped and counted")
    targets: Optional[List[str]] = option(None, "several score columns, e.g. [acc, latency]: the objectives of the "
                                                "tradeoff experiment (none is a feature)")
    features: Optional[List[str]] = option(None, "feature columns, e.g. [lr, depth]; null = every column but the "
                                                 "targets (and the task column)")
    maximize: Any = option(True, "false for losses, perplexity, time; with targets, one per target: [true, false]")
    types: Any = option(None, values=str, help="per-column scale (linear, log or categorical): "
                                                      "'data.types={lr: log}' or +data.types.lr=log")
    name: Optional[str] = option(None, "dataset name; null = the file name without its extension")
    drop_constant: bool = option(True, "drop (and report) columns that hold a single value")
    max_levels: int = option(20, "numeric columns with at most this many distinct values keep them as levels",
                             minimum=1)
    min_rows: int = option(10, "fewer rows than this (after dropping missing targets) is an error", minimum=2)
    task: Optional[str] = option(None, "a column naming each row's task (e.g. dataset): one dataset per task, "
                                       "named by it (for transfer, cross-task summaries)")


class TableReader(Reader):
    """``data=table``: one table file, or one dataset per task of it (``data.task``)."""

    kind = "table"
    Options = TableOptions

    def load(self) -> Dataset:
        if self.options.task not in (None, ""):
            raise ConfigError(f"data.task={self.options.task!r} makes one dataset per task; load it with datasets()")
        path = _path(self.options)
        return from_frame(read(path), self.options.replace(name=self.options.name or path.stem), where=str(path),
                          content=file_hash(path))

    def datasets(self) -> list[Dataset]:
        """One dataset per task of the table (``data.task``), typed as one table first (``readers.tasks``)."""
        o = self.options
        if o.task in (None, ""):
            return [self.load()]
        path = _path(o)
        df = read(path)
        column = column_names.find(str(o.task), df.columns, "data.task") or str(o.task)
        df = tasks.read_tasks(df, column, o.target, where=str(path))
        features = tasks.task_features(df, column, o.target, o.features)
        whole = from_frame(df, o.replace(features=features, name=path.stem, task=None), where=str(path),
                           content=file_hash(path))
        return tasks.split(whole, column, o.min_rows, where=str(path))

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.suffix.lower() in READERS and not path.is_dir()


def _path(opts: TableOptions) -> Path:
    if opts.path in (None, ""):
        raise ConfigError("data.path is required for data=table")
    return Path(str(opts.path)).expanduser()


def read_csv_exact(path, **kwargs) -> pd.DataFrame:
    """``pd.read_csv`` that reads every number back as written: pandas 3 does by default; pandas 2's fast
    parser may be one unit in the last place off, which would make results depend on the pandas version."""
    if int(pd.__version__.split(".")[0]) < 3:
        kwargs.setdefault("float_precision", "round_trip")
    return pd.read_csv(path, **kwargs)


def read(path: Path) -> pd.DataFrame:
    """The file as read, with its header checked (column names must be distinct), a text file's cells typed by
    ``harness.data.infer.from_text`` (only empty cells are missing, and among numbers the spellings of "no value"),
    and a row index left out (``_row_index``)."""
    if path.suffix.lower() not in READERS:
        raise ConfigError(f"data.path={str(path)!r}: unsupported file type; use one of {', '.join(READERS)}")
    if path.is_dir():
        raise DataError(f"data.path={str(path)!r} is a folder, not a table file")
    if not path.is_file():
        raise DataError(f"missing table {path}")
    sep = READERS[path.suffix.lower()]
    try:
        if sep is None:
            try:
                import pyarrow.parquet as pq  # pandas' Parquet engine
            except ImportError:
                raise DataError(f'reading {path} needs pyarrow: pip install "harness[parquet]"') from None
            _distinct(pq.read_schema(path).names, path)
            return pd.read_parquet(path)
        header = pd.read_csv(path, sep=sep, header=None, nrows=1, dtype=str, keep_default_na=False)
        names = [str(v) for v in header.iloc[0]] if len(header) else []
        _distinct(names, path)
        cells = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, na_values=[""])
        df = pd.DataFrame({c: infer.from_text(cells[c]) for c in cells.columns}, index=cells.index)
    except DataError:  # already one line naming the file (a DataError is a ValueError too: keep it from the last clause)
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"table {path} is empty") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else one_line(exc)
        raise DataError(f"cannot read table {path}: {reason}") from None
    return _row_index(df, names, path)


def _row_index(df: pd.DataFrame, header: list[str], path: Path) -> pd.DataFrame:
    """The table without the row index ``DataFrame.to_csv`` writes by default: a first column with no header that
    numbers the rows 0..n-1 or 1..n (in any order: a log sorted by score keeps its old row numbers). It says which
    row is which, nothing about a configuration, and as a feature it would rank first in a log sorted by score or
    time, so it is left out, with a warning naming it, and recorded (``Dataset.details["row_index"]``). A first
    column with no header that holds anything else is data, kept under pandas' name for it."""
    if not header or header[0] != "" or df.empty:
        return df
    name, values = df.columns[0], df.iloc[:, 0]
    ordered = np.sort(values.to_numpy()) if values.dtype.kind in "iu" else None
    start = None if ordered is None else int(ordered[0])
    if start not in (0, 1) or not np.array_equal(ordered, np.arange(start, start + len(ordered))):
        log.warning("%s: the first column has no header; it is read as %r", path, name)
        return df
    log.warning("%s: left out the first column, which has no header and numbers the rows %d..%d (the row index "
                "pandas' to_csv writes, not a hyperparameter); give it a header to use it", path, start,
                start + len(df) - 1)
    out = df.drop(columns=[name])
    out.attrs["row_index"] = str(name)
    return out


def _distinct(names: list, where) -> None:
    """pandas would rename a second ``score`` to ``score.1`` and make it a feature: a copied target leaks the answer."""
    seen, twice = set(), []
    for n in map(str, names):
        if n in seen and n not in twice:
            twice.append(n)
        seen.add(n)
    if twice:
        raise DataError(f"{where}: column name(s) {', '.join(map(repr, twice))} appear more than once; "
                        "every column needs its own name")


def from_frame(df: pd.DataFrame, opts: TableOptions | dict | None = None, where: str = "table",
               content: str | None = None) -> Dataset:
    """A Dataset from a DataFrame already in memory (``opts`` as for ``data=table``, ``path`` unused).

    ``where`` names the table in messages; ``content`` identifies its bytes (a file's SHA-256), else
    the frame's own content is hashed.
    """
    table = where if where.startswith("the ") else f"table {where}"  # "table runs.csv", "the DataFrame"
    if df.empty:
        raise DataError(f"{table} is empty")
    unnamed = [i for i, c in enumerate(df.columns) if c is None or (isinstance(c, float) and np.isnan(c))]
    if unnamed:  # pandas holds a None label as NaN: it would be reported as "nan"
        raise DataError(f"{table}: column {unnamed[0] + 1} has no name (None); give every column a name")
    _distinct(df.columns, table)
    row_index = df.attrs.get("row_index")
    df = df.rename(columns=str)
    opts = _named_columns(opts if isinstance(opts, TableOptions) else TableOptions.parse(opts), df.columns)
    target, objectives, maximize = _objectives(opts)
    for name in objectives:
        if name not in df.columns:
            raise DataError(f"{table} has no target column {name!r}; columns: {', '.join(map(str, df.columns))}"
                            + column_names.not_found(name))
    features = _feature_names(df, list(objectives), opts.features, where)
    types = {str(k): infer.check_scale(str(v), f"data.types.{k}") for k, v in (opts.types or {}).items()}
    unknown = sorted(set(types) - set(features))
    if unknown:
        raise ConfigError(f"data.types names {unknown[0]!r}, which is not a feature; features: {', '.join(features)}"
                          + column_names.not_found(unknown[0]))
    for c in [*features, *objectives]:
        infer.check_scalars(df[c], table, c)

    y = _target(df[target], where)
    others = {name: _target(df[name], where).astype(float) for name in objectives if name != target}
    keep = y.notna().to_numpy()
    dropped = int((~keep).sum())
    if dropped:
        log.warning("%s: dropped %d rows with no %s", where, dropped, target)
    infer.check_rows(int(keep.sum()), opts.min_rows, table,
                     " after dropping missing targets" if dropped else "")
    rows = np.flatnonzero(keep)
    df = df.iloc[rows].reset_index(drop=True)
    if y.iloc[rows].nunique() < 2:
        raise DataError(f"{table}, column {target}: every row has the same score "
                        f"({y.iloc[rows].iloc[0]:g}); there is nothing to explain")
    for name, values in {target: y, **others}.items():
        infer.check_scores(values.iloc[rows].dropna(), f"{table}, column {name}")

    constant = [c for c in features if df[c].nunique(dropna=False) <= 1] if opts.drop_constant else []
    if constant:
        log.warning("%s: dropped constant columns %s", where, ", ".join(constant))
    features = [c for c in features if c not in constant]
    if not features:
        raise DataError(f"{table}: no feature columns" + (f" left after dropping the constant ones ({', '.join(constant)})"
                                                                 if constant else f" beside the target {target}"))
    columns, absent = [], {}
    for c in features:
        columns.append(infer.typed(c, df[c], types.get(c), opts.max_levels, where,
                                   lambda i: f"{where}, row {rows[i] + 1}"))
        if df[c].isna().any():
            absent[c] = int(df[c].isna().sum())
    if absent:
        log.warning("%s: empty cells %s; text columns get the level %s, numeric ones an indicator (has_<column>)",
                    where, absent, infer.ABSENT)
    X, schema, conditions = infer.assemble(columns, table)
    extras = df[[c for c in df.columns if c not in features and c not in constant and c != target]]
    extras = extras.assign(**{name: values.iloc[rows].to_numpy() for name, values in others.items()})
    shape = {"target": target, "features": None if opts.features is None else list(opts.features),
             "maximize": maximize, "drop_constant": opts.drop_constant, "max_levels": opts.max_levels, "types": types}
    if opts.targets not in (None, ()):  # fingerprints of single-target tables stay as they were
        shape["targets"] = list(objectives)
    if content is None:
        try:
            hashed = pd.util.hash_pandas_object(df, index=False)
        except TypeError:  # a column outside the features holds lists or maps: hashed as written
            hashed = pd.util.hash_pandas_object(df.astype(str), index=False)
        content = hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()
    return Dataset(
        name=str(opts.name or "table"),
        X=X,
        y=y.iloc[rows].reset_index(drop=True).astype(float),
        schema=schema,
        extras=extras,
        maximize=objectives[target].maximize,
        fingerprint=Reader.fingerprint({"file": content, **shape, "typed": infer.typed_digest(X, schema)}),
        source=where,
        label=target,
        dropped={"no score": dropped} if dropped else {},
        dropped_columns=tuple(constant),
        absent=absent,
        conditions=tuple(conditions),
        objectives={n: o.as_meta() for n, o in objectives.items()},
        targets=tuple(objectives),
        details={"row_index": row_index} if row_index else {},
    )


def _named_columns(opts: TableOptions, columns) -> TableOptions:
    """The options with every column they name matched to the table's columns as meant (``column_names.find``:
    ``data.target=1e3`` arrives as "1000.0" and names the column ``1e3``); a name that matches none stays as given,
    for the check that names it."""
    def find(name, option):
        return column_names.find(str(name), columns, option) or str(name)

    changes = {}
    for key in ("target", "task"):
        if getattr(opts, key) not in (None, ""):
            changes[key] = find(getattr(opts, key), f"data.{key}")
    for key in ("targets", "features"):
        names = getattr(opts, key)
        if names not in (None, ()) and not isinstance(names, str):
            changes[key] = [find(n, f"data.{key}") for n in names]
    if opts.types:
        changes["types"] = {find(k, f"data.types.{k}"): v for k, v in opts.types.items()}
    return opts.replace(**changes) if changes else opts


def _objectives(opts: TableOptions) -> tuple[str, dict[str, Objective], bool | list[bool]]:
    """The modelled target, the objectives asked for (``data.targets``; the target alone by default), each in
    the direction ``data.maximize`` gives (one yes/no for all, or a list with one per target), and that
    direction as resolved."""
    names = [str(t) for t in opts.targets or ()]
    if opts.target in (None, "") and not names:
        raise ConfigError("data.target is required for data=table (or data.targets=[a,b] for several objectives)")
    target = str(opts.target) if opts.target not in (None, "") else names[0]
    if names and target not in names:
        raise ConfigError(f"data.target={target!r} is not one of data.targets {names}; leave data.target unset")
    names = distinct(names or [target], "data.targets")
    given = opts.maximize
    if isinstance(given, (list, tuple)):
        if len(given) != len(names):
            raise ConfigError(f"data.maximize gives {len(given)} direction(s) for {len(names)} targets "
                              f"({', '.join(names)}); give one per target, or one for all")
        maximize = [flag(v, f"data.maximize[{i}]") for i, v in enumerate(given)]
        directions = maximize
    else:
        maximize = flag(given, "data.maximize")
        directions = [maximize] * len(names)
    return target, {n: Objective(n, d) for n, d in zip(names, directions)}, maximize


def _feature_names(df: pd.DataFrame, targets: list[str], features, path: str) -> list[str]:
    if features is None:
        return [str(c) for c in df.columns if c not in targets]
    features = [features] if isinstance(features, str) else [str(f) for f in features]
    for f in features:
        if f not in df.columns:
            raise ConfigError(f"data.features names {f!r}, which is not a column of {path}; columns: "
                              f"{', '.join(map(str, df.columns))}" + column_names.not_found(f))
    for target in targets:
        if target in features:
            raise ConfigError(f"data.features includes the target {target!r}")
    if len(set(features)) < len(features):
        raise ConfigError(f"data.features lists a column twice: {features}")
    return features


def _target(col: pd.Series, path: str) -> pd.Series:
    values = pd.to_numeric(col, errors="coerce")
    bad = np.flatnonzero(col.notna().to_numpy() & values.isna().to_numpy())
    if bad.size:
        raise DataError(f"{path}, row {bad[0] + 1}, column {col.name}: {col.iloc[bad[0]]!r} is not a number")
    inf = np.flatnonzero(np.isinf(values.to_numpy(dtype=float)))
    if inf.size:
        raise DataError(f"{path}, row {inf[0] + 1}, column {col.name}: {col.iloc[inf[0]]} is not a finite score")
    return values.rename(str(col.name))
