"""One run per folder: a run holds its output folder from start to end, and knows which files in it are its own.

Two runs writing into one folder at once read each other's tables and mix them in one summary, and the one
that ends first reports the other's results as its own. A run therefore takes the folder's lock before it
writes anything; a second run into the same folder is refused with one line naming the holder. The lock is
the kernel's (``flock`` on ``.harness.lock`` in the folder; Windows: ``msvcrt.locking``): it is dropped when
the holder ends however it ends, kill -9 included, so a killed run never blocks its folder. The file names the
holder (pid, host, start) for the refusal; a run that finds it naming a run that ended without releasing the
folder takes it over with a warning.

A folder may hold an earlier run's files (``run_experiment`` twice into one ``output_dir``): they are left where
they are (a run that then fails on bad input must not have destroyed the last good results), and ``written``
tells this run's files from them by inode and change time, which every write, rename or copy sets anew.
"""
from __future__ import annotations

import atexit
import errno
import json
import logging
import os
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from harness.errors import ConfigError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

log = logging.getLogger("harness")

LOCK = ".harness.lock"
HELD = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK)  # what a lock held elsewhere answers


class _Claim:
    """This process's hold on one folder: the open lock file, by which thread, how many nested claims."""

    def __init__(self, path: Path, fd: int | None):
        self.path, self.fd, self.thread, self.depth = path, fd, threading.get_ident(), 1

    def release(self) -> None:
        if self.fd is None:
            return
        try:  # emptied and removed while still locked: a file naming this run would read as a killed run's
            os.ftruncate(self.fd, 0)
            self.path.unlink(missing_ok=True)
        except OSError:  # Windows removes no open file; the empty one names nobody
            pass
        os.close(self.fd)  # and with it the lock
        self.fd = None


_held: dict[Path, _Claim] = {}
_guard = threading.Lock()


@contextmanager
def claimed(folder: Path, option: str = "output_dir"):
    """Hold ``folder`` (created if need be) for the block; yields a snapshot of the files already in it (for
    ``written``). A claim by the thread that holds it already nests; any other run is refused with a
    ConfigError that names ``option`` and the holder."""
    claim(folder, option)
    try:
        yield snapshot(folder)
    finally:
        release(folder)


def claim(folder: Path, option: str = "output_dir") -> None:
    """Take ``folder`` for this run until ``release`` (or this process's end)."""
    folder = Path(folder).resolve()
    with _guard:
        held = _held.get(folder)
        if held is not None:
            if held.thread != threading.get_ident():
                raise ConfigError(f"{option}={folder} is in use by another run in this process; one run per folder")
            held.depth += 1
            return
        _held[folder] = _Claim(folder / LOCK, _lock(folder, option))


def release(folder: Path) -> None:
    """Undo one ``claim``; the last one frees the folder for other runs."""
    folder = Path(folder).resolve()
    with _guard:
        held = _held.get(folder)
        if held is None:
            return
        held.depth -= 1
        if held.depth == 0:
            held.release()
            del _held[folder]


@atexit.register
def _release_all() -> None:
    """A run that ends by an error or an interrupt frees its folders too (the kernel would drop the lock, but the
    file left naming this process would read as a killed run's)."""
    with _guard:
        for held in _held.values():
            held.release()
        _held.clear()


def _lock(folder: Path, option: str) -> int | None:
    """The open, locked lock file of ``folder``, holding this run's name; None where the file system has no locks."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _try_lock(fd)
        except OSError as exc:
            os.close(fd)
            if exc.errno in HELD:
                raise ConfigError(f"{option}={folder} is in use by another run ({_holder(path)}); one run per "
                                  "folder: wait for it to end or choose another folder") from None
            log.warning("%s cannot be locked (%s): a second run into it at the same time would not be refused",
                        folder, exc.strerror or exc)
            return None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:  # the holder released it between our open and our lock: take the new file
            same = False
        if same:
            break
        os.close(fd)
    earlier = _read(fd)
    if earlier:
        log.warning("%s was held by a run that ended without releasing it (%s); this run takes it over", folder,
                    _describe(earlier))
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": time.strftime("%Y-%m-%d %H:%M:%S")}).encode())
    return fd


def _try_lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _read(fd: int) -> dict:
    """What the lock file says of its last holder: nothing when it was released as it should be."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 4096)
        holder = json.loads(text) if text.strip() else {}
    except (OSError, ValueError):
        return {"pid": "?"}
    return holder if isinstance(holder, dict) else {"pid": "?"}


def _holder(path: Path) -> str:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return "its lock file names no holder yet"
    return _describe(holder) if isinstance(holder, dict) else "its lock file names no holder"


def _describe(holder: dict) -> str:
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started {holder.get('started', '?')}"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """The files in ``folder`` now, each with what changes whenever a file is written: its inode and change time."""
    root = Path(folder)
    out = {}
    for p in root.rglob("*"):
        try:
            st = p.stat()
        except OSError:
            continue
        if not p.is_dir():
            out[str(p.relative_to(root))] = (st.st_ino, st.st_ctime_ns)
    return out


def written(folder: Path, before: dict[str, tuple[int, int]]) -> list[Path]:
    """The files in ``folder`` that are not as ``before`` found them (new, rewritten or copied in), relative paths
    sorted; hidden files (a lock, temp files) left out."""
    now = snapshot(folder)
    return sorted(Path(rel) for rel, ident in now.items()
                  if before.get(rel) != ident and not Path(rel).name.startswith("."))
