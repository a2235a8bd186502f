"""Renamed modules keep their old spelling for one release, with a DeprecationWarning that names the new one."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

RENAMED = [
    ("harness.report", "harness.aggregate", "aggregate"),
    ("harness.explanations", "harness.interpretation", "Interpretation"),
]


@pytest.mark.parametrize("old, new, name", RENAMED)
def test_old_module_warns_and_is_the_new_one(old, new, name):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_old_optuna_module_warns():
    pytest.importorskip("optuna")
    sys.modules.pop("harness.optuna", None)
    with pytest.warns(DeprecationWarning, match=r"harness\.optuna_importance"):
        from harness.optuna import EBMImportanceEvaluator
    from harness.optuna_importance import EBMImportanceEvaluator as new

    assert EBMImportanceEvaluator is new


def test_old_synthetic_path_warns_on_use():
    from harness.data import synthetic as old
    from harness.synthetic import generate

    with pytest.warns(DeprecationWarning, match=r"harness\.synthetic"):
        assert old.generate is generate


def test_old_aggregate_command_still_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-W", "always::DeprecationWarning", "-m", "harness.report", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr  # an empty folder: the aggregation's own one-line error
    assert "harness.aggregate" in proc.stderr and proc.stderr.strip().splitlines()[-1].startswith("error:")


def test_a_method_selected_as_a_surrogate_warns_and_is_the_same_method():
    """``surrogate=mdi`` (an importance method, now ``method=mdi``) still composes, with a warning, to the spec that
    ``method=mdi`` gives: the same cells, the same cache entries."""
    from harness.config import compose
    from harness.experiments import setup_of

    new = setup_of(compose(["+experiment=interpret", "pairs=[zh-en]", "surrogate=[linear]", "method=[mdi]"]))
    with pytest.warns(DeprecationWarning, match=r"surrogate=mdi: mdi is an importance method, selected with method=mdi"):
        old = setup_of(compose(["+experiment=interpret", "pairs=[zh-en]", "surrogate=[linear,mdi]"]))
    assert old.surrogates == new.surrogates
