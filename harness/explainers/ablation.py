"""Ablation: from a reference configuration to the best one, one hyperparameter at a time, as the model predicts it.

The path starts at the reference configuration (``harness.data.configurations.reference``: the source's declared
default, else the typical configuration of the rows) and ends at the best row of the table. Each step changes the
one hyperparameter whose change the fitted model predicts to help most (greedy ablation, Fawcett & Hoos 2016, with a
surrogate's predictions in place of new runs, as DeepCAVE does); a parent's change switches its conditional children
with it (``configurations.activity``). The numbers are the model's predictions, not runs: a page says so.

The record's importance of a hyperparameter is the absolute predicted change of the step that changed it (0 where
the reference already held the best value); ``extras["ablation"]`` holds the path: the reference and how it was
chosen, the best configuration, the prediction at the start and each step's change.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from harness.data import configurations as configs
from harness.data.dataset import Dataset
from harness.explainers.base import Explainer
from harness.explainers.importance_only import importance_record
from harness.interpretation.record import LOCAL, Interpretation

MEASURE = "|predicted change| on the ablation path"


class Ablation(Explainer):
    """The ablation path of a fitted model (see the module docstring); ``start``: auto, default or typical."""

    name = "ablation"

    def __init__(self, start: str = "auto"):
        if start not in configs.REFERENCES:
            raise ValueError(f"ablation start must be one of {', '.join(configs.REFERENCES)}, got {start!r}")
        super().__init__(start=start)

    @classmethod
    def applies_to(cls, model) -> bool:
        return False  # used where it is named, never picked for a model

    def explain(self, est, data: Dataset, feed: str = "raw") -> Interpretation:
        rules = configs.activity(data)
        start, how = configs.reference(data, self.params["start"], rules)
        best = configs.best_rows(data, 1)[0]
        goal = configs.of_row(data, best)

        def predict(candidates: list[dict]) -> np.ndarray:
            frame = pd.concat([configs.row_of(data, c) for c in candidates], ignore_index=True)
            return np.asarray(est.predict(frame if feed == "raw" else data.schema.scaled(frame)), dtype=float)

        first = float(predict([start])[0])
        steps = path(predict, start, goal, rules, data.maximize, configs.hyperparameters(data))
        importance = dict.fromkeys(data.schema.names, 0.0)
        for step in steps:
            importance[step["hyperparameter"]] = abs(step["change"])
        extras = {"ablation": {"reference": _json(start), "reference_kind": how, "best": _json(goal), "best_row": best,
                               "observed_best": float(data.y.iloc[best]), "predicted_reference": first,
                               "steps": steps}}
        source = "the declared default" if how == configs.DEFAULT else "the typical configuration of the rows"
        method = (f"ablation path from {source} to the best row (row {best + 1}): each step the change the model "
                  "predicts to help most; importance = |predicted change| of the step that changed the hyperparameter")
        return importance_record(data, importance, method=method, measure=MEASURE, extras=extras, sense=LOCAL,
                                 replicates="one path, no replicates")


def path(predict, start: dict, goal: dict, rules: list[configs.Activity], maximize: bool,
         order: list[str]) -> list[dict]:
    """The greedy path from ``start`` to ``goal``: per step the hyperparameter changed, the others switched with it,
    their values before and after, the prediction after the step and its change. ``order`` breaks ties."""
    current, before = dict(start), float(predict([start])[0])
    steps = []
    while True:
        todo = [h for h in order if _differs(current.get(h), goal.get(h)) and _changeable(h, current, goal, rules)]
        if not todo:
            return steps
        trials = [_apply(current, h, goal, rules) for h in todo]
        predicted = predict(trials)
        pick = int(np.argmax(predicted) if maximize else np.argmin(predicted))
        after, now = trials[pick], float(predicted[pick])
        changed = [h for h in order if _differs(current.get(h), after.get(h))]
        steps.append({"hyperparameter": todo[pick], "changed": changed,
                      "from": {h: _json_value(current.get(h)) for h in changed},
                      "to": {h: _json_value(after.get(h)) for h in changed},
                      "predicted": now, "change": now - before})
        current, before = after, now


def _changeable(h: str, current: dict, goal: dict, rules: list[configs.Activity]) -> bool:
    """A hyperparameter a parent switches changes on its own only where it is set before and after."""
    governed = any(h in r.features and r.parent is not None for r in rules)
    return not governed or (current.get(h) is not None and goal.get(h) is not None)


def _apply(current: dict, h: str, goal: dict, rules: list[configs.Activity]) -> dict:
    out = dict(current)
    out[h] = goal.get(h)
    for rule in rules:  # a block no parent switches is set or unset as one
        if rule.parent is None and h in rule.features and (current.get(h) is None) != (goal.get(h) is None):
            out.update({f: goal.get(f) for f in rule.features})
    for _ in range(len(rules)):  # a parent switches its children (and theirs)
        out = configs.settle(out, rules, goal)
    return out


def _differs(a, b) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    if isinstance(a, str) or isinstance(b, str):
        return str(a) != str(b)
    return not math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)


def _json_value(v):
    return v.item() if isinstance(v, np.generic) else v


def _json(config: dict) -> dict:
    return {k: _json_value(v) for k, v in config.items()}
