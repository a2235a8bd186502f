"""data=table: type inference, overrides, cleaning, and one clear line per kind of bad input."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from harness.paths import config_root
from harness.data import load_dataset
from harness.data.infer import ABSENT
from harness.errors import ConfigError, DataError

# lr spans 300x (log); dropout is a float with many values (continuous); layers has 3 ints (levels);
# opt is text with one empty cell; bn is boolean; const is constant; width has an empty cell; 2 rows lack acc.
MIXED = """lr,dropout,layers,opt,bn,const,width,acc
0.001,0.10,2,adam,True,5,64,0.81
0.01,0.20,4,sgd,False,5,128,0.75
0.0001,0.30,2,adam,True,5,,0.79
0.1,0.11,8,rmsprop,False,5,256,
0.001,0.25,4,sgd,True,5,512,0.83
0.003,0.15,2,adam,False,5,1024,0.80
0.03,0.05,8,,True,5,2048,0.70
0.0003,0.35,4,sgd,False,5,4096,0.77
0.001,0.12,2,adam,True,5,8192,0.82
0.01,0.22,4,sgd,False,5,16,0.74
0.002,0.18,8,adam,True,5,32,
0.005,0.28,2,sgd,False,5,48,0.78
0.004,0.31,4,rmsprop,True,5,96,0.76
"""


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text(MIXED)
    return path


def load(path, /, **opts):
    return load_dataset({"kind": "table", "path": str(path), "target": "acc", "max_levels": 8, **opts})


def test_inference_and_cleaning(mixed, caplog):
    with caplog.at_level(logging.WARNING, logger="harness.data.readers.table"):
        ds = load(mixed)
    assert ds.name == "runs" and ds.maximize and len(ds.fingerprint) == 64
    assert len(ds) == 11 and ds.y.name == "acc" and ds.y.dtype == np.float64
    assert ds.dropped == {"no score": 2} and ds.dropped_columns == ("const",)
    assert ds.absent == {"opt": 1, "width": 1}
    assert "dropped 2 rows with no acc" in caplog.text and "dropped constant columns const" in caplog.text
    s = ds.schema
    assert s.names == ["lr", "dropout", "layers", "opt", "bn", "width", "has_width"] == list(ds.X.columns)
    assert {f.name: f.scale for f in s} == {
        "lr": "log", "dropout": "linear", "layers": "linear", "opt": "categorical", "bn": "categorical",
        "width": "log", "has_width": "categorical",
    }
    assert s["layers"].levels == (2, 4, 8) and ds.X["layers"].dtype == np.int64
    assert s["dropout"].levels == () and (s["dropout"].low, s["dropout"].high) == (0.05, 0.35)  # 11 values > 8
    assert s["opt"].levels == ("adam", "rmsprop", "sgd", ABSENT)
    assert s["bn"].levels == ("False", "True") and set(ds.X["bn"]) == {"False", "True"}
    # the empty width cell is filled with the low end of the domain and flagged
    row = ds.X.index[ds.X["has_width"] == "False"][0]
    assert ds.X.at[row, "width"] == s["width"].low == 16 and ds.X["width"].dtype == np.int64
    assert (ds.X["has_width"] == "True").sum() == 10
    assert not ds.schema.outside_mask(ds.X).to_numpy().any()
    assert ds.extras.empty


def test_overrides_subset_and_minimise(mixed):
    ds = load(mixed, features=["lr", "layers", "dropout"], types={"lr": "linear", "layers": "categorical", "dropout": "log"},
              maximize=False, name="mine")
    assert ds.name == "mine" and not ds.maximize
    assert [f.scale for f in ds.schema] == ["linear", "categorical", "log"]
    assert ds.schema["layers"].levels == ("2", "4", "8")  # numeric categories sort by value
    assert list(ds.extras.columns) == ["opt", "bn", "const", "width"]
    assert ds.fingerprint != load(mixed).fingerprint


def test_log_override_needs_positive_values(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x,acc\n" + "".join(f"{i},{i / 10}\n" for i in range(12)))
    assert load(path).schema["x"].scale == "linear"
    with pytest.raises(DataError, match=r"t\.csv, column x: feature 'x': a log scale needs values > 0, found 0$"):
        load(path, types={"x": "log"})


def test_tsv_and_parquet_round_trip(mixed, tmp_path):
    pytest.importorskip("pyarrow")
    csv = load(mixed)
    df = pd.read_csv(mixed)
    df.to_csv(tmp_path / "runs.tsv", sep="\t", index=False)
    df.to_parquet(tmp_path / "runs.parquet")
    for other in (load(tmp_path / "runs.tsv"), load(tmp_path / "runs.parquet")):
        assert other.schema == csv.schema
        pd.testing.assert_frame_equal(other.X, csv.X)
        pd.testing.assert_series_equal(other.y, csv.y)


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "t.parquet").write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(DataError, match=r'needs pyarrow: pip install "harness\[parquet\]"'):
        load(tmp_path / "t.parquet")


def _write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


ROWS = "".join(f"{i},{i % 3},{0.5 + i / 100}\n" for i in range(12))
ERRORS = [
    # (file text, extra options, error type, message pattern)
    (None, {}, DataError, r"missing table .*nope\.csv$"),
    ("", {}, DataError, r"table .*t\.csv is empty$"),
    ("a,b,acc\n", {}, DataError, r"table .*t\.csv is empty$"),
    ("a,b,score\n" + ROWS, {}, DataError, r"t\.csv has no target column 'acc'; columns: a, b, score$"),
    ("a,b,acc\n" + ROWS + "5,1,high\n", {}, DataError, r"t\.csv, row 13, column acc: 'high' is not a number$"),
    ("a,b,acc\n" + ROWS + "5,1,inf\n", {}, DataError, r"t\.csv, row 13, column acc: inf is not a finite score$"),
    ("a,b,acc\n" + ROWS, {"features": ["a", "c"]}, ConfigError,
     r"data\.features names 'c', which is not a column of .*t\.csv; columns: a, b, acc$"),
    ("a,b,acc\n" + ROWS, {"types": {"a": "ordinal"}}, ConfigError,
     r"data\.types\.a='ordinal' is not a feature type; use one of: linear, log, categorical$"),
    ("a,b,acc\n" + ROWS, {"types": {"z": "log"}}, ConfigError, r"data\.types names 'z', which is not a feature; features: a, b$"),
    ("a,b,acc\n" + "".join(f"{i},1,{i}\n" for i in range(7)) + "1,2,\n" * 3, {}, DataError,
     r"table .*t\.csv has 7 rows after dropping missing targets; need at least 10 \(data\.min_rows\)$"),
    ("a,b,acc\n" + ROWS.replace("4,1,", "4,x1,", 1), {}, DataError,
     r"t\.csv, row 5, column b: 'x1' is not a number, though the column is otherwise numeric; "
     r"fix the cell, or set data\.types\.b=categorical$"),
    ("a,b,acc\n" + ROWS, {"path": None}, ConfigError, r"data\.path is required for data=table$"),
    ("a,b,acc\n" + ROWS, {"target": None}, ConfigError,
     r"data\.target is required for data=table \(or data\.targets=\[a,b\] for several objectives\)$"),
    ("a,b,acc\n" + ROWS, {"target": None, "targets": ["acc", "lat"]}, DataError,
     r"t\.csv has no target column 'lat'; columns: a, b, acc$"),
    ("a,b,acc\n" + ROWS, {"target": None, "targets": ["acc", "b"], "maximize": [True]}, ConfigError,
     r"data\.maximize gives 1 direction\(s\) for 2 targets \(acc, b\); give one per target, or one for all$"),
    ("a,b,acc\n" + ROWS, {"target": None, "targets": ["acc", "b", "acc"]}, ConfigError,
     r"data\.targets=\['acc', 'b', 'acc'\]: acc appears more than once; give each value once$"),
    ("a,b,acc\n" + ROWS, {"targets": ["b", "a"]}, ConfigError,
     r"data\.target='acc' is not one of data\.targets \['b', 'a'\]; leave data\.target unset$"),
    ("a,b,acc\n" + ROWS, {"target": None, "targets": ["acc", "b"], "maximize": [True, "sideways"]}, ConfigError,
     r"data\.maximize\[1\]='sideways' is not a yes/no value; use true or false$"),
    ("a,b,acc\n" + ROWS + "5,fast,0.3\n", {"target": None, "targets": ["acc", "b"]}, DataError,
     r"t\.csv, row 13, column b: 'fast' is not a number$"),
    ("a,b,acc\n" + ROWS + "inf,1,0.3\n", {}, DataError, r"t\.csv, row 13, column a: inf is not a finite number$"),
    ("acc\n" + "".join(f"{i}\n" for i in range(12)), {}, DataError, r"table .*t\.csv: no feature columns beside the target acc$"),
    ("a,acc\n" + "".join(f"1,{i}\n" for i in range(12)), {}, DataError,
     r"table .*t\.csv: no feature columns left after dropping the constant ones \(a\)$"),
]


@pytest.mark.parametrize("text, opts, error, message", ERRORS)
def test_errors_are_one_clear_line(tmp_path, text, opts, error, message):
    path = tmp_path / "nope.csv" if text is None else _write(tmp_path, text)
    with pytest.raises(error, match=message) as info:
        load(path, **opts)
    assert "\n" not in str(info.value)


def test_unsupported_extension(tmp_path):
    with pytest.raises(ConfigError, match=r"unsupported file type; use one of \.csv, \.tsv, \.tab, \.parquet, \.pq$"):
        load(_write(tmp_path, "a,acc\n", name="t.xlsx"))


def test_composes_with_primary_config_and_loads(mixed):
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        cfg = compose("config", overrides=["data=table", f"data.path={mixed}", "data.target=acc", "data.maximize=false",
                                           "data.types={layers: categorical}"])
    ds = load_dataset(cfg.data)
    assert len(ds) == 11 and not ds.maximize and ds.schema["layers"].is_categorical
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        bare = compose("config", overrides=["data=table"])
    with pytest.raises(ConfigError, match="data.path is required"):
        load_dataset(bare.data)


def test_several_score_columns(tmp_path, caplog):
    """data.targets: every listed column is an objective (none is a feature), each in its own direction."""
    from harness.data.objectives import objectives_of, retarget, targets_of

    rng = np.random.default_rng(0)
    n = 40
    runs = pd.DataFrame({"lr": rng.choice([1e-4, 1e-3, 1e-2], n), "depth": rng.integers(1, 6, n)})
    runs["acc"] = 0.8 - 0.05 * np.abs(np.log10(runs["lr"]) + 3) + rng.normal(0, 0.01, n)
    runs["latency"] = 10.0 * runs["depth"] + rng.normal(0, 1, n)
    runs.loc[3, "latency"] = np.nan
    runs.to_csv(tmp_path / "runs.csv", index=False)
    single = load(tmp_path / "runs.csv", features=["lr", "depth"])
    ds = load(tmp_path / "runs.csv", target=None, targets=["acc", "latency"], maximize=[True, False])
    assert ds.target == "acc" and ds.maximize and list(ds.X.columns) == ["lr", "depth"]
    assert ds.extras["latency"].dtype == np.float64 and ds.extras["latency"].isna().sum() == 1
    assert [(o.name, o.maximize) for o in targets_of(ds)] == [("acc", True), ("latency", False)]
    assert ds.fingerprint != single.fingerprint and list(objectives_of(single)) == ["acc"]
    with caplog.at_level(logging.WARNING, logger="harness"):
        lat = retarget(ds, "latency", "data.targets")
    assert lat.name == "runs.latency" and lat.target == "latency" and not lat.maximize and len(lat) == n - 1
    assert "1 of 40 rows have no latency" in caplog.text
    assert lat.fingerprint not in (ds.fingerprint, single.fingerprint) and "acc" in lat.extras.columns
    np.testing.assert_array_equal(lat.y.to_numpy(), runs["latency"].dropna().to_numpy())
    back = retarget(lat, "acc")  # the rows without latency stay out; the name says which table it is
    assert back.name == "runs.acc" and back.maximize and len(back) == n - 1
