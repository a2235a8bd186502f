"""A paper's claims are recorded one way: a verdict from fixed sub-checks and the evidence, as CSV and markdown."""
from __future__ import annotations

import pandas as pd

from harness.paper.claims import Claim, verdict, verdict_of, write_claims


def test_claims_record(tmp_path):
    assert [verdict(2, 2), verdict(1, 2), verdict(0, 2), verdict(0, 0)] == ["reproduced", "partly", "not reproduced", "not evaluated"]
    assert verdict_of([True, False]) == "partly"
    text = write_claims([Claim("x", "x.a", "a | b", verdict(1, 1), "n=3")], tmp_path, title="T")
    assert "**x.a** a | b — **reproduced**. n=3" in text
    assert list(pd.read_csv(tmp_path / "claims.csv").columns) == ["experiment", "claim_id", "claim", "verdict", "evidence"]
