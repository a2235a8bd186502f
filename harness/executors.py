"""Where cells run: this machine's cores (``local``), a Ray cluster (``ray``) or a Dask cluster (``dask``).

The cell engine hands its tasks to joblib; a cluster executor only switches joblib's backend, so the same
tasks, with the same seeds, run on the cluster's workers and the rows equal a local run's number for
number. Every worker needs the same environment (this package and its dependencies) and the data travels
with each task; results come back to this process, which alone writes the cell cache.

* ``executor=ray executor_address=auto`` (a running cluster; ``ray://host:10001`` for a remote one;
  none: a Ray instance on this machine). ``pip install "harness[ray]"``.
* ``executor=dask executor_address=tcp://scheduler:8786`` (none: a local cluster of ``n_jobs``
  workers). ``pip install "harness[dask]"``.

Work beside the cells (a reproduction's summaries, a summary's figures) runs in ``harness.side_processes``.
Local workers end when the run ends, however it ends (kill -9 included: ``harness.lifeline``); a local Dask or Ray
cluster's workers do so by their library's own watch (measured: Dask's within 0.1 s, Ray's within 2 s, Ray's
dashboard and runtime-env agents after about 60 s).
"""
from __future__ import annotations

import logging
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

from harness import lifeline
from harness.errors import ConfigError

log = logging.getLogger("harness")

EXECUTORS = ("local", "ray", "dask")
WORKER_BASE_BYTES = 300 * 2**20  # a worker process with numpy, pandas, scikit-learn, interpret and xgboost loaded
TABLE_COPIES = 40  # a fit holds the table several times over (encoded copies, EBM's bins per bag, XGBoost's DMatrix)
CONNECT_SECONDS = 5  # how long a cluster's address may take to answer before the run stops


def available_memory() -> int | None:
    """Bytes this machine can still give (Linux's MemAvailable), or None where it cannot say."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def affordable_workers(n_jobs: int, table_bytes: int, available: int | None = None) -> int:
    """``n_jobs``, lowered with a warning when that many workers, each holding its table, would not fit in memory."""
    available = available_memory() if available is None else available
    per_worker = WORKER_BASE_BYTES + TABLE_COPIES * table_bytes
    if available is None or n_jobs * per_worker <= available:
        return n_jobs
    fit = max(1, available // per_worker)
    if fit < n_jobs:
        log.warning("n_jobs=%d would need about %.1f GB (%.0f MB per worker) but %.1f GB is available: running %d at once",
                    n_jobs, n_jobs * per_worker / 2**30, per_worker / 2**20, available / 2**30, fit)
    return min(n_jobs, fit)


@contextmanager
def executor(kind: str, address: str | None, n_jobs: int):
    """Yields ``run(func, argument_tuples)``: an iterator of ``func(*args)`` results in the order they finish."""
    if kind == "local":  # each worker tied to this run from its start, before any task reaches it
        yield _joblib(n_jobs, backend="loky", initializer=lifeline.tie, initargs=(lifeline.identity(),))
        return
    if kind == "ray":
        with _ray(address) as run:
            yield run
        return
    if kind == "dask":
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise ConfigError('executor=dask needs Dask: pip install "harness[dask]"') from None
        if address:
            _reachable(address, "Dask scheduler")
        cluster = None if address else LocalCluster(n_workers=max(n_jobs, 1), threads_per_worker=1, processes=True,
                                                    dashboard_address=None)
        client = Client(address or cluster)
        try:
            yield _joblib(-1, backend="dask")
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    raise ConfigError(f"executor={kind!r} is unknown; known: {', '.join(EXECUTORS)}")


def _reachable(address: str, what: str) -> None:
    """One line when nothing answers at ``host:port`` (``tcp://``, ``ray://`` or bare), instead of the client's
    minutes of retries; other forms (``auto``) are left to the client."""
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    if not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        raise ConfigError(f"executor_address={address}: no {what} answers there "
                          f"({exc.strerror or exc or 'timed out'}, waited up to {CONNECT_SECONDS} s)") from None


def _joblib(n_jobs: int, **backend):
    """joblib's Parallel in ``backend`` (``parallel_config``'s arguments): the longest tasks first, results as they
    finish."""
    from joblib import Parallel, delayed, parallel_config

    def run(func, arguments):
        with _quiet_teardown(), parallel_config(**backend), Parallel(
                n_jobs=n_jobs, return_as="generator_unordered", batch_size=1, pre_dispatch="all") as par:
            yield from par(delayed(func)(*args) for args in arguments)

    return run


@contextmanager
def _quiet_teardown():
    """No traceback from loky's manager thread of a pool being torn down: stopping a run (Ctrl-C, SIGTERM) while
    tasks are queued makes it look up work items the teardown has just removed (a ``KeyError``), printed before
    the run's one line "interrupted". Its errors while the pool still runs are printed as before."""
    previous = threading.excepthook

    def hook(args):
        flags = getattr(args.thread, "executor_flags", None)  # loky's _ExecutorManagerThread
        if flags is not None and flags.shutdown:
            log.debug("a worker pool being stopped: %s: %s", args.exc_type.__name__, args.exc_value)
            return
        previous(args)

    threading.excepthook = hook
    try:
        yield
    finally:
        threading.excepthook = previous


@contextmanager
def _ray(address: str | None):
    """Ray's own task API (its joblib backend cannot hand results back as they finish)."""
    try:
        import ray
    except ImportError:
        raise ConfigError('executor=ray needs Ray: pip install "harness[ray]"') from None
    started = not ray.is_initialized()
    if started and address:
        _reachable(address, "Ray cluster")
    if started:
        ray.init(address=address or None, include_dashboard=False, log_to_driver=False)

    def run(func, arguments):
        remote = ray.remote(num_cpus=1)(func)
        pending = [remote.remote(*args) for args in arguments]
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                yield ray.get(done[0])
        finally:
            for ref in pending:  # an interrupted run stops what is still queued or fitting
                ray.cancel(ref, force=True)

    try:
        yield run
    finally:
        if started:
            ray.shutdown()
