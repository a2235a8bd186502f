"""A conditional hyperparameter read over the rows where it is set, by every additive explainer alike.

On the committed SMAC3 MLP run (solver in {lbfgs, sgd, adam}; batch_size and learning_rate_init set for sgd/adam,
learning_rate for sgd only) each surrogate's own per-row terms are summarised twice: as the table is (with its
conditions) and as if nothing were conditional. The two must agree on every unconditional term and differ on the
conditional ones exactly as the definition says.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from harness.data import load_dataset
from harness.data.infer import ABSENT, active_masks
from harness.explainers import for_model, record_of
from harness.interpretation import Interpretation, average, records_of
from harness.interpretation.record import pair_term
from harness.surrogates import build, load_spec

MLP = Path(__file__).parents[1] / "data" / "fixtures" / "smac_mlp"
CONDITIONAL = ["batch_size", "learning_rate_init", "learning_rate"]
ADDITIVE = ["ebm_fast", "gam", "tree", "xgboost", "linear"]  # each surrogate's own explainer reads per-row terms


@pytest.fixture(scope="module")
def mlp():
    return load_dataset({"kind": "smac", "path": str(MLP)})


@pytest.fixture(scope="module", params=ADDITIVE)
def decomposed(request, mlp):
    spec = load_spec(request.param)
    est = build(spec, mlp.schema, seed=0, n_jobs=1).fit(mlp.X, mlp.y)
    explainer = for_model(est, spec.explainer)
    return request.param, explainer.decompose(est, *mlp.features("raw"))


def test_a_conditional_term_is_centred_and_averaged_over_its_active_rows(mlp, decomposed):
    name, dec = decomposed
    rec = record_of(dec, mlp, surrogate=name)
    plain = record_of(dec, replace(mlp, conditions=()), surrogate=name)  # the same terms, nothing conditional
    masks = active_masks(mlp.X, mlp.conditions)
    assert set(masks) == set(CONDITIONAL)
    imp, plain_imp = rec.main_importances(), plain.main_importances()
    for f in mlp.schema.names:
        if f in masks:
            term = dec.main[f].to_numpy()[masks[f]]
            assert imp[f] == pytest.approx(np.mean(np.abs(term - term.mean())), rel=1e-12, abs=1e-15), f
            assert rec.active_share(f) == pytest.approx(masks[f].mean()) and masks[f].mean() < 1
        else:
            assert imp[f] == plain_imp[f] and rec.active_share(f) == 1.0, f
            assert rec.shape(f).equals(plain.shape(f)), f
    assert list(rec.importances["term"]) == list(plain.importances["term"])
    for a, b in dec.pairs:  # a pair term holding a conditional feature: over the rows where both are set
        both = masks.get(a, np.ones(len(mlp), bool)) & masks.get(b, np.ones(len(mlp), bool))
        assert rec.active_share(pair_term(a, b)) == pytest.approx(both.mean())


def test_a_conditional_shape_holds_only_the_values_set(mlp, decomposed):
    name, dec = decomposed
    rec = record_of(dec, mlp, surrogate=name)
    masks = active_masks(mlp.X, mlp.conditions)
    for f in CONDITIONAL:
        shape = rec.shapes[rec.shapes["feature"] == f]
        assert set(shape["value"]) == set(mlp.X.loc[masks[f], f]) and ABSENT not in set(shape["value"]), f
        assert shape["density"].sum() == masks[f].sum(), f
        centred = (shape["contribution"] * shape["density"]).sum() / shape["density"].sum()
        assert centred == pytest.approx(0, abs=1e-9), f  # centred over the active rows, not over all rows
    assert not (rec.interactions[["value_a", "value_b"]] == ABSENT).any().any()


def test_active_shares_survive_the_record_round_trips(mlp, decomposed):
    name, dec = decomposed
    rec = record_of(dec, mlp, surrogate=name)
    back = Interpretation.from_dict(rec.to_dict())
    assert back.active == rec.active and set(rec.active) >= set(CONDITIONAL)
    frame = rec.frames(seed=0)["importances"]
    tidy = records_of(frame, rec.frames(seed=0)["shapes"])[(name, mlp.name, 0)]
    assert tidy.active == rec.active
    assert frame.set_index("term")["active_share"].drop(list(rec.active)).eq(1.0).all()
    assert average([rec, back]).active == pytest.approx(rec.active)


def test_an_unconditional_record_has_no_active_shares(mlp, decomposed):
    name, dec = decomposed
    rec = record_of(dec, replace(mlp, conditions=()), surrogate=name)
    assert rec.active == {} and "active" not in rec.to_dict()  # records of ordinary tables are unchanged
