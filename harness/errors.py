"""User-facing errors: one line that names the file, row or option at fault."""


class HarnessError(Exception):
    """Bad input or configuration. The entry point prints it as one line and exits 2."""


class DataError(HarnessError):
    """A data file is missing, corrupt or malformed."""


class ConfigError(HarnessError):
    """An option names something unknown or impossible."""
