"""The full reproduction: every experiment of the paper in one process, then one report.

Each part is composed from its own experiment config (``+experiment=PART``)
plus the overrides given to this run, and writes into ``<run dir>/<PART>/``.
The parts share one cell cache, so a cell computed by one (the size sweep's
subsets are the random HPO order's prefixes) is never fitted again by
another. A part's finished outputs are stored too, keyed by its config, the
data's content and the code: an unchanged rerun copies them instead of
recomputing summaries and redrawing figures.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from omegaconf import OmegaConf

from harness import experiments, side_processes
from harness.config import as_list, compose, distinct
from harness.errors import ConfigError
from harness.experiments.base import Experiment, ExperimentResult
from harness.experiments.options import ReproduceOptions
from harness.experiments.setup import COMMON_KEYS, Setup
from harness.paths import config_root, parts_store
from harness.results import read_table, write_json
from harness.timing import fit_floor

log = logging.getLogger("harness")



def passthrough_overrides(given, parts: list[str]) -> dict[str, list[str]]:
    """The overrides ``given`` to this run (``RunOptions.overrides``) each part takes: all but the reproduction's
    own keys and Hydra's, and a plain key only where the part declares it (``sizes`` reaches the parts that have
    sizes, not the others). A key no part declares is refused by name, as on any other run.

    Plain keys are forced in with ``++`` (a part's preset need not list an option it declares); config-group
    choices (``surrogate=…``) pass as given.
    """
    groups = {p.name for p in config_root().iterdir() if p.is_dir()}
    declared = {part: {*COMMON_KEYS, *experiments.get(experiments.presets()[part]).Options.known()} for part in parts}
    out: dict[str, list[str]] = {part: [] for part in parts}
    for o in given:
        key = o.lstrip("+~").split("=", 1)[0]
        if key in ("experiment", "parts", "part_overrides") or key.startswith("hydra"):
            continue
        if key.split("/")[0] in groups or o.startswith("~"):
            for part in parts:
                out[part].append(o)
            continue
        takers = [part for part in parts if key.split(".")[0] in declared[part]]
        if not takers:
            known = sorted(set().union(*declared.values()) - {"task", "output_dir"})
            raise ConfigError(f"{key}: not an option of any part ({', '.join(parts)}); known: {', '.join(known)}")
        for part in takers:
            out[part].append("++" + o.lstrip("+"))
    return out


def part_overrides(given, part: str) -> list[str]:
    """``part_overrides`` for one part: a list applies to every part; a mapping gives each named part its own
    list and ``default`` to the others (``reproduce_fast`` swaps the EBM in the paper's parts, not the methods').
    A mapping may name parts this run leaves out (``reproduce_fast parts=[interpret]``), not unknown ones."""
    if isinstance(given, dict):
        unknown = sorted(set(given) - {"default", *known_parts()})
        if unknown:
            raise ConfigError(f"part_overrides: {', '.join(unknown)} is not a part (nor 'default'); parts: "
                              + ", ".join(known_parts()))
        given = given.get(part, given.get("default"))
    return [str(o) for o in as_list(given)]


def known_parts() -> list[str]:
    """The experiments a reproduction can run as parts: every config but the reproductions themselves."""
    return [name for name, task in experiments.presets().items() if task not in ("reproduce", "")]


def compose_part(part: str, overrides: list[str]):
    return compose([f"+experiment={part}", *overrides])




def source_digest() -> str:
    """SHA-256 of the harness package's code: any change to it invalidates every stored part."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]  # the harness package
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def part_key(part: str, part_cfg, setup: Setup, code: str) -> str:
    """Everything a part's outputs are a function of: its resolved config, the code and the data's content."""
    from harness.data import load_tables

    node = OmegaConf.to_container(part_cfg, resolve=False)
    node.pop("output_dir", None)
    try:
        fingerprints = [ds.fingerprint for ds in load_tables(setup.tables)]
    except Exception:  # a part whose data is generated from its config (fidelity) is keyed by the config alone
        fingerprints = []
    blob = json.dumps({"part": part, "config": node, "code": code, "data": fingerprints}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


MANIFEST = ".manifest.json"


def _manifest(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (but the manifest) and its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def _restore(stored: Path, out: Path) -> bool:
    """Copy a stored part into ``out`` if it is whole: every file its manifest lists, each with its hash."""
    try:
        listed = json.loads((stored / MANIFEST).read_text())
    except (FileNotFoundError, NotADirectoryError):  # not stored (or no store: storing it says so)
        return False
    except (OSError, ValueError):
        listed = None
    found = _manifest(stored) if stored.is_dir() else {}
    if listed != found:
        changed = sorted(set(listed or {}) ^ set(found) | {f for f in found if (listed or {}).get(f) != found[f]})
        log.warning("reproduce: the stored copy %s does not match its manifest (%s); the part is recomputed",
                    stored, ", ".join(changed[:3]) or "unreadable manifest")
        return False
    shutil.copytree(stored, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(MANIFEST))
    return True


def _store(out: Path, stored: Path) -> None:
    """Copy beside the final place with a manifest of hashes, then rename: a half-written store is never taken
    for a whole one, and one changed later is recomputed."""
    tmp = stored.with_name(stored.name + f".tmp{os.getpid()}")
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(out, tmp)
        write_json(_manifest(tmp), tmp / MANIFEST)
        shutil.rmtree(stored, ignore_errors=True)
        os.replace(tmp, stored)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        log.warning("reproduce: cannot store %s for later runs (%s); it is recomputed next time", out, exc.strerror or exc)


class SideSummaries:
    """Each part's summary (tables, figures) in a side process while the next part fits its cells.

    A summary is single-threaded and the cells keep every core busy, so running it beside them
    instead of between them shortens the reproduction by about half the summaries' time; with as
    many side processes as cells at once, the last parts' summaries also run beside each other.
    With ``n_jobs=1`` (one core asked for) summaries run in place. A deferred summary's Future
    re-raises its error.
    """

    def __init__(self, workers: int):
        self.side = side_processes.Side(workers) if workers > 0 else None

    def defer(self, summarise, rows, out, **tables):
        future = self.side.submit(summarise, rows, out, **tables) if self.side else None
        return future if future is not None else summarise(rows, out, **tables)

    def close(self):
        if self.side:
            self.side.shutdown()


def run(setup):
    from concurrent.futures import Future

    opts, parts = setup.run, list(setup.options.parts)
    known = known_parts()
    unknown = [p for p in parts if p not in known]
    if unknown or not parts:
        raise ConfigError(f"parts: unknown experiment(s) {', '.join(unknown) or '(none)'}; known: {', '.join(known)}")
    distinct(parts, "parts")
    passed = passthrough_overrides(opts.overrides, parts)  # read the config groups once
    overrides = {part: [*part_overrides(setup.options.part_overrides, part), *passed[part]] for part in parts}
    timings, reused, pending = {}, [], []
    t_all = time.perf_counter()
    code = source_digest()
    store = parts_store(opts.cache_dir)
    titles = {}
    side = SideSummaries(workers=opts.n_jobs if opts.n_jobs > 1 and len(parts) > 1 else 0)
    try:
        for part in parts:
            part_cfg = compose_part(part, overrides[part])
            part_opts = replace(opts, output_dir=opts.output_dir / part, defer=side.defer)
            part_setup = experiments.setup_of(part_cfg, part_opts)
            part_opts.output_dir.mkdir(parents=True, exist_ok=True)
            titles[part] = str(getattr(part_setup.options, "title", None) or experiments.get(part_setup.task).title)
            t0 = time.perf_counter()
            stored = store / part_key(part, part_cfg, part_setup, code)
            if opts.cache and _restore(stored, part_opts.output_dir):
                log.info("reproduce: %s unchanged since an earlier run; its outputs were reused → %s", part, part_opts.output_dir)
                reused.append(part)
                timings[part] = time.perf_counter() - t0
                continue
            log.info("reproduce: %s → %s", part, part_opts.output_dir)
            done = experiments.get(part_setup.task).run(part_setup).summary
            if isinstance(done, Future):  # a part's time runs to its summary's end, overlapping the next part
                done.add_done_callback(lambda _, part=part, t0=t0: timings.__setitem__(part, time.perf_counter() - t0))
            else:
                timings[part] = time.perf_counter() - t0
            pending.append((part, part_opts.output_dir, stored, done))
        for part, out, stored, done in pending:  # in order: a failed summary stops here, with its error
            if isinstance(done, Future):
                done.result()
            if opts.cache:
                _store(out, stored)
    finally:
        side.close()
    timings = {p: timings[p] for p in parts}
    timings["total"] = time.perf_counter() - t_all
    # restored parts hold the rows of the run that computed them: not this run's work
    floor = [fit_floor(opts.output_dir / p, opts.n_jobs) for p in parts if p not in reused]
    write_json({"parts": parts, "titles": titles, "overrides": _shared(overrides), "seconds": timings, "reused": reused, "n_jobs": opts.n_jobs,
                "fit_floor_seconds": sum(f for f, _ in floor), "cells_computed": sum(n for _, n in floor)},
               opts.output_dir / "reproduce.json")
    from harness.paper.claims import checked_once, write_claims
    from harness.render.report import build_report

    checked = [read_table(f) for p in parts if (f := opts.output_dir / p / "claims.csv").exists()]
    write_claims(checked_once(checked), opts.output_dir, title="Claims of the paper, checked")  # each claim once
    build_report(opts.output_dir)
    log.info("reproduce: all parts in %.1f s; report in %s", timings["total"], opts.output_dir / "REPORT.md")
    return ExperimentResult("reproduce", opts.output_dir)


def _shared(overrides: dict[str, list[str]]) -> list[str] | dict[str, list[str]]:
    """What reproduce.json records: the one list every part got, or each part's own."""
    lists = list(overrides.values())
    return lists[0] if all(o == lists[0] for o in lists) else overrides


class Reproduce(Experiment):
    name = "reproduce"
    title = "The full reproduction"
    keys = ()
    Options = ReproduceOptions

    def run(self, setup):
        return run(setup)

    def summarise(self, rows, out, **tables):
        """A reproduction has no rows of its own: its parts are aggregated by their own modules."""
        raise ConfigError("reproduce runs are not aggregated as one table; aggregate each part's folder instead")


EXPERIMENT = Reproduce()
