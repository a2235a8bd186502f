"""A path given without a kind (harness explain PATH, harness.explain(PATH)) is read by the reader it belongs to, and
a path no reader claims is one line naming the kinds the harness reads."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness.data.detect import detect, source_options
from harness.errors import ConfigError, DataError

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"


@pytest.mark.parametrize("path, kind", [
    (FIXTURES / "smac_mlp", "smac"),
    (FIXTURES / "smac_mlp" / "smac_mlp" / "0", "smac"),
    (FIXTURES / "raytune_sgd", "raytune"),
    (FIXTURES / "optuna_mlp.db", "optuna"),
    ("sqlite:///somewhere/else.db", "optuna"),
])
def test_each_fixture_run_is_detected(path, kind):
    assert detect(path) == kind


def test_a_table_file_is_a_table(tmp_path):
    for name in ("runs.csv", "runs.TSV", "runs.parquet"):
        (tmp_path / name).write_text("a,b\n1,2\n")
        assert detect(tmp_path / name) == "table"


def test_the_options_name_the_path_as_the_reader_takes_it():
    assert source_options(FIXTURES / "optuna_mlp.db", study="optuna_mlp") == {
        "kind": "optuna", "storage": str(FIXTURES / "optuna_mlp.db"), "study": "optuna_mlp"}
    assert source_options(FIXTURES / "raytune_sgd", metric="accuracy", mode=None) == {
        "kind": "raytune", "path": str(FIXTURES / "raytune_sgd"), "metric": "accuracy"}


def test_an_unknown_file_names_the_kinds_known(tmp_path):
    (tmp_path / "notes.txt").write_text("not a run")
    with pytest.raises(ConfigError) as err:
        detect(tmp_path / "notes.txt")
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{tmp_path / 'notes.txt'}: not a run the harness can read")
    for words in (".csv", "Optuna", "SMAC3", "Ray Tune"):
        assert words in message


def test_an_empty_folder_is_no_run(tmp_path):
    with pytest.raises(ConfigError, match="not a run the harness can read"):
        detect(tmp_path)


def test_a_missing_path_says_so(tmp_path):
    with pytest.raises(DataError, match=r"nosuch: no such file or folder$"):
        detect(tmp_path / "nosuch")
