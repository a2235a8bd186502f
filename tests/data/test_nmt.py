"""The NMT data layer: shapes, dtypes, schema, and one clear error per kind of bad input."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from harness.data import load_dataset
from harness.data.readers.nmt import EXPECTED_ROWS, FEATURES, PAIRS, load_pair
from harness.errors import DataError

ROWS = {"zh-en": 118, "ru-en": 176, "ja-en": 150, "en-ja": 168, "sw-en": 767, "so-en": 604}


@pytest.mark.parametrize("pair", PAIRS)
def test_each_pair_loads_with_shapes_and_dtypes(pair):
    ds = load_pair(pair)
    assert len(ds) == ROWS[pair] == EXPECTED_ROWS[pair]
    assert list(ds.X.columns) == list(FEATURES)
    assert ds.X.shape == (ROWS[pair], 6)
    for col in ("bpe", "layers", "embed", "hidden", "heads"):
        assert ds.X[col].dtype == np.int64
    assert ds.X["lr"].dtype == np.float64
    assert ds.y.name == "dev_bleu" and ds.y.dtype == np.float64 and np.isfinite(ds.y).all()
    assert list(ds.extras.columns) == ["dev_gpu_time", "dev_ppl", "num_updates", "gpu_memory", "num_param"]
    assert ds.column("dev_ppl").shape == (ROWS[pair],)
    assert ds.maximize and len(ds.fingerprint) == 64
    for f in ds.schema:  # every value lies in the declared domain
        assert set(ds.X[f.name].unique()) <= set(f.levels)


def test_total_rows_and_schema_scales():
    assert sum(len(load_pair(p)) for p in PAIRS) == 1983
    s = load_pair("sw-en").schema
    assert {f.name: f.scale for f in s} == {
        "bpe": "log", "layers": "linear", "embed": "log", "hidden": "linear", "heads": "linear", "lr": "log"
    }
    assert s["bpe"].levels == (1000, 2000, 4000, 8000, 16000, 32000)
    assert load_pair("zh-en").schema["bpe"].levels == (10000, 30000, 50000)
    scaled = load_pair("sw-en").scaled()
    assert scaled.min().min() == 0 and scaled.max().max() == 1
    # log scale: 4k sits at log(4)/log(32) of the bpe range
    assert np.isclose(s["bpe"].to_unit([4000])[0], np.log(4) / np.log(32))


def test_gpu_memory_zero_means_missing():
    ds = load_pair("sw-en")
    assert not (ds.extras["gpu_memory"] == 0).any()


def test_unknown_pair_lists_known():
    with pytest.raises(DataError, match=r"unknown language pair 'xx-en'; known pairs: zh-en, ru-en, ja-en, en-ja, sw-en, so-en"):
        load_pair("xx-en")


def test_an_empty_pair_list_is_refused_not_read_as_the_default(tmp_path):
    from harness import run_experiment
    from harness.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^pairs=\[\] names no table: list the pairs to run on \(zh-en, .*so-en\), "
                                          r"or pairs=null for the one of data\.pair$"):
        run_experiment("interpret", ["pairs=[]", "surrogate=[linear]"], output_dir=tmp_path / "r")
    assert not (tmp_path / "r" / "metrics.csv").exists()


@pytest.mark.parametrize("experiment, overrides, expected", [
    ("describe", ["pairs=[sw-en,zh-en,sw-en]"], "pairs=['sw-en', 'zh-en', 'sw-en']: sw-en appears more than once"),
    ("hpo_order", ["methods=[random,gb,random]"], "methods=['random', 'gb', 'random']: random appears more than once"),
    ("reproduce", ["parts=[size_sweep,size_sweep]"], "parts=['size_sweep', 'size_sweep']: size_sweep appears more"),
])
def test_a_repeated_pair_method_or_part_is_refused_not_collapsed(tmp_path, experiment, overrides, expected):
    """As a repeated seed or size is (config.distinct): run twice or once, the user meant something else."""
    from cli import refusal

    assert refusal(experiment, *overrides, output_dir=tmp_path / "r").startswith(expected)
    assert not (tmp_path / "r" / "metrics.csv").exists()


def test_one_pair_given_as_a_word_is_that_pair(tmp_path):
    from harness.config import compose
    from harness.experiments import setup_of

    assert [t.pair for t in setup_of(compose(["+experiment=describe", "pairs=zh-en"])).tables] == ["zh-en"]


def test_missing_file_names_it(data_copy):
    (data_copy / "ru-en.evals").unlink()
    with pytest.raises(DataError, match=r"missing data file .*ru-en\.evals: expected the upstream file datasets/ru-en\.evals"):
        load_pair("ru-en", root=data_copy)


def test_checksum_mismatch_names_file_both_hashes_and_remedy(data_copy):
    path = data_copy / "zh-en.hyps"
    path.write_text(path.read_text().replace("0.0003", "0.0004", 1))
    with pytest.raises(DataError) as err:
        load_pair("zh-en", root=data_copy)
    msg = str(err.value)
    assert "zh-en.hyps" in msg and "4ce4f95cf0ccf0beb6ff36b19be2ba98070bb05c7dfc49cb44f882314a2dfd73" in msg
    assert re.search(r"got [0-9a-f]{64}", msg) and "unset HARNESS_DATA_DIR to download" in msg
    assert "\n" not in msg


def _edit_line(path, lineno, new):
    lines = path.read_text().splitlines()
    lines[lineno - 1] = new
    path.write_text("\n".join(lines) + "\n")


def test_wrong_column_count(data_copy):
    _edit_line(data_copy / "zh-en.hyps", 7, "30000.0\t2.0\t512.0\t2048.0\t16.0")
    with pytest.raises(DataError, match=r"zh-en\.hyps, row 7: expected 6 tab-separated columns .* got 5"):
        load_pair("zh-en", root=data_copy, verify=False)


def test_non_numeric_cell(data_copy):
    _edit_line(data_copy / "zh-en.hyps", 3, "30000.0\t2.0\tbig\t2048.0\t16.0\t0.0003")
    with pytest.raises(DataError, match=r"zh-en\.hyps, row 3, column num_embed: 'big' is not a number"):
        load_pair("zh-en", root=data_copy, verify=False)


@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_nan_or_inf_target(data_copy, bad):
    path = data_copy / "ja-en.evals"
    cells = path.read_text().splitlines()[9].split("\t")
    _edit_line(path, 10, "\t".join([bad, *cells[1:]]))
    with pytest.raises(DataError, match=r"ja-en\.evals, row 10, column dev_bleu: .* is not a finite BLEU score"):
        load_pair("ja-en", root=data_copy, verify=False)


def test_row_count_mismatch(data_copy):
    path = data_copy / "en-ja.evals"
    path.write_text("\n".join(path.read_text().splitlines()[:-2]) + "\n")
    with pytest.raises(DataError, match=r"en-ja\.hyps has 168 rows but .*en-ja\.evals has 166"):
        load_pair("en-ja", root=data_copy, verify=False)


def test_value_outside_domain_warns_not_errors(data_copy):
    _edit_line(data_copy / "ru-en.hyps", 4, "20000.0\t2.0\t512.0\t2048.0\t16.0\t0.0003")
    with pytest.warns(UserWarning, match=r"ru-en\.hyps, row 4, column bpe: value 20000 is outside the declared domain"):
        ds = load_pair("ru-en", root=data_copy, verify=False)
    assert len(ds) == 176


def test_load_dataset_from_config_node(data_dir):
    ds = load_dataset({"kind": "nmt", "pair": "so-en", "root": str(data_dir), "verify": True})
    assert len(ds) == 604
    assert isinstance(ds.X, pd.DataFrame)


# ------------------------------------------------------------------ every recorded metric as the target

from harness.data.readers.nmt import OBJECTIVES  # noqa: E402
from harness.data.objectives import targets_of  # noqa: E402
from harness.errors import ConfigError  # noqa: E402


@pytest.mark.parametrize("target, maximize, unit, rows", [
    ("dev_bleu", True, "BLEU", 767), ("dev_gpu_time", False, "s", 767), ("dev_ppl", False, "ppl", 767),
    ("num_updates", False, "updates", 767), ("gpu_memory", False, "MiB", 742), ("num_param", False, "params", 767),
])
def test_every_metric_is_a_target_in_its_direction(target, maximize, unit, rows):
    bleu = load_pair("sw-en")
    ds = load_dataset({"kind": "nmt", "pair": "sw-en", "target": target})
    assert ds.target == target and ds.maximize is maximize and ds.unit == unit and len(ds) == rows
    assert set(ds.extras.columns) == set(OBJECTIVES) - {target}  # the other five, BLEU among them
    np.testing.assert_array_equal(ds.y.to_numpy(), bleu.column(target).dropna().to_numpy(dtype=float))
    if target == "dev_bleu":  # the paper's table keeps its name and fingerprint (cached cells, the paper's checks)
        assert ds.name == "sw-en" and ds.fingerprint == bleu.fingerprint
    else:
        assert ds.name == f"sw-en.{target}" and ds.fingerprint != bleu.fingerprint
    assert [o.name for o in targets_of(ds)] == ["dev_bleu", "dev_gpu_time", "num_param"]


def test_metric_targets_are_scored_in_their_direction():
    """MRR and regret follow the target's direction: predicting the truth picks the fastest configuration."""
    from harness.metrics import score_all

    ds = load_dataset({"kind": "nmt", "pair": "zh-en", "target": "dev_gpu_time", "maximize": "false"})
    y = ds.y.to_numpy()
    assert score_all(y, y, maximize=ds.maximize)["regret"] == 0 and score_all(y, -y, maximize=ds.maximize)["regret"] > 0


@pytest.mark.parametrize("opts, message", [
    ({"target": "bleu"}, r"data\.target='bleu' is not an objective of table zh-en; known objectives: dev_bleu, "
                         r"dev_gpu_time, dev_ppl, num_updates, gpu_memory, num_param$"),
    ({"maximize": False}, r"data\.maximize=false contradicts dev_bleu \(dev BLEU\), which is maximised "
                          r"\(higher is better\); leave data\.maximize unset$"),
    ({"target": "dev_gpu_time", "maximize": "yes"}, r"data\.maximize=true contradicts dev_gpu_time \(decode time "
                                                    r"\(GPU\)\), which is minimised \(lower is better\)"),
    ({"targets": ["dev_bleu", "latency"]}, r"data\.targets='latency' is not an objective of table zh-en"),
    ({"targets": ["dev_bleu", "dev_bleu"]}, r"data\.targets=\['dev_bleu', 'dev_bleu'\]: dev_bleu appears more than once"),
    ({"maximize": "sideways"}, r"data\.maximize='sideways' is not a yes/no value"),
])
def test_bad_objective_options_are_one_line(opts, message):
    with pytest.raises(ConfigError, match=message) as info:
        load_dataset({"kind": "nmt", "pair": "zh-en", **opts})
    assert "\n" not in str(info.value)


def test_unknown_objective_as_an_option_is_one_line(tmp_path):
    from cli import refusal

    assert "data.target='speed' is not an objective of table zh-en" in refusal(
        "describe", "pairs=[zh-en]", "data.target=speed", output_dir=tmp_path / "r")
