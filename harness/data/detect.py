"""Which reader reads a path given without a kind (``harness explain PATH``, ``harness.explain(PATH)``).

Each reader says whether a path is its kind of source (``Reader.detect``); this module asks them in an order that
settles the cases two could claim — a storage URL (the one source named by a URL) or SQLite file is Optuna's, a table file the table reader's, a
folder with a ``runhistory.json`` a SMAC3 run, a folder with trial ``params.json`` files a Ray Tune experiment — and
turns the answer into the reader's options (the path under the option that reader names it by). A path no reader
claims is one line naming the kinds it knows.
"""
from __future__ import annotations

from pathlib import Path

from harness.data.registry import reader
from harness.errors import ConfigError, DataError

# The kinds a path may be, in the order they are asked, and what each is in words (for the one-line error).
DETECTED = {
    "optuna": "an Optuna storage (.db/.sqlite file or RDB URL)",
    "table": "a table file (.csv, .tsv, .parquet)",
    "smac": "a SMAC3 run folder (runhistory.json, configspace.json)",
    "raytune": "a Ray Tune experiment folder (a params.json per trial)",
}
PATH_OPTION = {"optuna": "storage"}  # the option a reader takes the path by, where it is not ``path``


def detect(path: str | Path) -> str:
    """The kind of source ``path`` is (a key of ``DETECTED``); a DataError for a path that is not there, a
    ConfigError naming the known kinds for one no reader claims."""
    text = str(path)
    if "://" in text:  # a URL, which a Path would mangle (sqlite:/x): only an Optuna storage is named by one
        return "optuna"
    path = Path(text).expanduser()
    if not path.exists():
        raise DataError(f"{text}: no such file or folder")
    for kind in DETECTED:
        if reader(kind).detect(path):
            return kind
    words = list(DETECTED.values())
    raise ConfigError(f"{text}: not a run the harness can read; it reads {', '.join(words[:-1])} or {words[-1]}")


def source_options(path: str | Path, kind: str | None = None, **given) -> dict:
    """The data config of the source at ``path``: its kind (detected unless ``kind`` is given), the path under the
    option that kind takes it by, and ``given`` (reader options by name; None values left out)."""
    kind = kind or detect(path)
    text = str(path) if "://" in str(path) else str(Path(str(path)).expanduser())
    return {"kind": kind, PATH_OPTION.get(kind, "path"): text, **{k: v for k, v in given.items() if v is not None}}
