"""How well a surrogate's predictions serve HPO on a held-out split.

Error (``mse``, ``r2``) says how close the predicted scores are; ranking
(``src``) and pick quality (``mrr``, ``regret``) say whether trusting the
surrogate would pick a good configuration, which is what HPO needs. A metric
that is undefined for a cell (constant predictions, a single row) is NaN with
the reason recorded, so one degenerate cell neither crashes nor silently
drags an average.
"""
from __future__ import annotations

import numpy as np


def _check(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=float)
    p = np.asarray(y_pred, dtype=float)
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError(f"metrics need 1-D arrays, got shapes {t.shape} and {p.shape}")
    if len(t) != len(p):
        raise ValueError(f"{len(t)} true values but {len(p)} predictions")
    if len(t) == 0:
        raise ValueError("metrics need at least one row")
    if not (np.isfinite(t).all() and np.isfinite(p).all()):
        raise ValueError("metrics got NaN or infinite values; a surrogate or the data produced them")
    return t, p


def _constant(a: np.ndarray) -> bool:
    return bool(np.all(a == a[0]))


def _src(t: np.ndarray, p: np.ndarray) -> tuple[float, str]:
    """Spearman's rho, or NaN and why: scipy would warn and return NaN itself."""
    if len(t) < 2:
        return float("nan"), "src undefined: fewer than 2 test rows"
    if _constant(p):
        return float("nan"), "src undefined: constant predictions"
    if _constant(t):
        return float("nan"), "src undefined: constant truth"
    from scipy.stats import spearmanr  # here: scipy.stats costs ~0.7 s at start-up, and a fit imports it anyway

    return float(spearmanr(t, p).statistic), ""


def _r2(t: np.ndarray, p: np.ndarray) -> tuple[float, str]:
    if len(t) < 2:
        return float("nan"), "r2 undefined: fewer than 2 test rows"
    ss_tot = float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0.0:
        return float("nan"), "r2 undefined: constant truth"
    return 1.0 - float(np.sum((t - p) ** 2)) / ss_tot, ""


def _picked(t: np.ndarray, p: np.ndarray, maximize: bool) -> float:
    """True value of the row the surrogate ranks best (first among tied predictions)."""
    return float(t[np.argmax(p) if maximize else np.argmin(p)])


def mse(y_true, y_pred) -> float:
    t, p = _check(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def r2(y_true, y_pred) -> float:
    return _r2(*_check(y_true, y_pred))[0]


def src(y_true, y_pred) -> float:
    """Spearman rank correlation between true and predicted scores (NaN if undefined)."""
    return _src(*_check(y_true, y_pred))[0]


def reciprocal_rank(y_true, y_pred, maximize: bool = True) -> float:
    """1 / true rank of the surrogate's pick; ties in truth share the better rank.

    Averaged over seeds this is the MRR of the paper.
    """
    t, p = _check(y_true, y_pred)
    picked = _picked(t, p, maximize)
    better = t > picked if maximize else t < picked
    return 1.0 / (1 + int(np.sum(better)))


def regret(y_true, y_pred, maximize: bool = True) -> float:
    """How much worse the surrogate's pick is than the true best (>= 0)."""
    t, p = _check(y_true, y_pred)
    picked = _picked(t, p, maximize)
    return float(t.max() - picked) if maximize else float(picked - t.min())


def score_all(y_true, y_pred, maximize: bool = True) -> dict:
    """Every per-cell metric plus ``metric_note``: why any of them is NaN ('' if none)."""
    t, p = _check(y_true, y_pred)
    src_value, src_note = _src(t, p)
    r2_value, r2_note = _r2(t, p)
    return {
        "mse": mse(t, p),
        "src": src_value,
        "mrr": reciprocal_rank(t, p, maximize),
        "r2": r2_value,
        "regret": regret(t, p, maximize),
        "metric_note": "; ".join(note for note in (src_note, r2_note) if note),
    }
