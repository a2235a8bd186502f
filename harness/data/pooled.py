"""Several tables stacked into one, for models trained on the union of tasks (leave one task out).

The pooled table carries no task indicator: a model trained on it sees only
the hyperparameters, as a single-task model does, so the held-out task is
scored exactly as in a single-source transfer. Its schema is the union of
the parts' domains, so that "unseen value" keeps meaning "seen in no part".
A task is any table: an NMT pair, or one task of a table of tasks.
"""
from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np
import pandas as pd

from harness.data.dataset import Dataset
from harness.data.schema import Feature, Schema


def union_schema(schemas: Sequence[Schema]) -> Schema:
    """Per feature: every part's levels and the widest range; parts must agree on names and scales."""
    first = schemas[0]
    for s in schemas[1:]:
        if s.names != first.names:
            raise ValueError(f"cannot pool tables with different features: {first.names} vs {s.names}")
    feats = []
    for f in first:
        parts = [s[f.name] for s in schemas]
        scales = {p.scale for p in parts}
        if len(scales) > 1:
            raise ValueError(f"cannot pool feature {f.name!r}: its scale differs between tables ({sorted(scales)})")
        if f.is_categorical:
            levels = tuple(dict.fromkeys(v for p in parts for v in p.levels))
            feats.append(Feature(f.name, scale=f.scale, levels=levels, label=f.label))
            continue
        levels = tuple(sorted({float(v) for p in parts for v in p.levels})) if all(p.levels for p in parts) else ()
        low, high = min(p.low for p in parts), max(p.high for p in parts)
        feats.append(Feature(f.name, scale=f.scale, levels=levels, low=low, high=high, label=f.label))
    return Schema(tuple(feats))


def pool(parts: Sequence[Dataset], feed: str = "raw", name: str | None = None) -> Dataset:
    """The parts' rows stacked in the given order, each part's features as ``feed`` presents them.

    With ``feed="scaled"`` every part is mapped onto its own schema's [0, 1]
    first, so the pooled schema is the union of linear unit ranges and
    scaling the pooled table again leaves it unchanged: cells run on it with
    the same ``feed`` as the single pairs. ``offsets`` gives each
    part's first row, to translate a part's row positions (:func:`rows_in`).
    """
    if len(parts) < 1:
        raise ValueError("pool needs at least one table")
    if len({p.name for p in parts}) != len(parts):
        raise ValueError(f"pool: table names repeat: {[p.name for p in parts]}")
    if len({p.maximize for p in parts}) > 1:
        raise ValueError("pool: the tables disagree on whether the score is maximised")
    if len({p.target for p in parts}) > 1:
        raise ValueError(f"pool: the tables have different targets: {sorted({p.target for p in parts})}")
    fed = [p.features(feed) for p in parts]
    schema = union_schema([s for _, s in fed])
    X = pd.concat([x for x, _ in fed], ignore_index=True)
    y = pd.concat([p.y for p in parts], ignore_index=True)
    offsets = dict(zip((p.name for p in parts), np.cumsum([0, *map(len, parts[:-1])]).tolist()))
    digest = hashlib.sha256(
        "|".join([f"pool:{feed}", *(f"{p.name}={p.fingerprint or p.name}" for p in parts)]).encode()
    ).hexdigest()
    return Dataset(
        name=name or "+".join(p.name for p in parts),
        X=X,
        y=y.rename(parts[0].target),
        schema=schema,
        maximize=parts[0].maximize,
        fingerprint=digest,
        parts=tuple(p.name for p in parts),
        offsets=offsets,
        details={"feed": feed},
    )


def leave_one_out(datasets: dict[str, Dataset], feed: str = "raw") -> dict[str, Dataset]:
    """Per held-out task, the other tasks pooled in their given order, named ``all but <task>``.

    Needs three tasks: with two, "the others" is one task, which single-source transfer already covers.
    """
    if len(datasets) < 3:
        return {}
    return {held: pool([ds for name, ds in datasets.items() if name != held], feed=feed, name=f"all but {held}")
            for held in datasets}


def rows_in(pooled: Dataset, part: str, rows) -> np.ndarray:
    """Positions in the pooled table of a part's rows."""
    return np.asarray(rows, dtype=int) + pooled.offsets[part]
