"""Meta-regression: design matrices, coefficient tests, the omnibus QM test and R^2.

The mixed-effects model ``y = X beta + u + e`` (u ~ N(0, tau^2), e ~ N(0, v)) is fitted by
:func:`evidencehub.stats.rma` with ``mods=...``, with the same tau^2 estimators as the
intercept-only model (they all take a design matrix, see :mod:`evidencehub.stats.tau2`).
This module holds what is specific to moderators, following metafor 3.8 ``rma.uni``
(Viechtbauer 2010, JSS 36(3); Raudenbush 2009 for the R^2):

* design matrix: an intercept, numeric moderators as they are, categorical moderators as
  treatment (dummy) contrasts against the first level in byte order, named as R names them
  (``factor(group)level``);
* Wald tests of single coefficients (z, or t with ``k - p`` df for Knapp-Hartung), and the
  omnibus test of all coefficients but the intercept, ``QM = b' V^-1 b`` (chi-square with
  ``m`` df, or ``QM/m`` against F(m, k - p) for Knapp-Hartung);
* pseudo R^2 = ``max(0, 100 (tau2_0 - tau2)/tau2_0)`` against the intercept-only model fitted
  with the same estimator (0 when ``tau2_0 = 0``); for the equal-effects model metafor's
  ``max(0, 100 adj.R^2)`` of the weighted least-squares regression with weights ``1/v``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.errors import InputError
from evidencehub.stats.distributions import chi2_sf, f_sf

__all__ = ["Coefficient", "Design", "design_matrix", "ee_r2", "omnibus_test", "pseudo_r2"]

FloatArray = NDArray[np.float64]
Mods = ArrayLike | Mapping[str, Sequence[Any] | ArrayLike] | None


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One row of the coefficient table.

    Attributes
    ----------
    term : str
        ``"intrcpt"``, a moderator name, or ``"factor(name)level"``.
    estimate, se : float
        Estimate and standard error (Knapp-Hartung adjusted with ``test="knha"``).
    stat : float
        z value (``test="z"``) or t value (``test="knha"``).
    pval, ci_lb, ci_ub : float
        Two-sided p-value and confidence limits.
    """

    term: str
    estimate: float
    se: float
    stat: float
    pval: float
    ci_lb: float
    ci_ub: float

    def to_dict(self, stat_name: str = "zval") -> dict[str, Any]:
        """``{term, estimate, se, zval|tval, pval, ci_lb, ci_ub}``."""
        return {"term": self.term, "estimate": self.estimate, "se": self.se,
                stat_name: self.stat, "pval": self.pval, "ci_lb": self.ci_lb,
                "ci_ub": self.ci_ub}


@dataclass(frozen=True, slots=True, eq=False)
class Design:
    """A design matrix and its column names.

    Attributes
    ----------
    X : ndarray of shape (k, p)
        First column the intercept.
    terms : tuple of str
        Column names.
    """

    X: FloatArray
    terms: tuple[str, ...]


def design_matrix(mods: Mods, k: int, study: Sequence[str], func: str = "rma") -> Design:
    """Build the design matrix for ``k`` studies from moderators.

    Parameters
    ----------
    mods : None, array-like, or mapping of name -> column
        ``None``: intercept only. A 1-D array: one numeric moderator named ``"mods"``; a 2-D
        array (k, q): ``"mods1"``, ... (metafor's names). A mapping: each column numeric (used
        as it is) or text (dummy coded against its first level in byte order).
    k : int
        Number of studies.
    study : sequence of str
        Study labels, for messages.
    func : str
        Calling function, for messages.
    """
    columns: list[FloatArray] = [np.ones(k)]
    terms: list[str] = ["intrcpt"]
    if mods is None:
        return Design(np.ones((k, 1)), ("intrcpt",))
    if isinstance(mods, Mapping):
        items = [(str(name), values) for name, values in mods.items()]
    else:
        arr = np.asarray(mods)
        if arr.ndim == 1:
            items = [("mods", arr)]
        elif arr.ndim == 2:
            items = [(f"mods{j + 1}", arr[:, j]) for j in range(arr.shape[1])]
        else:
            raise InputError(f"'mods' must be 1-D or 2-D; got {arr.ndim} dimensions", source=func)
    for name, values in items:
        raw = list(np.asarray(values, dtype=object).reshape(-1))
        if len(raw) != k:
            raise InputError(
                f"moderator '{name}' has {len(raw)} values but there are {k} studies", source=func
            )
        numeric = _numeric(raw)
        if numeric is not None:
            bad = np.flatnonzero(~np.isfinite(numeric))
            if bad.size:
                i = int(bad[0])
                raise InputError(f"moderator '{name}' is missing; leave the study out or give "
                                 "a value", source=func, where=f"study '{study[i]}'")
            columns.append(numeric)
            terms.append(name)
            continue
        labels = [_level(value) for value in raw]
        for i, label in enumerate(labels):
            if label is None:
                raise InputError(f"moderator '{name}' is missing; leave the study out or give "
                                 "a value", source=func, where=f"study '{study[i]}'")
        levels = sorted({str(label) for label in labels}, key=lambda s: s.encode("utf-8"))
        for level in levels[1:]:
            columns.append(np.array([1.0 if lab == level else 0.0 for lab in labels]))
            terms.append(f"factor({name}){level}")
    X = np.column_stack(columns)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(
            f"the moderators are collinear (terms {', '.join(terms)}); drop a redundant one",
            source=func,
        )
    if X.shape[1] >= k:
        raise InputError(
            f"{X.shape[1]} coefficients need more than {k} studies", source=func
        )
    return Design(X, tuple(terms))


def _numeric(raw: list[Any]) -> FloatArray | None:
    """Floats if every non-missing value is a number (bools and text are not), else None."""
    out = np.empty(len(raw))
    for i, value in enumerate(raw):
        if value is None or (isinstance(value, str) and value.strip() == ""):
            out[i] = np.nan
            continue
        if isinstance(value, (bool, np.bool_, str)):
            return None
        try:
            out[i] = float(value)
        except (TypeError, ValueError):
            return None
    return out


def _level(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return None if text.strip() == "" else text


def omnibus_test(
    beta: FloatArray, vb: FloatArray, knha: bool, df: float
) -> tuple[float, tuple[int, int | None], float]:
    """Wald test that every coefficient except the intercept is 0 (metafor's QM).

    Returns ``(QM, (df1, df2), p)``: chi-square with ``df1 = p - 1``, or for Knapp-Hartung
    ``QM/df1`` against F(df1, df2 = k - p).
    """
    b = beta[1:]
    sub = vb[1:, 1:]
    qm = float(b @ np.linalg.solve(sub, b))
    m = b.shape[0]
    if knha:
        qm /= m
        return qm, (m, int(df)), float(f_sf(qm, m, df))
    return qm, (m, None), float(chi2_sf(qm, m))


def pseudo_r2(tau2_0: float, tau2: float) -> float:
    """metafor's pseudo R^2 in percent: ``max(0, 100 (tau2_0 - tau2)/tau2_0)``, 0 if tau2_0 = 0."""
    if tau2_0 <= 0:
        return 0.0
    return max(0.0, 100 * (tau2_0 - tau2) / tau2_0)


def ee_r2(y: FloatArray, v: FloatArray, X: FloatArray) -> float:
    """R^2 of an equal-effects meta-regression: ``max(0, 100 adj.R^2)`` of WLS, ``w = 1/v``.

    As metafor (``summary(lm(yi ~ X, weights = 1/vi))$adj.r.squared``).
    """
    w = 1 / v
    if np.all(y == y[0]):
        return 0.0
    sw = np.sqrt(w)
    beta = np.asarray(np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0], dtype=np.float64)
    rss = float(np.sum(w * (y - X @ beta) ** 2))
    mean = float(np.sum(w * y) / np.sum(w))
    tss = float(np.sum(w * (y - mean) ** 2))
    k, p = X.shape
    r2 = 1 - rss / tss
    adj = 1 - (1 - r2) * (k - 1) / (k - p)
    return max(0.0, 100 * float(adj))
