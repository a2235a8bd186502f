"""The reader of docs/architecture.md's recipe 3: a JSON-lines log, one object per trial."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from harness.data.dataset import Dataset
from harness.data.readers.base import Reader, ReaderOptions
from harness.data.readers.table import from_frame
from harness.data.sources import file_hash
from harness.errors import ConfigError, DataError
from harness.options import option


@dataclasses.dataclass
class JsonLinesOptions(ReaderOptions):
    kind: str = "jsonl"
    path: Optional[str] = option(None, "the .jsonl file (required)")
    target: Optional[str] = option(None, "the key of the score (required)")
    maximize: Any = option(True, "false for a loss")
    name: Optional[str] = option(None, "dataset name; null = the file name")


class JsonLinesReader(Reader):
    kind = "jsonl"
    Options = JsonLinesOptions

    def load(self) -> Dataset:
        o = self.options
        if not o.path or not o.target:
            raise ConfigError("data.path and data.target are required for data=jsonl")
        path = Path(o.path)
        try:
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot read {path}: {exc}") from None
        table = {"target": o.target, "maximize": o.maximize, "name": o.name or path.stem}
        ds = from_frame(pd.DataFrame(rows), table, where=str(path), content=file_hash(path))
        return dataclasses.replace(ds, fingerprint=Reader.fingerprint({"file": file_hash(path), **o.as_dict()}))

    @classmethod
    def detect(cls, path: Path) -> bool:
        return path.suffix == ".jsonl"
