"""pygam's LinearGAM as a scikit-learn regressor whose terms follow the schema.

pygam needs one term type per column and its spline terms misbehave when a
hyperparameter has fewer distinct values than splines (most NMT
hyperparameters take 2-4 values). The adapter therefore chooses terms from
the schema and from what the training rows actually contain, on the
schema's log-aware [0, 1] scale (see ``GAMRegressor``).
"""
from __future__ import annotations

from functools import reduce
from operator import add

import numpy as np
import pandas as pd
from pygam import LinearGAM, intercept, l, s, te
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from harness.data.schema import Schema
from harness.surrogates.frames import as_frame, check_columns

CUBIC = 3


def _spline_shape(n_distinct: int, n_splines: int) -> tuple[int, int]:
    """(n_splines, spline_order) a column with this many distinct values can carry.

    With as many basis functions as distinct values and the order capped
    below that, 2 values give a straight line, 3 a quadratic, 4 a cubic, and
    more a penalised cubic spline; pygam's second-derivative penalty then
    shrinks each shape towards a straight line.
    """
    n = min(n_splines, n_distinct)
    return n, min(CUBIC, n - 1)


class GAMRegressor(RegressorMixin, BaseEstimator):
    """Additive model (plus chosen pairwise tensor terms) fitted by pygam.

    Term rule, per column of ``schema.scaled(X)`` with ``d`` distinct
    training values:

    - ``d <= 1``: no term (nothing to learn; this also drops indicator
      columns of categorical levels absent from training);
    - indicator of a categorical level: ``l()`` with an L2 penalty, i.e.
      pygam's factor term, but tolerant of levels unseen in training;
    - numeric, ``d == 2``: ``l()`` (exact for two values);
    - numeric, ``d >= 3``: ``s()`` with ``min(n_splines, d)`` splines of
      order ``min(3, splines - 1)``.

    ``interactions``: pairs of numeric feature names, each adding a tensor
    term ``te()`` whose margins follow the same spline rule; pairs with a
    feature constant in training are skipped. ``lam``: a fixed smoothing
    strength, or a list of candidates searched by GCV with one value shared
    by all terms (deterministic, ~10 ms per candidate at 600 rows).
    ``n_jobs`` caps the BLAS threads pygam's solver uses, its only
    parallelism (None: no cap); uncapped, OpenBLAS threads on these tiny
    matrices fight other cells for cores and a fit gets ~10x slower.
    ``random_state`` is stored for the common interface; pygam's fit is
    deterministic. The schema is injected by the surrogate registry; without one
    (the estimator used on its own) every column is numeric on its observed
    range, and text columns are categorical.
    """

    def __init__(
        self,
        schema: Schema | None = None,
        lam=0.6,
        n_splines: int = 10,
        interactions=None,
        max_iter: int = 100,
        n_jobs: int | None = None,
        random_state: int | None = None,
    ):
        self.schema = schema
        self.lam = lam
        self.n_splines = n_splines
        self.interactions = interactions
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X, y) -> "GAMRegressor":
        if not isinstance(self.n_splines, (int, np.integer)) or self.n_splines < 2:
            raise ValueError(f"GAMRegressor: n_splines must be an integer of at least 2, got {self.n_splines!r}")
        if y is None:
            raise ValueError("GAMRegressor requires y to be passed, but the target y is None")
        X, y = as_frame(X, y)
        self.schema_ = self.schema if self.schema is not None else Schema.observed(X)
        check_columns(X, self.schema_, type(self).__name__)
        Z = self.schema_.scaled(X)
        self.columns_ = list(Z.columns)
        grid = np.ndim(self.lam) > 0
        lam = 0.6 if grid else float(self.lam)  # with a grid, gridsearch overwrites it
        terms = self._main_terms(Z, lam) + self._interaction_terms(Z, lam)
        # With every feature constant in training, the mean is all there is to learn.
        self.gam_ = LinearGAM(reduce(add, terms) if terms else intercept, max_iter=self.max_iter)
        Zn, yn = Z.to_numpy(), np.asarray(y, dtype=float)
        with threadpool_limits(self.n_jobs, user_api="blas"):
            if grid:
                self.gam_.gridsearch(Zn, yn, lam=np.asarray(self.lam, dtype=float), progress=False)
            else:
                self.gam_.fit(Zn, yn)
        self.n_features_in_ = len(self.schema_)
        self.n_iter_ = len(self.gam_.logs_.get("diffs", ())) or 1  # P-IRLS iterations of the chosen fit
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "gam_")
        X, _ = as_frame(X, names=self.schema_.names)
        check_columns(X, self.schema_, type(self).__name__)
        with threadpool_limits(self.n_jobs, user_api="blas"):
            return self.gam_.predict(self.schema_.scaled(X)[self.columns_].to_numpy())

    def _main_terms(self, Z: pd.DataFrame, lam: float) -> list:
        terms = []
        for i, c in enumerate(self.schema_.columns()):  # the columns of ``Z``, in order
            if c.level is not None:
                if Z.iloc[:, i].nunique() > 1:
                    terms.append(l(i, lam=lam, penalties="l2"))
                continue
            d = Z.iloc[:, i].nunique()
            if d == 2:
                terms.append(l(i, lam=lam))
            elif d > 2:
                n, order = _spline_shape(d, self.n_splines)
                terms.append(s(i, n_splines=n, spline_order=order, lam=lam))
        return terms

    def _interaction_terms(self, Z: pd.DataFrame, lam: float) -> list:
        terms = []
        spelled = {c.feature: c.name for c in self.schema_.columns(onehot=False)}  # a numeric feature's column
        for pair in self.interactions or ():
            names = list(pair)
            if len(names) != 2 or names[0] == names[1]:
                raise ValueError(f"GAMRegressor: an interaction is a pair of distinct features, got {names}")
            for name in names:
                if self.schema_[name].is_categorical:
                    raise ValueError(f"GAMRegressor: interactions take numeric features; {name!r} is categorical")
            idx = [self.columns_.index(spelled[name]) for name in names]
            distinct = [Z.iloc[:, i].nunique() for i in idx]
            if min(distinct) < 2:
                continue
            shapes = [_spline_shape(d, self.n_splines) for d in distinct]
            terms.append(
                te(*idx, n_splines=[n for n, _ in shapes], spline_order=[o for _, o in shapes], lam=lam)
            )
        return terms
