"""The explanation record, how records agree, and how one is scored against a known truth (a leaf layer)."""
from harness.interpretation.agreement import (
    agreement,
    rank_agreement,
    shape_correlations,
    shape_map,
    top_k,
    top_k_overlap,
)
from harness.interpretation.record import (
    IMPORTANCE_COLUMNS,
    INTERACTION_COLUMNS,
    NOT_EXPLAINED,
    SHAPE_COLUMNS,
    Interpretation,
    average,
    pair_term,
    records_of,
)
from harness.interpretation.scoring import pair_detection, score, shape_errors

__all__ = [
    "IMPORTANCE_COLUMNS", "INTERACTION_COLUMNS", "NOT_EXPLAINED", "SHAPE_COLUMNS", "Interpretation", "agreement", "average",
    "pair_detection", "pair_term", "rank_agreement", "records_of", "score", "shape_correlations", "shape_errors",
    "shape_map", "top_k", "top_k_overlap",
]
