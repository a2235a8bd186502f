"""A synthetic table described in words: a markdown paragraph that says exactly how it was generated."""
from __future__ import annotations

from harness.data.dataset import Dataset
from harness.synthetic.oracle import build
from harness.synthetic.settings import VERSION, resolve


def _feature_text(f: dict) -> str:
    condition = f", active only when {f['parent']} ∈ {{{', '.join(map(str, f['active']))}}}" if "parent" in f else ""
    if f["scale"] == "categorical":
        return f"{f['name']} (categorical, {len(f['levels'])} levels{condition})"
    span = f"{f['low']:g}–{f['high']:g}"
    kind = f"{len(f['levels'])} levels {span}" if f["levels"] else f"continuous {span}"
    return f"{f['name']} ({f['scale']}, {kind}{condition})"


def _effect_text(name: str, e: dict) -> str:
    if e["shape"] == "monotone":
        arrow = "increasing" if e["direction"] > 0 else "decreasing"
        power = "" if e["power"] == 1 else f", power {e['power']:g}"
        return f"{name} monotone {arrow} (strength {e['strength']:g}{power})"
    if e["shape"] == "u":
        kind = "valley" if e["direction"] > 0 else "peak"
        return f"{name} U-shaped, {kind} at u0={e['u0']:g} (strength {e['strength']:g})"
    sign = "up" if e["direction"] > 0 else "down"
    if e["shape"] == "plateau":
        return f"{name} plateau, ramp {sign} from u={e['start']:g} to u={e['end']:g} (strength {e['strength']:g})"
    if e["shape"] == "levels":
        values = ", ".join(f"{v:g}" for v in e["values"])
        return f"{name} one value per level ({values}; strength {e['strength']:g}, direction {e['direction']:+d})"
    return f"{name} step {sign} at u={e['threshold']:g} (strength {e['strength']:g})"


def _drawn_text(g: dict) -> str:
    if "drawn" not in g:
        return ""
    d = g["drawn"]
    return (f" The function was drawn at random from seed {g['seed']} (schema: random; {d['n_features'][0]}–"
            f"{d['n_features'][1]} features, conditional share {d['conditional']:g}, inert share {d['inert']:g}, "
            f"{d['interactions'][0]}–{d['interactions'][1]} pairs with pure-pair share {d['pure_pairs']:g}, "
            f"importance concentration {d['concentration'][0]:g}–{d['concentration'][1]:g}).")


def _conditional_text(g: dict) -> str:
    if not any("parent" in f for f in g["schema"]):
        return ""
    return (" A conditional feature holds no value where inactive (the table has the data layer's columns for it: "
            "filled at its low end plus an indicator active_<condition>, or the level absent) and its term is 0 there.")


def describe(ds: Dataset) -> str:
    """A markdown paragraph that says exactly how the table was generated."""
    g = ds.generator
    if g["sampling"] == "uniform":
        drawn = f"{g['n_rows']} rows drawn uniformly at random"
    else:
        method = {"random": "random search", "bo": "Bayesian optimisation", "gb": "graph-based HPO",
                  "tpe": "a TPE-like sampler"}[g["sampling"]]
        drawn = f"the first {g['n_rows']} configurations {method} visits in a pool of {g['pool_size']} rows drawn uniformly"
    features = ", ".join(_feature_text(f) for f in g["schema"])
    mains = [_effect_text(n, e) for n, e in g["effects"].items() if e["shape"] != "none"]
    inert = [n for n, e in g["effects"].items() if e["shape"] == "none"]
    if inert:
        mains.append(f"no effect of {', '.join(inert)}")
    pairs = "; ".join(f"{p['a']} × {p['b']} (strength {p['strength']:g})" for p in g["interactions"]) or "none"
    positions = build(resolve(g))[2].positions
    placed = "".join(
        f" Categorical {name}: " + ", ".join(f"{level} at u={u:g}" for level, u in pos.items()) + " (order from the seed)."
        for name, pos in positions.items()
    )
    goal = "higher is better" if g["maximize"] else "lower is better"
    return (
        f"**{ds.name}** is a synthetic HPO table (generator {VERSION}, seed {g['seed']}, "
        f"fingerprint `{ds.fingerprint[:12]}`): {drawn} over {features}. "
        f"The score ({goal}) is the sum of main effects on each feature's scaled value u ∈ [0, 1] "
        f"(strength = swing over the domain): {'; '.join(mains)}; pairwise interactions 4·s·(u_a − ū_a)(u_b − ū_b): {pairs}; "
        f"plus Gaussian noise with var(signal)/var(noise) = {g['snr']:g}.{placed}{_drawn_text(g)}{_conditional_text(g)} "
        f"`harness.synthetic.generate(meta['generator'])` regenerates it."
    )
