"""Pieces shared by the equal-effects poolers of 2x2 tables, :mod:`~evidencehub.stats.mh` and
:mod:`~evidencehub.stats.peto` (metafor's ``rma.mh`` and ``rma.peto``).

* :func:`check_tables`: the four count columns as arrays, refused with the table named when
  they are not one-dimensional, differ in length, are empty, negative or not finite, or when
  an arm has no participants.
* :func:`table_labels`: study labels (``"1"``, ``"2"``, ... as metafor's ``slab``).
* :func:`wald` and :func:`q_based`: the Wald test and interval of the pooled estimate, and the
  Q-based ``I2 = max(0, 100 (QE - df)/QE)`` and ``H2 = QE/df`` that metafor prints for both.
* :func:`summary_head`: the heading, heterogeneity and model-results lines of
  ``print.rma.mh`` / ``print.rma.peto``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from evidencehub.errors import InputError
from evidencehub.stats.distributions import chi2_sf, norm_ppf, norm_sf

if TYPE_CHECKING:
    from evidencehub.stats.mh import MHResult
    from evidencehub.stats.peto import PetoResult

__all__ = [
    "Counts",
    "check_level",
    "check_tables",
    "fmt",
    "fmtp",
    "none_if_nan",
    "q_based",
    "summary_head",
    "table_labels",
    "wald",
]

Counts = Sequence[float] | npt.NDArray[np.float64]
FloatArray = npt.NDArray[np.float64]


def check_tables(
    func: str, ai: Counts, bi: Counts, ci: Counts, di: Counts, *, name_mismatch: bool = False
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Return ``ai, bi, ci, di`` as float arrays after checking them (errors name ``func``).

    Columns of different lengths are reported with all four lengths, or with
    ``name_mismatch=True`` by naming the first column whose length differs from ``ai``'s.
    """
    arrays = []
    for name, values in (("ai", ai), ("bi", bi), ("ci", ci), ("di", di)):
        arr = np.asarray(values, dtype=float)
        if arr.ndim != 1:
            raise InputError(f"{func}: '{name}' must be a one-dimensional sequence of counts")
        arrays.append(arr)
    k = arrays[0].size
    for name, arr in zip(("ai", "bi", "ci", "di"), arrays, strict=True):
        if name_mismatch and arr.size != k:
            raise InputError(f"{func}: 'ai', 'bi', 'ci' and 'di' must have the same length; "
                             f"'{name}' has {arr.size}, 'ai' has {k}")
    if any(a.size != k for a in arrays):
        raise InputError(f"{func}: 'ai', 'bi', 'ci' and 'di' must have the same length; got "
                         + ", ".join(str(a.size) for a in arrays))
    if k == 0:
        raise InputError(f"{func}: no tables given")
    for name, arr in zip(("ai", "bi", "ci", "di"), arrays, strict=True):
        bad = ~np.isfinite(arr) | (arr < 0)
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{func}: '{name}' must be a non-negative count; got {arr[i]:g}",
                             where=f"table {i + 1}")
    a, b, c, d = arrays
    empty = (a + b == 0) | (c + d == 0)
    if np.any(empty):
        i = int(np.flatnonzero(empty)[0])
        raise InputError(f"{func}: each arm needs at least one participant (ai + bi > 0 and "
                         "ci + di > 0)", where=f"table {i + 1}")
    return a, b, c, d


def table_labels(func: str, study: Sequence[str] | None, k: int) -> tuple[str, ...]:
    """``k`` study labels as strings; ``"1"``, ``"2"``, ... when none are given."""
    if study is None:
        return tuple(str(i + 1) for i in range(k))
    labels = tuple(str(s) for s in study)
    if len(labels) != k:
        raise InputError(f"{func}: 'study' has {len(labels)} labels for {k} tables")
    return labels


def check_level(func: str, level: float) -> None:
    """Refuse a confidence level (in percent) outside (0, 100)."""
    if not 0 < level < 100:
        raise InputError(f"{func}: 'level' must be a percentage between 0 and 100; "
                         f"got {level!r}")


def wald(
    estimate: float, se: float, level: float
) -> tuple[float, float, float, float]:
    """``zval``, two-sided ``pval`` and the ``level`` percent interval ``(ci_lb, ci_ub)``."""
    zval = estimate / se
    pval = float(2 * norm_sf(abs(zval)))
    crit = float(norm_ppf(1 - (1 - level / 100) / 2))
    return zval, pval, estimate - crit * se, estimate + crit * se


def q_based(q: float, df: int) -> tuple[float | None, float, float | None]:
    """P value of ``Q`` on ``df`` (None at 0 df), Q-based I² (%) and H² (None at 0 df)."""
    qp = float(chi2_sf(q, df)) if df > 0 else None
    i2 = max(0.0, 100 * (q - df) / q) if df > 0 and q > 0 else 0.0
    h2 = q / df if df > 0 else None
    return qp, i2, h2


def none_if_nan(x: float) -> float | None:
    """``None`` for NaN (JSON has no NaN), else ``x`` as a float."""
    return None if np.isnan(x) else float(x)


def fmt(x: float | None) -> str:
    """A statistic to 4 decimals, ``NA`` when missing (as metafor prints)."""
    return "NA" if x is None else f"{x:.4f}"


def fmtp(p: float | None) -> str:
    """A P value as metafor prints it: ``<.0001`` below 1e-4, ``NA`` when missing."""
    if p is None:
        return "NA"
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def summary_head(fit: MHResult | PetoResult, method: str, scale: str) -> list[str]:
    """The lines ``print.rma.mh`` / ``print.rma.peto`` start with, down to the model results."""
    return [
        f"Equal-Effects Model (k = {fit.k}), {method}",
        "",
        f"I^2 (total heterogeneity / total variability):  {fit.I2:.2f}%",
        f"H^2 (total variability / sampling variability): {fmt(fit.H2)}",
        "",
        "Test for Heterogeneity:",
        f"Q(df = {fit.QEdf}) = {fit.QE:.4f}, p-val = {fmtp(fit.QEp)}",
        "",
        f"Model Results ({scale} scale):",
        "",
        "estimate      se     zval    pval   ci.lb   ci.ub",
        f"{fit.estimate:8.4f} {fit.se:7.4f} {fit.zval:8.4f} {fmtp(fit.pval):>7} "
        f"{fit.ci_lb:7.4f} {fit.ci_ub:7.4f}",
    ]
