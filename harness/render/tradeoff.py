"""The trade-off experiment for people: one figure per table (its fronts, what drives each objective, what
trades) and the markdown sections of its summary.

Every number comes ready-made from ``harness.analysis.tradeoff``; each objective is written in its own unit
(``amount``: 1.2M params, 352 s, 24.1 BLEU) and hyperparameters by their schema labels.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from harness.analysis.tradeoff import AXES, FRONT_KEYS
from harness.render.drawing import drawn
from harness.render.figures import legend, save, subplots, suptitle
from harness.render.markdown import table
from harness.text import file_part, md_text, num

TITLE = "# Trade-offs between objectives: Pareto fronts, hypervolume, and which hyperparameters drive and trade them\n"
TOP = 3  # hyperparameters named per objective and per front
ALONG = 0.5  # |Spearman ρ| from which a hyperparameter is said to change along the observed front


def amount(value, unit: str = "") -> str:
    """A value in its unit, three significant digits (``num``), large counts in k / M / G: 24.1 BLEU, 352 s, 61.2M params."""
    if pd.isna(value):
        return "–"
    v = float(value)
    scale, suffix = next(((s, p) for s, p in ((1e9, "G"), (1e6, "M"), (1e4, "k")) if abs(v) >= s), (1.0, ""))
    return f"{num(v / (1e3 if suffix == 'k' else scale))}{suffix} {unit}".strip()


def tick(value) -> str:
    """An axis' tick label: ``amount`` without the trailing zeros a table keeps (14, not 14.0; 1.2M)."""
    return re.sub(r"(\.\d*?)0+(?=[kMG]?$)", r"\1", amount(value)).replace(".k", "k").replace(".M", "M").replace(".G", "G").rstrip(".")


def _objective_info(objectives: pd.DataFrame) -> dict[tuple[str, str], dict]:
    """(table, objective) -> its row of ``objectives.csv`` (label, unit: "" for a plain number, maximize)."""
    return {(r["dataset"], r["objective"]): r for r in objectives.to_dict("records")}


def _better(maximize) -> str:
    return "higher" if bool(maximize) else "lower"


def _name(info: dict) -> str:
    return f"{info['label']} ({info['unit']})" if info["unit"] else str(info["label"])


def objectives_section(objectives: pd.DataFrame) -> list[str]:
    """Each objective once: what it measures, its unit, which way is better, and the rows holding it per table."""
    rows = []
    for name, g in objectives.groupby("objective", sort=False):
        first = g.iloc[0]
        rows.append([name, first["label"], first["unit"], f"{_better(first['maximize'])} is better",
                     ", ".join(f"{d} {n}" for d, n in zip(g["dataset"], g["n_rows"]))])
    return ["## Objectives\n", table(["objective", "what", "unit", "direction", "rows per table"], rows), ""]


def fronts_section(front: pd.DataFrame, objectives: pd.DataFrame) -> list[str]:
    """Each front: its size, hypervolume, both ends and the knee, in the objectives' units."""
    info = _objective_info(objectives)
    rows = []
    for r in front.to_dict("records"):
        a, b = info[r["dataset"], r["objective"]], info[r["dataset"], r["versus"]]
        ua, ub = a["unit"], b["unit"]
        rows.append([r["dataset"], f"{a['label']} vs {b['label']}", r["n_rows"], r["n_front"], num(r["hypervolume"]),
                     num(r["fill"]),
                     f"{amount(r['best_objective'], ua)} at {amount(r['best_objective_versus'], ub)}",
                     f"{amount(r['best_versus'], ub)} at {amount(r['best_versus_objective'], ua)}",
                     f"{amount(r['knee_objective'], ua)} at {amount(r['knee_versus'], ub)} (row {r['knee_row'] + 1})"])
    text = table(["table", "front", "rows", "on the front", "hypervolume", "fill", "best at the first",
                  "best at the second", "knee"], rows)
    note = ("Front: the rows no other row beats at one objective while matching it at the other. Hypervolume: both "
            "objectives min-max normalised over the table's rows (0 = worst, 1 = best), reference point = the worst "
            "value of each, so it is the share of that box the front dominates (1: one row best at both). Fill: the same "
            "within the front's own box (between its two ends): near 1 when one configuration is close to the best at "
            "both, 0.5 for a straight trade-off, lower for a concave front (– for a front of two rows). Knee: the front row closest to that box's "
            "ideal corner. Rows are counted from 1 as in the file.")
    return ["## Pareto fronts\n", text + "\n\n" + note, ""]


def fit_section(r2: pd.DataFrame, reference: str) -> list[str]:
    """In-sample R² per fitted target and surrogate (``analysis.tradeoff.fit_r2``: mean over tables and seeds)."""
    body = [[t, *[num(v) for v in r]] for t, r in r2.iterrows()]
    return [f"## In-sample fit (R², mean over tables and seeds; {md_text(reference)} is the reference)\n",
            table(["fitted target", *r2.columns], body), ""]


def drivers_section(drive: pd.DataFrame, objectives: pd.DataFrame, reference: str, labels: dict,
                    same: pd.Series) -> list[str]:
    """Per table, each objective's top hyperparameters by the reference's main-term importance (share of the total),
    and how often another surrogate's top driver is the reference's (``same``: ``analysis.tradeoff.same_top_driver``)."""
    info = _objective_info(objectives)
    ref = drive[drive["surrogate"] == reference]
    names = list(dict.fromkeys(objectives.sort_values("position", kind="stable")["objective"]))
    rows = []
    for d, g in ref.groupby("dataset", sort=False):
        cells = []
        for o in names:
            top = g[g["objective"] == o].sort_values("rank").head(TOP)
            unit = info[d, o]["unit"] if (d, o) in info else ""
            cells.append(" > ".join(f"{labels.get(d, {}).get(f, f)} {amount(i, unit)} ({s:.0%})"
                                    for f, i, s in zip(top["feature"], top["importance"], top["share"])) or "–")
        rows.append([d, *cells])
    head = f"## What drives each objective ({md_text(reference)}: mean |centred term| in the objective's unit, share of the total)\n"
    named = {o: _name(next(v for (_, n), v in info.items() if n == o)) for o in names}
    parts = [head, table(["table", *[named[o] for o in names]], rows), ""]
    if len(same):
        parts += ["Top driver the same as " + md_text(reference) + "'s (share of table × objective): "
                  + ", ".join(f"{md_text(s)} {v:.0%}" for s, v in same.items()), ""]
    return parts


def trades_section(trade: pd.DataFrame, along: pd.DataFrame, reference: str, labels: dict) -> list[str]:
    """Per front: hyperparameters that trade one objective for the other, those that improve both, and the data's view."""
    ref = trade[trade["surrogate"] == reference]
    rows = []
    for (d, a, b), g in ref.groupby(FRONT_KEYS, sort=False):
        name = labels.get(d, {})
        g = g.sort_values("net", ascending=False)
        moves = " > ".join(f"{name.get(f, f)} {num(n, sign=True)}" for f, n in zip(g["feature"], g["net"]) if n > 0)
        gains = " > ".join(f"{name.get(f, f)} {num(n, sign=True)}" for f, n in zip(g["feature"][::-1], g["net"][::-1]) if n < 0)
        seen = along[(along["dataset"] == d) & (along["objective"] == a) & (along["versus"] == b)]
        seen = seen[seen["rho"].abs() >= ALONG].sort_values("rho", key=abs, ascending=False)
        rows.append([d, f"{a} vs {b}", moves or "–", gains or "–",
                     ", ".join(f"{name.get(f, f)} {num(r, 2, sign=True)}" for f, r in zip(seen["feature"], seen["rho"])) or "–"])
    head = f"## Which hyperparameters move a configuration along the front ({md_text(reference)})\n"
    text = table(["table", "front", "trade (net > 0, most first)", "improve both (net < 0, most first)",
                  f"change along the observed front (Spearman ρ, |ρ| ≥ {ALONG})"], rows)
    note = ("net = importance on the trade axis (u − v)/2 minus importance on the gain axis (u + v)/2, u and v the two "
            "objectives as z-scores with higher = better, in standard deviations: a hyperparameter that only trades "
            "one objective for the other has net = its effect, one that acts on one objective alone net ≈ 0, one that "
            "improves both net < 0. ρ > 0: the value grows from the front's best-at-the-second end towards its "
            "best-at-the-first end.")
    return [head, text + "\n\n" + note, ""]


@drawn
def figure(dataset: str, wide: pd.DataFrame, objectives: pd.DataFrame, members: pd.DataFrame, drive: pd.DataFrame,
           trade: pd.DataFrame, reference: str, labels: dict, out: Path) -> Path:
    """Top: each front over all rows (``wide``: ``analysis.tradeoff.objective_values``), knee starred; bottom:
    importance shares per objective, trade and gain per front."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    info = _objective_info(objectives)
    fronts = members[members["dataset"] == dataset].groupby(["objective", "versus"], sort=False)
    ncol = max(len(fronts), 2)
    fig, axes = subplots(2, ncol, figsize=(5.2 * ncol, 9.6), squeeze=False)
    for ax, ((a, b), m) in zip(axes[0], fronts):
        ax.scatter(wide[b], wide[a], s=9, color="tab:grey", alpha=0.5, label="configurations")
        m = m.sort_values("value_versus")  # the staircase bounding what the front dominates
        ax.step(m["value_versus"], m["value"], where="pre" if info[dataset, b]["maximize"] else "post",
                color="tab:red", lw=1.2, marker="o", ms=4, label="Pareto front")
        k = m[m["knee"]]
        ax.scatter(k["value_versus"], k["value"], marker="*", s=160, color="gold", edgecolor="black", zorder=5, label="knee")
        finite = wide[b].dropna()
        if (finite > 0).all() and finite.max() / finite.min() >= 10:
            ax.set_xscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(FuncFormatter(lambda v, _: tick(v)))
            axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(f"{_name(info[dataset, b])}, {_better(info[dataset, b]['maximize'])} is better")
        ax.set_ylabel(f"{_name(info[dataset, a])}, {_better(info[dataset, a]['maximize'])} is better")
        ax.grid(alpha=0.3)
    _bars(axes[1][0], drive[(drive["dataset"] == dataset) & (drive["surrogate"] == reference)], "objective", "share",
          labels, "share of the objective's main-term importance")
    sub = trade[(trade["dataset"] == dataset) & (trade["surrogate"] == reference)]
    long = sub.melt(id_vars=[*FRONT_KEYS, "feature"], value_vars=list(AXES), var_name="axis", value_name="sd")
    long = long.assign(group=long["axis"] + ": " + long["objective"] + " vs " + long["versus"])
    _bars(axes[1][1], long, "group", "sd", labels, "main-term importance on the axis (standard deviations)")
    for ax in list(axes[0][len(fronts):]) + list(axes[1][2:]):
        ax.set_axis_off()
    handles, names = axes[0][0].get_legend_handles_labels()
    legend(fig, handles, names)
    suptitle(fig, f"{dataset}: Pareto fronts, what drives each objective and what trades ({reference})")
    return save(fig, out / f"tradeoff_{file_part(dataset)}.png")


def _bars(ax, frame: pd.DataFrame, group: str, value: str, labels: dict, xlabel: str) -> None:
    """Horizontal bars per hyperparameter, one colour per ``group`` value."""
    features = list(dict.fromkeys(frame["feature"]))
    groups = list(dict.fromkeys(frame[group]))
    height = 0.8 / max(len(groups), 1)
    for j, g in enumerate(groups):
        s = frame[frame[group] == g].set_index("feature")[value].reindex(features)
        ax.barh(np.arange(len(features)) + j * height, s.to_numpy(dtype=float), height=height, label=str(g))
    ax.set_yticks(np.arange(len(features)) + 0.4 - height / 2, [labels.get(f, f) for f in features], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel, fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(groups), 2), frameon=False)
