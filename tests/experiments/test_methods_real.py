"""The importance methods on the real tables: the presets, the agreement matrix between methods per table (real CLI),
rows until each method's top-3 is stable, per-part overrides, and the reproduction report's methods section."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harness.config import compose
from harness.errors import ConfigError
from harness.experiments.reproduce import part_overrides
from harness.analysis.interpret import agreement_squares
from harness.render.interpret import method_agreement_section
from harness.render.report import build_report
from harness.render.stability import per_method_markdown
from cli import harness as _harness

METHODS = ["ebm", "fanova", "shap", "mdi", "permutation", "ped_anova"]
TABLES = ["zh-en", "ru-en", "ja-en", "en-ja", "sw-en", "so-en", "fr-en", "zh-en"]


@pytest.mark.parametrize("preset", ["interpret_methods", "stability_methods"])
def test_presets_run_every_method_on_the_nmt_pairs_and_nmtlc(preset):
    cfg = compose([f"+experiment={preset}"])
    assert [*cfg.surrogate, *cfg.method] == METHODS and [t["pair"] for t in cfg.tables] == TABLES
    assert [t["kind"] for t in cfg.tables] == ["nmt"] * 6 + ["nmtlc"] * 2
    if preset == "stability_methods":
        assert cfg.task == "stability" and list(cfg.methods) == ["random"] and 100 in cfg.sizes


@pytest.fixture(scope="module")
def methods_run(tmp_path_factory):  # ~45 s of fits and ~50 s of figures on a busy machine
    tmp = tmp_path_factory.mktemp("methods")
    out = tmp / "runs" / "methods"
    _harness(tmp, "+experiment=interpret_methods", "tables=[{kind:nmt,pair:en-ja},{kind:nmtlc,task:finetune,pair:fr-en}]",
             "surrogate=[ebm_fast]", "method=[mdi,ped_anova]", f"hydra.run.dir={out}", cache=tmp / "cache")
    return out


@pytest.mark.slow
def test_agreement_matrix_between_methods_per_table(methods_run):
    m = pd.read_csv(methods_run / "method_agreement.csv")
    assert len(m) == 2 * 3 * 3 and m["dataset"].nunique() == 2 and "en-ja" in set(m["dataset"])
    diagonal = m[m["method_a"] == m["method_b"]]
    assert np.allclose(diagonal["spearman"], 1) and (diagonal["top3_overlap"] == 1).all()
    square = m.set_index(["dataset", "method_a", "method_b"])["spearman"]
    for (d, a, b), v in square.items():
        assert v == pytest.approx(square[(d, b, a)])  # symmetric
    off = m[m["method_a"] != m["method_b"]]
    assert off["spearman"].between(-1, 1).all() and (off["spearman"] < 1).any()
    text = (methods_run / "summary.md").read_text()
    assert "## Agreement between methods (Spearman ρ of the single-feature importances; mean over 2 table(s))" in text
    assert "| ebm_fast · mdi |" in text
    assert (methods_run / "method_agreement.png").stat().st_size > 20_000


def _stable():
    rows = []
    for d, full in (("sw-en", 614), ("en-ja", 134)):
        for s, pct in (("ebm", 30), ("mdi", np.nan)):
            for ref in ("full", "ebm"):
                rows.append({"dataset": d, "surrogate": s, "order_method": "random", "reference": ref, "stable_pct": pct,
                             "stable_rows": round(pct / 100 * full) if pct == pct else np.nan, "first_pct": pct,
                             "first_rows": np.nan, "full_rows": full, "n_seeds": 5, "stable_fraction": 0.8})
    return pd.DataFrame(rows)


def test_rows_until_stable_per_method_and_table():
    text = per_method_markdown(_stable())
    assert "| method | sw-en | en-ja |" in text
    assert "| ebm | 184 rows (30 %) | 40 rows (30 %) |" in text and "| mdi | never | never |" in text


def test_part_overrides_a_list_or_per_part():
    given = ["surrogate=[linear]"]
    assert part_overrides(given, "fidelity") == ["surrogate=[linear]"]
    given = {"default": ["surrogate=[ebm_fast]"], "fidelity": []}
    assert part_overrides(given, "interpret") == ["surrogate=[ebm_fast]"] and part_overrides(given, "fidelity") == []
    given = {"fidelty": []}
    with pytest.raises(ConfigError, match="part_overrides: fidelty is not a part .*; parts: .*fidelity"):
        part_overrides(given, "interpret")
    # reproduce_fast's mapping names parts a run may leave out: parts=[interpret] still runs
    given = {"default": ["surrogate=[linear]"], "fidelity": []}
    assert part_overrides(given, "interpret") == ["surrogate=[linear]"]


def _matrix():
    """Two tables, three methods: the agreement matrix as interpret writes it."""
    rho = {("ebm", "mdi"): 0.9, ("ebm", "ped_anova"): 0.5, ("mdi", "ped_anova"): 0.4}
    return pd.DataFrame([{"experiment": "interpret", "dataset": d, "method_a": a, "method_b": b,
                          "spearman": 1.0 if a == b else rho.get((a, b), rho.get((b, a))) - i / 10, "kendall": np.nan,
                          "top3_overlap": 1.0} for i, d in enumerate(["sw-en", "fr-en"])
                         for a in ["ebm", "mdi", "ped_anova"] for b in ["ebm", "mdi", "ped_anova"]])


def test_the_report_opens_with_the_methods_section(tmp_path):
    run = tmp_path / "run"
    (run / "fidelity").mkdir(parents=True)
    (run / "fidelity" / "leaderboard.md").write_text("## Leaderboard: 2 methods on 24 tables\n\n| method | Spearman |\n|---|---|\n"
                                                    "| ebm | 0.80 [0.75, 0.85] |\n")
    (run / "interpret_methods").mkdir()
    _matrix().to_csv(run / "interpret_methods" / "method_agreement.csv", index=False)
    section = method_agreement_section(_matrix(), agreement_squares(_matrix()))  # as the interpret part writes it
    (run / "interpret_methods" / "method_agreement.md").write_text("\n".join(section))
    (run / "stability_methods").mkdir()
    _stable().to_csv(run / "stability_methods" / "stable_sizes.csv", index=False)
    (run / "reproduce.json").write_text('{"parts": ["fidelity", "interpret_methods", "stability_methods"]}')
    report = build_report(run).read_text()
    section = report.split("## Importance methods: a leaderboard against known truths, and the real tables")[1]
    assert "#### Leaderboard: 2 methods on 24 tables" in section and "| ebm | 0.80 [0.75, 0.85] |" in section
    assert "### Agreement between methods (Spearman ρ of the single-feature importances; mean over 2 table(s))" in section
    assert "| ebm | 1.00 | 0.850 | 0.450 |" in section  # the mean over the tables
    assert "| ebm · mdi | 0.900 / 1.00 | 0.800 / 1.00 |" in section
    assert "### Rows until each method's top-3 is stable on the real tables" in section and "4 of 5 seeds" in section
    # a run without those parts has no such section
    (run / "reproduce.json").write_text('{"parts": ["interpret_methods"]}')
    assert "### Rows until" not in build_report(run).read_text()
