"""Processes that end when the run that started them ends, however it ends.

A run's local workers (joblib's loky processes) and its side processes (``harness.side_processes``) outlived a
run killed with SIGKILL: nothing told them, and they went on fitting cells nobody would read, holding the cores,
for more than six minutes (with them the two resource trackers, which end when the last worker does). Each is
tied to its run from its start by ``tie``: a thread that looks every ``POLL`` seconds whether the run's process
still exists, and ends this one when it does not. It watches the run itself, not the process's parent (a side
process's parent is the fork server), and knows it by pid and start time, so that a pid the system hands to a
new process is not taken for the run. A run that is itself a pool's worker (a job of ``hydra/launcher=joblib``)
is tied to the sweep's process by ``tie_to_starter``.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from pathlib import Path

log = logging.getLogger("harness")

POLL = 1.0  # seconds between looks: a worker outlives its run by at most about this
_tied: set[int] = set()
_guard = threading.Lock()


def identity(pid: int | None = None) -> tuple[int, str]:
    """What tells process ``pid`` (this one by default) from a later process given the same pid: its start time
    (Linux: ticks since boot, from /proc; elsewhere: none, and the pid alone is watched)."""
    pid = os.getpid() if pid is None else pid
    return pid, _started(pid) or ""


def tie(run: tuple[int, str]) -> None:
    """End this process when the process ``run`` (an ``identity``) has ended; once per process and run, and
    nothing in the run's own process."""
    pid, _ = run
    if pid == os.getpid() or os.name != "posix":  # Windows: os.kill(pid, 0) would end the run, not look at it
        return
    with _guard:
        if pid in _tied:
            return
        _tied.add(pid)
    threading.Thread(target=_watch, args=(run,), name="harness-lifeline", daemon=True).start()


def tie_to_starter() -> None:
    """End this process with the one that started it, when that is a pool's (a parallel launcher's job runs in a
    joblib worker of the sweep's process); a run started from a shell or a script is left alone."""
    starter = multiprocessing.parent_process()
    if starter is not None and starter.pid is not None:
        tie(identity(starter.pid))


def _watch(run: tuple[int, str]) -> None:
    while alive(run):
        time.sleep(POLL)
    log.debug("the run (pid %d) has ended: this process (pid %d) ends too", run[0], os.getpid())
    os._exit(1)  # mid-fit: nothing of this process's work is wanted any more, and no cleanup may wait on the run


def alive(run: tuple[int, str]) -> bool:
    """Whether the process ``run`` still runs (a zombie, dead but not yet reaped by its parent, does not)."""
    pid, started = run
    if Path("/proc").is_dir():
        now = _started(pid)
        return now is not None and (not started or now == started)
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or another user's process holds the pid now
        return False
    return True


def _started(pid: int) -> str | None:
    """The start time of a live process from /proc/<pid>/stat; None when it has ended, is a zombie, or there is
    no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # after the command name, which may hold spaces and ')'
    return None if fields[0] in ("Z", "X") else fields[19]
