"""Writing results and reading them back: atomic files, exact round trips, library versions, aggregation.

Every tidy table the harness writes goes through ``write_csv`` and every one
it reads back through ``read_table``, so a name or level survives the trip
exactly: only an empty cell is missing (``NA``, ``None`` and ``nan`` stay
text), and a text cell a spreadsheet would run as a formula is written with
a leading ``'`` (OWASP's advice against CSV injection) that ``read_table``
removes again.
"""
from __future__ import annotations

import json
import os
import platform
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from harness.errors import HarnessError
from harness.text import csv_safe, csv_unsafe

VERSIONED = ("harness", "interpret-core", "scikit-learn", "xgboost-cpu", "xgboost", "pygam", "numpy", "pandas", "scipy", "hydra-core")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


FILE_MODE = 0o666 & ~_umask()  # what open() would give a new file under this process's umask


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(tmp)`` fills a temp file beside ``path``, which is then renamed into place: readers never see half
    a file.

    The file gets the permissions a plainly created file would (``mkstemp`` alone makes it 0600). Whatever stops
    the write (a full disk, an interrupt), the temp file is removed, and an OSError names ``path`` (the disk's
    own "No space left on device" names no file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno and exc.filename in (None, tmp):
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """A tidy table as CSV: numbers to 10 significant digits, missing as an empty cell, text formula-safe."""
    safe = df.rename(columns=lambda c: csv_safe(str(c)))
    for col in _text_columns(safe):
        safe[col] = safe[col].map(csv_safe)
    return atomic_write_text(path, safe.to_csv(index=False, float_format="%.10g", lineterminator="\n", na_rep=""))


def read_table(path: Path) -> pd.DataFrame:
    """A table ``write_csv`` wrote, exactly as it was: an empty file is an empty frame."""
    try:
        df = pd.read_csv(path, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    df = df.rename(columns=lambda c: csv_unsafe(str(c)))
    for col in _text_columns(df):
        df[col] = df[col].map(csv_unsafe)
    return df


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c, dtype in df.dtypes.items() if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))]


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
        "kernels": kernels(),
    }


def kernels() -> dict:
    """The CPU-specific code numpy and BLAS run here. Same versions on another CPU may give other last bits (numpy's
    AVX-512 exp and log, a BLAS kernel's order of sums), which a model fit or a BO can carry into visible digits."""
    import numpy as np
    from threadpoolctl import threadpool_info

    try:
        simd = list(np.show_config(mode="dicts")["SIMD Extensions"]["found"])
    except (TypeError, KeyError):  # numpy before 1.25 cannot say it this way: unknown, not a wrong "none"
        simd = None
    return {"numpy": simd,
            "blas": sorted({" ".join(str(i[k]) for k in ("internal_api", "version", "architecture") if i.get(k))
                            for i in threadpool_info() if i.get("user_api") == "blas"})}


def refuse_duplicates(df: pd.DataFrame, keys: list[str], what: str = "rows") -> pd.DataFrame:
    """Aggregation must never average a cell twice: stop with the offending keys."""
    present = [k for k in keys if k in df.columns]
    dup = df.duplicated(subset=present, keep=False)
    if dup.any():
        first = df.loc[dup, present].iloc[0].to_dict()
        raise HarnessError(f"duplicate cells in {what}: {int(dup.sum())} rows share keys, e.g. {first}")
    return df
