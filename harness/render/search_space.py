"""The next search space (``harness.analysis.search_space.narrowed``) as files the tools load.

* ``optuna_space`` — Python: ``SEARCH_SPACE`` (name → ``optuna.distributions`` object), ``FIXED`` (name → value)
  and ``suggest(trial)``, which suggests each searched hyperparameter (a conditional one only where its parent's value
  switches it on) and returns the whole configuration;
* ``configspace_json`` — a ConfigSpace JSON document (the format SMAC3 writes as ``configspace.json``; read it with
  ``ConfigSpace.ConfigurationSpace.from_json``): ``uniform_float``/``uniform_int`` (``log`` where the scale is),
  ``categorical``, ``constant`` for a fixed hyperparameter, ``IN`` conditions;
* ``raytune_space`` — Python: ``param_space`` for ``tune.Tuner(param_space=...)``, nested by ``/`` as Ray Tune
  flattens it, a conditional hyperparameter drawn by ``tune.sample_from`` only where its parent switches it on (None
  otherwise, as Ray Tune records an unset one).

Hyperparameters the next run drops (a fixed parent switches them off) appear in none of them.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

CONFIGSPACE_FORMAT = 0.4  # the format_version of ConfigSpace 1.x's JSON writer (what SMAC3 2.x writes)


def _kept(table: pd.DataFrame) -> pd.DataFrame:
    """The hyperparameters of the next run, unconditional ones first (a parent before the children it switches)."""
    kept = table[table["action"] != "drop"]
    conditional = kept["parent"].map(lambda p: isinstance(p, str) and p != "")
    return pd.concat([kept[~conditional], kept[conditional]])


def _value(row) -> object:
    """A fixed hyperparameter's value in its type."""
    if row.type == "int":
        return int(round(float(row.value)))
    if row.type == "float":
        return float(row.value)
    return str(row.value)


def _levels(row) -> list:
    return json.loads(row.levels) if isinstance(row.levels, str) and row.levels else []


def _parent(row) -> tuple[str, list] | None:
    return (row.parent, json.loads(row.parent_levels)) if isinstance(row.parent, str) and row.parent else None


def _bounds(row) -> tuple:
    if row.type == "int":
        return int(np.floor(row.low)), int(np.ceil(row.high))
    return float(row.low), float(row.high)


def optuna_space(table: pd.DataFrame, name: str) -> str:
    """The Python module text (see the module docstring)."""
    kept = _kept(table)
    searched = kept[kept["action"] != "fix"]
    fixed = kept[kept["action"] == "fix"]
    lines = [f'"""The next search space for {name}, written by `harness explain`: searched hyperparameters narrowed to '
             'where the best rows are, negligible ones fixed at their best value.', "",
             "    from next_space_optuna import suggest",
             "    def objective(trial):",
             "        params = suggest(trial)",
             '        ...', '"""', "from optuna.distributions import CategoricalDistribution, FloatDistribution, "
             "IntDistribution", "", "SEARCH_SPACE = {"]
    for row in searched.itertuples(index=False):
        lines.append(f"    {row.feature!r}: {_optuna_distribution(row)},")
    lines += ["}", "FIXED = {"]
    lines += [f"    {row.feature!r}: {_value(row)!r}," for row in fixed.itertuples(index=False)]
    lines += ["}", "# hyperparameter: (parent, the parent's values that switch it on)", "CONDITIONS = {"]
    lines += [f"    {row.feature!r}: {_parent(row)!r}," for row in kept.itertuples(index=False) if _parent(row)]
    lines += ["}", "", "", "def suggest(trial) -> dict:",
              '    """One configuration of the next search: each searched hyperparameter suggested (a conditional one only '
              "where its parent's value switches it on), the fixed ones as they are.\"\"\"",
              "    params = {}",
              "    for name, distribution in SEARCH_SPACE.items():",
              "        condition = CONDITIONS.get(name)",
              "        if condition is not None and params.get(condition[0], FIXED.get(condition[0])) not in condition[1]:",
              "            continue",
              "        if isinstance(distribution, CategoricalDistribution):",
              "            params[name] = trial.suggest_categorical(name, distribution.choices)",
              "        elif isinstance(distribution, IntDistribution):",
              "            params[name] = trial.suggest_int(name, distribution.low, distribution.high, "
              "log=distribution.log)",
              "        else:",
              "            params[name] = trial.suggest_float(name, distribution.low, distribution.high, "
              "log=distribution.log)",
              "    for name, value in FIXED.items():",
              "        condition = CONDITIONS.get(name)",
              "        if condition is None or params.get(condition[0], FIXED.get(condition[0])) in condition[1]:",
              "            params[name] = value",
              "    return params", ""]
    return "\n".join(lines)


def _optuna_distribution(row) -> str:
    if row.type == "categorical":
        return f"CategoricalDistribution({_levels(row)!r})"
    lo, hi = _bounds(row)
    kind = "IntDistribution" if row.type == "int" else "FloatDistribution"
    return f"{kind}({lo!r}, {hi!r}, log={row.scale == 'log'})"


def configspace_json(table: pd.DataFrame, name: str) -> str:
    """The ConfigSpace JSON text (see the module docstring)."""
    hps, conditions = [], []
    for row in _kept(table).itertuples(index=False):
        if row.action == "fix":
            hps.append({"type": "constant", "name": row.feature, "value": _value(row), "meta": None})
        elif row.type == "categorical":
            levels = _levels(row)
            hps.append({"type": "categorical", "name": row.feature, "choices": levels, "weights": None,
                        "default_value": levels[0], "meta": None})
        else:
            lo, hi = _bounds(row)
            log = row.scale == "log"
            hps.append({"type": f"uniform_{row.type}", "name": row.feature, "lower": lo, "upper": hi,
                        "default_value": _middle(lo, hi, log, row.type == "int"), "log": log, "meta": None})
        parent = _parent(row)
        if parent:
            conditions.append({"type": "IN", "child": row.feature, "parent": parent[0], "values": parent[1]})
    head = {"name": name}
    tail = {"forbiddens": [], "python_module_version": "1.2.0", "format_version": CONFIGSPACE_FORMAT}
    lines = ["{", *(f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items())]
    for key, items in (("hyperparameters", hps), ("conditions", conditions)):  # one item a line: short, and diffable
        body = [f"    {json.dumps(item)}," for item in items]
        if body:
            body[-1] = body[-1].rstrip(",")
        lines += [f"  {json.dumps(key)}: [", *body, "  ],"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in tail.items()]
    lines[-1] = lines[-1].rstrip(",")
    return "\n".join(lines + ["}"]) + "\n"


def _middle(lo, hi, log: bool, integer: bool):
    mid = float(np.exp((np.log(lo) + np.log(hi)) / 2)) if log else (lo + hi) / 2
    return int(round(mid)) if integer else mid


def raytune_space(table: pd.DataFrame, name: str) -> str:
    """The Python module text for Ray Tune (see the module docstring)."""
    tree: dict = {}
    for row in _kept(table).itertuples(index=False):
        value = repr(_value(row)) if row.action == "fix" else _ray_domain(row)
        parent = _parent(row)
        if parent:
            draw = repr(_value(row)) if row.action == "fix" else _ray_draw(row)
            value = f"tune.sample_from(lambda spec: {draw} if _at(spec, {parent[0]!r}) in {parent[1]!r} else None)"
        *path, leaf = row.feature.split("/")
        node = tree
        for key in path:
            node = node.setdefault(key, {})
        node[leaf] = value
    lines = [f'"""The next search space for {name}, written by `harness explain`: pass it as '
             "tune.Tuner(trainable, param_space=param_space).\"\"\"",
             "import numpy as np", "from ray import tune", "", "",
             "def _at(spec, path):", '    """A value of the configuration being drawn, by its /-joined path."""',
             "    value = spec.config", '    for key in path.split("/"):', "        value = value[key]", "    return value",
             "", ""]
    return "\n".join(lines + _dict_source("param_space = ", tree, "")) + "\n"


def _dict_source(head: str, tree: dict, indent: str) -> list[str]:
    """``tree`` (keys to expressions or nested trees) as Python source lines."""
    lines = [f"{indent}{head}{{"]
    for key, value in tree.items():
        if isinstance(value, dict):
            lines += _dict_source(f"{key!r}: ", value, indent + "    ")
            lines[-1] += ","
        else:
            lines.append(f"{indent}    {key!r}: {value},")
    return lines + [f"{indent}}}"]


def _ray_domain(row) -> str:
    if row.type == "categorical":
        return f"tune.choice({_levels(row)!r})"
    lo, hi = _bounds(row)
    log = row.scale == "log"
    if row.type == "int":  # Ray's integer domains exclude their upper bound
        return f"tune.{'lograndint' if log else 'randint'}({lo!r}, {hi + 1!r})"
    return f"tune.{'loguniform' if log else 'uniform'}({lo!r}, {hi!r})"


def _ray_draw(row) -> str:
    """An expression drawing one value as the domain would (for ``tune.sample_from``)."""
    if row.type == "categorical":
        return f"str(np.random.choice({_levels(row)!r}))"
    lo, hi = _bounds(row)
    if row.type == "int":
        if row.scale == "log":
            return f"int(np.floor(np.exp(np.random.uniform(np.log({lo!r}), np.log({hi + 1!r})))))"
        return f"int(np.random.randint({lo!r}, {hi + 1!r}))"
    if row.scale == "log":
        return f"float(np.exp(np.random.uniform(np.log({lo!r}), np.log({hi!r}))))"
    return f"float(np.random.uniform({lo!r}, {hi!r}))"
