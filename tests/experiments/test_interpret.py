"""The interpret experiment through the real CLI: tidy tables, EBM's own export, figures, claims, a user's table."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.data import load_dataset
from harness.aggregate import aggregate
from cli import harness as _harness
from cli import run

def harness(cwd, *args, timeout=600):
    return _harness(cwd, *args, timeout=timeout, cache=cwd / "cache")


@pytest.fixture(scope="module")
def en_ja(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("interpret")
    out = tmp / "runs" / "en-ja"
    harness(tmp, "+experiment=interpret", "pairs=[en-ja]", "surrogate=[ebm_fast,tree]", "n_jobs=1", "threads=1",
            f"hydra.run.dir={out}")
    return out


def test_tidy_tables(en_ja):
    rows = pd.read_csv(en_ja / "metrics.csv")
    assert list(rows.surrogate) == ["ebm_fast", "tree"] and (rows.eval_on == "train").all()
    assert (rows.n_train == 168).all() and (rows.n_test == 168).all() and (rows.r2 > 0.5).all()
    for name, extra in (("importances", ["term", "kind", "importance", "method"]),
                        ("shapes", ["feature", "value", "contribution", "lower", "upper", "density"]),
                        ("interactions", ["feature_a", "feature_b", "value_a", "value_b", "contribution"])):
        df = pd.read_csv(en_ja / f"{name}.csv")
        assert {"experiment", "surrogate", "dataset", "seed", *extra} <= set(df.columns), name
        assert set(df.surrogate) == {"ebm_fast", "tree"} and (df.dataset == "en-ja").all()
    shapes = pd.read_csv(en_ja / "shapes.csv")
    assert shapes.groupby("surrogate").density.sum().eq(6 * 168).all()
    assert sorted(shapes.query("feature == 'lr'").value.unique()) == [3e-4, 6e-4, 1e-3]
    agree = pd.read_csv(en_ja / "agreement.csv")
    assert list(agree.surrogate) == ["tree"] and (agree.reference == "ebm_fast").all()
    assert agree[["spearman", "top3_overlap", "shape_r_mean"]].notna().all().all()
    matrix = pd.read_csv(en_ja / "method_agreement.csv")  # every pair of methods, the diagonal too
    assert len(matrix) == 4 and matrix.query("method_a == method_b")["spearman"].eq(1).all()
    pair = matrix.query("method_a == 'tree' and method_b == 'ebm_fast'")["spearman"].item()
    assert pair == pytest.approx(agree["spearman"].item())  # one seed: the seed mean is the seed's record


def test_ebm_export_reloads_in_interpretml(en_ja):
    from interpret.glassbox import ExplainableBoostingRegressor

    path = en_ja / "ebm_fast_en-ja_seed0.json"
    assert [f["name"] for f in json.loads(path.read_text())["ebm"]["features"]] == ["bpe", "layers", "embed", "hidden", "heads", "lr"]
    ebm = ExplainableBoostingRegressor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ebm._from_json(str(path))  # interpret 0.7.8's (beta) loader
    imp = pd.read_csv(en_ja / "importances.csv").query("surrogate == 'ebm_fast'").set_index("term")["importance"]
    ours = imp.loc[[t.replace(" & ", " x ") for t in ebm.term_names_]].to_numpy()
    np.testing.assert_allclose(ebm.term_importances(), ours, rtol=1e-6)


def test_claims_and_summary(en_ja):
    claims = pd.read_csv(en_ja / "claims.csv")
    assert list(claims.columns) == ["experiment", "claim_id", "claim", "verdict", "evidence"]
    verdicts = dict(zip(claims.claim_id, claims.verdict))
    assert verdicts["ru-en.order"] == verdicts["zh-en.top"] == "not evaluated"  # pairs not run
    for cid in ("en-ja.lr", "en-ja.bpe", "en-ja.embed_x_lr", "attn.low"):
        assert verdicts[cid] in ("reproduced", "partly", "not reproduced"), cid
    evidence = dict(zip(claims.claim_id, claims.evidence))
    assert "3e-4 / 6e-4 / 1e-3" in evidence["en-ja.lr"] and "pair + both mains" in evidence["en-ja.embed_x_lr"]
    text = (en_ja / "summary.md").read_text()
    assert "Agreement with ebm_fast" in text and "| en-ja | tree |" in text and "en-ja.embed_x_lr" in text


def test_figures(en_ja):
    for name in ("importance_en-ja.png", "shapes_en-ja.png", "interactions_en-ja.png"):
        assert (en_ja / name).stat().st_size > 20_000, name


def test_report_aggregation_summarises_the_same_way(en_ja):
    root = en_ja.parent
    aggregate(root)
    assert (root / "claims.csv").read_text() == (en_ja / "claims.csv").read_text()
    assert (root / "agreement.csv").read_text() == (en_ja / "agreement.csv").read_text()
    assert (root / "shapes_en-ja.png").stat().st_size > 20_000


def test_a_users_table_with_a_categorical_feature(tmp_path):
    """``pairs`` is ignored for a non-NMT table; categorical features are reported per category (EBM's categorical
    handling is covered in test_explain)."""
    rng = np.random.default_rng(0)
    n = 80
    opt = rng.choice(["adam", "sgd", "rmsprop"], n)
    lr = rng.choice([1e-4, 1e-3, 1e-2], n)
    depth = rng.integers(1, 6, n)
    score = np.select([opt == "adam", opt == "sgd"], [2.0, -1.0], 0.0) - np.log10(lr) * 0.5 + rng.normal(0, 0.2, n)
    pd.DataFrame({"optimizer": opt, "lr": lr, "depth": depth, "acc": score}).to_csv(tmp_path / "runs.csv", index=False)
    out = tmp_path / "run"
    run(tmp_path, "+experiment=interpret", "data=table", f"data.path={tmp_path / 'runs.csv'}", "data.target=acc",
            "surrogate=[tree,linear]", "n_jobs=1", "threads=1", f"hydra.run.dir={out}")
    shapes = pd.read_csv(out / "shapes.csv")
    opt_shape = shapes.query("feature == 'optimizer' and surrogate == 'linear'").set_index("value")["contribution"]
    assert set(opt_shape.index) == {"adam", "sgd", "rmsprop"} and opt_shape.idxmax() == "adam" and opt_shape.idxmin() == "sgd"
    assert pd.read_csv(out / "claims.csv").empty  # the paper's claims are about the NMT pairs
    imp = pd.read_csv(out / "importances.csv").query("kind == 'main'")
    assert imp.sort_values("importance").groupby("surrogate").feature_a.last().eq("optimizer").all()
    assert (pd.read_csv(out / "agreement.csv").reference == "tree").all()  # no EBM ran: the first surrogate is the reference
    assert (out / "shapes_runs.png").stat().st_size > 20_000


MLP = Path(__file__).parents[1] / "data" / "fixtures" / "smac_mlp"
EVERY_SURROGATE = ["ebm_fast", "gam", "tree", "xgboost", "linear"]


@pytest.fixture(scope="module")
def smac_mlp(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mlp")
    out = tmp / "run"
    harness(tmp, "+experiment=interpret", "data=smac", f"data.path={MLP}", f"surrogate=[{','.join(EVERY_SURROGATE)}]",
            "n_jobs=1", "threads=1", f"hydra.run.dir={out}")
    return out


@pytest.mark.slow
def test_smac_mlp_every_surrogate_explains_its_conditional_parameters_over_their_active_rows(smac_mlp):
    """solver in {lbfgs, sgd, adam}; batch_size, learning_rate_init set for sgd/adam, learning_rate for sgd only.

    Slow (~30 s: five surrogates through the CLI); tests/explainers/test_conditional.py checks the numbers fast."""
    ds = load_dataset({"kind": "smac", "path": str(MLP)})
    solver = ds.X["solver"].to_numpy()
    share = {"batch_size": np.mean(solver != "lbfgs"), "learning_rate_init": np.mean(solver != "lbfgs"),
             "learning_rate": np.mean(solver == "sgd")}
    rows = pd.read_csv(smac_mlp / "metrics.csv")
    assert list(rows.surrogate) == EVERY_SURROGATE and (rows.status == "ok").all() and rows.reason.isna().all()
    imp = pd.read_csv(smac_mlp / "importances.csv").query("kind == 'main'")
    indicators = [t for t in imp.term.unique() if t.startswith("active_")]
    assert indicators == ["active_solver_in_{sgd,adam}"]  # one indicator for the condition both children share
    for s, g in imp.groupby("surrogate"):
        g = g.set_index("term")
        assert list(g.index) == ds.schema.names and g.importance.notna().all(), s
        assert g.active_share.to_dict() == pytest.approx({f: share.get(f, 1.0) for f in ds.schema.names}), s
    shapes = pd.read_csv(smac_mlp / "shapes.csv")
    for f, n in (("learning_rate", (solver == "sgd").sum()), ("batch_size", (solver != "lbfgs").sum())):
        drawn = shapes[shapes.feature == f]  # drawn on the active rows only: no "absent" level, no filler value
        assert drawn.groupby("surrogate").density.sum().eq(n).all() and "absent" not in set(drawn.value.astype(str)), f
    text = (smac_mlp / "summary.md").read_text()
    assert "## Conditional hyperparameters (measured over the rows where they are set)" in text
    assert f"| smac_mlp | learning_rate | {share['learning_rate']:.0%} |" in text
    assert f", on {share['batch_size']:.0%} of rows)" in text


def test_cli_exits_2_with_one_line_when_every_surrogate_failed(tmp_path):
    """The tree given an impossible depth cannot be fitted: not an empty table with exit 0."""
    out = tmp_path / "run"
    proc = _harness(tmp_path, "+experiment=interpret", "pairs=[en-ja]", "surrogate=[tree]",
                    "surrogate.tree.estimator.model.max_depth=-1", "n_jobs=1", f"hydra.run.dir={out}",
                    cache=tmp_path / "cache", check=False)
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert line.startswith("error: interpret: every requested surrogate failed (tree: InvalidParameterError: The "
                           "'max_depth' parameter of DecisionTreeRegressor") and line.endswith(f"{out / 'metrics.csv'}")
    rows = pd.read_csv(out / "metrics.csv")  # the failed rows are written before the run ends
    assert list(rows.surrogate) == ["tree"] and list(rows.status) == ["failed"] and "max_depth" in rows.reason.item()
    assert "| tree | 1 of 1 | InvalidParameterError" in (out / "summary.md").read_text()
