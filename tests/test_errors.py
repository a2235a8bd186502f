"""harness.errors: the config and data errors are ValueErrors too, and no ``except ValueError`` in a reader rewraps them."""
from __future__ import annotations

import pytest

from harness.errors import ConfigError, DataError, HarnessError


@pytest.mark.parametrize("error", [ConfigError, DataError])
def test_config_and_data_errors_are_harness_errors_and_value_errors(error):
    assert issubclass(error, HarnessError) and issubclass(error, ValueError)
    with pytest.raises(ValueError, match="^bad$"):  # as Python and Optuna class a bad argument's value
        raise error("bad")


def test_a_readers_data_error_keeps_its_one_line(tmp_path):
    """table.read catches ValueError (pandas' parse errors) to name the file: the DataError of a duplicated column,
    raised inside that ``try``, must reach the user as it was written, not as "cannot read table …: …"."""
    from harness.data.readers.table import read

    path = tmp_path / "runs.csv"
    path.write_text("lr,score,score\n0.1,1,2\n")
    with pytest.raises(DataError) as caught:
        read(path)
    assert str(caught.value) == (f"{path}: column name(s) 'score' appear more than once; every column needs its own name")
