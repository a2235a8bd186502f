"""A markdown file as one self-contained HTML page with a table of contents.

The markdown is CommonMark with tables (markdown-it-py, raw HTML off: a name holding markup is shown, never run), as
the reproduction report's (``harness.render.report``); here each section heading also gets an ``id`` and the page a
table of contents of its ``##`` sections under its title, and every image naming a file beside the markdown is
inlined as a data URI (``report._data_uri``), so the page moved or mailed shows it all and loads nothing.
"""
from __future__ import annotations

import re
from pathlib import Path

from harness.render.report import STYLE, _data_uri
from harness.results import atomic_write_text
from harness.text import html_text

PAGE_STYLE = (STYLE + "nav{background:#f7f7f7;border:1px solid #ddd;padding:0.4em 1.2em;margin:1em 0}"
              "nav ol{margin:0.3em 0}pre{background:#f6f6f6;padding:0.8em;overflow-x:auto;font-size:0.85em}"
              "h2{border-bottom:1px solid #ddd;padding-bottom:0.2em;margin-top:2em}")


def slug(text: str, taken: set[str]) -> str:
    """A heading's anchor: its words in lower case joined by ``-`` (``what-matters``), made unique on the page."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    taken.add(name)
    return name


def to_page(md: str, folder: Path | None, title: str) -> str:
    """The HTML page of ``md`` (see the module docstring)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(md)
    taken: set[str] = set()
    sections = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            words = tokens[i + 1].content
            token.attrSet("id", slug(words, taken))
            if token.tag == "h2":
                sections.append((token.attrGet("id"), words))
        for child in token.children or ():
            if child.type == "image" and folder is not None:
                child.attrSet("src", _data_uri(Path(folder), child.attrGet("src")))
    body = parser.renderer.render(tokens, parser.options, {})
    if sections:
        nav = ("<nav><strong>Contents</strong><ol>"
               + "".join(f'<li><a href="#{anchor}">{html_text(words)}</a></li>' for anchor, words in sections)
               + "</ol></nav>\n")
        end = body.find("</h1>")
        body = body[:end + len("</h1>\n")] + nav + body[end + len("</h1>\n"):] if end >= 0 else nav + body
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{html_text(title)}</title>"
            f"<style>{PAGE_STYLE}</style></head><body>\n{body}</body></html>\n")


def write_page(markdown: Path, html: Path, title: str) -> Path:
    """``markdown`` (its images beside it) as the self-contained page ``html``, written atomically."""
    markdown = Path(markdown)
    return atomic_write_text(html, to_page(markdown.read_text(encoding="utf-8"), markdown.parent, title))
