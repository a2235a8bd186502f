"""One column map per table (#27 cases 1 and 2): names that collide once made safe for the model libraries, and
one-hot columns whose ``name=level`` spellings collide, stay separate columns for every model and are read back
to their own features. Real CSV files, the table reader, the real estimators fitted by ``harness.explain``."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import harness
from harness.api import as_dataset
from harness.data.schema import Feature, Schema
from harness.surrogates import build, load_spec
from harness.text import safe_name

SURROGATES = ["tree", "linear", "xgboost", "ebm_fast", "gam"]
N = 160


def _table(tmp_path, name: str, columns: dict, score) -> str:
    df = pd.DataFrame(columns)
    df["score"] = score(df) + np.random.default_rng(1).normal(0, 0.05, len(df))
    path = tmp_path / f"{name}.csv"
    df.to_csv(path, index=False)
    return str(path)


def _mains(path: str, surrogate: str) -> dict[str, float]:
    record = harness.explain(path, target="score", surrogates=[surrogate])[surrogate]
    return record.main_importances().to_dict()


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """Each table: two features whose names collide once made safe, one driving the score 3x as strongly."""
    tmp, rng = tmp_path_factory.mktemp("collide"), np.random.default_rng(0)
    u, v = rng.uniform(1, 2, N), rng.uniform(1, 2, N)  # linear scale (a 0-1 uniform spans 100x: log)
    a, b = rng.choice(["b=c", "d"], N), rng.choice(["c", "e"], N)
    return {
        "brackets": (_table(tmp, "brackets", {"x[1]": u, "x(1)": v}, lambda d: 3 * d["x[1]"] + d["x(1)"]),
                     "x[1]", "x(1)"),
        "less_than": (_table(tmp, "less_than", {"a<b": u, "altb": v}, lambda d: d["a<b"] + 3 * d["altb"]),
                      "altb", "a<b"),
        # one-hot: a=b=c is the column of a at level b=c and of a=b at level c
        "onehot": (_table(tmp, "onehot", {"a": a, "a=b": b},
                          lambda d: (d["a"] == "b=c") + 3.0 * (d["a=b"] == "c")), "a=b", "a"),
    }


@pytest.mark.parametrize("surrogate", SURROGATES)
@pytest.mark.parametrize("case", ["brackets", "less_than", "onehot"])
def test_colliding_names_each_keep_their_effect(tables, case, surrogate):
    path, strong, weak = tables[case]
    imp = _mains(path, surrogate)
    # before #27: the weak (or strong) feature's column was overwritten by the other: importance 0, or a KeyError
    assert imp[weak] > 0.05 * imp[strong], imp
    assert 1.5 < imp[strong] / imp[weak] < 6, imp  # truth: 3x (mean |centred term| of a uniform or a coin)


def test_ridge_sees_both_columns(tables):
    """The fitted model has one coefficient per column: ridge's fit (R² 0.03 when altb was lost) is near-perfect."""
    path, _, _ = tables["less_than"]
    ds = as_dataset(path, target="score")
    est = build(load_spec("linear"), ds.schema, seed=0).fit(ds.X, ds.y)
    assert est[:-1].transform(ds.X).shape[1] == 2 and est.score(ds.X, ds.y) > 0.97


@pytest.mark.parametrize("surrogate", SURROGATES)
def test_names_with_equals_angle_brackets_and_markup(tmp_path, surrogate):
    """Categoricals named ``loss=fn``, ``size>`` and ``<b>x</b>`` ("encoded column … belongs to no feature" before)."""
    rng = np.random.default_rng(2)
    path = _table(tmp_path, "markup", {"loss=fn": rng.choice(["l1", "l2"], N), "size>": rng.choice(["s", "m"], N),
                                       "<b>x</b>": rng.choice(["<i>p</i>", "q"], N)},
                  lambda d: (d["loss=fn"] == "l1") + 2.0 * (d["size>"] == "s") + 0.5 * (d["<b>x</b>"] == "q"))
    imp = _mains(path, surrogate)
    assert sorted(imp, key=imp.get, reverse=True) == ["size>", "loss=fn", "<b>x</b>"], imp


def test_schema_column_map_is_one_to_one_and_read_back():
    schema = Schema.of([Feature("x[1]", low=0, high=1), Feature("x(1)", low=0, high=1),
                        Feature("a", scale="categorical", levels=("b=c", "d")),
                        Feature("a=b", scale="categorical", levels=("c", "<e>")),
                        Feature("a=b=c", low=0, high=1)])
    for onehot in (True, False):
        cols = schema.columns(onehot=onehot)
        names = [c.name for c in cols]
        assert len(set(names)) == len(names) and all(safe_name(n) == n for n in names)
        assert all(schema.column(c.name) == c for c in cols)
    onehot = {(c.feature, c.level): c.name for c in schema.columns()}
    assert onehot[("x(1)", None)] == "x(1)" and onehot[("a=b=c", None)] == "a=b=c"  # safe names keep their spelling
    assert onehot[("x[1]", None)] == "x(1)~2" and onehot[("a", "b=c")] == "a=b=c~2" and onehot[("a=b", "c")] == "a=b=c~3"
    assert schema.column("x[1]").feature == "x[1]"  # a model fed the raw frame: the feature's own name
    assert schema.column("nothing") is None
    X = pd.DataFrame({"x[1]": [0.2], "x(1)": [0.4], "a": ["b=c"], "a=b": ["c"], "a=b=c": [1.0]})
    assert list(schema.scaled(X).columns) == [c.name for c in schema.columns()]
    assert schema.scaled(X).iloc[0].tolist() == [0.2, 0.4, 1.0, 0.0, 1.0, 0.0, 1.0]


def test_safe_names_never_merge():
    from harness.text import safe_names

    rng = np.random.default_rng(0)
    alphabet = list("ab<>[]()=lt~2")
    for _ in range(300):
        names = list(dict.fromkeys("".join(rng.choice(alphabet, rng.integers(1, 5))) for _ in range(12)))
        out = safe_names(names)
        assert len(set(out)) == len(out) and all(safe_name(o) == o for o in out)
        assert all(o == n for n, o in zip(names, out) if safe_name(n) == n)  # safe names keep their spelling
        assert safe_names(names) == out  # deterministic
