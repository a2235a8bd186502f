"""One report for a full reproduction: REPORT.md and a self-contained REPORT.html.

It gathers what the parts wrote — their summaries (with the paper's numbers
side by side), the claims the run checked (each once: ``claims.md``, which the
reproduction writes beside the parts) and every figure — and states the
provenance: library versions, machine and timings. It computes nothing: every
section is a part's own markdown or table.

The HTML is markdown-it-py's CommonMark with tables, raw HTML off (a name
holding markup is shown, never run), every figure inlined as a data URI so the
page moved or mailed still shows them.
"""
from __future__ import annotations

import base64
import json
import mimetypes
import re
from pathlib import Path
from urllib.parse import quote, unquote

from harness.render.stability import per_method_markdown, requirement
from harness.results import atomic_write_text, read_table
from harness.text import html_text, md_text

def _demote(md: str, levels: int = 1) -> str:
    return re.sub(r"^(#+)", lambda m: "#" * min(len(m.group(1)) + levels, 6), md, flags=re.M)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def build_report(run_dir: Path) -> Path:
    run_dir = Path(run_dir)
    env = _read_json(run_dir / "environment.json")
    meta = _read_json(run_dir / "reproduce.json")
    parts = meta.get("parts") or [p.name for p in sorted(run_dir.iterdir()) if (p / "summary.md").exists()]
    claims = run_dir / "claims.md"  # each claim the parts checked, once (written only where claims apply: the paper's data)
    of = "the NMT HPO tables" if claims.exists() else "this run's tables"
    lines = [f"# Reproduction report: glassbox surrogates of {of}", ""]
    lines += _provenance(env, meta)
    if claims.exists():
        lines += [_demote(claims.read_text().strip()), ""]
    lines += _methods_section(run_dir, parts)
    for p in parts:
        summary = run_dir / p / "summary.md"
        if not summary.exists():
            continue
        lines += [f"## {md_text(meta.get('titles', {}).get(p, p))}", "", f"Outputs: `{p}/`", ""]
        text = summary.read_text().strip()
        lines += [_demote(_without_claims(text) if claims.exists() else text, 2), ""]
        for fig in sorted((run_dir / p).glob("*.png")):
            lines += [_image(fig.stem, f"{p}/{fig.name}"), ""]
    md = "\n".join(lines) + "\n"
    atomic_write_text(run_dir / "REPORT.md", md)
    atomic_write_text(run_dir / "REPORT.html", to_html(md, run_dir, title="Reproduction report"))
    return run_dir / "REPORT.md"


CLAIMS_HEADING = re.compile(r"^(#+) The paper's\b.*\bclaims?\b", flags=re.M)
CLAIMS_ONCE = "The paper's claims this part checked are listed once, with their evidence, under *Claims of the paper, checked*."


def _without_claims(summary: str) -> str:
    """A part's summary without its section of the paper's claims (from its heading to the next heading of the
    same level or above): the report lists every claim once, in its own section."""
    m = CLAIMS_HEADING.search(summary)
    if m is None:
        return summary
    level = len(m.group(1))
    end = re.compile(rf"^#{{1,{level}}} ", flags=re.M).search(summary, m.end())
    return summary[:m.start()] + CLAIMS_ONCE + "\n\n" + (summary[end.start():] if end else "")


def _image(alt: str, path: str) -> str:
    """A markdown image of a file in the run folder (its path relative to the report, percent-encoded)."""
    return f"![{md_text(alt)}]({quote(path)})"


# The parts the importance methods' section gathers: the leaderboard on known truths, then the real tables
LEADERBOARD, AGREEMENT, STABILITY = "fidelity", "interpret_methods", "stability_methods"


def _methods_section(run_dir: Path, parts: list[str]) -> list[str]:
    """The leaderboard (means with 95 % intervals, paired tests, verdicts), the agreement matrix between methods on
    the real tables and the rows until each method's top-3 is stable — from the parts that ran."""
    board = run_dir / LEADERBOARD / "leaderboard.md"
    agree = run_dir / AGREEMENT / "method_agreement.md"
    stable = run_dir / STABILITY / "stable_sizes.csv"
    found = [f for f, p in ((board, LEADERBOARD), (agree, AGREEMENT), (stable, STABILITY)) if p in parts and f.exists()]
    if not found:
        return []
    lines = ["## Importance methods: a leaderboard against known truths, and the real tables", ""]
    if board in found:
        lines += [f"### The leaderboard on synthetic tables with a known truth (`{LEADERBOARD}/`)", "",
                  _demote(board.read_text().strip(), 2), ""]
        lines += [_image(f, f"{LEADERBOARD}/{f}.png") for f in ("leaderboard", "leaderboard_by_size")
                  if (run_dir / LEADERBOARD / f"{f}.png").exists()] + [""]
    if agree in found:
        head, _, body = agree.read_text().strip().partition("\n")
        lines += [f"### {head.lstrip('# ').strip()} (`{AGREEMENT}/`)", "", body.strip(), ""]
        if (run_dir / AGREEMENT / "method_agreement.png").exists():
            lines += [_image("method_agreement", f"{AGREEMENT}/method_agreement.png"), ""]
    if stable in found:
        frame = read_table(stable)
        need = requirement(float(frame["stable_fraction"].iloc[0]), int(frame["n_seeds"].max()))
        lines += [f"### Rows until each method's top-3 is stable on the real tables (`{STABILITY}/`)", "",
                  per_method_markdown(frame), "",
                  f"Nested random subsets; stable = the top-3 set equals the method's own full-data top-3 in ≥ {need}, "
                  "at that size and every larger one below 100 %.", ""]
    return lines


def _provenance(env: dict, meta: dict) -> list[str]:
    libs = env.get("libraries", {})
    out = ["## Provenance", "",
           f"- Machine: {env.get('platform', '?')}, {env.get('cpus', '?')} CPUs; Python {env.get('python', '?')}",
           "- Libraries: " + ", ".join(f"{k} {v}" for k, v in libs.items())]
    kernels = env.get("kernels")
    if kernels:
        simd = kernels.get("numpy")
        out.append(f"- CPU kernels: numpy {'unknown' if simd is None else ' '.join(simd) or 'baseline'}; "
                   f"BLAS {', '.join(kernels.get('blas', [])) or 'none loaded'}")
    secs = meta.get("seconds", {})
    if secs:
        out.append("- Wall time per part (each from its start to the end of its summary, which overlaps the next part's "
                   "fits): " + ", ".join(f"{k} {v:.0f} s" for k, v in secs.items()))
    if meta.get("fit_floor_seconds"):
        wall, floor = secs.get("total", float("nan")), meta["fit_floor_seconds"]
        out.append(f"- Speed: {wall:.0f} s wall against a fit floor of {floor:.0f} s (the {meta.get('cells_computed', '?')} "
                   f"computed cells' fit + predict + explain seconds / {meta.get('n_jobs', '?')} cells at once, per part at "
                   "least its longest cell): "
                   f"ratio {wall / floor:.2f}")
    if meta.get("reused"):
        out.append("- Restored unchanged from an earlier run: " + ", ".join(meta["reused"]))
    given = meta.get("overrides")
    if isinstance(given, dict):
        out += [f"- Overrides of {part}: " + (" ".join(f"`{o}`" for o in o_) or "none") for part, o_ in given.items()]
    elif given:
        out.append("- Overrides: " + " ".join(f"`{o}`" for o in given))
    out.append("")
    return out


STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.4}"
         "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 6px}"
         "th{background:#f3f3f3}img{max-width:100%}code{background:#f6f6f6}")


def to_html(md: str, folder: Path | None = None, title: str = "Report") -> str:
    """A whole HTML page of ``md``: CommonMark with tables (markdown-it-py), raw HTML off, so markup in the text
    is shown as text; an image whose path names a file in ``folder`` is inlined as a data URI (the page stands
    alone), any other image keeps its path."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(md)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image" and folder is not None:
                child.attrSet("src", _data_uri(Path(folder), child.attrGet("src")))
    body = parser.renderer.render(tokens, parser.options, {})
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html_text(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n")


def _data_uri(folder: Path, src: str | None) -> str:
    """``src`` as a data URI of the file it names below ``folder``; as it was where it names none."""
    if not src or ":" in src.split("/")[0]:
        return src or ""
    path = (folder / unquote(src)).resolve()
    if not path.is_file() or not path.is_relative_to(folder.resolve()):
        return src
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
