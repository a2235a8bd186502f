"""One report for a full reproduction: REPORT.md and a self-contained REPORT.html.

It gathers what the parts wrote — their summaries (with the paper's numbers
side by side), every claim verdict with its evidence, and every figure — and
states the provenance: library versions, machine and timings.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from harness.render.interpret import method_agreement_section
from harness.render.stability import per_method_markdown, requirement
from harness.results import atomic_write_text, read_table
from harness.text import html_text, md_cell

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
    claims = [read_table(run_dir / p / "claims.csv") for p in parts if (run_dir / p / "claims.csv").exists()]
    lines = ["# Reproduction report: glassbox surrogates of the NMT HPO tables", ""]
    lines += _provenance(env, meta)
    if claims:
        table = pd.concat(claims, ignore_index=True)
        counts = table["verdict"].value_counts().to_dict()
        lines += ["## Claims of the paper, checked", "",
                  "Verdicts: " + ", ".join(f"{v}: {n}" for v, n in counts.items()), "",
                  "| experiment | claim | verdict | evidence |", "|---|---|---|---|"]
        for r in table.itertuples():
            lines.append(f"| {md_cell(r.experiment)} | {md_cell(r.claim)} | **{r.verdict}** | {md_cell(r.evidence)} |")
        lines.append("")
    lines += _methods_section(run_dir, parts)
    for p in parts:
        summary = run_dir / p / "summary.md"
        if not summary.exists():
            continue
        lines += [f"## {meta.get('titles', {}).get(p, p)}", "", f"Outputs: `{p}/`", ""]
        lines += [_demote(summary.read_text().strip(), 2), ""]
        for fig in sorted((run_dir / p).glob("*.png")):
            lines += [f"![{fig.stem}]({p}/{fig.name})", ""]
    md = "\n".join(lines) + "\n"
    atomic_write_text(run_dir / "REPORT.md", md)
    atomic_write_text(run_dir / "REPORT.html", to_html(md))
    return run_dir / "REPORT.md"


# The parts the importance methods' section gathers: the leaderboard on known truths, then the real tables
LEADERBOARD, AGREEMENT, STABILITY = "fidelity", "interpret_methods", "stability_methods"


def _methods_section(run_dir: Path, parts: list[str]) -> list[str]:
    """The leaderboard (means with 95 % intervals, paired tests, verdicts), the agreement matrix between methods on
    the real tables and the rows until each method's top-3 is stable — from the parts that ran."""
    board = run_dir / LEADERBOARD / "leaderboard.md"
    agree = run_dir / AGREEMENT / "method_agreement.csv"
    stable = run_dir / STABILITY / "stable_sizes.csv"
    found = [f for f, p in ((board, LEADERBOARD), (agree, AGREEMENT), (stable, STABILITY)) if p in parts and f.exists()]
    if not found:
        return []
    lines = ["## Importance methods: a leaderboard against known truths, and the real tables", ""]
    if board in found:
        lines += [f"### The leaderboard on synthetic tables with a known truth (`{LEADERBOARD}/`)", "",
                  _demote(board.read_text().strip(), 2), ""]
        lines += [f"![{f}]({LEADERBOARD}/{f}.png)" for f in ("leaderboard", "leaderboard_by_size")
                  if (run_dir / LEADERBOARD / f"{f}.png").exists()] + [""]
    if agree in found:
        section = method_agreement_section(read_table(agree))
        lines += [f"### {section[0].lstrip('# ').strip()} (`{AGREEMENT}/`)", "", *section[1:]]
        if (run_dir / AGREEMENT / "method_agreement.png").exists():
            lines += [f"![method_agreement]({AGREEMENT}/method_agreement.png)", ""]
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


def _inline(text: str) -> str:
    text = html_text(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def _cells(row: str) -> list[str]:
    """A markdown table row's cells: split on the pipes ``md_cell`` did not escape, then unescape."""
    inner = row.strip()[1:-1] if row.strip().endswith("|") else row.strip()[1:]
    return [re.sub(r"\\(.)", r"\1", c).strip() for c in re.split(r"(?<!\\)\|", inner)]


def to_html(md: str) -> str:
    """A small converter for the markdown this report writes (headings, tables, lists, images by relative path)."""
    body, table, in_list = [], [], False

    def flush_table():
        if not table:
            return
        rows = [_cells(r) for r in table if not re.match(r"^\|[-| :]+\|$", r.strip())]
        head, *rest = rows
        body.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>"
                    + "".join("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>" for r in rest) + "</tbody></table>")
        table.clear()

    for line in md.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush_table()
        if in_list and not line.startswith("- "):
            body.append("</ul>")
            in_list = False
        if m := re.match(r"^(#{1,6}) (.*)", line):
            n = len(m.group(1))
            body.append(f"<h{n}>{_inline(m.group(2))}</h{n}>")
        elif m := re.match(r"^!\[(.*?)\]\((.*?)\)", line):
            src, alt = html_text(m.group(2)), html_text(m.group(1))
            body.append(f'<figure><img src="{src}" alt="{alt}"><figcaption>{alt}</figcaption></figure>')
        elif line.startswith("- "):
            if not in_list:
                body.append("<ul>")
                in_list = True
            body.append(f"<li>{_inline(line[2:])}</li>")
        elif line.strip():
            body.append(f"<p>{_inline(line)}</p>")
    flush_table()
    if in_list:
        body.append("</ul>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.4}"
             "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 6px}"
             "th{background:#f3f3f3}img{max-width:100%}figure{margin:1em 0}code{background:#f6f6f6}")
    return f"<!doctype html><html><head><meta charset='utf-8'><title>Reproduction report</title><style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
