"""Explainers: a fitted model and its rows in, an Interpretation out (``explain``)."""
from __future__ import annotations

from harness.explainers.base import AdditiveExplainer, Decomposition, Explainer, record_of
from harness.explainers.registry import EXPLAINERS, for_model, known_explainers, make


def explain(est, data, explainer=None, feed: str = "raw", label: str = ""):
    """The Interpretation of fitted ``est`` on the rows ``data`` it was fitted on.

    ``explainer``: a name (``"ebm"``, ``"treeshap"``, ``"agnostic"`` …), a config mapping, an
    :class:`Explainer`, or None to pick the one that reads this model. ``label`` names the record.
    """
    chosen = explainer if isinstance(explainer, Explainer) else for_model(est, explainer)
    record = chosen.explain(est, data, feed)
    record.surrogate = label or record.surrogate
    return record


__all__ = ["AdditiveExplainer", "Decomposition", "EXPLAINERS", "Explainer", "explain", "for_model", "known_explainers",
           "make", "record_of"]
