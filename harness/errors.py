"""User-facing errors: one line that names the file, row or option at fault."""


class HarnessError(Exception):
    """Bad input or configuration. The entry point prints it as one line and exits 2."""


class DataError(HarnessError, ValueError):
    """A data file is missing, corrupt or malformed. A ValueError too, as Python and Optuna's importance API
    class a bad argument's value (a study too small or a parameter no trial has)."""


class ConfigError(HarnessError, ValueError):
    """An option names something unknown or impossible (a ValueError too, like DataError)."""


def one_line(exc: BaseException, limit: int = 300, cause: bool = False) -> str:
    """An exception's message on one line, cut at ``limit`` characters. With ``cause``, the first line of the error
    beneath it is added when a wrapper hides it (Optuna's "An exception is raised during the commit" over SQLite's
    "file is not a database")."""
    text = " ".join(str(exc).split())
    below = exc.__cause__ or exc.__context__
    first = str(below).strip().splitlines()[0] if cause and below is not None and str(below).strip() else ""
    if first and first not in text:
        text += f" ({first})"
    return text[:limit]
