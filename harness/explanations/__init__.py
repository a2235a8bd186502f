"""Deprecated spelling of :mod:`harness.interpretation` (the Interpretation record, agreement, scoring); removed in
the next release."""
from __future__ import annotations

import warnings

from harness.interpretation import *  # noqa: F401,F403
from harness.interpretation import __all__  # noqa: F401

warnings.warn("harness.explanations is renamed harness.interpretation; the old name goes in the next release",
              DeprecationWarning, stacklevel=2)
