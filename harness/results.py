"""Writing results: atomic files, library versions, and duplicate-refusing aggregation."""
from __future__ import annotations

import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Iterable

import pandas as pd

from harness.errors import HarnessError

VERSIONED = ("harness", "interpret-core", "scikit-learn", "xgboost-cpu", "xgboost", "pygam", "numpy", "pandas", "scipy", "hydra-core")


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write to a temp file beside ``path``, then rename: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write_text(path, df.to_csv(index=False, float_format="%.10g", lineterminator="\n"))


def write_json(obj, path: Path) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def library_versions(names: Iterable[str] = VERSIONED) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def environment() -> dict:
    """Libraries and machine, recorded beside every result."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "libraries": library_versions(),
    }


def refuse_duplicates(df: pd.DataFrame, keys: list[str], what: str = "rows") -> pd.DataFrame:
    """Aggregation must never average a cell twice: stop with the offending keys."""
    present = [k for k in keys if k in df.columns]
    dup = df.duplicated(subset=present, keep=False)
    if dup.any():
        first = df.loc[dup, present].iloc[0].to_dict()
        raise HarnessError(f"duplicate cells in {what}: {int(dup.sum())} rows share keys, e.g. {first}")
    return df
