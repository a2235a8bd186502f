"""Command-line entry: ``python -m harness +experiment=NAME [overrides]`` (or ``harness ...``)."""
from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from harness.paths import hydra_config_path
from harness.errors import HarnessError


@hydra.main(version_base="1.3", config_path=hydra_config_path(), config_name="config")
def _entry(cfg: DictConfig) -> None:
    from harness.app import run

    try:
        run(cfg)
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None


def main() -> None:
    _entry()


if __name__ == "__main__":
    main()
