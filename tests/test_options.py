"""Declared options: every option read by its type at the door, an undeclared key refused by name wherever it
comes from (the command line's ``+key=``, a YAML file, a Python dict), defaults declared once."""
from __future__ import annotations

import dataclasses
import re
from typing import Any, Optional

import pytest

from harness.config import compose
from harness.data import load_dataset, registry
from harness.errors import ConfigError
from harness import experiments
from harness.experiments import options as experiment_options
from harness.experiments import setup_of
from harness.options import Options, option
from harness.paths import config_root


@dataclasses.dataclass
class Toy(Options):
    section = "toy"
    n: int = option(3, "a count", minimum=1)
    share: float = option(0.5, "a share")
    on: bool = option(True, "a switch")
    word: Optional[str] = option(None, "a word", choices=("a", "b", "c"))
    sizes: Any = option(factory=lambda: [1.0], items=float, help="numbers; one alone is a list of one")
    scales: Any = option(None, values=str, help="a mapping of words")


def test_values_are_read_by_their_declared_type():
    t = Toy.parse({"n": "4", "share": "0.25", "on": "no", "word": "b", "sizes": 7, "scales": {"lr": "log"}})
    assert (t.n, t.share, t.on, t.word, t.sizes, t.scales) == (4, 0.25, False, "b", (7.0,), {"lr": "log"})
    assert Toy.parse().sizes == (1.0,) and Toy.parse().scales == {} == Toy.parse(scales=None).scales


@pytest.mark.parametrize("given, message", [
    ({"m": 1}, r"^toy\.m: unknown option; known: n, share, on, word, sizes, scales$"),
    ({"n": 0}, r"^toy\.n=0 must be at least 1$"),
    ({"n": "x"}, r"^toy\.n='x' is not a whole number$"),
    ({"share": float("nan")}, r"^toy\.share=nan must be finite$"),
    ({"on": "maybe"}, r"^toy\.on='maybe' is not a yes/no value"),
    ({"word": "d"}, r"^toy\.word='d': expected one of a, b, c$"),
    ({"sizes": ["x"]}, r"^toy\.sizes\[0\]='x' is not a number$"),
    ({"scales": [1]}, r"^toy\.scales=\[1\]: expected a mapping"),
])
def test_a_bad_or_undeclared_option_is_one_line_naming_it(given, message):
    with pytest.raises(ConfigError, match=message):
        Toy.parse(given)


def test_a_python_dict_with_a_misspelt_reader_option_is_refused(tmp_path):
    table = tmp_path / "runs.csv"
    table.write_text("lr,loss\n" + "".join(f"{i / 10},{i % 3}\n" for i in range(12)))
    with pytest.raises(ConfigError, match=r"^data\.maximise: unknown option; known: kind, path, target, .*maximize"):
        load_dataset({"kind": "table", "path": str(table), "target": "loss", "maximise": False})
    assert load_dataset({"kind": "table", "path": str(table), "target": "loss", "maximize": False}).maximize is False


@pytest.mark.parametrize("override, message", [
    ("+sizs=[50]", r"^sizs: not an option of size_sweep; known: .*\bsizes\b"),
    ("+data.maximise=false", r"^data\.maximise: unknown option; known: kind, pair, .*maximize"),
    ("+method_params.bo.k=3", r"^method_params: not an option of size_sweep"),
])
def test_a_key_added_with_plus_that_nothing_declares_is_refused(override, message):
    with pytest.raises(ConfigError, match=message):
        setup_of(compose(["+experiment=size_sweep", override]))


def test_every_reader_and_experiment_declares_its_options_once():
    """The YAML files of the data group hold no option a reader declares with the same value (its default is
    declared in Python only), and every experiment config extends its experiment's declared options."""
    for path in (config_root() / "data").iterdir():
        text = path.read_text()
        kind = re.search(r"/schema/data/(\w+)@_here_", text).group(1)
        defaults = registry.reader(kind).Options()
        for field in dataclasses.fields(defaults):
            value = getattr(defaults, field.name)
            assert not any(line.split(":")[0] == field.name and line.split(":", 1)[1].split("#")[0].strip() == str(value)
                           for line in text.splitlines()), (path.name, field.name)
    for name, task in experiments.presets().items():  # each preset composes its experiment's declared options
        cfg = compose([f"+experiment={name}"])
        assert set(experiment_options.BY_TASK[task].known()) <= set(cfg), name
