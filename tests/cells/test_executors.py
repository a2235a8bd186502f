"""One experiment's cells on a Dask or Ray cluster started here: the rows equal a local run's, number for number."""
from __future__ import annotations

import pandas as pd
import pytest

from harness import run_experiment
from harness.errors import ConfigError

GRID = ["seed=[0,1]", "sizes=[10,30]", "surrogate=[ebm_fast,linear,tree]", "explain=false"]
NUMBERS = ["mse", "src", "mrr", "r2", "regret", "n_train", "n_test"]
KEYS = ["surrogate", "seed", "size_pct"]


def _rows(result) -> pd.DataFrame:
    return result.rows.sort_values(KEYS).reset_index(drop=True)[[*KEYS, *NUMBERS, "status"]]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    return _rows(run_experiment("size_sweep", [*GRID, f"cache_dir={out / 'cache'}"], output_dir=out / "run"))


def test_dask_cluster_equals_local(local, tmp_path):
    distributed = pytest.importorskip("distributed", reason='needs pip install ".[dask]"')
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = run_experiment("size_sweep", [*GRID, "executor=dask", f"executor_address={cluster.scheduler_address}",
                                               f"cache_dir={tmp_path / 'cache'}"], output_dir=tmp_path / "run")
    pd.testing.assert_frame_equal(_rows(result), local)
    assert not result.rows["cached"].any()


@pytest.mark.slow
def test_ray_cluster_equals_local(local, tmp_path):
    """Slow (Ray starts in ~20 s): pip install ".[ray]" && pytest -m slow tests/cells/test_executors.py"""
    ray = pytest.importorskip("ray", reason='needs pip install ".[ray]"')
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        result = run_experiment("size_sweep", [*GRID, "executor=ray", "executor_address=auto",
                                               f"cache_dir={tmp_path / 'cache'}"], output_dir=tmp_path / "run")
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(_rows(result), local)


def test_unknown_executor_is_one_line(tmp_path):
    with pytest.raises(ConfigError, match="executor='spark' is unknown; known: local, ray, dask"):
        run_experiment("size_sweep", [*GRID, "executor=spark", f"cache_dir={tmp_path}"], output_dir=tmp_path / "run")


def test_workers_are_lowered_with_a_warning_when_memory_is_short(caplog):
    from harness.executors import TABLE_COPIES, WORKER_BASE_BYTES, affordable_workers

    per_worker = WORKER_BASE_BYTES + TABLE_COPIES * 100 * 2**20
    assert affordable_workers(4, 100 * 2**20, available=10 * per_worker) == 4
    with caplog.at_level("WARNING", logger="harness"):
        assert affordable_workers(4, 100 * 2**20, available=int(2.5 * per_worker)) == 2
        assert affordable_workers(4, 100 * 2**20, available=per_worker // 2) == 1
    assert caplog.text.count("running") == 2


@pytest.mark.parametrize("executor, address", [("dask", "tcp://127.0.0.1:1"), ("dask", "tcp://nosuch.invalid:8786"),
                                               ("ray", "127.0.0.1:1")])
def test_an_address_nothing_answers_at_is_one_line(tmp_path, executor, address):
    if executor == "ray":
        pytest.importorskip("ray", reason='needs pip install ".[ray]"')
    with pytest.raises(ConfigError, match=rf"^executor_address={address}: no (Dask scheduler|Ray cluster) answers there \("):
        run_experiment("size_sweep", [*GRID, f"executor={executor}", f"executor_address={address}",
                                      f"cache_dir={tmp_path}"], output_dir=tmp_path / "run")
