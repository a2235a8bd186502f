"""Shared fixtures: the real upstream data folder and an isolated cache per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.app import register_configs

register_configs()  # the declared options in Hydra's config store, for tests that compose configs themselves

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "nmt_hpo"


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject's addopts): a test process per core for the default suite; one process for benchmarks
    (timings want the cores to themselves, and pytest-benchmark does not run under xdist) and for the slow runs
    (each already uses every core)."""
    marks = config.getoption("markexpr") or ""
    if config.getoption("benchmark_only", False) or ("slow" in marks and "not slow" not in marks):
        return 0
    return os.cpu_count() or 1


def _data_dir() -> Path:
    return Path(os.environ.get("HARNESS_DATA_DIR") or DEFAULT_DATA).resolve()


@pytest.fixture(scope="session", autouse=True)
def _isolated_env(tmp_path_factory):
    """Real data from HARNESS_DATA_DIR; caches in a temp folder so tests never touch the user's."""
    data = _data_dir()
    if not (data / "sw-en.hyps").is_file():
        pytest.exit(f"upstream data not found in {data}: set HARNESS_DATA_DIR to the folder with the NMT HPO files", 2)
    mp = pytest.MonkeyPatch()
    mp.setenv("HARNESS_DATA_DIR", str(data))
    mp.setenv("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("harness-cache")))
    mp.delenv("HARNESS_DATA_URL", raising=False)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _data_dir()


@pytest.fixture
def data_copy(tmp_path, data_dir) -> Path:
    """A writable copy of the upstream files, for tests that corrupt them."""
    dst = tmp_path / "data"
    shutil.copytree(data_dir, dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    return dst


@pytest.fixture(scope="session")
def sw_en_scaled():
    """The real sw-en table scaled as experiments feed HPO methods: schema [0, 1], log for bpe/embed/lr."""
    from harness.data.readers.nmt import load_pair

    ds = load_pair("sw-en")
    return ds.scaled().to_numpy(), ds.y.to_numpy()
