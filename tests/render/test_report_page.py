"""The reproduction's REPORT.html as a reader gets it: CommonMark by markdown-it-py, figures inlined, each claim
once; checked in a real browser (tests/browser.py)."""
from __future__ import annotations

import re

import pandas as pd
import pytest
from browser import assert_page, needs_chromium
from cli import run

from harness.render.report import to_html


def test_markdown_becomes_html_by_commonmark():
    page = to_html("# T\n\nA paragraph\nover two lines.\n\nNot bold: 2\\*\\*13. Bold: **yes**. Raw: <b>x</b>\n\n"
                   "| a | b |\n|---|---|\n| 1 | x \\| y |\n")
    assert page.count("<p>") == 2 and "A paragraph\nover two lines.</p>" in page  # a paragraph is one <p>
    assert "2**13" in page and "<strong>yes</strong>" in page and "&lt;b&gt;x&lt;/b&gt;" in page  # raw HTML off
    assert "<td>x | y</td>" in page


def test_an_image_of_the_run_folder_is_inlined(tmp_path):
    (tmp_path / "part").mkdir()
    (tmp_path / "part" / "a b.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    page = to_html("![fig](<part/a b.png>)\n\n![elsewhere](other.png)\n", tmp_path)
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page and 'src="other.png"' in page


@pytest.fixture(scope="module")
def reproduction(tmp_path_factory):
    """The interpret part and the interpret_methods part on sw-en: both check the paper's eight case-study claims
    (interpret_methods' cells are interpret's, from the cache)."""
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "run"
    run(tmp, "+experiment=reproduce", "parts=[interpret,interpret_methods]", "surrogate=[ebm_fast,linear]",
        "seed=[0]", "++pairs=[sw-en]", "++tables=[{kind:nmt,pair:sw-en}]", f"hydra.run.dir={out}",
        cache=tmp / "cache")
    return out


def test_each_claim_is_listed_and_counted_once(reproduction):
    parts = [pd.read_csv(reproduction / p / "claims.csv") for p in ("interpret", "interpret_methods")]
    assert len(parts[0]) == len(parts[1]) == 8  # the same eight claims, checked by both parts
    claims = pd.read_csv(reproduction / "claims.csv")
    assert len(claims) == 8 and not claims.duplicated(["experiment", "claim_id"]).any()
    report = (reproduction / "REPORT.md").read_text()
    assert report.count("8 claims:") == 1 and report.count("## Claims of the paper, checked") == 1
    section = report.split("## Claims of the paper, checked")[1].split("\n## ")[0]
    assert len(re.findall(r"^- \*\*", section, flags=re.M)) == 8
    assert all(report.count(f"- **{c}**") == 1 for c in claims["claim_id"])  # nowhere else in the report
    assert report.count("are listed once, with their evidence") == 2  # in each part's section, a pointer instead


@needs_chromium
def test_the_report_page_stands_alone(reproduction, tmp_path):
    """Every figure decodes from the page itself, nothing is fetched, no markup shows raw."""
    check = assert_page(reproduction / "REPORT.html", tmp_path / "REPORT.png")
    shown = len(re.findall(r"^!\[", (reproduction / "REPORT.md").read_text(), flags=re.M))
    assert len(check.images) == shown >= 6 and all(i["src"].startswith("data:image/png;base64,") for i in check.images)
    assert "Claims of the paper, checked" in check.text
