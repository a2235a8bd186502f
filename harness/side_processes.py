"""Processes for work beside a run's own (a reproduction's summaries, a summary's figures).

They are forked from multiprocessing's fork server, not from the run's process (which may hold joblib's
threads and their locks). Started early by ``warm``, the server imports the heavy modules while the run
fits its cells, so a worker starts in milliseconds instead of the seconds a spawned interpreter spends
importing pandas and matplotlib. Unlike multiprocessing's own workers they never run the caller's main
script again: a user's script without an ``if __name__ == "__main__":`` guard would otherwise rerun its
experiment in every worker. The work handed to them is the harness's own functions. Each worker limits
BLAS and OpenMP to one thread and ends when the run ends, however it ends (``harness.lifeline``; the fork
server itself ends when its last client does). Where the platform has no fork server (Windows) there are none
and the callers do the work in place.
"""
from __future__ import annotations

import io
import logging
import multiprocessing
import os
import pickle
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import context, spawn, util

from harness import lifeline

log = logging.getLogger("harness")

AVAILABLE = "forkserver" in multiprocessing.get_all_start_methods()
_warmed = False


class Side:
    """Work handed to up to ``workers`` side processes, started with the first piece. ``submit`` gives a Future,
    or None where no side process can start (the platform has none, no socket for the fork server): the
    caller then does that piece, and every later one, in place."""

    def __init__(self, workers: int):
        self.workers, self._pool, self._in_place = workers, None, False

    def submit(self, fn, *args, **kwargs) -> Future | None:
        if self._in_place:
            return None
        if self._pool is None:
            self._pool = pool(self.workers)
            if self._pool is None:
                self._in_place = True
                return None
        # Pickled here, in the caller's thread, not later by the pool's feeder thread while the caller goes on: a
        # record handed to a figure caches tables in its __dict__ when the caller next reads it, and pickling it at
        # that moment failed with "dictionary changed size during iteration".
        payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            return self._pool.submit(_call, payload)
        except (OSError, RuntimeError) as exc:
            log.debug("work beside the run is done in place: %s", exc)
            self._in_place = True
            return None

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel)


def _call(payload: bytes):
    """A piece of work as ``Side.submit`` pickled it: the function called with its arguments."""
    fn, args, kwargs = pickle.loads(payload)
    return fn(*args, **kwargs)


def pool(workers: int) -> ProcessPoolExecutor | None:
    """``workers`` side processes (started as work is handed to them), or None where there can be none."""
    if not AVAILABLE:
        return None
    if not _warmed:  # started here, and never with the main script
        warm(())
    return ProcessPoolExecutor(max_workers=workers, mp_context=_Context(), initializer=_start,
                               initargs=(lifeline.identity(),))


def warm(preload: tuple[str, ...]) -> None:
    """Start the fork server now, importing ``preload`` while this process goes on; nothing where it runs
    already (its imports are those of the first call) or there can be none."""
    if not AVAILABLE:
        return
    global _warmed
    _warmed = True
    forkserver.set_forkserver_preload(list(preload))  # not "__main__": the caller's script is never run again
    try:
        forkserver.ensure_running()
    except OSError as exc:  # no socket in the temp dir, no process to spare: the callers work in place
        log.debug("no fork server for side processes: %s", exc)


def _start(run_id):
    """A side process's first act: tied to its run, one thread for BLAS and OpenMP."""
    from threadpoolctl import threadpool_limits

    lifeline.tie(run_id)
    global _LIMITS
    _LIMITS = threadpool_limits(limits=1)  # kept referenced: the limit holds for the process's life


if AVAILABLE:
    from multiprocessing import forkserver, popen_forkserver

    class _Popen(popen_forkserver.Popen):
        def _launch(self, process_obj):  # popen_forkserver.Popen._launch (3.10–3.13) less the main module
            prep_data = {k: v for k, v in spawn.get_preparation_data(process_obj._name).items()
                         if k not in ("init_main_from_name", "init_main_from_path")}
            buf = io.BytesIO()
            context.set_spawning_popen(self)
            try:
                context.reduction.dump(prep_data, buf)
                context.reduction.dump(process_obj, buf)
            finally:
                context.set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)
            _parent_w = os.dup(w)  # the child's sentinel of this process, as multiprocessing keeps it
            self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)

    class _Process(context.ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            return _Popen(process_obj)

    class _Context(context.ForkServerContext):
        Process = _Process
