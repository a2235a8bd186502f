"""Where the upstream files come from, and proof that they are the right ones.

The NMT HPO tables are fetched from a pinned upstream commit, checked against
SHA-256, and kept in the user cache so later runs work offline. A local
folder (``HARNESS_DATA_DIR`` or ``data.root=``) replaces the download; its
files are checked the same way.
"""
from __future__ import annotations

import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

from harness.errors import DataError, one_line
from harness.paths import cache_root

log = logging.getLogger(__name__)

UPSTREAM_REPO = "Este1le/hpo_nmt"
UPSTREAM_COMMIT = "7bd0a402b332a6fdea8bdfeabb0271afa5c5be1f"
DEFAULT_BASE_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPO}/{UPSTREAM_COMMIT}/"

# local file name -> (path in the upstream repository, SHA-256)
FILES: dict[str, tuple[str, str]] = {
    "en-ja.hyps": ("datasets/en-ja.hyps", "cdfd7c8c1bf3e3eac16bca04ad9b1f5c5755e2a5170a06edc3d074ae2a481798"),
    "ja-en.hyps": ("datasets/ja-en.hyps", "df4a452ceabb9134f4c469778d14de2f6333e92b175cce21d9f9ade194beead6"),
    "ru-en.hyps": ("datasets/ru-en.hyps", "0a96d2b1f10e4a22721cc81befa7b2cf875b761da23ced4c0ac0085be29fbd76"),
    "so-en.hyps": ("datasets/so-en.hyps", "0564b44e795d22b6a8f660bd6672e210fa544b0cacf03b913cbec50d95e93d7e"),
    "sw-en.hyps": ("datasets/sw-en.hyps", "e2642bc6f6ed6afe060e13fe699fa2dcd569f5311ee72eea55db87e37f25b725"),
    "zh-en.hyps": ("datasets/zh-en.hyps", "4ce4f95cf0ccf0beb6ff36b19be2ba98070bb05c7dfc49cb44f882314a2dfd73"),
    "en-ja.evals": ("datasets/en-ja.evals", "1385c842ae3f6a7f3ee8b5cb554f81f707a4f7502f7806e048bc46c36a3157d5"),
    "ja-en.evals": ("datasets/ja-en.evals", "6e3cb9be3d2cc097fe1fcbe8e5b15c933a5195684ec5a86e0a57ae921de24866"),
    "ru-en.evals": ("datasets/ru-en.evals", "1ddeb9a42d8dad6340d83ba427d375e66f1b2c030360877b6963180ee559f3ab"),
    "so-en.evals": ("datasets/so-en.evals", "4e95d872c15a0af35a1b7672ae979c794c9022ee1b53c821d7a8b646dd023bb7"),
    "sw-en.evals": ("datasets/sw-en.evals", "a2be8d462a621948afe782e2ad398a8832c98c26d8ca5992357af9278e0f1d4f"),
    "zh-en.evals": ("datasets/zh-en.evals", "4b09d2f5f593f8ff70de7ccf2e7990584282a2fb204142c31dec2d2e506983f2"),
    "nmtlc.pkl": ("lc_datasets/nmtlc.pkl", "42ecab6a7f3c93c7697714cf1082318274e232e04d79bf4400bfc55d6a766eca"),
}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    return h.hexdigest()


@lru_cache(maxsize=64)
def _cached_hash(path: str, size: int, mtime_ns: int) -> str:
    return sha256_of(Path(path))


def file_hash(path: Path) -> str:
    """SHA-256 of a file, computed once per (path, size, mtime) in a process."""
    st = path.stat()
    return _cached_hash(str(path), st.st_size, st.st_mtime_ns)


def default_cache_dir() -> Path:
    return cache_root() / "nmt_hpo" / UPSTREAM_COMMIT[:12]


def resolve_root(root: str | os.PathLike | None) -> Path | None:
    """The local data folder in force: an explicit ``root``, else ``HARNESS_DATA_DIR``."""
    if root not in (None, ""):
        return Path(root).expanduser()
    env = os.environ.get("HARNESS_DATA_DIR")
    return Path(env).expanduser() if env else None


def _expected(name: str) -> tuple[str, str]:
    try:
        return FILES[name]
    except KeyError:
        raise DataError(f"unknown data file {name!r}; known: {', '.join(sorted(FILES))}") from None


def _check(path: Path, name: str, where: str, verify: bool) -> Path:
    if not verify:
        return path
    expected = _expected(name)[1]
    actual = file_hash(path)
    if actual != expected:
        raise DataError(
            f"checksum mismatch for {path}: expected sha256 {expected}, got {actual}; "
            f"{where} (pass data.verify=false only for a deliberately edited table)"
        )
    return path


def fetch(name: str, root=None, base_url: str | None = None, cache_dir=None, verify: bool = True) -> Path:
    """Path of the verified local copy of upstream file ``name``.

    With a local root the file must be there; otherwise it is downloaded
    once into the cache (pooch verifies the hash before the file is moved
    into place, so a corrupt download never lands in the cache).
    """
    upstream_path, expected = _expected(name)
    local = resolve_root(root)
    if local is not None:
        path = local / name
        if not path.is_file():
            raise DataError(
                f"missing data file {path}: expected the upstream file {upstream_path} of {UPSTREAM_REPO}@{UPSTREAM_COMMIT[:12]} "
                f"in the data folder (HARNESS_DATA_DIR / data.root); unset both to download it"
            )
        return _check(path, name, "replace the file with the upstream copy or unset HARNESS_DATA_DIR to download it", verify)

    import pooch  # deferred: only the download path needs it

    base = base_url or os.environ.get("HARNESS_DATA_URL") or DEFAULT_BASE_URL
    url = base.rstrip("/") + "/" + upstream_path
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    cached = cache / name
    if cached.is_file() and (not verify or file_hash(cached) == expected):
        return cached
    try:
        got = pooch.retrieve(
            url,
            known_hash=f"sha256:{expected}" if verify else None,
            fname=name,
            path=cache,
            progressbar=False,
        )
    except ValueError as exc:  # pooch: hash mismatch
        cached.unlink(missing_ok=True)
        raise DataError(
            f"checksum mismatch for {name} downloaded from {url}: {one_line(exc)}; nothing was kept in {cache}; "
            f"check HARNESS_DATA_URL / the network and run again to re-download"
        ) from None
    except Exception as exc:  # network, HTTP errors
        raise DataError(
            f"cannot download {name} from {url}: {one_line(exc)}; "
            f"set HARNESS_DATA_DIR to a folder holding the upstream files to work offline"
        ) from None
    log.info("downloaded %s into %s", name, cache)
    return Path(got)
