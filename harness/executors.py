"""Where cells run: this machine's cores (``local``), a Ray cluster (``ray``) or a Dask cluster (``dask``).

The cell engine hands its tasks to joblib; a cluster executor only switches joblib's backend, so the same
tasks, with the same seeds, run on the cluster's workers and the rows equal a local run's number for
number. Every worker needs the same environment (this package and its dependencies) and the data travels
with each task; results come back to this process, which alone writes the cell cache.

* ``executor=ray executor_address=auto`` (a running cluster; ``ray://host:10001`` for a remote one;
  none: a Ray instance on this machine). ``pip install "harness[ray]"``.
* ``executor=dask executor_address=tcp://scheduler:8786`` (none: a local cluster of ``n_jobs``
  workers). ``pip install "harness[dask]"``.
"""
from __future__ import annotations

from contextlib import contextmanager

from harness.errors import ConfigError

EXECUTORS = ("local", "ray", "dask")


@contextmanager
def executor(kind: str, address: str | None, n_jobs: int):
    """Yields ``run(func, argument_tuples)``: an iterator of ``func(*args)`` results in the order they finish."""
    if kind == "local":
        yield _joblib(n_jobs)
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
        from joblib import parallel_config

        cluster = None if address else LocalCluster(n_workers=max(n_jobs, 1), threads_per_worker=1, processes=True,
                                                    dashboard_address=None)
        client = Client(address or cluster)
        try:
            with parallel_config(backend="dask"):
                yield _joblib(-1)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        return
    raise ConfigError(f"executor={kind!r} is unknown; known: {', '.join(EXECUTORS)}")


def _joblib(n_jobs: int):
    """joblib's Parallel in the backend in force: the longest tasks first, results as they finish."""
    from joblib import Parallel, delayed

    def run(func, arguments):
        with Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1, pre_dispatch="all") as par:
            yield from par(delayed(func)(*args) for args in arguments)

    return run


@contextmanager
def _ray(address: str | None):
    """Ray's own task API (its joblib backend cannot hand results back as they finish)."""
    try:
        import ray
    except ImportError:
        raise ConfigError('executor=ray needs Ray: pip install "harness[ray]"') from None
    started = not ray.is_initialized()
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
