"""Command-line entry: ``python -m harness +experiment=NAME [overrides]`` (or ``harness ...``)."""
from __future__ import annotations

import atexit
import os
import signal
import sys

_EXIT_CODE: list[int] = []  # set once the command has ended as it meant to: a run, a help text, a one-line error


def _end_now() -> None:
    """The last exit handler (registered before any library's; they run in reverse): every other one has run
    (and every thread was joined before them), so the process ends here without the interpreter's teardown,
    which frees pandas', scikit-learn's and InterpretML's objects one by one: 0.4–0.5 s of a run that has
    written everything. A command that ended in a traceback exits the usual way."""
    if _EXIT_CODE:
        import logging

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that went away, a stream closed: nothing left to write to
                pass
        os._exit(_EXIT_CODE[0])


atexit.register(_end_now)

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

from harness.errors import HarnessError  # noqa: E402
from harness.paths import hydra_config_path  # noqa: E402

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
    _EXIT_CODE[:] = [code]
    raise SystemExit(code) from None


def _help() -> str:
    """``--help`` alone: the header, config groups and footer of Hydra's help (``conf/config.yaml``), read
    straight from the config folder. Hydra's own help composes the config and copies its repository once per
    option (1.6 s here); this takes a few milliseconds. With overrides, ``--help`` is Hydra's."""
    import yaml

    from harness.paths import config_root

    root = config_root()
    text = yaml.safe_load((root / "config.yaml").read_text(encoding="utf-8"))["hydra"]["help"]
    groups = [f"{g.name}: " + ", ".join(sorted(f.name[:-5] for f in g.iterdir() if f.name.endswith(".yaml")))
              for g in sorted(root.iterdir(), key=lambda g: g.name) if g.is_dir() and g.name not in ("hydra", "__pycache__")]
    return "\n".join([text["header"].rstrip(), "", "== Configuration groups ==",
                      "Compose your configuration from those groups (group=option)", "", *groups, "", "== Config ==",
                      "The composed config of a run: python -m harness +experiment=NAME [overrides] --cfg job", "",
                      text["footer"].replace("$$", "$").rstrip()])


def main() -> None:
    if sys.argv[1:2] == ["explain"]:
        _explain(sys.argv[2:])
        return
    if sys.argv[1:] in (["--help"], ["-h"]):
        try:
            print(_help(), flush=True)
        except BrokenPipeError:  # `--help | head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    _main()
    _EXIT_CODE[:] = [0]  # a one-line error has set its own code and raised SystemExit past this line


def _explain(argv: list[str]) -> None:
    """``harness explain PATH [options]``: the flags become the overrides of ``+experiment=explain`` (one line and
    exit 2 for a bad one), the run goes through the usual entry, and the page's path is printed at the end."""
    from harness.explain_command import overrides

    try:
        args, folder = overrides(argv)
    except HarnessError as exc:
        _fail(f"error: {exc}", 2)
    sys.argv = [sys.argv[0], *args]
    _main()
    print(f"explain: wrote {folder / 'explain.html'}", flush=True)
    _EXIT_CODE[:] = [0]


def _main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # A log line that cannot be written (`harness ... | head`: the reader has gone) is dropped, not printed as a
    # traceback on stderr for every later line; the run goes on and its files and harness.log are complete.
    import logging

    logging.raiseExceptions = False
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from harness.config import composition_error, uncomposable

    # Hydra prints an error in the overrides (an unknown option, a key not in the config) as a trace of a dozen
    # lines and exits 1; told to raise it, it is reported here as one line with exit 2, as every other bad input
    # is. A user who sets HYDRA_FULL_ERROR gets Hydra's full trace.
    one_line = os.environ.get("HYDRA_FULL_ERROR") != "1"
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        from harness.app import register_configs

        register_configs()
        _entry()
    except KeyboardInterrupt:  # before or after the run itself (composing the config, a sweep's launcher)
        _fail(INTERRUPTED, 130)
    except (HydraException, OmegaConfBaseException) as exc:
        if not one_line:
            raise
        _fail(f"error: {composition_error(exc)}", 2)
    except Exception as exc:
        if not one_line or not _composing(exc):
            raise
        _fail(f"error: {uncomposable(sys.argv[1:], exc)}", 2)


COMPOSING = ("hydra/_internal/config_loader_impl.py", "hydra/_internal/defaults_list.py",
             "hydra/core/override_parser/overrides_parser.py")


def _composing(exc: BaseException) -> bool:
    """Whether Hydra raised ``exc`` while composing a config from the overrides (``surrogate=[linear,null]`` is a
    TypeError deep in its defaults list): the user's input, not a failure of a job, whose error keeps its trace."""
    import traceback

    return any(frame.filename.replace("\\", "/").endswith(COMPOSING) for frame in traceback.extract_tb(exc.__traceback__))


if __name__ == "__main__":
    main()
