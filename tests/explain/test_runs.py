"""One command per kind of source writes the page: the committed SMAC3, Ray Tune and Optuna runs and a CSV. The SMAC3
run goes through the real command line with the default methods; the others run the same experiment in this process
with cheaper surrogates. Each page is then opened in headless chromium (images decode, no request leaves it, no raw
markup shows) and a screenshot taken."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import assert_page, needs_chromium
from cli import refusal, run

from harness.explain_command import overrides

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "fixtures"
SECTIONS = ["In short", "At a glance", "What matters", "How each hyperparameter acts", "Which pairs interact",
            "From the reference configuration to the best", "Methods side by side", "How far to trust this",
            "What to search next", "How this page was made"]
CHEAP = ["surrogate=[linear]", "method=[fanova,ped_anova]", "n_jobs=1", "threads=1"]


@pytest.fixture(scope="module")
def smac(tmp_path_factory):
    """The SMAC3 fixture through the real command line, every default (EBM, fANOVA, permutation, PED-ANOVA)."""
    tmp = tmp_path_factory.mktemp("smac")
    proc = subprocess.run([sys.executable, "-m", "harness", "explain", str(FIXTURES / "smac_mlp"), "--out",
                           str(tmp / "page")], cwd=tmp, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == f"explain: wrote {tmp / 'page' / 'explain.html'}"
    return tmp / "page"


def _in_process(tmp: Path, argv: list[str], extra: list[str]) -> Path:
    """``harness explain ARGV`` run by harness.run_experiment in this process (the same overrides)."""
    args, _ = overrides([*argv, "--out", str(tmp / "page")])
    result = run(tmp, *[a if not a.startswith("hydra.run.dir=") else "hydra.run.dir=page" for a in args], *extra)
    return result.result.output_dir


@pytest.fixture(scope="module")
def ray(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ray")
    return _in_process(tmp, [str(FIXTURES / "raytune_sgd"), "--metric", "accuracy", "--mode", "max"], CHEAP)


@pytest.fixture(scope="module")
def optuna(tmp_path_factory):
    pytest.importorskip("optuna")
    tmp = tmp_path_factory.mktemp("optuna")
    return _in_process(tmp, [str(FIXTURES / "optuna_mlp.db")], CHEAP)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """A CSV of 150 runs: the learning rate matters most (best near 1e-3), depth a little, the optimizer some."""
    tmp = tmp_path_factory.mktemp("table")
    rng = np.random.default_rng(0)
    n = 150
    frame = pd.DataFrame({"lr": 10 ** rng.uniform(-5, -1, n), "depth": rng.integers(1, 9, n),
                          "optimizer": rng.choice(["adam", "sgd"], n)})
    frame["val_loss"] = ((np.log10(frame["lr"]) + 3) ** 2 * 0.05 - 0.005 * frame["depth"]
                         + 0.03 * (frame["optimizer"] == "sgd") + rng.normal(0, 0.005, n))
    frame.to_csv(tmp / "runs.csv", index=False)
    return _in_process(tmp, [str(tmp / "runs.csv"), "--target", "val_loss", "--minimize"],
                       ["surrogate=[ebm_fast]", "method=[fanova]", "folds=2"])


def _page(folder: Path) -> str:
    text = (folder / "explain.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert [h for h in headings if h in SECTIONS] == [s for s in SECTIONS if s in headings]
    assert (folder / "explain.html").is_file() and "paper" not in text.lower() and "claim" not in text.lower()
    for name in ("importances", "shapes", "ablation", "best", "space", "next_space", "sampling", "holdout", "trust"):
        assert (folder / f"{name}.csv").is_file(), name
    return text


def test_the_smac3_page_has_every_section_and_the_run_at_a_glance(smac):
    text = _page(smac)
    assert set(SECTIONS) <= set(re.findall(r"^## (.+)$", text, flags=re.M))
    assert "**Rows used**: 31; left out: 5 TIMEOUT" in text and "cost (lower is better)" in text
    assert "The ablation below starts from the declared default configuration" in text
    best = pd.read_csv(smac / "best.csv")
    assert best["cost"].iloc[0] == best["cost"].min() and best["rank"].tolist() == [1, 2, 3]
    imp = pd.read_csv(smac / "importances.csv")
    assert {"ebm_quick", "fanova", "permutation", "ped_anova"} == set(imp["surrogate"])
    ebm = imp[imp["surrogate"] == "ebm_quick"]  # the default: EBM's importance over the declared space, intervals, totals
    assert ebm["method"].str.contains("configurations drawn from the declared space").all()
    assert ebm[["lower", "upper"]].notna().all().all() and (ebm["kind"] == "total").any()
    assert "measured over configurations drawn from the declared space" in text
    assert (smac / "pairs.png").is_file() and (smac / "ablation.png").is_file()
    doc = json.loads((smac / "next_space_configspace.json").read_text())
    assert doc["format_version"] == 0.4 and {h["name"] for h in doc["hyperparameters"]} <= {
        "activation", "n_layer", "n_neurons", "solver", "batch_size", "learning_rate", "learning_rate_init"}
    # the forest's methods share its held-out fits: one model, one set of numbers
    holdout = pd.read_csv(smac / "holdout.csv").set_index("surrogate")
    assert holdout.at["permutation", "model"] == "fanova" and holdout.at["permutation", "r2"] == holdout.at["fanova", "r2"]
    assert holdout.at["ebm_quick", "folds"] == 5  # 31 rows: 5-fold cross-validation
    trust = pd.read_csv(smac / "trust.csv").set_index("surrogate")  # its rows are concentrated: read against HPO-sampled
    assert trust.at["ebm_quick", "sampled"] == "hpo"                 # benchmark tables


def test_the_ray_tune_page_has_its_sections(ray):
    text = _page(ray)
    assert "accuracy (higher is better)" in text and "typical configuration" in text
    assert "measured over configurations drawn from the search space as the rows span it" in text
    assert "linear has no pair terms" in text  # the reference has none: said, not drawn
    assert not (ray / "pairs.png").exists()
    assert "param_space = {" in (ray / "next_space_raytune.py").read_text()


def test_the_optuna_page_has_its_sections(optuna):
    text = _page(optuna)
    assert "**Rows used**: 39; left out: 1 PRUNED" in text and "`next_space_optuna.py`" in text


def test_the_table_page_ranks_the_learning_rate_first(table):
    text = _page(table)
    assert pd.read_csv(table / "summary.csv")["feature"].iloc[0] == "lr"
    assert "as the rows span it (the source declares no space)" in text
    assert pd.read_csv(table / "holdout.csv")["folds"].max() == 2


def test_an_unchanged_rerun_recomputes_nothing(table, tmp_path):
    before = {p.name: p.read_bytes() for p in table.iterdir() if p.suffix in (".html", ".md", ".csv", ".png")}
    finished = run(table.parent, "+experiment=explain", "data=table", f"data.path={table.parent / 'runs.csv'}",
                   "data.target=val_loss", "data.maximize=false", "surrogate=[ebm_fast]", "method=[fanova]", "folds=2",
                   "hydra.run.dir=page")
    assert "nothing recomputed" in finished.stderr
    after = {p.name: p.read_bytes() for p in table.iterdir() if p.suffix in (".html", ".md", ".csv", ".png")}
    assert after == before


@pytest.mark.parametrize("extra, message", [
    (["reference=gam"], r"^reference='gam' is not among the surrogates \(linear, fanova\)$"),
    (["seed=[0,1]"], r"^explain fits each surrogate once: give one seed"),
    (["good_fraction=2"], r"^good_fraction must be a share of the rows in \(0, 1\]"),
    (["folds=1"], r"^folds=1 must be at least 2$"),
])
def test_bad_options_are_one_line(tmp_path, extra, message):
    assert re.match(message, refusal("explain", "data=raytune", f"data.path={FIXTURES / 'raytune_sgd'}",
                                     "data.metric=accuracy", "data.mode=max", "surrogate=[linear]", "method=[fanova]",
                                     *extra, output_dir=tmp_path / "r"))


def test_a_table_of_tasks_is_refused(tmp_path):
    frame = pd.DataFrame({"task": ["a"] * 12 + ["b"] * 12, "x": np.arange(24.0), "y": np.arange(24.0) % 5})
    frame.to_csv(tmp_path / "tasks.csv", index=False)
    message = refusal("explain", "data=table", f"data.path={tmp_path / 'tasks.csv'}", "data.target=y",
                      "data.task=task", "surrogate=[linear]", "method=[]", output_dir=tmp_path / "r")
    assert message.startswith("explain reads one run; data= gives 2 tables")


def test_the_command_line_errors_are_one_line_with_exit_2(tmp_path):
    for argv, words in (([str(tmp_path / "nosuch")], "no such file or folder"),
                        ([str(FIXTURES / "smac_mlp"), "--study", "s"], "only an Optuna storage holds studies")):
        proc = subprocess.run([sys.executable, "-m", "harness", "explain", *argv], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr


@needs_chromium
@pytest.mark.parametrize("page", ["smac", "ray", "optuna", "table"])
def test_the_page_shows_in_a_browser(page, request, tmp_path):
    folder = request.getfixturevalue(page)
    check = assert_page(folder / "explain.html", tmp_path / f"{page}.png")
    figures = sorted(folder.glob("*.png"))
    assert len(check.images) == len(figures) >= 4
    for section in ("What matters", "How far to trust this", "What to search next"):
        assert section in check.text


def test_the_page_shows_intervals_totals_and_settled_orderings(table):
    """The page reads the records' intervals (``lower``/``upper``), total rows and sense: each hyperparameter's main
    and total effect with its 90 % interval, the settled orderings and the sense they hold in."""
    folder = table
    imp = pd.read_csv(folder / "importances.csv")
    ebm = imp[imp["surrogate"] == "ebm_fast"]
    assert (ebm["kind"] == "total").sum() == 3 and ebm[["lower", "upper"]].notna().all().all()
    text = (folder / "explain.md").read_text()
    assert "| rank | hyperparameter | main effect [90 %] | total effect [90 %] | rows it is set on |" in text
    lr = next(line for line in text.splitlines() if line.startswith("| 1 | lr |"))
    assert re.match(r"\| 1 \| lr \| [0-9.e-]+ \[[0-9.e-]+, [0-9.e-]+\] \| [0-9.e-]+ \[[0-9.e-]+, [0-9.e-]+\] \| all \|", lr)
    assert "**Settled** (total effects; 90 % intervals apart):" in text and "Down the ranking: lr >" in text
    assert "in the global sense" in text and "orderings of the" in text
    summary = pd.read_csv(folder / "summary.csv")
    assert summary["total"].notna().all() and (summary["total"] >= summary["main"]).all()
