"""The functional-ANOVA truth: exact variance shares of the known function's terms under the sampling distribution.

fANOVA (Hutter et al. 2014; Optuna's evaluator) ranks hyperparameters by the
share of the objective's variance each term explains; mean |term| ranks them
by typical size. The two disagree on purpose (a U-shaped effect has a large
variance for its mean |·|), so a variance-based method is scored against
the truth in its own sense.

**The measure.** The features are independent, each with its *sampling
distribution*: the generator's marginal, from which the table's rows (or the
pool an HPO method chooses from) were drawn — u uniform on [0, 1] for a
continuous feature (uniform on its log or linear scale, which is the box
fANOVA integrates over), each level with equal probability for a discrete
one. The truth is a property of the function under that measure, the same
for every table of one generator: an HPO-skewed table does not change it
(the skew is what the estimate has to overcome).

**A conditional feature** is one variable with an extra state, *inactive*,
of probability 1 − π (π = the share of its parent's levels that activate
it); the function's term for it is ``g − c`` where active and 0 where not
(c is the oracle's centring constant), a function of that variable alone,
so its variance stays with the feature: no parent × child interaction is
created, and the parent keeps its own main effect.

**The terms** (Hoeffding/Sobol decomposition, exact): the pure pair of
``{a, b, s}`` is ``4s·(u_a − E u_a)(u_b − E u_b)``; because the oracle
centres a pair on the *generated rows'* mean ū rather than on E u, each pair
also leaks ``4s·(E u_b − ū_b)·(u_a − E u_a)`` into a's main effect (and
likewise into b's), which the main terms include. The main term of a
feature is its effect minus its expectation plus those leaks. Shares:
``Var(term) / Var(f)``; main and pair shares sum to 1.
"""
from __future__ import annotations

import numpy as np

from harness.synthetic.oracle import Oracle
from harness.synthetic.shapes import PAIR_SCALE, unit_moments


class Anova:
    """The exact decomposition of one oracle: term functions, their variances and shares."""

    def __init__(self, oracle: Oracle):
        self.oracle = oracle
        names = oracle.schema.names
        unit = {f: unit_moments(oracle.nodes[f]) for f in names}
        self.mean_u = {f: m for f, (m, _) in unit.items()}
        var_u = {f: v for f, (_, v) in unit.items()}
        self.strength = {(p["a"], p["b"]): PAIR_SCALE * p["strength"] for p in oracle.cfg["interactions"]}
        self.leak = dict.fromkeys(names, 0.0)
        for (a, b), s in self.strength.items():
            self.leak[a] += s * (self.mean_u[b] - oracle.ubar[b])
            self.leak[b] += s * (self.mean_u[a] - oracle.ubar[a])
        self.share = {}
        for child, (parent, levels) in oracle.conditions.items():
            self.share[child] = len(levels) / len(oracle.schema[parent].levels)
        self.mean_main = {}
        self.main_var = {}
        for f in names:
            eg, eg2, eug = oracle.moments(f)
            c = oracle.offset[f]
            if f in self.share:
                pi = self.share[f]
                self.mean_main[f] = pi * (eg - c)
                self.main_var[f] = pi * (eg2 - 2 * c * eg + c * c) - self.mean_main[f] ** 2
            else:
                self.mean_main[f] = eg - c
                cov = eug - self.mean_u[f] * eg
                self.main_var[f] = eg2 - eg * eg + 2 * self.leak[f] * cov + self.leak[f] ** 2 * var_u[f]
        self.pair_var = {ab: s * s * var_u[ab[0]] * var_u[ab[1]] for ab, s in self.strength.items()}
        self.total = sum(self.main_var.values()) + sum(self.pair_var.values())

    def main(self, name: str, u: np.ndarray) -> np.ndarray:
        """The main term at ``u`` (NaN = inactive: the term's value there)."""
        centred = self.oracle.main(name, u) - self.mean_main[name]
        if self.leak[name] == 0:
            return centred
        return centred + self.leak[name] * (u - self.mean_u[name])

    def pair(self, a: str, b: str, ua: np.ndarray, ub: np.ndarray) -> np.ndarray:
        return self.strength[(a, b)] * (ua - self.mean_u[a]) * (ub - self.mean_u[b])

    def fractions(self) -> tuple[dict[str, float], dict[tuple[str, str], float]]:
        """Var(term) / Var(f) of every main term and every true pair."""
        if self.total <= 0:
            raise ValueError("the function is constant under the sampling distribution: no variance to share")
        return ({f: v / self.total for f, v in self.main_var.items()},
                {ab: v / self.total for ab, v in self.pair_var.items()})
