"""Transfer: matrix layout, MSE decomposition, unseen-value shares, pooled tables, and a reduced run."""
from __future__ import annotations

import shutil

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from cli import run  # noqa: E402

from harness.config import RunOptions  # noqa: E402
from harness.cells import run_cells  # noqa: E402
from harness.seeds import model_seed  # noqa: E402
from harness.data.dataset import Dataset  # noqa: E402
from harness.data.readers.nmt import PAIRS, load_pair  # noqa: E402
from harness.data.pooled import pool, rows_in, union_schema  # noqa: E402
from harness.data.schema import Feature, Schema  # noqa: E402
from harness.data.splits import train_test_split  # noqa: E402
from harness.analysis import transfer as analysis  # noqa: E402
from harness.experiments import transfer  # noqa: E402
from harness.aggregate import main as report_main  # noqa: E402
from harness.render.transfer import heatmap  # noqa: E402
from harness.surrogates.registry import build, load_spec  # noqa: E402

SCHEMA_A = Schema.of([Feature("bpe", "log", (10, 30, 50)), Feature("layers", "linear", (2, 4))])
SCHEMA_B = Schema.of([Feature("bpe", "log", (1, 20, 30)), Feature("layers", "linear", (2, 4, 6))])


def _table(name, schema, X, shift=0.0) -> Dataset:
    X = pd.DataFrame(X, columns=schema.names)
    y = pd.Series(np.log(X["bpe"]) + 0.5 * X["layers"] + shift, name="bleu")
    return Dataset(name=name, X=X, y=y, schema=schema, fingerprint=f"fp-{name}")


@pytest.fixture
def pair_of_tables():
    """A: every value in its domain. B: of 5 rows, 2 hold bpe 1 or 6 layers (beyond A's range), 1 bpe 20 (between A's levels)."""
    a = _table("A", SCHEMA_A, [(b, l) for b in (10, 30, 50) for l in (2, 4)] * 2)
    b = _table("B", SCHEMA_B, [(1, 2), (20, 2), (30, 6), (30, 2), (30, 4)], shift=5.0)
    return a, b


def _summary(order):
    cells = [{"feed": "raw", "train_kind": "pair", "train_pair": a, "test_pair": b, "surrogate": "s",
              "mse_mean": 10 * i + j} for i, a in enumerate(order) for j, b in enumerate(order)]
    return pd.DataFrame(cells)


def test_matrix_is_tested_on_by_trained_on_in_the_given_order(tmp_path):
    order = list(PAIRS)
    m = analysis.matrix(_summary(order), "s", "mse_mean", order)
    assert m.shape == (6, 6) and list(m.index) == order and list(m.columns) == order
    assert (m.index.name, m.columns.name) == ("tested on", "trained on")
    assert m.at["ru-en", "so-en"] == 10 * order.index("so-en") + order.index("ru-en")  # column = trained on
    transfer.matrix_csv(m, tmp_path / "m.csv")
    back = pd.read_csv(tmp_path / "m.csv")
    assert list(back.columns) == [transfer.CORNER, *order] and list(back[transfer.CORNER]) == order
    off = analysis.off_diagonal(m)
    assert len(off) == 30 and off["so-en", "ru-en"] == m.at["ru-en", "so-en"]

    fig, ax = plt.subplots()
    heatmap(ax, m, m * 0.1, "MSE", log=True)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("trained on", "tested on")
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    assert [t.get_text() for t in ax.get_yticklabels()] == order
    plt.close(fig)


def test_unseen_shares_on_a_constructed_case(pair_of_tables):
    a, b = pair_of_tables
    assert analysis.unseen_shares(a, b, "raw") == {"ood_share": 3 / 5, "extrap_share": 2 / 5}
    assert analysis.unseen_shares(b, b, "raw") == {"ood_share": 0.0, "extrap_share": 0.0}
    # Scaled: each table on its own [0, 1], so nothing is beyond A's range; bpe 20 of (1, 30) and 4 of (2, 6) fall between A's levels.
    scaled = analysis.unseen_shares(a, b, "scaled")
    assert scaled["extrap_share"] == 0.0 and scaled["ood_share"] == 2 / 5


def test_mse_is_shift_squared_plus_residual_variance(tmp_path, pair_of_tables):
    a, b = pair_of_tables
    datasets = {"A": a, "B": b}
    spec = load_spec("linear")
    splits = {(n, 0): train_test_split(len(d), 0, n_train=len(d) - 2) for n, d in datasets.items()}
    cells = transfer.pair_cells(datasets, splits, [spec], [0], "raw")
    opts = RunOptions(output_dir=tmp_path, n_jobs=1, threads=1, cache=False, cache_dir=None, progress=False)
    rows = analysis.with_resid_var(run_cells(cells, datasets, opts).rows)
    assert len(rows) == 4 and np.allclose(rows["shift2"] + rows["resid_var"], rows["mse"])
    est = build(spec, a.schema, seed=model_seed(0))
    train = a.take(splits["A", 0].train)
    est.fit(train.X, train.y)
    test = b.take(splits["B", 0].test)
    resid = est.predict(test.X) - test.y.to_numpy()
    got = rows[(rows.train_pair == "A") & (rows.test_pair == "B")].iloc[0]
    assert got["shift2"] == pytest.approx(np.mean(resid) ** 2) and got["resid_var"] == pytest.approx(np.var(resid))
    assert got["shift2"] > got["resid_var"]  # B sits 5 BLEU above A: the shift dominates


def test_pooled_table_has_the_union_domain_and_every_row(data_dir):
    zh, sw = load_pair("zh-en", root=data_dir), load_pair("sw-en", root=data_dir)
    pooled = pool([zh, sw], name="zh+sw")
    assert len(pooled) == len(zh) + len(sw) == 885
    assert pooled.schema["bpe"].levels == (1000, 2000, 4000, 8000, 10000, 16000, 30000, 32000, 50000)
    assert pooled.schema["layers"].levels == (1, 2, 4, 6) and pooled.schema["bpe"].scale == "log"
    assert not pooled.schema.outside_mask(pooled.X).to_numpy().any()
    assert (pooled.y.iloc[rows_in(pooled, "sw-en", [0, 5])].to_numpy() == sw.y.iloc[[0, 5]].to_numpy()).all()
    assert pooled.fingerprint not in (zh.fingerprint, sw.fingerprint)
    assert pool([sw, zh]).fingerprint != pooled.fingerprint != pool([zh, sw], feed="scaled").fingerprint
    scaled = pool([zh, sw], feed="scaled")
    assert scaled.X["bpe"].between(0, 1).all() and np.allclose(scaled.scaled(), scaled.X)  # scaling again: identity
    with pytest.raises(ValueError, match="scale differs"):
        union_schema([SCHEMA_A, Schema.of([Feature("bpe", "linear", (1, 2)), Feature("layers", "linear", (2, 4))])])


def test_reduced_run(tmp_path):
    """In this process: the real CLI runs transfer in tests/experiments/test_tasks.py."""
    out = tmp_path / "run"
    order = ["zh-en", "ru-en", "en-ja"]
    run(tmp_path, "+experiment=transfer", f"pairs=[{','.join(order)}]", "seed=[0]",
             "surrogate=[ebm_fast,linear]", f"hydra.run.dir={out}", f"cache_dir={tmp_path / 'cache'}")
    rows = pd.read_csv(out / "metrics.csv")
    assert len(rows) == 2 * (3 * 3 + 3) and (rows.status == "ok").all()
    assert set(rows.train_kind) == {"pair", "pooled"} and (rows.ood_share == 0).all()
    for sur in ("ebm_fast", "linear"):
        for metric in ("mse", "src", "mrr", "regret"):
            m = pd.read_csv(out / f"transfer_{metric}_{sur}.csv")
            assert list(m.columns) == [transfer.CORNER, *order] and list(m[transfer.CORNER]) == order
            assert m[order].notna().all().all()
        assert (out / f"transfer_{sur}.png").stat().st_size > 10_000
    assert (out / "transfer_similarity_ebm_fast.png").is_file()
    assert set(pd.read_csv(out / "importances.csv")["train_pair"]) == set(order)
    claims = pd.read_csv(out / "claims.csv")
    assert list(claims.columns) == ["experiment", "claim_id", "claim", "verdict", "evidence"]
    assert dict(zip(claims.claim_id, claims.verdict))["transfer.a"] == "not evaluated"
    assert "leave one task out" in (out / "summary.md").read_text() and (out / "claims.md").is_file()

    # The report aggregates from the tidy CSVs alone and reaches the same matrices.
    agg = tmp_path / "agg"
    shutil.copytree(out, agg / "0")
    assert report_main([str(agg)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(agg / "transfer_mse_ebm_fast.csv"), pd.read_csv(out / "transfer_mse_ebm_fast.csv"))
    assert (agg / "claims.csv").read_text() == (out / "claims.csv").read_text()
