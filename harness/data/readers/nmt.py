"""The six NMT Transformer HPO tables of Zhang & Duh (2020), typed and validated."""
from __future__ import annotations

import dataclasses
import hashlib
import warnings
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, List, Optional

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.objectives import Objective, direction, find, retarget
from harness.data.schema import Feature, Schema
from harness.data.sources import fetch, file_hash
from harness.config import distinct
from harness.errors import DataError
from harness.options import option

PAIRS = ("zh-en", "ru-en", "ja-en", "en-ja", "sw-en", "so-en")
EXPECTED_ROWS = {"zh-en": 118, "ru-en": 176, "ja-en": 150, "en-ja": 168, "sw-en": 767, "so-en": 604}

FEATURES = ("bpe", "layers", "embed", "hidden", "heads", "lr")
HYPS_COLUMNS = dict(zip(FEATURES, ("bpe_symbols", "num_layers", "num_embed", "ff_num_hidden", "attention_heads", "initial_lr")))
EVALS_COLUMNS = ("dev_bleu", "dev_gpu_time", "dev_ppl", "num_updates", "gpu_memory", "num_param")
TARGET = "dev_bleu"
# What each .evals column measures, its direction and unit. Upstream states no units; decode time reads as seconds
# of GPU decoding of the dev set (174-1629 per pair), memory as MiB (835-11823, as nvidia-smi reports it).
OBJECTIVES = {o.name: o for o in (
    Objective("dev_bleu", True, "dev BLEU", "BLEU"),
    Objective("dev_gpu_time", False, "decode time (GPU)", "s"),
    Objective("dev_ppl", False, "dev perplexity", "ppl"),
    Objective("num_updates", False, "training updates", "updates"),
    Objective("gpu_memory", False, "GPU memory", "MiB"),
    Objective("num_param", False, "model size", "params"),
)}
TRADEOFF = ("dev_bleu", "dev_gpu_time", "num_param")  # data.targets by default: BLEU against decode time and size
LABELS = {"bpe": "bpe", "layers": "#layers", "embed": "#embed", "hidden": "#hidden", "heads": "attn", "lr": "lr"}
SCALES = {"bpe": "log", "layers": "linear", "embed": "log", "hidden": "linear", "heads": "linear", "lr": "log"}

_SMALL_BPE = (1000, 2000, 4000, 8000, 16000, 32000)
_COMMON = {"embed": (256, 512, 1024), "hidden": (1024, 2048), "heads": (8, 16), "lr": (3e-4, 6e-4, 1e-3)}
DOMAINS = {
    **{p: {"bpe": (10000, 30000, 50000), "layers": (2, 4), **_COMMON} for p in ("zh-en", "ru-en", "ja-en", "en-ja")},
    "sw-en": {"bpe": _SMALL_BPE, "layers": (1, 2, 4, 6), **_COMMON},
    "so-en": {"bpe": _SMALL_BPE, "layers": (1, 2, 4), **_COMMON},
}


def schema_for(pair: str) -> Schema:
    domain = DOMAINS[check_pair(pair)]
    return Schema.of(Feature(f, scale=SCALES[f], levels=domain[f], label=LABELS[f]) for f in FEATURES)


def check_pair(pair: str) -> str:
    if pair not in PAIRS:
        raise DataError(f"unknown language pair {pair!r}; known pairs: {', '.join(PAIRS)}")
    return pair


def _read_table(path: Path, columns: tuple[str, ...]) -> np.ndarray:
    """Parse a headerless tab-separated numeric file, naming the row of any fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text file ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split("\t")
        if len(cells) != len(columns):
            raise DataError(
                f"{path}, row {lineno}: expected {len(columns)} tab-separated columns "
                f"({', '.join(columns)}), got {len(cells)}"
            )
        values = []
        for col, cell in zip(columns, cells):
            try:
                values.append(float(cell))
            except ValueError:
                raise DataError(f"{path}, row {lineno}, column {col}: {cell.strip()!r} is not a number") from None
        rows.append(values)
    if not rows:
        raise DataError(f"{path}: the file holds no rows")
    return np.asarray(rows, dtype=float)


def parse_pair(pair: str, hyps_path: Path, evals_path: Path, fingerprint: str = "") -> Dataset:
    """Build the typed Dataset of one pair from its two files, validating every row."""
    hyps = _read_table(hyps_path, tuple(HYPS_COLUMNS.values()))
    evals = _read_table(evals_path, EVALS_COLUMNS)
    if len(hyps) != len(evals):
        raise DataError(
            f"{hyps_path} has {len(hyps)} rows but {evals_path} has {len(evals)}; "
            f"expected one evaluation row per configuration"
        )
    bleu = evals[:, 0]
    bad = np.flatnonzero(~np.isfinite(bleu))
    if bad.size:
        raise DataError(f"{evals_path}, row {bad[0] + 1}, column {TARGET}: {bleu[bad[0]]} is not a finite BLEU score")
    bad_x = np.argwhere(~np.isfinite(hyps))
    if bad_x.size:
        r, c = bad_x[0]
        raise DataError(f"{hyps_path}, row {r + 1}, column {list(HYPS_COLUMNS.values())[c]}: {hyps[r, c]} is not a finite value")

    schema = schema_for(pair)
    X = pd.DataFrame(hyps, columns=list(FEATURES))
    for f in ("bpe", "layers", "embed", "hidden", "heads"):
        X[f] = X[f].round().astype("int64")
    outside = schema.outside_mask(X)
    if outside.to_numpy().any():
        r, c = np.argwhere(outside.to_numpy())[0]
        warnings.warn(
            f"{hyps_path}, row {r + 1}, column {FEATURES[c]}: value {X.iat[r, c]} is outside the declared domain "
            f"{list(schema[FEATURES[c]].levels)} ({int(outside.to_numpy().sum())} such cells in all)",
            stacklevel=2,
        )
    extras = pd.DataFrame(evals[:, 1:], columns=list(EVALS_COLUMNS[1:]))
    extras["gpu_memory"] = extras["gpu_memory"].where(extras["gpu_memory"] != 0)  # 0 marks a missing reading
    extras[["num_updates", "num_param"]] = extras[["num_updates", "num_param"]].round().astype("int64")
    y = pd.Series(bleu, name=TARGET)
    return Dataset(
        name=pair,
        X=X,
        y=y,
        schema=schema,
        extras=extras,
        maximize=True,
        fingerprint=fingerprint,
        source=f"{hyps_path.name}, {evals_path.name}",
        label=OBJECTIVES[TARGET].display,
        unit=OBJECTIVES[TARGET].unit,
        objectives={n: o.as_meta() for n, o in OBJECTIVES.items()},
    )


def load_pair(pair: str, root=None, base_url: str | None = None, verify: bool = True) -> Dataset:
    """One pair's table from the verified upstream files (local folder or cache)."""
    check_pair(pair)
    hyps = fetch(f"{pair}.hyps", root=root, base_url=base_url, verify=verify)
    evals = fetch(f"{pair}.evals", root=root, base_url=base_url, verify=verify)
    return _load_cached(pair, str(hyps), str(evals), file_hash(hyps), file_hash(evals), verify)


@dataclasses.dataclass
class NMTOptions(ReaderOptions):
    """One NMT Transformer HPO table of Zhang & Duh (2020) (upstream Este1le/hpo_nmt, MIT)."""

    kind: str = "nmt"
    pair: Optional[str] = option(None, "the language pair (required): " + ", ".join(PAIRS), choices=PAIRS)
    root: Optional[str] = option(None, "a folder holding the upstream files; null = $HARNESS_DATA_DIR, else download "
                                       "into the cache")
    base_url: Optional[str] = option(None, "null = the pinned upstream commit (or $HARNESS_DATA_URL)")
    verify: bool = option(True, "check SHA-256; false only for a deliberately edited table")
    target: str = option(TARGET, "the modelled metric: " + ", ".join(EVALS_COLUMNS))
    targets: Optional[List[str]] = option(None, "the objectives of multi-objective experiments (tradeoff); null = "
                                                "[" + ", ".join(TRADEOFF) + "]")
    maximize: Any = option(None, "null = the metric's own direction (BLEU up; time, perplexity, updates, memory, "
                                 "parameters down)")


class NMTReader(Reader):
    """``data=<pair>`` (``kind: nmt``): any recorded metric as the target, in its own direction."""

    kind = "nmt"
    Options = NMTOptions

    def load(self) -> Dataset:
        o = self.options
        if o.pair is None:
            raise DataError(f"data.pair is required for the NMT tables; known pairs: {', '.join(PAIRS)}")
        ds = load_pair(o.pair, root=o.root, base_url=o.base_url, verify=o.verify)
        return with_targets(ds, o.target or TARGET, o.maximize, o.targets)


def with_targets(ds: Dataset, target: str, maximize=None, targets=None) -> Dataset:
    """The pair's table modelling ``target`` (``data.maximize`` may only repeat its direction), with
    ``data.targets`` (default: BLEU, decode time, parameters) as the objectives of multi-objective experiments."""
    direction(maximize, find(ds, target, "data.target"))
    names = [str(t) for t in ([targets] if isinstance(targets, str) else targets or TRADEOFF)]
    for name in distinct(names, "data.targets"):
        find(ds, name, "data.targets")
    ds = retarget(ds, target)
    return replace(ds, targets=tuple(names))


@lru_cache(maxsize=32)
def _load_cached(pair: str, hyps: str, evals: str, h_hash: str, e_hash: str, verify: bool) -> Dataset:
    fingerprint = hashlib.sha256(f"{h_hash}:{e_hash}".encode()).hexdigest()
    ds = parse_pair(pair, Path(hyps), Path(evals), fingerprint=fingerprint)
    if verify and len(ds) != EXPECTED_ROWS[pair]:  # cannot happen with matching checksums; guards the table above
        raise DataError(f"{hyps}: expected {EXPECTED_ROWS[pair]} rows for {pair}, got {len(ds)}")
    return ds
