"""Experiments across the tasks of one table: transfer equals the NMT run, tasks ordered by similarity, legible
heatmaps at 50 tasks, pooled leave-one-task-out, and each hyperparameter's importance across tasks."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from cli import harness as cli  # noqa: E402
from tasks_table import NMT_TYPES, nmt_csv, synthetic_csv  # noqa: E402

from harness.analysis import across_tasks  # noqa: E402
from harness.api import run_experiment  # noqa: E402
from harness.analysis import transfer as analysis  # noqa: E402
from harness.data.readers.nmt import PAIRS  # noqa: E402
from harness.experiments import transfer  # noqa: E402
from harness.render import across_tasks as render_tasks  # noqa: E402
from harness.text import num  # noqa: E402
from harness.render import transfer as render  # noqa: E402


def _summary(order, src):
    """A transfer summary whose SRC matrix is ``src`` (rows = tested on, columns = trained on)."""
    return pd.DataFrame([{"feed": "raw", "train_kind": "pair", "train_pair": a, "test_pair": b, "surrogate": "s",
                          "src_mean": src[i][j]} for j, a in enumerate(order) for i, b in enumerate(order)])


def test_tasks_that_transfer_to_each_other_are_listed_together():
    order = [f"t{i}" for i in range(8)]
    family = [i % 2 for i in range(8)]  # interleaved: t0, t2, ... transfer among themselves, as do t1, t3, ...
    src = [[0.9 if i == j else 0.6 - 0.01 * abs(i - j) if family[i] == family[j] else -0.3 for j in range(8)]
           for i in range(8)]
    got = analysis.similarity_order(_summary(order, src), "s", order)
    assert sorted(got) == order and {got.index(t) < 4 for t in order[::2]} in ({True}, {False})
    assert analysis.similarity_order(_summary(order, src), "s", order) == got  # deterministic
    assert analysis.similarity_order(_summary(order[:2], src), "s", order[:2]) == order[:2]
    summary = _summary(["so-en", "zh-en", "sw-en"], src)
    assert transfer.task_order(summary, ["so-en", "zh-en", "sw-en"], ["s"], [], ["raw"]) == (
        ["zh-en", "sw-en", "so-en"], "the paper's order")


@pytest.mark.parametrize("n, labelled", [(6, 6), (50, 50), (60, 30)])
def test_heatmaps_stay_legible_up_to_fifty_tasks(n, labelled):
    names = [f"task-{i}" for i in range(n)]
    m = pd.DataFrame(np.random.default_rng(0).uniform(1, 10, (n, n)), index=names, columns=names)
    fig, ax = plt.subplots()
    render.heatmap(ax, m, m / 10, "MSE", log=True)
    assert len(ax.get_xticklabels()) == len(ax.get_yticklabels()) == labelled
    assert ax.get_xticklabels()[1].get_text() == names[n // labelled]
    assert len(ax.texts) == (n * n if n <= render.ANNOTATED else 0)  # numbers in the cells only while they fit
    assert len(ax.patches) == n  # the in-domain diagonal stays boxed
    plt.close(fig)
    assert render.panel_inches(6) == 4.6 and render.panel_inches(50) < render.panel_inches(60) == 9.0
    assert (len(render.matrix_md(m)) == 2) == (n <= render.ANNOTATED)  # the table, or one line pointing at the CSVs


def test_importance_across_tasks_is_median_and_quartiles_of_shares(tmp_path):
    rng = np.random.default_rng(0)
    rows = [{"surrogate": s, "dataset": f"t{d}", "seed": seed, "kind": "main", "feature_a": f,
             "importance": rng.uniform(0, w)}
            for s in ("ebm", "linear") for d in range(7) for seed in (0, 1) for f, w in (("lr", 4), ("bpe", 1))]
    rows.append({"surrogate": "ebm", "dataset": "t0", "seed": 0, "kind": "pair", "feature_a": "lr", "importance": 9})
    imp = pd.DataFrame(rows)
    shares = across_tasks.importance_shares(imp)
    assert np.allclose(shares.groupby(["surrogate", "dataset"])["share"].sum(), 1.0)  # pair terms not counted
    over = across_tasks.over_tasks(shares)
    lr = shares[(shares.surrogate == "ebm") & (shares.feature == "lr")]
    got = over[(over.surrogate == "ebm") & (over.feature == "lr")].iloc[0]
    assert got["tasks"] == 7 and got["median"] == pytest.approx(np.median(lr["share"]))
    assert [got["q25"], got["q75"]] == pytest.approx(np.quantile(lr["share"], [0.25, 0.75]))
    assert got["raw_median"] == pytest.approx(np.median(lr["importance"])) and got["rank"] == 1
    assert list(over["surrogate"]) == ["ebm", "ebm", "linear", "linear"] and list(over["rank"]) == [1, 2, 1, 2]
    md = render_tasks.section(over, ["ebm", "linear"], "ebm", {"lr": "learning rate"}, n_tasks=7)
    assert f"| learning rate | {num(got['median'])} [{num(got['q25'])}–{num(got['q75'])}] |" in "\n".join(md)
    assert render_tasks.figure(shares, over, ["ebm", "linear"], "ebm", {}, tmp_path / "f.png").stat().st_size > 5_000


def test_transfer_across_six_tasks_of_one_table(tmp_path):
    """Two interleaved families of tasks: the matrices list each family together; six tasks are left out in turn."""
    path = synthetic_csv(tmp_path / "tasks.csv", n_tasks=6)
    result = run_experiment("transfer", ["data=table", f"data.path={path}", "data.target=score", "data.task=task",
                                         "seed=[0]", "surrogate=[linear]", "n_jobs=1", f"cache_dir={tmp_path / 'c'}"],
                            output_dir=tmp_path / "run")
    rows = result.rows
    assert len(rows) == 6 * 6 + 6 and (rows.status == "ok").all() and (rows.ood_share == 0).all()
    m = pd.read_csv(tmp_path / "run" / "transfer_src_linear.csv").set_index(transfer.CORNER)
    order = list(m.columns)
    assert list(m.index) == order and sorted(order) == [f"t{i:02d}" for i in range(6)]
    families = [int(t[1:]) % 2 for t in order]
    assert families in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    within = [m.at[a, b] for a in order for b in order if a != b and int(a[1:]) % 2 == int(b[1:]) % 2]
    across = [m.at[a, b] for a in order for b in order if int(a[1:]) % 2 != int(b[1:]) % 2]
    assert min(within) > 0 > max(across)  # lr acts the opposite way in the other family
    text = (tmp_path / "run" / "summary.md").read_text()
    assert "6 tasks (ordered by similarity of linear's transfer SRC (feed=raw))" in text
    pooled = pd.read_csv(tmp_path / "run" / "transfer_pooled.csv")
    assert sorted(pooled.held_out) == sorted(order) and pooled.pooled_mse_mean.notna().all()


@pytest.mark.slow
def test_transfer_and_interpret_across_fourteen_tasks(tmp_path):
    """Through the CLI, more tasks than a heatmap annotates: ordered by family, and interpret's view across tasks."""
    path = synthetic_csv(tmp_path / "tasks.csv", n_tasks=14)
    data = ["data=table", f"data.path={path}", "data.target=score", "data.task=task", "seed=[0]"]
    cli(tmp_path, "+experiment=transfer", *data, "surrogate=[linear]", "n_jobs=1", f"hydra.run.dir={tmp_path / 'tr'}",
        cache=tmp_path / "cache")
    rows = pd.read_csv(tmp_path / "tr" / "metrics.csv")
    assert len(rows) == 14 * 14 + 14 and (rows.status == "ok").all()  # every pair of tasks, and 14 left out
    m = pd.read_csv(tmp_path / "tr" / "transfer_src_linear.csv").set_index(transfer.CORNER)
    order = list(m.columns)
    assert list(m.index) == order and sorted(order) == [f"t{i:02d}" for i in range(14)]
    families = [int(t[1:]) % 2 for t in order]
    assert families == sorted(families) or families == sorted(families, reverse=True)
    text = (tmp_path / "tr" / "summary.md").read_text()
    assert "14 tasks (ordered by similarity of linear's transfer SRC (feed=raw))" in text
    assert len(pd.read_csv(tmp_path / "tr" / "transfer_pooled.csv")) == 14

    cli(tmp_path, "+experiment=interpret", *data, "surrogate=[linear,tree]", "n_jobs=1", f"hydra.run.dir={tmp_path / 'in'}",
        cache=tmp_path / "cache")
    over = pd.read_csv(tmp_path / "in" / "importance_over_tasks.csv")
    assert set(over.surrogate) == {"linear", "tree"} and (over.tasks == 14).all()
    assert set(over[over["rank"] == 1].feature) == {"lr"}  # the strongest effect, in every task
    assert (tmp_path / "in" / "importance_over_tasks.png").stat().st_size > 10_000
    assert "## Importance across the 14 tasks" in (tmp_path / "in" / "summary.md").read_text()


@pytest.mark.slow
def test_the_nmt_pairs_as_one_csv_give_the_nmt_transfer_matrices(tmp_path, data_dir):
    """Issue #15's check: `data=table data.task=pair` on the six pairs written as one CSV equals `+experiment=transfer`,
    every matrix number for number (each run in a cache of its own, so nothing is shared but the code)."""
    path = nmt_csv(tmp_path / "nmt.csv", root=data_dir)
    grid = ["seed=[0,1]", "surrogate=[linear,tree]"]
    cli(tmp_path, "+experiment=transfer", *grid, "n_jobs=1", f"hydra.run.dir={tmp_path / 'nmt'}", cache=tmp_path / "c1")
    cli(tmp_path, "+experiment=transfer", *grid, "n_jobs=1", "data=table", f"data.path={path}", "data.target=dev_bleu",
        "data.task=pair", NMT_TYPES, f"hydra.run.dir={tmp_path / 'csv'}", cache=tmp_path / "c2")
    files = sorted(p.name for p in (tmp_path / "nmt").glob("transfer_*.csv"))
    assert len(files) == 19 and files == sorted(p.name for p in (tmp_path / "csv").glob("transfer_*.csv"))
    for name in files:
        a, b = (pd.read_csv(tmp_path / run / name) for run in ("nmt", "csv"))
        if name != "transfer_pooled.csv":
            assert list(a[transfer.CORNER]) == list(PAIRS) and list(a.columns[1:]) == list(PAIRS)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    keys = ["feed", "train_kind", "train_pair", "test_pair", "surrogate", "seed"]
    a, b = (pd.read_csv(tmp_path / run / "metrics.csv").sort_values(keys, ignore_index=True) for run in ("nmt", "csv"))
    assert len(a) == 2 * 2 * (36 + 6)
    metrics = ["n_train", "mse", "src", "mrr", "r2", "regret", "shift2", "ood_share", "extrap_share"]
    pd.testing.assert_frame_equal(a[keys + metrics], b[keys + metrics], check_exact=True)


def test_stability_runs_per_task_of_one_table(tmp_path):
    """Stability (hpo_order's cells, explained) on a table of tasks: one set of stable sizes and figures per task."""
    path = synthetic_csv(tmp_path / "tasks.csv", n_tasks=3, n_rows=50)
    run_experiment("stability", ["data=table", f"data.path={path}", "data.target=score", "data.task=task",
                                 "seed=[0,1]", "surrogate=[linear]", "methods=[random]", "sizes=[50,100]", "n_jobs=1",
                                 f"cache_dir={tmp_path / 'c'}"], output_dir=tmp_path / "run")
    stable = pd.read_csv(tmp_path / "run" / "stable_sizes.csv")
    assert sorted(set(stable.dataset)) == ["t00", "t01", "t02"]
    assert all((tmp_path / "run" / f"stability_{t}.png").is_file() for t in ("t00", "t01", "t02"))
    assert [line for line in (tmp_path / "run" / "summary.md").read_text().splitlines() if line.startswith("## t")] == [
        "## t00", "## t01", "## t02"]
