"""The explain page's content: its figures and the markdown of each section, formatting what
``harness.analysis.explain_page`` computed from the run's tidy tables (a :class:`~harness.analysis.explain_page.Page`).

``summary`` writes ``explain.md``, the figures (importance, methods, shapes, pairs, ablation) and the next search space
for the tools (``harness.render.search_space``); ``page`` turns ``explain.md`` into ``explain.html``
(``harness.render.page``). Numbers are written by ``harness.text.num``, names escaped by ``md_text``; a user's run
gets no word of the paper and no claims table.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.explain_page import FEW_ROWS, PAIR_BINS, Page
from harness.analysis.interpret import TOP_K, term_label
from harness.interpretation.record import GLOBAL
from harness.render import failures as render_failures
from harness.render import search_space as snippets
from harness.render.drawing import drawn
from harness.render.figures import figure, legend, level_ticks, plt, positions, save, subplots, suptitle, value_order, wrap
from harness.render.interpret import interaction_heatmaps, measure_label
from harness.render.markdown import table
from harness.render.page import write_page
from harness.results import atomic_write_text
from harness.text import fmt_value, md_text, num, nums

FACTS = "explain.json"
MARKDOWN, HTML = "explain.md", "explain.html"
KIND_WORDS = {"smac": "SMAC3 run", "optuna": "Optuna study", "raytune": "Ray Tune experiment", "table": "table",
              "nmt": "NMT HPO table", "nmtlc": "NMTLC table", "synthetic": "synthetic table"}
SNIPPETS = {"optuna": ("next_space_optuna.py", "python", snippets.optuna_space, "Optuna"),
            "smac": ("next_space_configspace.json", "json", snippets.configspace_json, "SMAC3 (ConfigSpace)"),
            "raytune": ("next_space_raytune.py", "python", snippets.raytune_space, "Ray Tune")}
LEVEL = "90 %"
BEST, WORSE, BAR = "tab:green", "tab:red", "tab:blue"
ROWS, BAND = "#dbe4ee", "tab:orange"  # the rows behind a shape, and its band


def facts_of(out: Path) -> dict:
    return json.loads((Path(out) / FACTS).read_text(encoding="utf-8"))


def summary(page: Page, facts: dict, out: Path, best=None, space=None, ablation=None, next_space=None, sampling=None,
            holdout=None, trust=None) -> None:
    """explain.md, its figures and the next search space's files, from the page's numbers (``harness.analysis
    .explain_page``) and the tidy tables they format."""
    ref, labels, explained, path = page.reference, page.labels, page.explained, page.path
    parts = [f"# {md_text(facts['page']['title'])}", "", _intro(facts, explained), ""]
    at_a_glance = glance(facts, best, space, page)
    if not page.reference_explained:
        parts += at_a_glance + ["## What matters", "", f"The reference surrogate {md_text(ref)} explained nothing (see *Failed "
                  "surrogates*): there is nothing to show.", ""]
        atomic_write_text(out / MARKDOWN, "\n".join(parts) + "\n")
        return
    effects, record = page.effects, page.record
    unit = facts["unit"] or facts["label"]
    methods = page.methods.set_index("surrogate")
    importance_figure(effects, labels, methods.at[ref, "measure"], unit, ref, out / "importance.png")
    shape_panels(record, effects, labels, space, page.best_config, unit, out / "shapes.png")
    if len(page.pairs):
        shown = list(zip(page.pairs["feature_a"], page.pairs["feature_b"]))
        interaction_heatmaps(page.surfaces, shown, labels, unit, out / "pairs.png",
                             title=f"The strongest pair terms of {ref}")
    if len(path) > 1:
        ablation_figure(path, labels, facts, out / "ablation.png")
    if len(explained) > 1:
        methods_figure(page.method_effects, methods, list(effects["feature"]), labels, unit, out / "methods.png")
    parts += in_short(facts, page, best, trust, next_space)
    parts += at_a_glance
    parts += matters(page, unit, declared=space is None or not len(space) or bool(space["declared"].iloc[0]))
    parts += acts(page, facts)
    parts += interact(page)
    parts += ablation_section(page, facts)
    parts += side_by_side(page)
    parts += trust_section(facts, page, trust, sampling, holdout)
    parts += next_section(next_space, facts, labels, out)
    parts += about(facts, page)
    atomic_write_text(out / MARKDOWN, "\n".join(parts) + "\n")


def page(out: Path) -> Path:
    """explain.html from explain.md (every figure inlined, a table of contents)."""
    out = Path(out)
    title = facts_of(out)["page"]["title"] if (out / FACTS).exists() else "Explanation"
    return write_page(out / MARKDOWN, out / HTML, title)


def failures_section(out: Path, failures: pd.DataFrame) -> None:
    """The surrogates that failed, at the end of explain.md."""
    text = (out / MARKDOWN).read_text(encoding="utf-8").rstrip("\n")
    atomic_write_text(out / MARKDOWN, "\n".join([text, "", *render_failures.section(failures)]) + "\n")


# ---------------------------------------------------------------- sections


def _name(f: str, labels: dict) -> str:
    return md_text(labels.get(f, f))


def _intro(facts: dict, explained: list[str]) -> str:
    kind = KIND_WORDS.get(facts["kind"], facts["kind"])
    return (f"What the {kind} at {md_text(facts['source'])} says about its hyperparameters: {facts['rows']} "
            f"configurations, explained by {', '.join(md_text(s) for s in explained) or 'no method'} "
            f"({md_text(facts['reference'])} leads). Every number below comes from models fitted to these rows; "
            "where it is uncertain the page says so.")


def _direction(facts: dict) -> str:
    return "higher is better" if facts["maximize"] else "lower is better"


def in_short(facts: dict, page: Page, best: pd.DataFrame, trust: pd.DataFrame, next_space: pd.DataFrame) -> list[str]:
    """The page in a few lines: what matters most, the best score, the first step of the ablation, whether the
    methods agree, how far to trust it, what to search next."""
    labels, kind, path = page.labels, page.kind, page.path
    top = list(page.effects["feature"][:3])
    steps = page.steps
    first = steps.iloc[0] if len(steps) else None
    if first is None:
        order = ""
    elif not page.intervals[kind]:
        order = " (no interval: the order is not settled)"
    else:
        order = f" (its lead over {_name(first['feature_lo'], labels)} is {'' if first['settled'] else 'not '}settled)"
    lines = ["## In short", "",
             f"- **Matters most** ({md_text(facts['reference'])}, {kind} effects): {_name(top[0], labels)}"
             + (f", then {', '.join(_name(f, labels) for f in top[1:])}" if len(top) > 1 else "") + order + "."]
    if best is not None and len(best):
        lines.append(f"- **Best observed** {md_text(facts['label'])}: {num(best[facts['target']].iloc[0])} "
                     f"(row {int(best['row'].iloc[0])}; {_direction(facts)}).")
    if len(path) > 1:
        start = _start(path)
        step = page.gain
        if step is not None:
            lines.append(f"- **Largest predicted gain** on the way from the {start} to the best: {_changes(step, labels)} "
                         f"({num(step['change'], sign=True)} {md_text(facts['label'])}, predicted by "
                         f"{md_text(facts['reference'])}).")
        else:
            lines.append(f"- **No single change** from the {start} towards the best is predicted by "
                         f"{md_text(facts['reference'])} to help: it predicts the {start} no worse than the best.")
    if len(page.explained) > 1:
        lines.append("- **Methods**: " + (f"all {len(page.explained)} rank {_name(top[0], labels)} first."
                                          if page.answers == 1 else
                                          f"they disagree on the most important hyperparameter ({page.answers} "
                                          f"different answers from {len(page.explained)} methods)."))
    warnings = []
    if page.few_rows:
        warnings.append(f"{facts['rows']} rows are fewer than the benchmark needed for a stable top-3 by "
                        f"{', '.join(md_text(s) for s in page.few_rows)}")
    if page.concentrated:
        warnings.append(f"the rows are concentrated in {', '.join(_name(f, labels) for f in page.concentrated)}")
    if page.poor:
        warnings.append(f"{', '.join(md_text(s) for s in page.poor)} predict held-out rows poorly")
    lines.append("- **Trust**: " + ("; ".join(warnings) + " (see *How far to trust this*)." if warnings else
                                    "the rows, their spread and the held-out fit raise no warning."))
    if next_space is not None and len(next_space):
        acts = {a: [_name(f, labels) for f in next_space.loc[next_space["action"] == a, "feature"]]
                for a in ("fix", "narrow", "drop")}
        said = [f"{verb} {', '.join(acts[a])}" for a, verb in (("fix", "fix"), ("narrow", "narrow"), ("drop", "drop"))
                if acts[a]]
        lines.append("- **Next search**: " + ("; ".join(said) if said else "keep the space as it is") + ".")
    return lines + [""]


def _start(path: pd.DataFrame) -> str:
    """Where the ablation path starts, in words."""
    return "declared default" if path["reference_kind"].iloc[0] == "default" else "typical configuration"


def glance(facts: dict, best: pd.DataFrame, space: pd.DataFrame, page: Page) -> list[str]:
    """The run at a glance: source, rows, objective, the best configurations beside the reference, the space."""
    dropped = "; ".join(f"{n} {md_text(why)}" for why, n in facts["dropped"].items())
    lines = ["## At a glance", "",
             f"- **Source**: {KIND_WORDS.get(facts['kind'], md_text(facts['kind']))}, {md_text(facts['source'])}",
             f"- **Rows used**: {facts['rows']}" + (f"; left out: {dropped}" if dropped else "; none left out"),
             f"- **Objective**: {md_text(facts['label'])} ({_direction(facts)})"]
    if facts["dropped_columns"]:
        lines.append(f"- **Hyperparameters left out** (one value in every row, nothing to explain): "
                     f"{', '.join(md_text(c) for c in facts['dropped_columns'])}")
    details = facts.get("details") or {}
    if details.get("averaged_rows"):
        lines.append(f"- **Repeated runs**: {details['averaged_rows']} configurations ran more than once (seeds or "
                     "instances); each is one row, its score their mean")
    if details.get("budgets"):
        lines.append(f"- **Budgets**: {', '.join(fmt_value(b) for b in details['budgets'])}; each configuration at "
                     f"{'its highest' if details.get('budget') == 'max' else md_text(details.get('budget'))}")
    lines.append("")
    if best is not None and len(best):
        lines += _best_table(facts, best, space, page)
    if space is not None and len(space):
        lines += _space_table(facts, space, page.labels)
    return lines


def _best_table(facts, best, space, page: Page) -> list[str]:
    target, labels = facts["target"], page.labels
    hps = list(space["feature"]) if space is not None and len(space) else []
    ref_path = page.path[page.path["step"] == 0] if len(page.path) else page.path
    cols = [f"best (row {int(r['row'])})" if r["rank"] == 1 else f"#{int(r['rank'])} (row {int(r['row'])})"
            for _, r in best.iterrows()]
    rows = [[facts["label"], *nums(best[target])]]
    for extra, words in (("n_runs", "runs averaged"), ("number", "trial"), ("trial_id", "trial"),
                         ("config_id", "SMAC3 config id"), ("budget", "budget")):
        if extra in best:
            rows.append([words, *[md_text(fmt_value(v)) for v in best[extra]]])
    rows += [[_name(h, labels), *[_value(v) for v in best[h]]] for h in hps if h in best]
    lines = ["### The best configurations", "", table(["", *cols], rows, bold=[(0, j) for j in range(len(cols) + 1)]), ""]
    if len(ref_path):
        kind = ref_path["reference_kind"].iloc[0]
        lines += [f"The ablation below starts from the {'declared default' if kind == 'default' else 'typical'} "
                  f"configuration ({'the source declares it' if kind == 'default' else 'each categorical at its most common level, each number at its median: the source declares no default'}).", ""]
    if page.tie:
        lines += [f"These {len(best)} configurations tie on {md_text(facts['label'])}.", ""]
    return lines


def _value(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
        return "unset"
    return md_text(fmt_value(v))


def _space_table(facts, space, labels) -> list[str]:
    declared = bool(space["declared"].iloc[0])
    rows = []
    for s in space.itertuples(index=False):
        if s.type == "categorical":
            domain = "{" + ", ".join(md_text(v) for v in json.loads(s.levels)) + "}"
        else:
            domain = f"{md_text(fmt_value(s.low))} – {md_text(fmt_value(s.high))}"
        when = f"{md_text(s.parent)} in {{{', '.join(md_text(v) for v in json.loads(s.parent_levels))}}}" \
            if isinstance(s.parent, str) and s.parent else (md_text(s.condition) if isinstance(s.condition, str)
                                                             and s.condition else "always")
        rows.append([_name(s.feature, labels), s.type, domain, s.scale, _value(s.default) if declared else "–", when])
    where = ("as the source declares it" if declared else
             "as the rows span it (the source declares no space)")
    return [f"### The search space, {where}", "",
            table(["hyperparameter", "type", "range or levels", "scale", "default", "set when"], rows), ""]


def matters(page: Page, unit: str, declared: bool = True) -> list[str]:
    """What matters: the reference's main and total effects with intervals, most important first, and which
    orderings are settled."""
    ref, effects, labels = page.reference, page.effects, page.labels
    method = page.methods.set_index("surrogate").loc[ref]
    measure = measure_label(method["measure"], unit)
    sense_words = ("in the global sense (what matters across the search space; measured over "
                   + (("configurations drawn from the declared space)" if declared else "configurations drawn from the "
                       "search space as the rows span it)") if method["over_space"] else "the run's rows, "
                      "where the search went)") if method["sense"] == GLOBAL
                   else "in the local sense (what it takes to reach the top scores)")
    totals, intervals = page.kind == "total", page.intervals["main"]
    rows = []
    for rank, e in enumerate(effects.itertuples(index=False), start=1):
        row = [str(rank), _name(e.feature, labels), _bounded(e.main, e.main_lower, e.main_upper)]
        if totals:
            row.append(_bounded(e.total, e.total_lower, e.total_upper))
        row.append("all" if e.active_share >= 1 else f"{e.active_share:.0%}")
        rows.append(row)
    head = ["rank", "hyperparameter", f"main effect [{LEVEL}]" if intervals else "main effect"]
    if totals:
        head.append(f"total effect [{LEVEL}]" if page.intervals["total"] else "total effect")
    head.append("rows it is set on")
    lines = ["## What matters", "",
             f"Importance by {md_text(ref)}: {md_text(measure)}, {sense_words}. The **main effect** is a "
             "hyperparameter's own term; the **total effect** adds the pair terms it is in"
             + ("" if totals else " (this record has no total rows: main effects only)") + ".", "",
             "![Importance of each hyperparameter](importance.png)", "", table(head, rows), ""]
    return lines + _settled_lines(page)


def _bounded(value, lower, upper) -> str:
    if pd.isna(value):
        return "–"
    return f"{num(value)} [{num(lower)}, {num(upper)}]" if pd.notna(lower) and pd.notna(upper) else num(value)


def _settled_lines(page: Page) -> list[str]:
    kind, labels = page.kind, page.labels
    if not page.intervals[kind]:
        return [f"**Not settled**: this method gives no interval, so no ordering of hyperparameters is settled; read "
                "the ranking as an estimate.", ""]
    steps = page.steps
    n = page.ranked
    chain = [_name(steps["feature_hi"].iloc[0], labels)] if len(steps) else []
    for s in steps.itertuples(index=False):
        chain += [">" if s.settled else "≈", _name(s.feature_lo, labels)]
    loose = [f"{_name(s.feature_hi, labels)} vs {_name(s.feature_lo, labels)}" for s in steps.itertuples(index=False)
             if not s.settled]
    lines = [f"**Settled** ({kind} effects; {LEVEL} intervals apart): {page.settled} of {n * (n - 1) // 2} orderings. "
             f"Down the ranking: {' '.join(chain)} (> settled, ≈ not settled).", ""]
    if loose:
        lines += [f"**Not settled** (intervals overlap): {'; '.join(loose)}.", ""]
    return lines


def acts(page: Page, facts: dict) -> list[str]:
    """How each acts: the shape figure and, per hyperparameter, where the model predicts the best value."""
    rows = [[_name(s.feature, page.labels), _value(s.best_value), _value(s.in_best), num(s.swing)]
            for s in page.shapes.itertuples(index=False)]
    if not rows:
        return []
    band = ("; shaded: the band the method gives" if page.bands else "")
    return ["## How each hyperparameter acts", "",
            f"Each panel: {md_text(page.record.surrogate)}'s contribution of one hyperparameter to the predicted "
            f"{md_text(facts['label'])}, centred on the rows{band}; pale bars: rows at each value; dashed line: the best "
            "configuration's value. A conditional hyperparameter is drawn over the rows where it is set.", "",
            "![How each hyperparameter acts](shapes.png)", "",
            table(["hyperparameter", "best value by the model", "in the best configuration", "swing"], rows), "",
            "The swing is the spread of the contribution over the values seen (target units).", ""]


def interact(page: Page) -> list[str]:
    """Which pairs interact: the strongest pair terms of the reference, as surfaces."""
    lines = ["## Which pairs interact", ""]
    ref, pairs = page.reference, page.pairs
    if not len(pairs):
        return lines + [f"{md_text(ref)} has no pair terms: it explains the run with one term per hyperparameter.", ""]
    rows = [[md_text(term_label(p.term, page.labels)), _bounded(p.importance, p.lower, p.upper),
             f"{p.of_largest_main:.0%}" if pd.notna(p.of_largest_main) else "–"] for p in pairs.itertuples(index=False)]
    return lines + [f"The {len(pairs)} strongest pair terms of {md_text(ref)}: each surface is the pair's joint "
                    "contribution beyond the two main effects, both axes in value order (a hyperparameter with many "
                    f"values in {PAIR_BINS} ranges of them, each labelled by its median).", "",
                    "![The strongest pairs](pairs.png)", "",
                    table(["pair", "importance", "of the largest main effect"], rows), ""]


def ablation_section(page: Page, facts: dict) -> list[str]:
    """From the reference configuration to the best, step by step, as the surrogates predict it."""
    lines = ["## From the reference configuration to the best", ""]
    ref, path, labels = page.reference, page.path, page.labels
    if not len(path):
        return lines + ["No ablation path was computed.", ""]
    start = path.iloc[0]
    kind = _start(path)
    label = md_text(facts["label"])
    if len(path) == 1:
        return lines + [f"The {kind} is the best configuration: there is no path to walk.", ""]
    rows = [["0", f"the {kind}", num(start["predicted"]), ""]]
    for s in path.iloc[1:].itertuples(index=False):
        rows.append([str(int(s.step)), _changes(s, labels), num(s.predicted), num(s.change, sign=True)])
    end = path.iloc[-1]
    lines += [f"**Predicted by the {md_text(ref)} surrogate, not measured**: starting from the {kind}, each step "
              f"changes the one hyperparameter whose change the model predicts to improve {label} most (a parent's "
              "change switches its conditional children with it), until the best configuration "
              f"(row {int(start['best_row'])}) is reached.", "",
              "![Ablation path](ablation.png)", "",
              table(["step", "change", f"predicted {label}", "change"], rows), "",
              f"The best configuration's observed {label} is {num(start['observed_best'])}; {md_text(ref)} predicts "
              f"{num(end['predicted'])} there, and {num(start['predicted'])} at the {kind}.", ""]
    if page.models is not None:
        rows = []
        for m in page.models.itertuples(index=False):
            shared = f" (one model with {', '.join(md_text(n) for n in m.shared_with)})" if m.shared_with else ""
            rows.append([md_text(m.model) + shared, num(m.change, sign=True),
                         _name(m.first_step, labels) if m.first_step is not None else "–"])
        lines += ["Every model's prediction of the whole path:", "",
                  table(["model", "predicted change, reference → best", "first step"], rows), ""]
    return lines


def _changes(step, labels: dict) -> str:
    before = dict(part.split("=", 1) for part in str(step.before).split("; ") if "=" in part)
    after = dict(part.split("=", 1) for part in str(step.after).split("; ") if "=" in part)
    return "; ".join(f"{_name(h, labels)}: {md_text(fmt_value(before.get(h, '')))} → {md_text(fmt_value(after.get(h, '')))}"
                     for h in str(step.changed).split(", "))


def side_by_side(page: Page) -> list[str]:
    """Methods side by side: each method's ranking, its measure and sense, and how the methods agree."""
    explained, labels = page.explained, page.labels
    if len(explained) < 2:
        return []
    rows = [[_name(f, labels), *["–" if pd.isna(r) else str(r) for r in ranks]]
            for f, ranks in zip(page.ranks.index, page.ranks.itertuples(index=False))]
    agree = [[f"{md_text(a.method_a)} · {md_text(a.method_b)}", num(a.spearman), num(getattr(a, f"top{TOP_K}_overlap"))]
             for a in page.agreement.itertuples(index=False)]
    tops = dict(zip(page.methods["surrogate"], page.methods["first"]))
    verdict = (f"Every method ranks {_name(next(iter(tops.values())), labels)} first." if page.answers == 1 else
               "The methods disagree on the most important hyperparameter: "
               + "; ".join(f"{md_text(s)}: {_name(f, labels)}" for s, f in tops.items()) + ".")
    measures = [f"- **{md_text(m.surrogate)}** ({m.sense}): {md_text(m.measure)}"
                for m in page.methods.itertuples(index=False)]
    return ["## Methods side by side", "",
            "Each method ranks the hyperparameters in its own measure; ranks compare across measures. A global method "
            "asks what matters over the whole search space, a local one what it takes to reach the top scores: where "
            "they differ, both can be right.", "", "![Methods side by side](methods.png)", "",
            table(["hyperparameter (by " + md_text(page.reference) + ")", *[md_text(s) for s in explained]], rows), "",
            verdict, "", table(["methods", "Spearman ρ", f"top-{TOP_K} overlap"], agree), "", *measures, ""]


def trust_section(facts: dict, page: Page, trust: pd.DataFrame, sampling: pd.DataFrame,
                  holdout: pd.DataFrame) -> list[str]:
    """How far to trust this: rows against the benchmark, concentration of the rows, held-out fit, what is settled."""
    n = facts["rows"]
    lines = ["## How far to trust this", "", "### Rows against the benchmark", ""]
    if trust is not None and len(trust):
        rows, bold = [], []
        for t in trust.itertuples(index=False):
            stable = ("not in the benchmark" if t.verdict == "unknown" else
                      f"{t.stable_min:.0f} – {t.stable_max:.0f} rows (median {t.stable_median:.0f}), on "
                      f"{int(t.stable_tables)} of {int(t.tables)} tables" if t.verdict != "never" and pd.notna(t.tables)
                      else f"on none of {int(t.tables)} tables" if pd.notna(t.tables) else "–")
            if t.verdict in FEW_ROWS:
                bold.append((len(rows), 2))
            words = {"below": f"{n} rows: fewer than on any table where it was stable",
                     "within": f"{n} rows: within that range", "above": f"{n} rows: more than on every such table",
                     "never": f"{n} rows: it was never stable there", "unknown": "–"}[t.verdict]
            fid = (f"{num(t.spearman, 2)} [{num(t.spearman_lo, 2)}, {num(t.spearman_hi, 2)}] on {int(t.band_tables)} "
                   f"tables of {int(t.band)} rows" if pd.notna(t.spearman) else "–")
            rows.append([md_text(t.surrogate), stable, words, fid, _honesty_cell(t)])
        sampled = ("sampled as an HPO method samples (BO, GB, TPE)" if trust["sampled"].iloc[0] == "hpo" else
                   "spread over the space (uniform, random search)")
        lines += ["From the benchmark that ships with the harness: on its real tables (the NMT and LLM fine-tuning HPO "
                  "tables), the rows from which each method's top-3 hyperparameters stayed the same as on all rows "
                  "(in 4 of 5 seeds); on its synthetic tables with a known truth, how well each method's ranking "
                  f"matched it at about this size, and, on those {sampled} as this run's rows are, how often its 90 % "
                  "intervals held the true importance and how often an ordering they settled was true.", "",
                  table(["method", "top-3 stable from", "this run", "Spearman with the truth", "its 90 % intervals "
                         "there"], rows, bold), ""]
    if sampling is not None and len(sampling):
        lines += _sampling_lines(sampling, page)
    if holdout is not None and len(holdout):
        lines += _holdout_lines(facts, holdout, page)
    if page.intervals[page.kind]:
        n_h = page.ranked
        lines += ["### What is settled", "",
                  f"{page.settled} of {n_h * (n_h - 1) // 2} orderings of the {n_h} hyperparameters are settled by "
                  f"{facts['reference']}'s {LEVEL} intervals; every other one is **not settled**: the data do not tell "
                  "those hyperparameters apart." + _settled_record(trust, facts["reference"]), ""]
    else:
        lines += ["### What is settled", "", "**Not settled**: the reference method gives no interval, so nothing on "
                  "this page is settled; the rankings are estimates.", ""]
    return lines


def _settled_record(trust: pd.DataFrame | None, reference: str) -> str:
    """What the benchmark says of the orderings the reference's intervals settle, on tables sampled as this run."""
    if trust is None or "settled_true" not in trust:
        return ""
    t = trust[trust["surrogate"] == reference]
    if not len(t) or pd.isna(t["settled_true"].iloc[0]):
        return ""
    t = t.iloc[0]
    return (f" On the benchmark's synthetic tables sampled as this run's rows are, {num(100 * t.settled_true, 2)} % of "
            f"the {int(t.settled_orderings)} orderings its intervals settled were true, and its intervals held the true "
            f"importance for {num(100 * t.coverage, 2)} % of hyperparameters (nominal 90 %).")


def _honesty_cell(t) -> str:
    """How honest a method's intervals were on the benchmark's tables sampled as this run was."""
    if pd.isna(t.coverage):
        return "–"
    text = (f"held the truth for {num(100 * t.coverage, 2)} % [{num(100 * t.coverage_lo, 2)}, "
            f"{num(100 * t.coverage_hi, 2)}] of hyperparameters (nominal 90 %) on {int(t.coverage_tables)} tables")
    if pd.notna(t.settled_true):
        text += f"; {num(100 * t.settled_true, 2)} % of {int(t.settled_orderings)} settled orderings true"
    return text


def _sampling_lines(sampling: pd.DataFrame, page: Page) -> list[str]:
    tight, labels = page.concentrated, page.labels
    rows = []
    for s in sampling.itertuples(index=False):
        if s.scale == "categorical":
            detail = (f"{s.top_share:.0%} of rows at {md_text(s.top_level)} (uniform: {s.uniform_share:.0%})"
                      if pd.notna(s.top_share) else "–")
        else:
            later = f"; later half: {s.middle80_later:.0%}" if pd.notna(s.middle80_later) else ""
            detail = (f"middle 80 % of rows in {s.middle80:.0%} of its range{later}" if pd.notna(s.middle80) else "–")
        rows.append([_name(s.feature, labels), str(int(s.rows)), detail, "yes" if s.concentrated is True
                     or s.concentrated == 1.0 else "no"])
    verdict = ("The rows are **concentrated** (HPO-sampled) in "
               + ", ".join(_name(f, labels) for f in tight)
               + ": a global importance (over the whole declared space) rests there on few rows away from where the "
               "search went, so read it as the less certain one; what these rows measure best is the local sense, near "
               "the best." if tight else
               "The rows spread over the search space much as uniform sampling would: global and local importance are "
               "both measured on rows across the space.")
    return ["### How the rows cover the search space", "", verdict, "",
            table(["hyperparameter", "rows set", "spread", "concentrated"], rows), "",
            "Uniform sampling puts the middle 80 % of rows in about 80 % of a range (its own scale: log where the space "
            "is log); an adaptive search narrows it, most in its later trials.", ""]


def _holdout_lines(facts: dict, holdout: pd.DataFrame, page: Page) -> list[str]:
    folds = page.folds
    how = (f"{folds}-fold cross-validation" if folds > 1 else
           f"one split: trained on {facts['train_fraction']:.0%} of the rows, scored on the rest")
    rows = []
    for h in holdout.itertuples(index=False):
        shared = f" (the model of {md_text(h.model)})" if h.model != h.surrogate else ""
        if pd.isna(h.r2):
            rows.append([md_text(h.surrogate) + shared, md_text(h.reason), "–", num(h.r2_train, 2), "–"])
        else:
            rows.append([md_text(h.surrogate) + shared, num(h.r2, 2), num(h.src, 2), num(h.r2_train, 2),
                         str(int(h.n_test))])
    poor = [md_text(s) for s in page.poor]
    words = (f"{', '.join(poor)} predict{'s' if len(poor) == 1 else ''} held-out rows poorly (R² below 0.3): "
             "an importance then describes a model that explains little of what it did not see." if poor else
             "Every surrogate measured predicts held-out rows with R² of at least 0.3." if page.measured else
             "No held-out fit could be measured.")
    return ["### Held-out fit", "", f"Each model refitted without some rows and scored on them ({how}; R² of the pooled "
            "held-out errors against the variance of all scores):", "",
            table(["surrogate", "held-out R²", "held-out Spearman (mean over folds)", "in-sample R²", "rows scored"], rows),
            "", f"**{words}**" if poor else words, ""]


def next_section(next_space: pd.DataFrame, facts: dict, labels: dict, out: Path) -> list[str]:
    """What to search next: the narrowed space, and the files each tool loads."""
    lines = ["## What to search next", ""]
    if next_space is None or not len(next_space):
        return lines + ["No reference importances: no narrowed space.", ""]
    rows = []
    for r in next_space.itertuples(index=False):
        if r.action == "fix":
            what = f"= {_value(r.value)}"
        elif r.action == "drop":
            what = "not set"
        elif r.type == "categorical":
            what = "{" + ", ".join(md_text(v) for v in json.loads(r.levels)) + "}"
        else:
            what = f"{md_text(fmt_value(r.low))} – {md_text(fmt_value(r.high))}" + (" (log)" if r.scale == "log" else "")
        rows.append([_name(r.feature, labels), r.action, what, md_text(r.reason)])
    name = facts["name"]
    files = {}
    for kind, (file, _, write, _) in SNIPPETS.items():
        files[kind] = file
        atomic_write_text(out / file, write(next_space, name))
    main = facts["kind"] if facts["kind"] in SNIPPETS else "optuna"
    file, lang, _, tool = SNIPPETS[main]
    text = (out / file).read_text(encoding="utf-8")
    fence = "`" * max(3, max((len(run) for run in _backtick_runs(text)), default=0) + 1)
    lines += [f"Fix what does not matter at its best value (importance below {facts['page']['negligible']:.0%} of the "
              f"largest), narrow what matters to where the best {facts['page']['good_fraction']:.0%} of the rows are.",
              "", table(["hyperparameter", "next", "search", "why"], rows), "",
              f"For {tool}, `{file}`:", "", f"{fence}{lang}", text.rstrip("\n"), fence, "",
              "The same space for " + " and ".join(f"{SNIPPETS[k][3]} (`{f}`)" for k, f in files.items() if k != main)
              + " is beside this page.", ""]
    return lines


def _backtick_runs(text: str) -> list[str]:
    import re

    return re.findall(r"`+", text)


def about(facts: dict, page: Page) -> list[str]:
    """How the page was made: the fits, their libraries and seed, and each method in words."""
    lines = ["## How this page was made", "",
             f"Each surrogate was fitted once on all {facts['rows']} rows (seed {facts['seed']}) and explained by its own "
             "method; the held-out fit refits it without the held-out rows. Files beside this page: the tidy tables "
             "(importances.csv, shapes.csv, interactions.csv, effects.csv, orderings.csv, agreement.csv, "
             "shape_summary.csv, ablation.csv, best.csv, space.csv, next_space.csv, sampling.csv, holdout.csv, trust.csv, "
             "metrics.csv), the figures, and explain.md.", ""]
    lines += [f"- **{md_text(m.surrogate)}** ({md_text(m.library)}): {md_text(m.method)}"
              for m in page.methods.itertuples(index=False)]
    return lines + [""]


# ---------------------------------------------------------------- figures


@drawn
def importance_figure(effects: pd.DataFrame, labels: dict, measure: str, unit: str, ref: str, path: Path) -> Path:
    """The reference's main effect per hyperparameter (and total effect where it has one), with their intervals."""
    e = effects.iloc[::-1]
    names = [wrap(labels.get(f, f), 2.6, 9) for f in e["feature"]]
    y = np.arange(len(e))
    totals = e["total"].notna().any()
    h = 0.38 if totals else 0.7
    fig, ax = subplots(figsize=(7.5, 0.42 * len(e) + 1.6))
    bars = [("main", BAR, "main effect")] + ([("total", "tab:cyan", "total effect (main + its pairs)")] if totals else [])
    handles = []
    for i, (kind, color, words) in enumerate(bars):
        at = y + (i - (len(bars) - 1) / 2) * h
        err = None
        if e[f"{kind}_lower"].notna().any():
            lo = (e[kind] - e[f"{kind}_lower"]).clip(lower=0).fillna(0)
            hi = (e[f"{kind}_upper"] - e[kind]).clip(lower=0).fillna(0)
            err = [lo.to_numpy(), hi.to_numpy()]
        handles.append(ax.barh(at, e[kind].fillna(0), height=h, color=color, xerr=err, ecolor="black", capsize=2,
                               label=words))
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(measure_label(measure, unit))
    ax.grid(axis="x", alpha=0.3)
    words = [b[2] for b in bars]
    if e["main_lower"].notna().any():
        words = [w + f", {LEVEL} interval" for w in words]
    legend(fig, handles, words)
    suptitle(fig, f"What matters: {ref}")
    return save(fig, path)


@drawn
def methods_figure(effects: pd.DataFrame, methods: pd.DataFrame, order: list[str], labels: dict, unit: str,
                   path: Path) -> Path:
    """Each method's main effects (``effects``: every method's, as effects.csv), hyperparameters in the reference's
    order, each panel on its method's own measure (``methods``: measure and sense, indexed by method)."""
    names = [wrap(labels.get(f, f), 2.2, 8) for f in order][::-1]
    from matplotlib.ticker import MaxNLocator

    fig, axes = subplots(1, len(methods), figsize=(2.7 * len(methods) + 1.4, 0.36 * len(order) + 1.6), squeeze=False,
                         sharey=True)
    for ax, s in zip(axes[0], methods.index):
        e = effects[effects["surrogate"] == s].set_index("feature").reindex(order[::-1])
        err = None
        if e["main_lower"].notna().any():
            err = [(e["main"] - e["main_lower"]).clip(lower=0).fillna(0), (e["main_upper"] - e["main"]).clip(lower=0).fillna(0)]
        ax.barh(np.arange(len(order)), e["main"].fillna(0), color=BAR, xerr=err, ecolor="black", capsize=2)
        ax.set_yticks(np.arange(len(order)), names, fontsize=8)
        ax.set_title(f"{s} ({methods.at[s, 'sense']})", fontsize=9)
        ax.set_xlabel(wrap(measure_label(methods.at[s, "measure"], unit), 2.5, 8), fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    suptitle(fig, "Methods side by side (main effects; each on its own measure)")
    return save(fig, path)


@drawn
def shape_panels(record, effects: pd.DataFrame, labels: dict, space: pd.DataFrame, best: dict, unit: str,
                 path: Path) -> Path:
    """Each hyperparameter's shape (most important first): contribution with the method's band, rows per value
    behind it, the best configuration's value marked, a log axis where the hyperparameter is log-scaled."""
    features = [f for f in effects["feature"] if (record.shapes["feature"] == f).any()]
    scales = dict(zip(space["feature"], space["scale"])) if space is not None and len(space) else {}
    ncol = min(3, max(len(features), 1))
    nrow = max(math.ceil(len(features) / ncol), 1)
    fig = figure(figsize=(4.3 * ncol, 3.3 * nrow + 0.5))
    grid = fig.add_gridspec(nrow, ncol)
    handles = {}
    for i, f in enumerate(features):
        ax = fig.add_subplot(grid[divmod(i, ncol)])
        s = record.shapes[record.shapes["feature"] == f]
        s = s.set_index("value").loc[value_order(s["value"])].reset_index()
        values = list(s["value"])
        x, discrete = positions(values)
        log = scales.get(f) == "log" and not discrete
        handles["contribution"] = ax.plot(x, s["contribution"], color="black", lw=1.8, marker="o" if discrete else None,
                                          ms=4)[0]
        if s["lower"].notna().any():
            handles["band"] = ax.fill_between(x, s["lower"], s["upper"], color=BAND, alpha=0.3, lw=0)
        b = best.get(f)
        if b is not None and b != "" and not (isinstance(b, float) and np.isnan(b)):
            at = [xi for xi, v in zip(x, values) if str(v) == str(b) or _same(v, b)]
            if at or not discrete:
                handles["best"] = ax.axvline(at[0] if at else float(b), color=BEST, ls="--", lw=1.5)
        ax.axhline(0, color="grey", lw=0.6)
        if log:
            ax.set_xscale("log")
        handles["rows"] = _rows_beneath(ax, x, s["density"].to_numpy(dtype=float), discrete, log)
        if discrete:
            level_ticks(ax, x, values)
        ax.set_title(wrap(labels.get(f, f), 4.0, 10), fontsize=10)
        ax.set_ylabel(f"contribution ({unit})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    words = {"contribution": f"{record.surrogate}'s contribution", "band": "its band", "best": "best configuration",
             "rows": "rows at each value (the tallest bar's count in the corner)"}
    order = [k for k in ("contribution", "band", "best", "rows") if k in handles]
    legend(fig, [handles[k] for k in order], [words[k] for k in order])
    suptitle(fig, f"How each hyperparameter acts ({record.surrogate}; most important first)")
    return save(fig, path)


ROWS_SHARE = 0.25  # the rows' bars fill the bottom quarter of a shape's panel, below the contribution


def _rows_beneath(ax, x: np.ndarray, rows: np.ndarray, discrete: bool, log: bool):
    """The rows at each value as pale bars along the bottom of a shape's panel (a bar per level, or a histogram of
    30 bins; the count of the tallest written in the corner): one axes per panel, not a second one for the counts."""
    if discrete:
        left, width, counts = x - 0.3, np.full(len(x), 0.6), rows
    else:
        edges = (np.geomspace if log else np.linspace)(x.min(), max(x.max(), x.min() * 1.0001 + 1e-12), 31)
        counts, _ = np.histogram(x, bins=edges, weights=rows)
        left, width = edges[:-1], np.diff(edges)
    lo, hi = ax.get_ylim()
    span = hi - lo
    floor = lo - ROWS_SHARE * span / (1 - ROWS_SHARE)
    tallest = max(float(np.max(counts)), 1.0)
    bars = ax.bar(left, counts / tallest * (lo - floor) * 0.95, width=width, bottom=floor, align="edge",
                  color=ROWS, zorder=0)
    ax.set_ylim(floor, hi)
    ax.text(0.99, 0.01, f"{tallest:.0f} row{'' if tallest == 1 else 's'}", transform=ax.transAxes, ha="right", va="bottom", fontsize=6, color="0.45")
    return bars


def _same(a, b) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    except (TypeError, ValueError):
        return False


@drawn
def ablation_figure(path_rows: pd.DataFrame, labels: dict, facts: dict, path: Path) -> Path:
    """The ablation path as a waterfall: the predicted score after each step, from the reference to the best."""
    p = path_rows.sort_values("step")
    kind = "declared default" if p["reference_kind"].iloc[0] == "default" else "typical configuration"
    names = [kind] + [wrap(", ".join(labels.get(h, h) for h in str(c).split(", ")), 3.0, 9)
                      for c in p["changed"].iloc[1:]]
    pred = p["predicted"].to_numpy(dtype=float)
    fig, ax = subplots(figsize=(7.5, 0.5 * len(p) + 1.8))
    y = np.arange(len(p))[::-1]
    ax.plot([pred[0]], [y[0]], marker="D", color="0.4", ms=7, ls="none")
    better = (lambda d: d > 0) if facts["maximize"] else (lambda d: d < 0)
    for i in range(1, len(p)):
        d = pred[i] - pred[i - 1]
        ax.barh(y[i], d, left=pred[i - 1], color=BEST if better(d) else WORSE, height=0.6)
    ax.axvline(p["observed_best"].iloc[0], color="black", ls=":", lw=1.2)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel(f"predicted {facts['label']} ({_direction(facts)})")
    lo, hi = min(pred.min(), p["observed_best"].iloc[0]), max(pred.max(), p["observed_best"].iloc[0])
    pad = 0.08 * (hi - lo if hi > lo else abs(hi) + 1)
    ax.set_xlim(lo - pad, hi + pad)
    ax.grid(axis="x", alpha=0.3)
    handles = [plt.Line2D([], [], marker="D", color="0.4", ls="none")]
    handles += [plt.Rectangle((0, 0), 1, 1, color=c) for c in (BEST, WORSE)]
    handles.append(plt.Line2D([], [], color="black", ls=":"))
    legend(fig, handles, [f"predicted at the {kind}", "step predicted to help", "step predicted to hurt",
                          "observed best"])
    suptitle(fig, f"Ablation path, as {p['surrogate'].iloc[0]} predicts it")
    return save(fig, path)

