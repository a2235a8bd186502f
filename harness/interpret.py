"""The Interpretation record every surrogate produces, and how records are compared.

One shape for every explanation — term importances, per-feature shapes,
pairwise surfaces, data density — so an EBM, a GAM, a tree, XGBoost, a ridge
model and the known truth of a synthetic table can be set side by side.

Importance of a term = mean |f(x)| over the data the model was fitted on,
with each term's contribution centred to mean zero over that data (the
paper's definition, and InterpretML's ``term_importances()``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

IMPORTANCE_COLUMNS = ["term", "kind", "feature_a", "feature_b", "importance"]
SHAPE_COLUMNS = ["feature", "value", "contribution", "lower", "upper", "density"]
INTERACTION_COLUMNS = ["feature_a", "feature_b", "value_a", "value_b", "contribution"]


def pair_term(a: str, b: str) -> str:
    return f"{a} x {b}"


@dataclass
class Interpretation:
    """A fitted model's explanation of one table.

    ``importances``: one row per term (``kind`` main or pair; a pair term is
    named ``"a x b"`` with ``a`` before ``b`` in schema order).
    ``shapes``: per feature and value, the centred contribution, an
    uncertainty band where the model has one (else NaN) and the number of
    rows holding that value. ``interactions``: per pair of features and
    pair of values, the pair term's contribution (pure interaction, centred).
    ``method`` says in words how importance was obtained for this model.
    """

    surrogate: str
    dataset: str
    method: str
    importances: pd.DataFrame
    shapes: pd.DataFrame
    interactions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=INTERACTION_COLUMNS))

    def main_importances(self) -> pd.Series:
        imp = self.importances[self.importances["kind"] == "main"]
        return imp.set_index("feature_a")["importance"]

    def to_dict(self) -> dict:
        return {
            "surrogate": self.surrogate,
            "dataset": self.dataset,
            "method": self.method,
            "importances": self.importances[IMPORTANCE_COLUMNS].to_dict(orient="list"),
            "shapes": self.shapes[SHAPE_COLUMNS].to_dict(orient="list"),
            "interactions": self.interactions[INTERACTION_COLUMNS].to_dict(orient="list"),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Interpretation":
        return cls(
            surrogate=d["surrogate"],
            dataset=d["dataset"],
            method=d["method"],
            importances=pd.DataFrame(d["importances"], columns=IMPORTANCE_COLUMNS),
            shapes=pd.DataFrame(d["shapes"], columns=SHAPE_COLUMNS),
            interactions=pd.DataFrame(d["interactions"], columns=INTERACTION_COLUMNS),
        )

    def frames(self, **keys) -> dict[str, pd.DataFrame]:
        """Tidy frames for importances.csv / shapes.csv / interactions.csv, with key columns first."""
        base = {"surrogate": self.surrogate, "dataset": self.dataset, **keys}
        out = {}
        for name, df in (("importances", self.importances), ("shapes", self.shapes), ("interactions", self.interactions)):
            df = df.copy()
            for i, (k, v) in enumerate(base.items()):
                df.insert(i, k, v)
            out[name] = df
        return out
