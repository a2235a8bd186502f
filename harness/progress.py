"""Terminal progress for sweeps: done / total, in flight, elapsed and an estimate; silent off a TTY.

The line is redrawn every ``tick`` seconds by a background thread, not only when a cell ends, so a
run whose cells each take minutes (a 100k-row table) still shows that it is alive.
"""
from __future__ import annotations

import sys
import threading
import time


def _clock(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, label: str = "cells", enabled: bool = True, stream=None, workers: int = 1,
                 tick: float = 1.0):
        self.total, self.label, self.done, self.workers = total, label, 0, max(1, workers)
        self.stream = stream or sys.stderr
        self.enabled = enabled and total > 0
        self.t0 = time.perf_counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._draw()
        if self.enabled and tick > 0:
            self._thread = threading.Thread(target=self._ticker, args=(tick,), name="harness-progress", daemon=True)
            self._thread.start()

    @property
    def in_flight(self) -> int:
        return min(self.workers, self.total - self.done)

    def line(self) -> str:
        elapsed = time.perf_counter() - self.t0
        eta = _clock(elapsed / self.done * (self.total - self.done)) if self.done else "?"
        return (f"{self.label}: {self.done}/{self.total} done, {self.in_flight} in flight, "
                f"elapsed {_clock(elapsed)}, remaining ~{eta}")

    def _draw(self) -> None:
        if self.enabled:
            with self._lock:
                self.stream.write("\r" + self.line() + "\x1b[K")
                self.stream.flush()

    def _ticker(self, tick: float) -> None:
        while not self._stop.wait(tick):
            self._draw()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._draw()

    def close(self) -> None:
        self._stop.set()
        if self.enabled:
            with self._lock:
                self.stream.write("\n")
                self.stream.flush()
