"""Cells: one surrogate fitted on one training set and scored on one or more test sets.

Every experiment that fits models reduces to a list of cells. This module
runs them — in parallel over the cores, longest first, skipping those whose
result is already cached under a content hash of everything that determines
them — and turns each into tidy rows. A cell whose result an earlier
experiment already computed (the size sweep's subsets are the random HPO
order's prefixes) is therefore never fitted twice.

A large training set is explained on a seeded sample of its rows
(``explain_sample``, :class:`harness.config.ExplainSample`): the sample's size
is part of the explanation's version in the cache, is stated in the record's
``method`` and is written as ``explain_rows`` in every metrics row.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from harness.config import ExplainSample
from harness.data.dataset import Dataset
from harness.executors import affordable_workers, executor
from harness.errors import one_line
from harness.explainers import Explainer, for_model
from harness.interpretation import NOT_EXPLAINED, Interpretation
from harness.metrics import score_all
from harness.paths import cells_cache
from harness.progress import Progress
from harness.results import atomic_write_text
from harness.seeds import Stream, model_seed, rng
from harness.surrogates.native import portable_kernels
from harness.surrogates.registry import SurrogateSpec, build, library_version
from harness.text import file_part
from harness.timing import stage

log = logging.getLogger("harness")

# Bump when the way a cell is computed changes, so cached results are not reused.
CELL_VERSION = "1"


@dataclass(frozen=True)
class Eval:
    """One test set a fitted cell is scored on, with the row keys that name it."""

    dataset: str
    rows: tuple[int, ...]
    keys: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Cell:
    """What to fit and where to score it. ``keys`` become columns of every row it yields."""

    keys: tuple[tuple[str, object], ...]
    train: str
    train_rows: tuple[int, ...]
    surrogate: SurrogateSpec
    seed: int
    evals: tuple[Eval, ...]
    feed: str = "raw"
    explain: bool = False
    explainers: tuple[str, ...] = ()  # more explainers beside the surrogate's own, each record labelled "<surrogate>+<name>"

    @property
    def key_dict(self) -> dict:
        return dict(self.keys)

    def explainer_labels(self) -> list[str]:
        """The labels of the records this cell yields: the surrogate's own explainer, then each extra one."""
        if not self.explain:
            return []
        return [self.surrogate.name, *(f"{self.surrogate.name}+{name}" for name in self.explainers)]


def _rows_digest(rows: Sequence[int]) -> str:
    return hashlib.sha256(np.asarray(rows, dtype=np.int64).tobytes()).hexdigest()


def cell_id(cell: Cell, datasets: dict[str, Dataset]) -> str:
    """Content hash of everything that determines a cell's numbers (not how or where it runs)."""
    ident = {
        "version": CELL_VERSION,
        "train": datasets[cell.train].fingerprint or cell.train,
        "train_rows": _rows_digest(cell.train_rows),
        "surrogate": {k: v for k, v in asdict(cell.surrogate).items() if k != "explainer"},  # explanations are keyed apart
        "library": library_version(cell.surrogate),
        "seed": model_seed(cell.seed),
        "feed": cell.feed,
        "evals": [(datasets[e.dataset].fingerprint or e.dataset, _rows_digest(e.rows)) for e in cell.evals],
    }
    if cell.explainers:  # a cell with more explainers is stored apart (identities of plain cells stay as they were)
        ident["explainers"] = list(cell.explainers)
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()


def explainers_of(cell: Cell, est=None) -> dict[str, Explainer]:
    """label -> explainer of a cell's records: the surrogate's own (its YAML's ``explainer``, else the one that
    reads the model; ``est`` may be unfitted), then the cell's extra explainers by name."""
    spec = cell.surrogate
    est = build(spec, None, seed=0) if est is None else est
    where = f"surrogate {spec.name!r}: explainer"
    out = {spec.name: for_model(est, spec.explainer, where=where)}
    for name in cell.explainers:
        out[f"{spec.name}+{name}"] = for_model(est, name, where=f"explainers: {name!r}")
    return out


def explained_rows(train: Dataset, k: int, seed: int) -> tuple[Dataset, str]:
    """The rows a training set is explained on: all of them, or a seeded uniform sample of ``k`` (and a note saying so).

    The sample depends on the run seed and the set's size only (its own seed stream), so every surrogate of
    a cell is explained on the same rows and a rerun draws them again.
    """
    n = len(train)
    if k >= n:
        return train, ""
    rows = np.sort(rng(seed, Stream.EXPLAIN_SAMPLE).choice(n, size=k, replace=False))
    return train.take(rows), f"; explained on a seeded sample of {k} of the {n} training rows"


def _sample_tag(k: int, n: int) -> str:
    """What a sample adds to an explainer's version: a sampled record is never served for a full one."""
    return f"@rows{k}" if k < n else ""


def _fit_and_score(cell: Cell, datasets: dict[str, Dataset], threads: int, sample: ExplainSample = ExplainSample()) -> dict:
    """Worker body: fit once, score on every eval; failures become a reason, never an exception."""
    spec = cell.surrogate
    train = datasets[cell.train].take(cell.train_rows)
    out: dict = {"evals": [], "status": "ok", "reason": "", "fit_seconds": math.nan}
    if len(train) < spec.min_rows:
        out.update(status="failed", reason=f"n_train={len(train)} is below min_rows={spec.min_rows} of surrogate {spec.name}")
        return out
    if train.y.nunique() < 2:
        out.update(status="failed", reason=f"all {len(train)} training targets are equal; nothing to learn")
        return out
    try:
        X, schema = train.features(cell.feed)
        est = build(spec, schema, seed=model_seed(cell.seed), n_jobs=threads)
        t0 = time.perf_counter()
        est.fit(X, train.y)
        out["fit_seconds"] = time.perf_counter() - t0
        for ev in cell.evals:
            test = datasets[ev.dataset].take(ev.rows)
            Xt, _ = test.features(cell.feed)
            t0 = time.perf_counter()
            pred = np.asarray(est.predict(Xt), dtype=float)
            predict_seconds = time.perf_counter() - t0
            scores = score_all(test.y.to_numpy(), pred, maximize=test.maximize)
            resid = pred - test.y.to_numpy()
            scores["shift2"] = float(np.mean(resid) ** 2)
            out["evals"].append({**scores, "predict_seconds": predict_seconds, "n_test": len(test)})
    except Exception as exc:  # a model that cannot fit this cell is a result, not a crash
        log.debug("cell failed:\n%s", traceback.format_exc())
        out.update(status="failed", reason=_reason(exc), evals=[])
        return out
    if cell.explain:
        out.update(interpretations={}, explainer_versions={}, explain_seconds_by={})
        failures = []
        k = sample.size(len(train))
        shown, note = explained_rows(train, k, cell.seed)
        out["explain_rows"] = len(shown)
        for label, explainer in explainers_of(cell, est).items():
            t0 = time.perf_counter()
            try:
                record = explainer.explain(est, shown, cell.feed)
                record.surrogate = label
                if note:
                    record.method += f"{note} ({sample.describe()})"
                out["interpretations"][label] = record.to_dict()
                out["explainer_versions"][label] = explainer.version() + _sample_tag(k, len(train))
            except Exception as exc:  # the scores stand; the missing explanation is reported with its reason
                log.debug("explanation failed:\n%s", traceback.format_exc())
                failures.append(f"{NOT_EXPLAINED}{'' if label == spec.name else f' by {label}'}: {_reason(exc)}")
            out["explain_seconds_by"][label] = time.perf_counter() - t0
        out["explain_seconds"] = out["explain_seconds_by"][spec.name]
        out["reason"] = "; ".join(failures)
    return out


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {one_line(exc)}"


class CellCache:
    """One JSON file per cell hash; written atomically as each cell finishes, so a killed run resumes.

    An entry holds the result and a SHA-256 of it: an entry that is not valid JSON, has the wrong
    shape or fails its checksum (edited by hand, truncated by a full disk) is recomputed with a
    warning, never reported as the result. A cache that cannot be written (read-only, full) or whose
    folder cannot be read (``cache_dir`` naming a file) degrades to "computed, not cached" with one
    warning; the run's results are written all the same.
    """

    FORMAT = 2

    def __init__(self, root: Path | None, enabled: bool = True):
        self.root = cells_cache(root)
        self.enabled = enabled
        self.writable = True

    def _path(self, cid: str) -> Path:
        return self.root / cid[:2] / f"{cid}.json"

    def get(self, cid: str, versions: dict[str, str], names: dict) -> dict | None:
        """The cached result, or None; it must hold an explanation of each label in ``versions`` by that version,
        and is given the ``names`` of this run (see ``_renamed``)."""
        if not self.enabled:
            return None
        path = self._path(cid)
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            if self._folder_unusable():
                return None
            log.warning("cell cache entry %s is unreadable (%s); recomputing it", path, exc.strerror or exc)
            return None
        result = _checked(text)
        if result is None:
            log.warning("cell cache entry %s is corrupt (bad JSON, shape or checksum); recomputing it", path)
            return None
        held = result.get("explainer_versions") or {}
        if any(held.get(label) != version for label, version in versions.items()):
            return None
        return _renamed(result, names)

    def _folder_unusable(self) -> bool:
        """True, after one warning, when the cache's folder itself cannot be read: every entry would fail alike."""
        if self.root.is_dir() and os.access(self.root, os.R_OK | os.X_OK):
            return False
        self.enabled = False
        log.warning("cell cache %s cannot be read (not a folder, or not ours to read): cells are computed, not cached",
                    self.root)
        return True

    def put(self, cid: str, result: dict) -> None:
        if not (self.enabled and self.writable and result["status"] == "ok"):
            return
        body = json.dumps(result, default=_json_default, sort_keys=True)
        entry = json.dumps({"format": self.FORMAT, "sha256": hashlib.sha256(body.encode()).hexdigest(), "result": body})
        try:
            atomic_write_text(self._path(cid), entry)
        except OSError as exc:
            self.writable = False
            log.warning("cell cache %s cannot be written (%s): cells are computed, not cached", self.root,
                        exc.strerror or exc)


def names_of(cell: Cell, datasets: dict[str, Dataset]) -> dict:
    """The names a cell's explanations carry: its table's and its features' (a content hash leaves names out)."""
    train = datasets[cell.train]
    return {"dataset": train.name, "features": list(train.schema.names)}


def _renamed(result: dict, names: dict) -> dict | None:
    """A cached result with the ``names`` of this run, or None where it must be recomputed.

    A cell is keyed by content, and names reach its outputs only through its explanations. The table's name is
    a label: it is set on the way out, so renaming a table (``data.name``) refits nothing, unless the entry holds
    a failure's text, which may quote it. Features renamed (even among themselves: ``lr`` and ``depth`` swapped)
    are recomputed, as the names run through every record (terms, shapes, an EBM's export). An entry written
    before it held its names gives them by its records, which list every feature's main term in schema order;
    one whose records do not is recomputed.
    """
    records = result.get("interpretations") or {}
    if not records:
        return result
    held = result.get("names") or _names_in(records)
    if held is None or held["features"] != names["features"]:
        return None
    if held["dataset"] != names["dataset"]:
        if result.get("reason"):
            return None
        for record in records.values():
            record["dataset"] = names["dataset"]
    return result


def _names_in(records: dict[str, dict]) -> dict | None:
    """The names records hold, if they agree: their table and their main terms' features, in record order."""
    found = [{"dataset": r.get("dataset"),
              "features": [f for f, kind in zip(r["importances"]["feature_a"], r["importances"]["kind"]) if kind == "main"]}
             for r in records.values()]
    return found[0] if all(f == found[0] for f in found) else None


def _checked(text: str) -> dict | None:
    """The result an entry holds, if it is whole: valid JSON, the expected shape and a matching checksum."""
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("format") != CellCache.FORMAT or not isinstance(entry.get("result"), str):
        return None
    if hashlib.sha256(entry["result"].encode()).hexdigest() != entry.get("sha256"):
        return None
    try:
        result = json.loads(entry["result"])
    except ValueError:
        return None
    if not isinstance(result, dict) or result.get("status") != "ok" or not isinstance(result.get("evals"), list):
        return None
    return result


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _cost(cell: Cell) -> float:
    """Rough relative cost for scheduling the longest cells first (keeps both cores busy to the end)."""
    return max(len(cell.train_rows), 1)


@dataclass
class CellRun:
    """The rows of a run of cells, and their explanations.

    ``interpretations``: cell id -> the record of the surrogate's own explainer (as a dict);
    ``records``: cell id -> {label: record dict} for every explainer of the cell (extras included);
    ``explain_seconds``: cell id -> {label: seconds the explainer took}.
    """

    rows: pd.DataFrame
    interpretations: dict[str, dict] = field(default_factory=dict)
    records: dict[str, dict[str, dict]] = field(default_factory=dict)
    explain_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    ids: dict[Cell, str] = field(default_factory=dict)
    computed: int = 0
    cached: int = 0
    wall_seconds: float = 0.0

    def interpretation(self, cell: Cell, label: str | None = None) -> Interpretation | None:
        """A cell's record by label (default: the surrogate's own explainer), or None if it was not explained."""
        d = self.records.get(self.ids[cell], {}).get(label or cell.surrogate.name)
        return None if d is None else Interpretation.from_dict(d)


def run_cells(
    cells: Sequence[Cell],
    datasets: dict[str, Dataset],
    opts,
    label: str = "cells",
) -> CellRun:
    """Compute (or load) every cell and return one tidy row per (cell, eval)."""
    with stage("cells"):
        return _run_cells(cells, datasets, opts, label)


def _run_cells(cells: Sequence[Cell], datasets: dict[str, Dataset], opts, label: str) -> CellRun:
    t_start = time.perf_counter()
    _check_file_names(cells)
    cache = CellCache(opts.cache_dir, opts.cache)
    ids = [cell_id(c, datasets) for c in cells]
    versions = _versions(cells)
    results: dict[str, dict] = {}
    todo: dict[str, Cell] = {}
    for cid, c in zip(ids, cells):
        if cid in results or cid in todo:
            continue
        n = len(c.train_rows)
        tag = _sample_tag(opts.explain_sample.size(n), n)
        hit = cache.get(cid, {label: versions[c.surrogate.name, label] + tag for label in c.explainer_labels()},
                        names_of(c, datasets))
        if hit is not None:
            hit["cached"] = True
            results[cid] = hit
        else:
            todo[cid] = c
    n_cached = len(results)
    progress = Progress(len(todo), label, enabled=opts.progress, workers=min(opts.n_jobs, max(len(todo), 1)))
    order = sorted(todo, key=lambda cid: -_cost(todo[cid]))
    try:
        if todo:
            arguments = ((cid, todo[cid], _needed(todo[cid], datasets), opts.threads, opts.explain_sample)
                         for cid in order)
            n_jobs = min(opts.n_jobs, len(todo))
            if opts.executor == "local" and n_jobs > 1:
                n_jobs = affordable_workers(n_jobs, max(_table_bytes(datasets[c.train]) for c in todo.values()))
            with executor(opts.executor, opts.executor_address, n_jobs) as run:
                for cid, result in run(_tagged, arguments):  # cached as each arrives: a killed run resumes here
                    result.update(cached=False, names=names_of(todo[cid], datasets))
                    cache.put(cid, result)
                    results[cid] = result
                    progress.advance()
    finally:
        progress.close()
    rows, records, seconds = [], {}, {}
    for cid, c in zip(ids, cells):
        res = results[cid]
        records[cid] = res.get("interpretations") or {}
        seconds[cid] = res.get("explain_seconds_by") or {}
        rows.extend(_rows_of(c, cid, res))
    return CellRun(
        rows=pd.DataFrame(rows),
        interpretations={cid: r[c.surrogate.name] for cid, c, r in ((i, c, records[i]) for i, c in zip(ids, cells))
                         if c.surrogate.name in r},
        records=records,
        explain_seconds=seconds,
        ids=dict(zip(cells, ids)),
        computed=len(todo),
        cached=n_cached,
        wall_seconds=time.perf_counter() - t_start,
    )


def _check_file_names(cells: Sequence[Cell]) -> None:
    """Refuse, before any fit, a table or surrogate name too long to name the files made from it (figures,
    exports: ``harness.text.file_part``), rather than after every fit when the first figure is saved."""
    for name in dict.fromkeys(n for c in cells for n in (c.train, *(e.dataset for e in c.evals))):
        file_part(name, "table name", " (data.name, or the values of the data.task column)")
    for name in dict.fromkeys(c.surrogate.name for c in cells):
        file_part(name, "surrogate name")


def _versions(cells: Sequence[Cell]) -> dict[tuple[str, str], str]:
    """(surrogate, label) -> the version of the explainer that writes that record (computed once per surrogate)."""
    out: dict[tuple[str, str], str] = {}
    for c in cells:
        if any((c.surrogate.name, label) not in out for label in c.explainer_labels()):
            out.update({(c.surrogate.name, label): e.version() for label, e in explainers_of(c).items()})
    return out


def _table_bytes(ds: Dataset) -> int:
    return int(ds.X.memory_usage(deep=True).sum() + ds.y.memory_usage(deep=True))


def _needed(cell: Cell, datasets: dict[str, Dataset]) -> dict[str, Dataset]:
    """Only the tables a cell reads: every task is pickled to a worker, and a run may hold hundreds of tables."""
    return {name: datasets[name] for name in {cell.train, *(e.dataset for e in cell.evals)}}


def _tagged(cid, cell, datasets, threads, sample):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads), portable_kernels():  # BLAS threads too, not only the estimator's own
        return cid, _fit_and_score(cell, datasets, threads, sample)


METRIC_COLUMNS = ("mse", "src", "mrr", "r2", "regret", "shift2")


def _rows_of(cell: Cell, cid: str, res: dict) -> list[dict]:
    base = {
        **cell.key_dict,
        "surrogate": cell.surrogate.name,
        "seed": cell.seed,
        "n_train": len(cell.train_rows),
    }
    tail = {
        "fit_seconds": res.get("fit_seconds", math.nan),
        "explain_seconds": res.get("explain_seconds", math.nan),
        "explain_rows": res.get("explain_rows", len(cell.train_rows) if res.get("interpretations") else math.nan),
        "library": library_version(cell.surrogate),
        "cached": bool(res.get("cached", False)),
        "cell_id": cid[:16],
    }
    if res["status"] != "ok":
        return [
            {**base, **dict(ev.keys), "n_test": len(ev.rows), **{m: math.nan for m in METRIC_COLUMNS},
             "metric_note": "", "predict_seconds": math.nan, "status": res["status"], "reason": res["reason"], **tail}
            for ev in cell.evals
        ]
    return [
        {**base, **dict(ev.keys), "n_test": r["n_test"], **{m: r.get(m, math.nan) for m in METRIC_COLUMNS},
         "metric_note": r.get("metric_note", ""), "predict_seconds": r["predict_seconds"], "status": "ok",
         "reason": res.get("reason", ""), **tail}
        for ev, r in zip(cell.evals, res["evals"])
    ]
