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
    """Write ``claims.csv`` into ``out`` (empty where no claim applies: a run on other tables than the paper's) and,
    where claims apply, ``claims.md``; return its markdown ("" for none: such a run says nothing of the paper)."""
    out = Path(out)
    write_csv(claims_frame(claims), out / "claims.csv")
    if not claims:
        (out / "claims.md").unlink(missing_ok=True)
        return ""
    counts = pd.Series([c.verdict for c in claims], dtype=object).value_counts()
    tally = ", ".join(f"{n} {v}" for v, n in counts.items())
    experiments = list(dict.fromkeys(c.experiment for c in claims))
    lines = [f"# {title}\n", f"{len(claims)} claim{'s' if len(claims) > 1 else ''}: {tally}.\n"]
    for e in experiments:  # claims of several experiments (a reproduction's) under a heading each
        lines += [f"## {e}\n"] if len(experiments) > 1 else []
        lines += [c.markdown() for c in claims if c.experiment == e] + ([""] if len(experiments) > 1 else [])
    text = "\n".join([*lines, ""])
    atomic_write_text(out / "claims.md", text)
    return text


def checked_once(frames: list[pd.DataFrame]) -> list[Claim]:
    """The claims of several parts' ``claims.csv`` (in the parts' order), each claim once: a claim is one
    (experiment, claim_id), and a reproduction checks some twice (the interpret and interpret_methods parts both
    run the interpret experiment on the paper's pairs). The first part's verdict stands; where a later part came
    to another, its evidence says so."""
    table = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
    if table is None:
        return []
    claims = []
    for _, g in table.groupby(["experiment", "claim_id"], sort=False):
        first = g.iloc[0]
        other = g[g["verdict"] != first["verdict"]]
        evidence = str(first["evidence"]) + "".join(
            f" (checked again by another part: {r.verdict}; {r.evidence})" for r in other.itertuples())
        claims.append(Claim(*(str(first[c]) for c in COLUMNS[:-1]), evidence))
    return claims
