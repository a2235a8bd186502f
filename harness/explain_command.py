"""``harness explain PATH [options] [key=value ...]``: the explain experiment on the run at PATH, in one command.

The command detects what PATH is (``harness.data.detect``), turns its flags into the overrides of
``+experiment=explain`` (``data=<kind>``, the path, the target and direction in the words that kind's reader
takes), picks an output folder named after the run (``results/explain/<name>``) unless ``--out`` names one, and
hands everything to the usual entry: the run is the same as ``python -m harness +experiment=explain data=...``.
Any ``key=value`` after the flags is a Hydra override of that run.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

from harness.errors import ConfigError

PROG = "harness explain"
EPILOG = """\
examples:
  harness explain runs.csv --target val_loss --minimize
  harness explain study.db --study my-study
  harness explain smac3_output/my-run/0
  harness explain ~/ray_results/my-exp --metric accuracy --mode max
  harness explain runs.csv --target acc method=[fanova] folds=5

key=value: any option of the run (Hydra overrides), e.g. method=[fanova] folds=5 surrogate=[ebm] pairs=2.

The page is explain.html in the output folder (printed at the end), beside explain.md, the figures and the tidy
tables. Every option of the run: python -m harness +experiment=explain data=table --cfg job"""

# What each flag means for each kind of source: the reader option it sets (None: the kind has no such choice).
TARGET = {"table": "target", "optuna": "objective", "smac": "objective", "raytune": "metric"}
BUDGET = {"smac": "budget", "raytune": "budget"}


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad command line reported as one line (a ConfigError: exit 2) instead of usage and error."""

    def error(self, message: str):
        raise ConfigError(f"{PROG}: {message} (see {PROG} --help)")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, usage=f"{PROG} PATH [options] [key=value ...]", description="Explain one finished hyperparameter search: which "
                                "hyperparameters mattered, how each acts, which pairs interact, the path from a "
                                "reference configuration to the best, how far to trust it, and what to search next; "
                                "one self-contained page (explain.html).", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", metavar="PATH", help="a CSV/TSV/Parquet table, an Optuna storage (.db/.sqlite file or URL), "
                   "a SMAC3 run folder or a Ray Tune experiment folder")
    p.add_argument("--target", metavar="T", help="the score to explain: a table's column, an Optuna or SMAC3 "
                   "objective (index or name), a Ray Tune metric")
    direction = p.add_mutually_exclusive_group()
    direction.add_argument("--minimize", action="store_true", help="lower scores are better (a loss, an error, a time)")
    direction.add_argument("--maximize", action="store_true", help="higher scores are better (the default for a "
                           "table)")
    p.add_argument("--study", metavar="S", help="Optuna: the study, when the storage holds several")
    p.add_argument("--objective", metavar="O", help="Optuna, SMAC3: the objective of a multi-objective run (as --target)")
    p.add_argument("--metric", metavar="M", help="Ray Tune: the reported metric (as --target)")
    p.add_argument("--mode", choices=("min", "max"), help="Ray Tune: min or max (as --minimize / --maximize)")
    p.add_argument("--budget", metavar="B", help="SMAC3, Ray Tune: max (each configuration at its highest budget), a "
                   "budget value, or feature")
    p.add_argument("--out", metavar="DIR", help="the output folder (default: results/explain/<the run's name>)")
    p.add_argument("--seed", metavar="N", help="the seed of every fit (default 0)")
    return p


def overrides(argv: list[str]) -> tuple[list[str], Path]:
    """The overrides of ``+experiment=explain`` that ``harness explain ARGV`` means, and the output folder."""
    from harness.data.detect import PATH_OPTION, detect

    args, extra = parser().parse_known_args(argv)
    for item in extra:
        if "=" not in item or item.startswith("-"):
            raise ConfigError(f"{item!r}: not an option of {PROG}; after PATH give its flags and the run's options "
                              f"as key=value (see {PROG} --help)")
    kind = detect(args.path)
    path = args.path if "://" in args.path else str(Path(args.path).expanduser().resolve())
    out = [f"data={kind}", f"data.{PATH_OPTION.get(kind, 'path')}={quoted(path)}"]
    target = _one("--target", args.target, "--objective", args.objective, "--metric", args.metric)
    if target is not None:
        out.append(f"data.{_for(kind, TARGET, '--target')}={quoted(target)}")
    maximize = _direction(args)
    if maximize is not None and _direction_override(kind, maximize):
        out.append(_direction_override(kind, maximize))
    if args.study is not None:
        if kind != "optuna":
            raise ConfigError(f"--study: {args.path} is a {kind} source; only an Optuna storage holds studies")
        out.append(f"data.study={quoted(args.study)}")
    if args.budget is not None:
        out.append(f"data.{_for(kind, BUDGET, '--budget')}={quoted(args.budget)}")
    if args.seed is not None:
        out.append(f"seed={quoted(args.seed)}")
    given = [item.split("=", 1)[1] for item in extra if item.split("=", 1)[0].lstrip("+") == "hydra.run.dir"]
    if given and args.out:
        raise ConfigError("--out and hydra.run.dir= both name the output folder; give one")
    if given:  # the folder as the override names it (Hydra reads the override itself)
        return ["+experiment=explain", *out, *extra], Path(given[-1].strip("'\""))
    folder = Path(args.out) if args.out else Path("results") / "explain" / run_name(args.path, args.study)
    out.append(f"hydra.run.dir={quoted(str(folder))}")
    return ["+experiment=explain", *out, *extra], folder


def _one(*named):
    given = [(flag, value) for flag, value in zip(named[::2], named[1::2]) if value is not None]
    if len(given) > 1:
        raise ConfigError(f"{given[0][0]} and {given[1][0]} both name the score; give one")
    return given[0][1] if given else None


def _for(kind: str, table: dict, flag: str) -> str:
    if kind not in table:
        raise ConfigError(f"{flag}: a {kind} source has no such choice; it applies to "
                          f"{', '.join(table)} sources")
    return table[kind]


def _direction(args) -> bool | None:
    """True for --maximize (or --mode max), False for --minimize (or --mode min), None for neither."""
    flag = True if args.maximize else False if args.minimize else None
    mode = None if args.mode is None else args.mode == "max"
    if flag is not None and mode is not None and flag != mode:
        raise ConfigError(f"--mode {args.mode} contradicts --{'maximize' if flag else 'minimize'}")
    return flag if mode is None else mode


def _direction_override(kind: str, maximize: bool) -> str | None:
    """The override saying which direction is better, in the words of ``kind``'s reader (none for SMAC3, which
    always minimises its cost)."""
    if kind == "raytune":
        return f"data.mode={'max' if maximize else 'min'}"
    if kind == "smac":
        if maximize:
            raise ConfigError("--maximize: a SMAC3 run minimises its cost; explain it as it is (lower is better)")
        return None
    return f"data.maximize={'true' if maximize else 'false'}"


def run_name(path: str, study: str | None = None) -> str:
    """A folder name for a run's page: the study, else the file's stem, else the folder's name (its parent's for a
    SMAC3 seed folder ``<run>/0``)."""
    if study:
        return _safe(study)
    text = path.rstrip("/")
    if "://" in text:
        text = text.split("://", 1)[1].split("?", 1)[0]
    p = Path(text)
    name = p.parent.name if p.name.isdigit() and p.parent.name else (p.stem if p.suffix else p.name)
    return _safe(name or "run")


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "run"


def quoted(value: str) -> str:
    """A value as a Hydra override reads it back exactly: single-quoted, its quotes and backslashes escaped, and an
    interpolation's ``${`` kept as text."""
    text = re.sub(r"(\\+)(?='|$)", lambda m: m.group(1) * 2, str(value))  # a backslash escapes only a quote, or the end
    return "'" + text.replace("'", "\\'").replace("${", "\\${") + "'"
