"""A summary's figures drawn beside it, in side processes, when the run may use more than one core.

A figure is single-threaded matplotlib work of 0.1–0.7 s and a summary draws several (three per table in
the case study): drawn one after the other they were most of what a one-table run cost beyond its fit.
A figure function marked ``@drawn`` and called inside ``drawing(workers)`` is handed to one of ``workers``
side processes (``harness.side_processes``: forked from a server that has the render modules imported)
and returns None at once; leaving the block waits for every figure and raises the first error, after the
other figures are written. Outside such a block, with one worker, or where no side process can start,
the function draws in place and returns its path. The files are the same either way.
"""
from __future__ import annotations

import functools
import logging
import pkgutil
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from contextvars import ContextVar

from harness.timing import stage

log = logging.getLogger("harness")

_current: ContextVar[_Drawing | None] = ContextVar("harness_drawing", default=None)


def preload() -> tuple[str, ...]:
    """The render modules, which a side process needs imported to draw (and which import matplotlib)."""
    import harness.render

    return tuple(f"harness.render.{m.name}" for m in pkgutil.iter_modules(harness.render.__path__))


def warm(workers: int) -> None:
    """Start the side processes' server now when ``workers`` > 1, so that it imports matplotlib and the render
    modules while the cells fit, not when the first figure is drawn."""
    if workers > 1:
        from harness import side_processes

        side_processes.warm(preload())


def drawn(figure):
    """Mark a module-level figure function (its arguments picklable) as one that may be drawn aside."""

    @functools.wraps(figure)
    def draw(*args, **kwargs):
        aside = _current.get()
        if aside is None or not aside.take(draw, args, kwargs):
            return figure(*args, **kwargs)
        return None

    return draw


class _Drawing:
    def __init__(self, workers: int):
        from harness.side_processes import Side

        self.side, self.pending = Side(workers), []

    def take(self, figure, args, kwargs) -> bool:
        future = self.side.submit(figure, *args, **kwargs)
        if future is None:
            return False
        self.pending.append((future, figure, args, kwargs))
        return True

    def finish(self, cancel: bool) -> BaseException | None:
        """Wait for every figure (one whose side process died is drawn here); the first error."""
        if not self.pending:
            self.side.shutdown()
            return None
        first = None
        with stage("figures"):
            for future, figure, args, kwargs in self.pending:
                if cancel:
                    future.cancel()
                    continue
                error = _error(future)
                if isinstance(error, BrokenProcessPool):
                    log.debug("a side process died; %s is drawn in place", figure.__name__)
                    try:
                        figure.__wrapped__(*args, **kwargs)
                        error = None
                    except Exception as exc:  # noqa: BLE001 - reported as the block's error below
                        error = exc
                first = first or error
            self.side.shutdown(wait=not cancel, cancel=cancel)
        return first


def _error(future: Future) -> BaseException | None:
    try:
        future.result()
    except Exception as exc:  # noqa: BLE001 - the figure's own error, raised by drawing()
        return exc
    return None


@contextmanager
def drawing(workers: int):
    """Inside: ``@drawn`` figures are drawn by up to ``workers`` side processes (in place when ``workers`` is 1)."""
    if workers <= 1 or _current.get() is not None:
        yield
        return
    aside = _Drawing(workers)
    token = _current.set(aside)
    try:
        yield
    except BaseException as exc:  # the figures handed aside are still written, unless the run is interrupted
        _current.reset(token)
        aside.finish(cancel=isinstance(exc, KeyboardInterrupt))
        raise
    _current.reset(token)
    error = aside.finish(cancel=False)
    if error is not None:
        raise error
