"""The full reproduction: every experiment of the paper in one process, then one report.

Each part is composed from its own experiment config (``+experiment=PART``)
plus the overrides given to this run, and writes into ``<run dir>/<PART>/``.
The parts share one cell cache, so a cell computed by one (the size sweep's
subsets are the random HPO order's prefixes) is never fitted again by
another, and an unchanged rerun only reloads results and redraws.
"""
from __future__ import annotations

import logging
import time
from dataclasses import replace

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from harness.app import EXPERIMENTS, as_list, to_plain
from harness.configs import config_root
from harness.errors import ConfigError
from harness.results import write_json

log = logging.getLogger("harness")

KEYS: list[str] = []


def passthrough_overrides() -> list[str]:
    """This run's own command-line overrides for every part (minus its own keys and Hydra's).

    Plain keys are forced in with ``++`` because a key one part owns (``sizes``)
    does not exist in another; config-group choices (``surrogate=…``) pass as given.
    """
    try:
        from hydra.core.hydra_config import HydraConfig

        task = list(HydraConfig.get().overrides.task)
    except ValueError:
        return []
    groups = {p.name for p in config_root().iterdir() if p.is_dir()}
    out = []
    for o in task:
        key = o.lstrip("+~").split("=", 1)[0]
        if key in ("experiment", "parts", "part_overrides") or key.startswith("hydra"):
            continue
        out.append(o if key.split("/")[0] in groups or o.startswith("~") else "++" + o.lstrip("+"))
    return out


def compose_part(part: str, overrides: list[str]):
    args = [f"+experiment={part}", *overrides]
    if GlobalHydra.instance().is_initialized():
        return compose(config_name="config", overrides=args)
    with initialize_config_dir(config_dir=str(config_root()), version_base="1.3"):
        return compose(config_name="config", overrides=args)


def run(cfg, opts):
    import importlib

    parts = [str(p) for p in as_list(cfg.get("parts"))]
    known = sorted(p.name[: -len(".yaml")] for p in (config_root() / "experiment").iterdir()
                   if p.name.endswith(".yaml") and not p.name.startswith("reproduce"))
    unknown = [p for p in parts if p not in known]
    if unknown or not parts:
        raise ConfigError(f"parts: unknown experiment(s) {', '.join(unknown) or '(none)'}; known: {', '.join(known)}")
    overrides = [*[str(o) for o in as_list(to_plain(cfg.get("part_overrides")))], *passthrough_overrides()]
    timings = {}
    t_all = time.perf_counter()
    for part in parts:
        part_cfg = compose_part(part, overrides)
        part_opts = replace(opts, output_dir=opts.output_dir / part)
        part_opts.output_dir.mkdir(parents=True, exist_ok=True)
        log.info("reproduce: %s → %s", part, part_opts.output_dir)
        t0 = time.perf_counter()
        importlib.import_module(EXPERIMENTS[part_cfg.task]).run(part_cfg, part_opts)
        timings[part] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_all
    write_json({"parts": parts, "overrides": overrides, "seconds": timings}, opts.output_dir / "reproduce.json")
    from harness.reproduction_report import build_report

    build_report(opts.output_dir)
    log.info("reproduce: all parts in %.1f s; report in %s", timings["total"], opts.output_dir / "REPORT.md")


def summarise(rows, out, **tables):
    """A reproduction has no rows of its own: its parts are aggregated by their own modules."""
    raise ConfigError("reproduce runs are not aggregated as one table; aggregate each part's folder instead")
