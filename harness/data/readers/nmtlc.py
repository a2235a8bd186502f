"""The NMT learning-curve tables of upstream ``lc_datasets/nmtlc.pkl``: ``data=nmtlc data.task=finetune data.pair=fr-en``.

The pickle is a list of 2483 plain dicts (builtin types only), one per
trained system: ``task`` ("scratch" or "finetune"), ``dataset_name``,
``src``, ``trg``, ``basemodel`` ("scratch", "bloomz", "xglm"),
``hyperparams`` (``dataset_size``, ``initial_lr``, ``model_size``,
``ff_num_hidden``, ``num_layers``, ``batch_size``, ``bpe``, ``r``),
``perplexity_curve`` / ``perplexity_optimal`` (dev perplexity per
checkpoint, and its minimum), ``max_len``, and for fine-tuned systems only
``bleu_curve`` / ``bleu_optimal`` (dev BLEU per checkpoint, and its maximum).

* finetune (LoRA on BLOOMZ / XGLM): fr-en 162 systems, zh-en 159. Features:
  ``llm`` (family), ``size`` (billions of parameters, log), ``rank`` (LoRA
  rank), ``batch``, ``lr``. The pickle gives the base model only as its
  architecture (``num_layers`` L, ``model_size`` d, vocabulary ``bpe`` V), so
  ``size`` is 12·L·d² + V·d rounded to two significant digits: the published
  sizes 0.56 / 1.7 / 3.0 B (BLOOMZ) and 0.56 / 1.7 / 2.9 B (XGLM).
* scratch (Transformers trained from scratch, the systems of the NMT tables
  plus a few more): en-ja, ja-en, ru-en, so-en, sw-en, zh-en. The pickle
  records five of the six NMT hyperparameters; attention heads are missing,
  so most configurations appear twice (the 8- and 16-head runs) and the
  features are bpe, layers, embed, hidden, lr with the NMT tables' names,
  scales and domains. Only perplexity is recorded for these systems.

Targets: ``bleu`` = best dev BLEU over the curve (maximised) or ``ppl`` =
lowest dev perplexity (minimised); the default is BLEU where recorded, else
perplexity.

Loading never runs code from the file: the unpickler refuses every global.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import pickle
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.readers.nmt import schema_for
from harness.data.schema import Feature, Schema
from harness.data.sources import fetch, file_hash
from harness.errors import ConfigError, DataError, one_line
from harness.options import option

TASKS = ("finetune", "scratch")
TARGETS = {"bleu": ("bleu_curve", max, True, "best dev BLEU"), "ppl": ("perplexity_curve", min, False, "lowest dev perplexity")}
HYPERPARAMS = ("dataset_size", "initial_lr", "model_size", "ff_num_hidden", "num_layers", "batch_size", "bpe", "r")
FINETUNE = Schema.of([
    Feature("llm", scale="categorical", levels=("bloomz", "xglm"), label="LLM"),
    Feature("size", scale="log", levels=(0.56, 1.7, 2.9, 3.0), label="size (B params)"),
    Feature("rank", scale="log", levels=(2, 16, 64), label="LoRA rank"),
    Feature("batch", scale="log", levels=(16, 32, 64), label="batch"),
    Feature("lr", scale="log", levels=(2e-5, 1e-4, 2e-4), label="lr"),
])
SCRATCH_COLUMNS = {"bpe": "bpe", "layers": "num_layers", "embed": "model_size", "hidden": "ff_num_hidden", "lr": "initial_lr"}


class _NoGlobals(pickle.Unpickler):
    """Builtin containers and scalars only: any class or function reference is refused before it is looked up."""

    def __init__(self, fh, path: Path):
        super().__init__(fh)
        self.path = path

    def find_class(self, module: str, name: str):
        raise DataError(f"{self.path}: refusing to load {module}.{name}; this file must hold builtin types only")


def safe_load(path: Path):
    with open(path, "rb") as fh:
        try:
            return _NoGlobals(fh, path).load()
        except DataError:
            raise
        except Exception as exc:  # any malformed stream: UnpicklingError, EOFError, ValueError, ...
            raise DataError(f"{path}: not a valid pickle ({type(exc).__name__}: {one_line(exc, 200)})") from None


@lru_cache(maxsize=2)
def _records(path: str, digest: str) -> tuple[dict, ...]:
    data = safe_load(Path(path))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DataError(f"{path}: expected a list of dicts, got {type(data).__name__}")
    return tuple(data)


def _pair(rec: dict) -> str:
    return f"{rec.get('src')}-{rec.get('trg')}"


def known(records) -> dict[str, list[str]]:
    return {t: sorted({_pair(r) for r in records if r.get("task") == t}) for t in TASKS}


def _field(rec: dict, i: int, path: Path, key: str, kind):
    value = rec.get(key)
    if not isinstance(value, kind):
        raise DataError(f"{path}, record {i}, {key}: expected {getattr(kind, '__name__', kind)}, got {value!r:.60}")
    return value


def _score(rec: dict, i: int, path: Path, key: str, best) -> tuple[float, int]:
    curve = _field(rec, i, path, key, list)
    if not curve or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in curve):
        raise DataError(f"{path}, record {i}, {key}: expected a non-empty list of finite numbers")
    return float(best(curve)), len(curve)


def _hyper(rec: dict, i: int, path: Path) -> dict:
    hp = _field(rec, i, path, "hyperparams", dict)
    for key in HYPERPARAMS:
        if not isinstance(hp.get(key), (int, float)) or not math.isfinite(hp[key]):
            raise DataError(f"{path}, record {i}, hyperparams.{key}: expected a number, got {hp.get(key)!r:.60}")
    return hp


def _finetune_row(rec: dict, i: int, path: Path) -> dict:
    hp = _hyper(rec, i, path)
    layers, width, vocab = hp["num_layers"], hp["model_size"], hp["bpe"]
    params = 12 * layers * width**2 + vocab * width
    return {
        "llm": _field(rec, i, path, "basemodel", str),
        "size": float(f"{params / 1e9:.2g}"),
        "rank": int(hp["r"]),
        "batch": int(hp["batch_size"]),
        "lr": float(hp["initial_lr"]),
        "layers": int(layers),
        "d_model": int(width),
        "ffn": int(hp["ff_num_hidden"]),
    }


def _scratch_row(rec: dict, i: int, path: Path) -> dict:
    hp = _hyper(rec, i, path)
    row = {f: hp[k] for f, k in SCRATCH_COLUMNS.items()}
    row["bpe"] = row["bpe"] * 1000  # the pickle counts BPE merges in thousands
    return row


@dataclasses.dataclass
class NMTLCOptions(ReaderOptions):
    """The NMT learning-curve systems of upstream lc_datasets/nmtlc.pkl (Este1le/hpo_nmt, MIT)."""

    kind: str = "nmtlc"
    task: str = option("finetune", "finetune (LoRA on BLOOMZ / XGLM) or scratch (Transformers trained from scratch)",
                       choices=TASKS)
    pair: str = option("fr-en", "finetune: fr-en, zh-en; scratch: en-ja, ja-en, ru-en, so-en, sw-en, zh-en")
    target: Optional[str] = option(None, "bleu (best dev BLEU, maximised) or ppl (lowest dev perplexity, minimised); "
                                         "null = bleu, or ppl for scratch (no BLEU recorded)")
    root: Optional[str] = option(None, "a folder holding nmtlc.pkl; null = $HARNESS_DATA_DIR, else download into the "
                                       "cache")
    base_url: Optional[str] = option(None, "null = the pinned upstream commit (or $HARNESS_DATA_URL)")
    verify: bool = option(True, "check SHA-256; false only for a deliberately edited file")


class NMTLCReader(Reader):
    """``data=nmtlc``: one task and pair of the learning-curve systems."""

    kind = "nmtlc"
    Options = NMTLCOptions

    def load(self) -> Dataset:
        o = self.options
        path = fetch("nmtlc.pkl", root=o.root, base_url=o.base_url, verify=o.verify)
        pairs = known(_records(str(path), file_hash(path)))
        if o.pair not in pairs[o.task]:
            raise ConfigError(f"data.pair={o.pair!r} is not in the nmtlc {o.task} table; known pairs: "
                              f"{', '.join(pairs[o.task])}")
        target = o.target or ("bleu" if o.task == "finetune" else "ppl")
        if target not in TARGETS:
            raise ConfigError(f"data.target={target!r} is unknown for data=nmtlc; known targets: {', '.join(TARGETS)}")
        if o.task == "scratch" and target == "bleu":
            raise ConfigError("data.target=bleu: the nmtlc scratch systems record no BLEU curve; use data.target=ppl")
        return _build(str(path), file_hash(path), o.task, o.pair, target)


@lru_cache(maxsize=16)
def _build(path: str, digest: str, task: str, pair: str, target: str) -> Dataset:
    p = Path(path)
    curve_key, best, maximize, what = TARGETS[target]
    other = "ppl" if target == "bleu" else "bleu"
    rows, y, extra = [], [], []
    for i, rec in enumerate(_records(path, digest)):
        if rec.get("task") != task or _pair(rec) != pair:
            continue
        rows.append((_finetune_row if task == "finetune" else _scratch_row)(rec, i, p))
        score, checkpoints = _score(rec, i, p, curve_key, best)
        y.append(score)
        ex = {"checkpoints": checkpoints}
        if TARGETS[other][0] in rec:
            ex[other] = _score(rec, i, p, TARGETS[other][0], TARGETS[other][1])[0]
        extra.append(ex)
    schema = FINETUNE if task == "finetune" else Schema.of(f for f in schema_for(pair) if f.name in SCRATCH_COLUMNS)
    table = pd.DataFrame(rows)
    X = table[schema.names]
    if task == "scratch":
        X = X.astype({f: "int64" for f in ("bpe", "layers", "embed", "hidden")})
    outside = schema.outside_mask(X).to_numpy()
    if outside.any():
        r, c = np.argwhere(outside)[0]
        warnings.warn(
            f"{path}, {task} {pair}: value {X.iat[r, c]} of {schema.names[c]} is outside the declared domain "
            f"{list(schema.features[c].levels)} ({int(outside.sum())} such cells in all)",
            stacklevel=2,
        )
    extras = pd.concat([table.drop(columns=schema.names), pd.DataFrame(extra)], axis=1)
    return Dataset(
        name=f"nmtlc-{task}-{pair}",
        X=X,
        y=pd.Series(y, name=target, dtype=float),
        schema=schema,
        extras=extras,
        maximize=maximize,
        fingerprint=hashlib.sha256(f"{digest}:{task}:{pair}:{target}".encode()).hexdigest(),
        source=p.name,
        label=what,
        details={"task": task, "pair": pair},
    )
