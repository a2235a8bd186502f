"""Deprecated spelling of :mod:`harness.aggregate` (``python -m harness.report DIR``); removed in the next release."""
from __future__ import annotations

import warnings

from harness.aggregate import aggregate, collect, main  # noqa: F401

warnings.warn("harness.report is renamed harness.aggregate (python -m harness.aggregate DIR); the old name goes in "
              "the next release", DeprecationWarning, stacklevel=2)

if __name__ == "__main__":
    import sys

    sys.exit(main())
