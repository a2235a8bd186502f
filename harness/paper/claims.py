"""A paper's claims checked against a run: one verdict and its evidence per claim.

Every experiment that checks claims writes them the same way —
``claims.csv`` (experiment, claim_id, claim, verdict, evidence) and
``claims.md`` — so a reader finds them in one form. A verdict comes from
sub-checks fixed before looking at the numbers (``verdict``); the evidence
names the numbers that decided it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import pandas as pd

from harness.results import atomic_write_text, write_csv

REPRODUCED = "reproduced"
PARTLY = "partly"
NOT_REPRODUCED = "not reproduced"
NOT_EVALUATED = "not evaluated"


@dataclass(frozen=True)
class Claim:
    """One claim of the paper as checked by one experiment; the fields are the columns of claims.csv."""

    experiment: str
    claim_id: str
    claim: str
    verdict: str
    evidence: str

    def markdown(self) -> str:
        return f"- **{self.claim_id}** {self.claim} — **{self.verdict}**. {self.evidence}"


COLUMNS = [f.name for f in fields(Claim)]


def verdict(held: int, total: int) -> str:
    """All of ``total`` sub-checks hold: reproduced; none: not reproduced; some: partly; no check: not evaluated."""
    if total == 0:
        return NOT_EVALUATED
    if held == total:
        return REPRODUCED
    return PARTLY if held else NOT_REPRODUCED


def verdict_of(checks: list[bool]) -> str:
    return verdict(sum(bool(c) for c in checks), len(checks))


def claims_frame(claims: list[Claim]) -> pd.DataFrame:
    return pd.DataFrame([asdict(c) for c in claims], columns=COLUMNS)


def write_claims(claims: list[Claim], out: Path, title: str = "The paper's claims") -> str:
    """Write ``claims.csv`` and ``claims.md`` into ``out``; return the markdown."""
    write_csv(claims_frame(claims), Path(out) / "claims.csv")
    counts = pd.Series([c.verdict for c in claims], dtype=object).value_counts()
    tally = ", ".join(f"{n} {v}" for v, n in counts.items()) or "no claim applies to this run"
    text = "\n".join([f"# {title}\n", f"{tally}.\n", *[c.markdown() for c in claims], ""])
    atomic_write_text(Path(out) / "claims.md", text)
    return text
