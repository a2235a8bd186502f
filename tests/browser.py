"""A page as a person sees it: a self-contained HTML file rendered headless in Debian's chromium, and checked.

``check_page(path, screenshot)`` opens ``path`` (a file, by its ``file://`` address) in chromium driven by
Playwright (``executable_path="/usr/bin/chromium"``: the system browser, never a browser Playwright would
download) and returns a :class:`PageCheck`:

- every ``<img>`` must decode (``complete`` and ``naturalWidth > 0``): a figure shows, not its alt text;
- no request may leave the page: a request to any ``http:``/``https:`` address is refused and listed (data:
  URIs and the file itself are fine), so a page that shows its figures here shows them moved or mailed too;
- its text (``document.body.innerText``) must hold no raw markup: ``$``, ``**``, ``\\mathdefault`` by
  default, which show where markdown or mathtext was not rendered;
- no script may run: a dialog (``alert``) or an error raised by a script in the page is listed.

A full-page screenshot is written to ``screenshot`` so a person can look. ``PageCheck.problems`` lists what
failed, in words; ``assert_page`` raises with them.

The tests that use it are marked ``needs_chromium``: they skip, saying why, where chromium or Playwright is
missing, except where ``HARNESS_REQUIRE_BROWSER=1`` (``.ci/run`` installs chromium and sets it), where a
missing browser is a failure.

    from browser import assert_page, needs_chromium

    @needs_chromium
    def test_page(tmp_path):
        check = assert_page(tmp_path / "explain.html", tmp_path / "explain.png")
        assert "What matters" in check.text
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# the flags that work in this sandbox (no GPU, no setuid sandbox) and keep the browser off the network
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
RAW_MARKUP = ("$", "**", "\\mathdefault")
REQUIRED = os.environ.get("HARNESS_REQUIRE_BROWSER") == "1"


def missing() -> str | None:
    """Why no page can be checked here (None when chromium and Playwright are both there)."""
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        return f"no chromium at {CHROMIUM} (Debian: apt-get install -y chromium; .ci/run installs it)"
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


def needs_chromium(test):
    """Mark a test that renders a page: skipped (saying why) without chromium or Playwright, failed instead under
    ``HARNESS_REQUIRE_BROWSER=1``."""
    reason = missing()
    if reason and REQUIRED:  # in CI the browser must be there: a missing one fails the test, it is not skipped
        def failing(*args, **kwargs):
            pytest.fail(f"HARNESS_REQUIRE_BROWSER=1 but {reason}")
        failing.__name__, failing.__doc__ = test.__name__, test.__doc__
        return failing
    return pytest.mark.skipif(reason is not None, reason=reason or "")(test)



@dataclass
class PageCheck:
    """What chromium showed of a page: its images, the requests that left it, raw markup and script activity."""

    path: Path
    screenshot: Path | None
    text: str
    images: list[dict] = field(default_factory=list)  # per <img>: src (first 80 characters), complete, naturalWidth
    external: list[str] = field(default_factory=list)  # http(s) requests made (and refused)
    markup: list[str] = field(default_factory=list)  # raw markup found in the text
    scripts: list[str] = field(default_factory=list)  # dialogs opened and errors raised by scripts in the page

    @property
    def broken_images(self) -> list[dict]:
        return [i for i in self.images if not i["complete"] or i["naturalWidth"] <= 0]

    @property
    def problems(self) -> list[str]:
        return ([f"image does not decode: {i['src']}" for i in self.broken_images]
                + [f"request leaves the page: {u}" for u in self.external]
                + [f"raw markup in the text: {m!r}" for m in self.markup]
                + [f"a script ran: {s}" for s in self.scripts])


def check_page(path: Path, screenshot: Path | None = None, raw_markup=RAW_MARKUP, width: int = 1280) -> PageCheck:
    """Render ``path`` in headless chromium and check it (see the module's docstring); ``screenshot``: where the
    full-page PNG goes (none taken when None)."""
    from playwright.sync_api import sync_playwright

    path = Path(path).resolve()
    external, scripts = [], []

    def route(r):
        if r.request.url.startswith(("http:", "https:")):
            external.append(r.request.url)
            return r.abort()
        return r.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"),
                                    args=FLAGS)  # Playwright gives it a new, empty --user-data-dir
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", route)
            page.on("dialog", lambda d: (scripts.append(f"dialog {d.type}: {d.message}"), d.dismiss()))
            page.on("pageerror", lambda e: scripts.append(f"error: {e}"))
            page.goto(path.as_uri(), wait_until="load")
            images = page.evaluate("""() => Array.from(document.images).map(i => (
                {src: i.getAttribute('src') ? i.getAttribute('src').slice(0, 80) : '', complete: i.complete,
                 naturalWidth: i.naturalWidth}))""")
            text = page.evaluate("() => document.body.innerText")
            if screenshot is not None:
                Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return PageCheck(path, screenshot, text, images, external, [m for m in raw_markup if m in text], scripts)


def assert_page(path: Path, screenshot: Path | None = None, **kwargs) -> PageCheck:
    """``check_page``, failing the test with every problem found."""
    check = check_page(path, screenshot, **kwargs)
    assert not check.problems, f"{path}: " + "; ".join(check.problems)
    return check
