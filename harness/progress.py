"""Terminal progress for sweeps, drawn by tqdm: done / total, cells in flight, elapsed and remaining; silent off a TTY.

tqdm redraws when a cell ends; a background thread also refreshes the line every ``tick`` seconds, so a run whose
cells each take minutes (a 100k-row table) still shows that it is alive (tqdm alone would show a frozen clock).
"""
from __future__ import annotations

import sys
import threading

from tqdm import tqdm

FORMAT = "{desc}: {n}/{total} done{postfix} in flight, elapsed {elapsed}, remaining ~{remaining}"  # postfix: ", <n>"


class Progress:
    def __init__(self, total: int, label: str = "cells", enabled: bool = True, stream=None, workers: int = 1,
                 tick: float = 1.0):
        self.total, self.workers = total, max(1, workers)
        self.enabled = enabled and total > 0
        self.bar = tqdm(total=total, desc=label, file=stream or sys.stderr, disable=not self.enabled,
                        bar_format=FORMAT, mininterval=0, leave=True, postfix=str(min(self.workers, total)))
        self._stop = threading.Event()
        if self.enabled and tick > 0:
            self._thread = threading.Thread(target=self._ticker, args=(tick,), name="harness-progress", daemon=True)
            self._thread.start()

    @property
    def done(self) -> int:
        return int(self.bar.n)

    @property
    def in_flight(self) -> int:
        return min(self.workers, self.total - self.done)

    def _ticker(self, tick: float) -> None:
        while not self._stop.wait(tick):
            with self.bar.get_lock():
                self.bar.refresh()

    def advance(self, n: int = 1) -> None:
        self.bar.set_postfix_str(str(min(self.workers, self.total - self.done - n)), refresh=False)
        self.bar.update(n)

    def close(self) -> None:
        self._stop.set()
        self.bar.close()
