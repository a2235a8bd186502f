"""Every configured surrogate against the estimator contract, on real sw-en rows."""
import importlib.metadata
import re

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from sklearn.base import clone

from harness.data.dataset import Dataset
from harness.data.readers.nmt import load_pair
from harness.data.schema import Feature, Schema
from harness.errors import ConfigError
from harness.surrogates import build, known_surrogates, library_version, load_spec
from harness.surrogates.encoding import SchemaEncoder
from harness.surrogates.gam import GAMRegressor

SURROGATES = known_surrogates()
SEEDED = ("ebm", "xgboost")  # models whose fit actually draws random numbers


@pytest.fixture(scope="module")
def sw_en() -> Dataset:
    return load_pair("sw-en")


@pytest.fixture(scope="module")
def split(sw_en) -> tuple[Dataset, Dataset]:
    rows = np.random.default_rng(0).permutation(len(sw_en))
    return sw_en.take(rows[:90]), sw_en.take(rows[90:130])


def make(name: str, schema: Schema, seed: int = 0):
    """A built surrogate, with EBM's bagging cut to keep the suite fast."""
    est = build(load_spec(name), schema, seed=seed, n_jobs=1)
    if "model__outer_bags" in est.get_params():
        est.set_params(model__outer_bags=2)
    return est


@pytest.fixture(scope="module")
def fitted(split) -> dict:
    train, _ = split
    return {name: make(name, train.schema).fit(train.X, train.y) for name in SURROGATES}


def test_known_surrogates():
    assert SURROGATES == ["ebm", "ebm_fast", "ebm_quick", "fanova", "gam", "linear", "mdi", "ped_anova", "permutation", "shap", "tree", "xgboost"]


@pytest.mark.parametrize("name", SURROGATES)
def test_fits_and_predicts(name, split, fitted):
    train, test = split
    est = make(name, train.schema)
    assert est.fit(train.X.iloc[:30], train.y.iloc[:30]) is est
    pred = fitted[name].predict(test.X)
    assert pred.shape == (len(test),) and np.isfinite(pred).all()
    assert np.corrcoef(pred, test.y)[0, 1] > 0.3  # learnt something from 90 rows


@pytest.mark.parametrize("name", SURROGATES)
def test_seed_threads_and_schema_are_set_and_clone_works(name, sw_en):
    spec = load_spec(name)
    est = build(spec, sw_en.schema, seed=123, n_jobs=1)
    params = est.get_params(deep=True)
    if spec.seed_param:
        assert params[spec.seed_param] == 123
    if spec.threads_param:
        assert params[spec.threads_param] == 1
    assert [v for k, v in params.items() if k.split("__")[-1] == "schema"] == [sw_en.schema]
    twin = clone(est)  # clone re-checks that every constructor stores its params verbatim
    assert twin.get_params(deep=False).keys() == est.get_params(deep=False).keys()


def test_adapters_store_params_verbatim():
    lam, pairs = [0.1, 1.0], [["embed", "lr"]]
    gam = GAMRegressor(lam=lam, interactions=pairs, random_state=5)
    assert gam.get_params()["lam"] is lam and gam.get_params()["interactions"] is pairs
    assert clone(gam).get_params()["random_state"] == 5
    enc = SchemaEncoder(numeric="raw", categorical="category")
    assert clone(enc).get_params() == {"schema": None, "numeric": "raw", "categorical": "category"}


@pytest.mark.parametrize("name", SURROGATES)
def test_same_seed_same_predictions(name, split, fitted):
    train, test = split
    again = make(name, train.schema).fit(train.X, train.y)
    np.testing.assert_array_equal(again.predict(test.X), fitted[name].predict(test.X))


@pytest.mark.parametrize("name", SEEDED)
def test_seed_reaches_the_model(name, split, fitted):
    train, test = split
    other = make(name, train.schema, seed=1).fit(train.X, train.y)
    assert not np.array_equal(other.predict(test.X), fitted[name].predict(test.X))


@pytest.mark.parametrize("name", SURROGATES)
def test_min_rows_is_enough(name, split):
    """The floor each YAML declares (and 5 rows where allowed) fits and predicts finite values."""
    train, test = split
    min_rows = load_spec(name).min_rows
    assert isinstance(min_rows, int) and 2 <= min_rows <= 20
    for n in {min_rows, max(min_rows, 5)}:
        pred = make(name, train.schema).fit(train.X.iloc[:n], train.y.iloc[:n]).predict(test.X)
        assert np.isfinite(pred).all()


OPTIMIZERS = ("adam", "adafactor", "sgd")


@pytest.fixture(scope="module")
def with_optimizer(split) -> tuple[Dataset, pd.DataFrame]:
    """sw-en rows plus a string-valued categorical feature worth +5 BLEU for adam."""
    train, test = split
    schema = Schema((*train.schema.features, Feature("optimizer", "categorical", levels=OPTIMIZERS)))
    opt = np.array(OPTIMIZERS)[np.arange(len(train)) % 3]
    X = train.X.assign(optimizer=opt)
    y = train.y + np.where(opt == "adam", 5.0, 0.0)
    return Dataset("sw-en+optimizer", X, y, schema), test.X


@pytest.mark.parametrize("name", SURROGATES)
def test_categorical_feature_end_to_end(name, with_optimizer):
    ds, X_test = with_optimizer
    assert pd.api.types.is_string_dtype(ds.X["optimizer"])
    est = make(name, ds.schema).fit(ds.X, ds.y)
    adam = est.predict(X_test.assign(optimizer="adam"))
    sgd = est.predict(X_test.assign(optimizer="sgd"))
    assert np.mean(adam - sgd) > 2.0
    unseen = est.predict(X_test.assign(optimizer="rmsprop"))  # not in the schema: no crash, no new code
    assert np.isfinite(unseen).all()


def test_ebm_takes_the_schema_not_the_values_as_categorical(split):
    train, _ = split
    schema = Schema((*train.schema.features, Feature("warmup", "categorical", levels=("1", "2", "4"))))
    X = train.X.assign(warmup=np.array(["1", "2", "4"])[np.arange(len(train)) % 3])
    est = make("ebm_fast", schema).fit(X, train.y)
    assert est.named_steps["model"].feature_types_in_[-1] == "nominal"


def test_gam_terms_follow_the_distinct_values(sw_en):
    rows = np.arange(120)
    X, y = sw_en.X.iloc[rows].assign(heads=8.0), sw_en.y.iloc[rows]  # heads made constant
    gam = GAMRegressor(schema=sw_en.schema, interactions=[["embed", "lr"]]).fit(X, y)
    terms = {
        gam.columns_[t.feature] if isinstance(t.feature, int) else tuple(gam.columns_[i] for i in t.feature): t
        for t in gam.gam_.terms
        if not t.isintercept
    }
    assert set(terms) == {"bpe", "layers", "embed", "hidden", "lr", ("embed", "lr")}  # no term for constant heads
    assert type(terms["hidden"]).__name__ == "LinearTerm"
    shapes = {name: (terms[name].n_splines, terms[name].spline_order) for name in ("bpe", "layers", "embed", "lr")}
    assert shapes == {"bpe": (6, 3), "layers": (4, 3), "embed": (3, 2), "lr": (3, 2)}
    assert [(m.n_splines, m.spline_order) for m in terms[("embed", "lr")]._terms] == [(3, 2), (3, 2)]


def test_gam_rejects_bad_interactions(sw_en):
    X, y = sw_en.X.iloc[:50], sw_en.y.iloc[:50]
    with pytest.raises(ValueError, match="pair of distinct"):
        GAMRegressor(schema=sw_en.schema, interactions=[["lr", "lr"]]).fit(X, y)
    with pytest.raises(KeyError, match="no feature 'depth'"):
        GAMRegressor(schema=sw_en.schema, interactions=[["lr", "depth"]]).fit(X, y)


def test_encoder_modes():
    schema = Schema.of([Feature("lr", "log", (1e-4, 1e-2)), Feature("opt", "categorical", ("adam", "sgd"))])
    X = pd.DataFrame({"lr": [1e-4, 1e-3, 1e-2], "opt": ["sgd", "adam", "rmsprop"]})
    unit = SchemaEncoder(schema).fit_transform(X)
    assert list(unit.columns) == ["lr", "opt=adam", "opt=sgd"]
    np.testing.assert_allclose(unit.to_numpy(), [[0, 0, 1], [0.5, 1, 0], [1, 0, 0]])
    raw = SchemaEncoder(schema, numeric="raw", categorical="category").fit_transform(X)
    assert raw["lr"].tolist() == X["lr"].tolist()
    assert list(raw["opt"].cat.categories) == ["adam", "sgd"] and raw["opt"].isna().tolist() == [False, False, True]
    with pytest.raises(ValueError, match="numeric must be one of"):
        SchemaEncoder(schema, numeric="log").fit(X)
    with pytest.raises(ValueError, match="lacks feature column"):
        SchemaEncoder(schema).fit(X).transform(X[["lr"]])


def test_unknown_surrogate_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown surrogate 'foo'; known: ebm, ebm_fast, ebm_quick, fanova, gam, linear, mdi, ped_anova, permutation, shap, tree, xgboost$"):
        load_spec("foo")


@pytest.mark.parametrize("name", SURROGATES)
def test_library_version(name):
    spec = load_spec(name)
    version = library_version(spec)
    assert re.fullmatch(r"[A-Za-z0-9_.-]+==\S+", version)
    assert version == f"{spec.library}=={importlib.metadata.version(spec.library)}"


RIDGE10 = {
    "library": "scikit-learn",
    "estimator": {
        "_target_": "harness.surrogates.encoding.encoded",
        "model": {"_target_": "sklearn.linear_model.Ridge", "alpha": 10.0},
    },
    "seed_param": "model__random_state",
}


def test_spec_from_the_run_config(sw_en):
    cfg = OmegaConf.create({"ridge10": RIDGE10})
    spec = load_spec("ridge10", cfg)
    assert (spec.name, spec.min_rows, spec.threads_param) == ("ridge10", 2, None)
    assert "ridge10" in known_surrogates(cfg)
    assert build(spec, sw_en.schema, seed=3).get_params()["model__alpha"] == 10.0
    assert load_spec("ebm", cfg) == load_spec("ebm")  # not in the run config: the shipped file


@pytest.mark.parametrize(
    "node, message",
    [
        ({**RIDGE10, "name": "ridge"}, "its config says name: 'ridge'"),
        ({**RIDGE10, "seed_parm": "x"}, "unknown key"),
        ({**RIDGE10, "min_rows": 0}, "min_rows=0 must be at least 1"),
        ({"library": "scikit-learn"}, "missing key"),
        ({**RIDGE10, "estimator": {"alpha": 1}}, "_target_"),
    ],
)
def test_bad_specs_are_config_errors(node, message):
    with pytest.raises(ConfigError, match=message):
        load_spec("ridge10", {"ridge10": node})


def test_build_errors_are_config_errors(sw_en):
    spec = load_spec("ridge10", {"ridge10": {**RIDGE10, "seed_param": "random_state"}})
    with pytest.raises(ConfigError, match="seed_param/threads_param"):
        build(spec, sw_en.schema, seed=0)
    spec = load_spec("x", {"x": {"library": "nope", "estimator": {"_target_": "sklearn.linear_model.Nope"}}})
    with pytest.raises(ConfigError, match="cannot build sklearn.linear_model.Nope"):
        build(spec, sw_en.schema, seed=0)
    with pytest.raises(ConfigError, match="'nope' is not installed"):
        library_version(spec)
