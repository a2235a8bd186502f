"""One type inference (#27 cases 3, 4 and 9, and the table reader's unclear errors): whole numbers beyond int64 stay
what they are, codes with leading zeros stay codes, a pandas row index is no hyperparameter, nested Parquet cells,
unnamed DataFrame columns, a folder named like a table and column names the command line reads as numbers are
said clearly. Real files read by the table reader; the models fitted where the case is about what they see."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

import harness
from harness.api import as_dataset
from harness.data import load_dataset
from harness.errors import ConfigError, DataError
from harness.paths import config_root

N = 60
rng = np.random.default_rng(0)


def load(path, /, **opts):
    return load_dataset({"kind": "table", "path": str(path), "target": "score", **opts})


def _mains(path, surrogate: str) -> dict[str, float]:
    return harness.explain(str(path), target="score", surrogates=[surrogate])[surrogate].main_importances().to_dict()


# --- case 3: whole numbers beyond int64 -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def beyond_int64(tmp_path_factory):
    """``big`` holds 1e19..4e19 written as integers, ``huge`` 1e300..3e300; the score follows ``big``."""
    steps = rng.integers(1, 5, N).tolist()
    path = tmp_path_factory.mktemp("big") / "big.csv"
    path.write_text("big,huge,score\n" + "".join(f"{s * 10**19},{s % 3 + 1}e300,{s + rng.normal(0, 0.1)}\n"
                                                  for s in steps))
    return path, steps


def test_whole_numbers_beyond_int64_keep_their_values(beyond_int64):
    path, steps = beyond_int64
    ds = load(path)
    assert ds.X["big"].dtype == np.float64 and ds.X["big"].tolist() == [s * 1e19 for s in steps]
    assert ds.X["huge"].tolist() == [(s % 3 + 1) * 1e300 for s in steps]  # before: all -9223372036854775808
    assert ds.schema["big"].levels == (1e19, 2e19, 3e19, 4e19)


@pytest.mark.parametrize("surrogate", ["tree", "linear", "ebm_fast"])
def test_models_see_the_numbers_beyond_int64(beyond_int64, surrogate):
    path, _ = beyond_int64
    record = harness.explain(str(path), target="score", surrogates=[surrogate], features=["big"])[surrogate]
    assert record.main_importances()["big"] > 0.5  # truth: mean |s - 2.5| of the score's driver, ~1
    shape = record.shapes[record.shapes.feature == "big"]
    assert sorted(shape.value) == [1e19, 2e19, 3e19, 4e19]
    assert np.all(np.diff(shape.sort_values("value").contribution) > 0)


def test_whole_numbers_a_double_cannot_hold_are_refused(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text("seed,score\n" + "".join(f"{2**53 + i},{i}\n" for i in range(12)))
    with pytest.raises(DataError, match=r"seeds\.csv, row 2, column seed: 9007199254740993 is a whole number beyond "
                                        r"2\*\*53 that a double-precision number cannot hold exactly \(it would read as "
                                        r"9007199254740992\); set data\.types\.seed=categorical"):
        load(path)
    assert load(path, types={"seed": "categorical"}).schema["seed"].levels[:2] == ("9007199254740992",
                                                                                 "9007199254740993")


def test_ray_tune_parameters_beyond_int64(tmp_path):
    """The same numbers from JSON (Ray Tune's params.json) go through the same inference."""
    exp = Path(shutil.copytree(Path(__file__).parent / "fixtures" / "raytune_sgd", tmp_path / "exp"))
    for i, params in enumerate(sorted(exp.glob("*/params.json"))):
        p = json.loads(params.read_text())
        p["seed"] = (i % 4 + 1) * 10**19
        params.write_text(json.dumps(p))
    ds = load_dataset({"kind": "raytune", "path": str(exp), "metric": "accuracy", "mode": "max"})
    assert sorted(set(ds.X["seed"])) == [1e19, 2e19, 3e19, 4e19]


# --- case 4: codes with leading zeros -----------------------------------------------------------------------------

def test_codes_with_leading_zeros_stay_codes(tmp_path):
    codes = rng.choice(["001", "01", "1"], N)
    path = tmp_path / "codes.csv"
    path.write_text("code,n,score\n" + "".join(f"{c},{i % 7},{len(c) + rng.normal(0, 0.1)}\n"
                                               for i, c in enumerate(codes)))
    ds = load(path)  # before: read as the number 1, then dropped as constant: no feature left
    assert ds.schema["code"].levels == ("001", "01", "1") and ds.X["code"].tolist() == codes.tolist()
    assert not ds.schema["n"].is_categorical  # numbers without leading zeros stay numbers
    imp = _mains(path, "tree")
    assert imp["code"] > 10 * imp["n"]
    frame = pd.read_csv(path, dtype=str).assign(score=lambda d: d.score.astype(float))
    same = as_dataset(frame, target="score")  # a DataFrame's text: the same reading
    assert same.schema["code"].levels == ("001", "01", "1")


def test_text_cells_read_once(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("flag,opt,num,gaps,score\n" + "".join(
        f"{['true', 'FALSE'][i % 2]},{['None', 'adam'][i % 2]},{i * 1.5},{'NA' if i == 3 else i},{i}\n"
        for i in range(12)))
    ds = load(path)
    assert ds.schema["flag"].levels == ("False", "True") and ds.schema["opt"].levels == ("None", "adam")
    assert ds.X["num"].tolist() == [i * 1.5 for i in range(12)] and ds.absent == {"gaps": 1}


# --- case 9: a pandas row index -----------------------------------------------------------------------------------

def test_a_row_index_is_left_out_with_a_warning(tmp_path, caplog):
    runs = pd.DataFrame({"lr": rng.uniform(1, 2, N), "depth": rng.integers(1, 9, N)})
    runs["score"] = runs.lr + rng.normal(0, 0.05, N)
    runs.sort_values("score").to_csv(tmp_path / "sorted.csv")  # the log sorted by score, its old row numbers kept
    with caplog.at_level(logging.WARNING, logger="harness"):
        ds = load(tmp_path / "sorted.csv")
    assert ds.schema.names == ["lr", "depth"] and ds.details["row_index"] == "Unnamed: 0"  # before: a feature
    assert "left out the first column, which has no header and numbers the rows 0..59" in caplog.text
    runs.set_axis(range(1, N + 1)).to_csv(tmp_path / "from_one.csv")
    assert load(tmp_path / "from_one.csv").schema.names == ["lr", "depth"]
    runs.iloc[::2].to_csv(tmp_path / "every_other.csv")  # 0, 2, 4 …: not the rows' numbers, so data
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="harness"):
        kept = load(tmp_path / "every_other.csv")
    assert kept.schema.names == ["Unnamed: 0", "lr", "depth"] and "read as 'Unnamed: 0'" in caplog.text
    runs.to_csv(tmp_path / "plain.csv", index=False)
    assert load(tmp_path / "plain.csv").details == {}


# --- unclear errors of the table reader -----------------------------------------------------------------------------

def test_nested_parquet_columns_are_named(tmp_path):
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"x": rng.uniform(size=30), "score": rng.uniform(size=30)})
    frame["layers"] = [[int(a), 64] for a in rng.choice([32, 64], 30)]
    frame["opt"] = [{"name": "adam", "lr": float(v)} for v in rng.uniform(size=30)]
    frame.to_parquet(tmp_path / "nested.parquet")
    with pytest.raises(DataError, match=r"nested\.parquet, column layers: holds nested values \(ndarrays such as "
                                        r".*\), not one value per cell; flatten it into columns, or leave it out with "
                                        r"data\.features$"):  # before: TypeError: unhashable type
        load(tmp_path / "nested.parquet")
    assert load(tmp_path / "nested.parquet", features=["x"]).schema.names == ["x"]
    assert as_dataset(frame, target="score", features=["x"]).extras.columns.tolist() == ["layers", "opt"]


def test_a_dataframe_column_without_a_name(tmp_path):
    frame = pd.DataFrame({None: rng.uniform(size=20), "x": rng.uniform(size=20), "score": rng.uniform(size=20)})
    with pytest.raises(DataError, match=r"^the DataFrame: column 1 has no name \(None\); give every column a name$"):
        as_dataset(frame, target="score")  # before: reported as a column named "nan"


def test_a_folder_named_like_a_table(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match=r"^data\.path='.*dir\.csv' is a folder, not a table file$"):
        load(tmp_path / "dir.csv")  # before: "missing table"


def _composed(path, *overrides):
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        return compose("config", overrides=["data=table", f"data.path={path}", *overrides]).data


def test_column_names_the_command_line_reads_as_values(tmp_path, caplog):
    path = tmp_path / "odd.csv"
    path.write_text("1e3,true,1_000,x\n" + "".join(f"{i * 0.1},{i % 3},{i % 2},{i + 1}\n" for i in range(12)))
    data = _composed(path, "data.target=1e3", "data.features=[true,x]", "data.types={x: log}")
    assert data.target == "1000.0" and list(data.features) == ["True", "x"]  # what Hydra hands the reader
    ds = load_dataset(data)
    assert ds.target == "1e3" and ds.schema.names == ["true", "x"]  # before: no target column '1000.0'
    assert load_dataset(_composed(path, "data.target=1_000")).target == "1_000"
    with pytest.raises(DataError, match=r"has no target column 'nan'; columns: 1e3, true, 1_000, x \(the command line "
                                        r"reads names such as 1e3, 1_000 or true as values, here 'nan'; to name a "
                                        r"column spelled that way, quote it: \"'1e3'\"\)$"):
        load_dataset(_composed(path, "data.target=nan"))
    (tmp_path / "twice.csv").write_text("1e3,1000.00,x\n" + "".join(f"{i},{i},{i % 4}\n" for i in range(12)))
    with pytest.raises(ConfigError, match=r"data\.target='1000\.0' could mean any of the columns '1e3', '1000\.00'"):
        load_dataset(_composed(tmp_path / "twice.csv", "data.target=1e3", "data.features=[x]"))
