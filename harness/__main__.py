"""Command-line entry: ``python -m harness +experiment=NAME [overrides]`` (or ``harness ...``)."""
from __future__ import annotations

import signal
import sys

import hydra
from omegaconf import DictConfig

from harness.errors import HarnessError
from harness.paths import hydra_config_path

INTERRUPTED = ("error: interrupted; every finished cell is in the cache: run the same command again to resume "
               "where it stopped")


def _terminate(signum, frame):
    raise KeyboardInterrupt  # SIGTERM ends the run as Ctrl-C does: workers stopped, finished cells kept


@hydra.main(version_base="1.3", config_path=hydra_config_path(), config_name="config")
def _entry(cfg: DictConfig) -> None:
    from harness.app import run

    try:
        run(cfg)
    except HarnessError as exc:
        _fail(f"error: {exc}", 2)
    except KeyboardInterrupt:
        _fail(INTERRUPTED, 130)
    except OSError as exc:  # a run dir or output file that cannot be written
        where = f" {exc.filename}" if exc.filename else ""
        _fail(f"error: cannot write{where}: {exc.strerror or exc}", 2)


def _fail(line: str, code: int):
    print(line, file=sys.stderr, flush=True)
    raise SystemExit(code) from None


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        _entry()
    except KeyboardInterrupt:  # before or after the run itself (composing the config, a sweep's launcher)
        _fail(INTERRUPTED, 130)


if __name__ == "__main__":
    main()
