"""Numbers in significant digits, names escaped once for markdown: what every table, page and figure writes."""
from __future__ import annotations

import html

import pytest
from markdown_it import MarkdownIt

from harness.text import fmt_value, md_text, num, nums, pm, value_labels

HOSTILE = ["2**13", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "learning_rate_init", "_lead_", "*a*",
           "$x$", "a|b", "[a](http://x)", "`code`", "&amp;", "&#x41;", "# h", "h #", "~~s~~", "a\\b", "#embed",
           "x[1]", "a<b", "size>", "![i](x.png)", "- item", "1. item", "12) item", "+ x", "-1.5", "10.5 x",
           "line\nbreak", "[a]: http://x", "[x][y]", "[0.75–0.88]"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_name_reads_as_written_in_markdown(name):
    """CommonMark (markdown-it-py, which writes REPORT.html) shows the escaped name as the name itself, as a block
    of its own, inline and in a table cell."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    shown = html.escape(name.replace("\n", " "), quote=False)
    assert md.renderInline(md_text(name)) == shown
    assert md.render(md_text(name)) == f"<p>{shown}</p>\n"
    assert f"<td>{shown}</td>" in md.render(f"| a |\n|---|\n| {md_text(name)} |\n")


def test_plain_names_and_numbers_stay_as_they_are():
    for plain in ("learning_rate_init", "#embed", "0.0172 ± 0.0003", "-1.5", "sw-en", "a > b", "solver in {sgd,adam}",
                  "0.81 [0.75–0.88]", "x[1]"):
        assert md_text(plain) == plain


def test_numbers_in_significant_digits():
    assert [num(v) for v in (0, 0.0172, 3.87, 14.47, 1234.4, 9.996, 0.5, 1.0, 0.001234, -0.0001, float("nan"))] == \
        ["0", "0.0172", "3.87", "14.5", "1234", "10.0", "0.500", "1.00", "0.00123", "-1.00e-4", "–"]
    assert num(0.25, 2, sign=True) == "+0.25" and num(-0.25, 2, sign=True) == "-0.25"
    assert nums([0.0172, 0.0168, 0.0171]) == ["0.0172", "0.0168", "0.0171"]
    assert nums([0.01721, 0.01724]) == ["0.01721", "0.01724"]  # digits added until neighbours differ: never 0.02 > 0.02
    assert pm(14.47, 2.96) == "14.5 ± 3.0" and pm(3.87) == "3.87" and pm(float("nan"), failed=2) == "failed (2)"


def test_values_as_people_write_them():
    assert [fmt_value(v) for v in (10000, 3e-4, 0.001, 512, 0.5, "adam", 1.0, 0.265389, 0.0890354, 1.43e-4)] == \
        ["10k", "3e-4", "1e-3", "512", "0.5", "adam", "1", "0.265", "0.089", "1.43e-4"]
    assert value_labels([0.26531, 0.26542, 1]) == ["0.2653", "0.2654", "1"]
