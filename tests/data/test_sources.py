"""The download path for real: a loopback HTTP server plays the upstream repository."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from harness.data.readers.nmt import load_pair
from harness.data.sources import FILES, fetch, sha256_of
from harness.errors import DataError


@pytest.fixture
def upstream(tmp_path, data_dir):
    """Serve a copy of the files under the upstream layout (datasets/, lc_datasets/) on 127.0.0.1."""
    root = tmp_path / "upstream"
    for name, (rel, _) in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(data_dir / name, root / rel)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_local_data(monkeypatch):
    monkeypatch.delenv("HARNESS_DATA_DIR", raising=False)


def test_download_verifies_and_caches(upstream, tmp_path, no_local_data, monkeypatch):
    root, url = upstream
    cache = tmp_path / "cache"
    path = fetch("sw-en.hyps", base_url=url, cache_dir=cache)
    assert path.parent == cache and sha256_of(path) == FILES["sw-en.hyps"][1]
    # offline afterwards: the server may vanish, the cached copy is reused
    shutil.rmtree(root)
    assert fetch("sw-en.hyps", base_url=url, cache_dir=cache) == path


def test_full_pair_through_the_cache(upstream, tmp_path, no_local_data, monkeypatch):
    _, url = upstream
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "c"))
    ds = load_pair("zh-en", base_url=url)
    assert len(ds) == 118
    assert sorted(p.name for p in (tmp_path / "c").rglob("*") if p.is_file()) == ["zh-en.evals", "zh-en.hyps"]


def test_corrupt_download_is_refused_and_not_kept(upstream, tmp_path, no_local_data):
    root, url = upstream
    bad = root / "datasets" / "ru-en.evals"
    bad.write_text(bad.read_text().replace("1", "7", 3))
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match=r"checksum mismatch for ru-en\.evals downloaded from http://127\.0\.0\.1:\d+/datasets/ru-en\.evals"):
        fetch("ru-en.evals", base_url=url, cache_dir=cache)
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*"))


def test_corrupt_cached_copy_is_replaced(upstream, tmp_path, no_local_data):
    _, url = upstream
    cache = tmp_path / "cache"
    path = fetch("ja-en.hyps", base_url=url, cache_dir=cache)
    path.write_text("garbage\n")
    again = fetch("ja-en.hyps", base_url=url, cache_dir=cache)
    assert sha256_of(again) == FILES["ja-en.hyps"][1]


def test_unreachable_server_says_how_to_work_offline(tmp_path, no_local_data):
    with pytest.raises(DataError, match=r"cannot download so-en\.hyps from http://127\.0\.0\.1:9/.*set HARNESS_DATA_DIR"):
        fetch("so-en.hyps", base_url="http://127.0.0.1:9/", cache_dir=tmp_path / "c")
