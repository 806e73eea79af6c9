"""Peto's one-step odds ratio for 2x2 tables, as metafor's ``rma.peto``.

Sources
-------
* Yusuf S, Peto R, Lewis J, Collins R, Sleight P (1985). Beta blockade during and after
  myocardial infarction: an overview of the randomized trials. Prog Cardiovasc Dis
  27:335-371 (the method).
* Cochrane Handbook v6.4, §10.4.4.2 (Peto's method; its use for rare events with balanced
  arms).
* metafor 3.8 ``rma.peto`` (conventions below).

For table i with ``O = ai`` events in group 1, total events ``x = ai + ci``, non-events
``y = bi + di``, group sizes ``n1``, ``n2`` and ``N = n1 + n2``:
``E = x n1/N`` and ``V = x y n1 n2 / (N^2 (N - 1))`` (hypergeometric). The pooled log OR is
``sum(O - E) / sum(V)`` with ``se = 1/sqrt(sum(V))``. Heterogeneity:
``QE = sum((O - E)^2/V) - (sum(O - E))^2/sum(V)`` over the ``k_yi`` tables with ``V > 0``
(tables without events, or with only events, carry no information and are left out, with a
:class:`StatsWarning`), df ``k_yi - 1``. No continuity correction is needed or used.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._two_by_two import (
    Counts,
    check_level,
    check_tables,
    none_if_nan,
    q_based,
    summary_head,
    table_labels,
    wald,
)

__all__ = ["PetoResult", "rma_peto"]


@dataclass(frozen=True, slots=True)
class PetoResult:
    """A Peto one-step odds-ratio meta-analysis (metafor ``rma.peto``).

    Attributes
    ----------
    k, k_yi
        Number of tables; number with ``V > 0`` (informative, enter Q).
    estimate, se, zval, pval, ci_lb, ci_ub
        Pooled log Peto OR, its SE, Wald z test, and CI at ``level`` percent.
    level
        Confidence level in percent.
    QE, QEdf, QEp, I2, H2
        Heterogeneity Q (df ``k_yi - 1``), its P value (None when df is 0), I² (%) and H².
    study, yi, vi
        Study labels and study-level Peto log ORs ``(O - E)/V`` with variances ``1/V``
        (NaN for uninformative tables).
    warnings
        Warnings raised while fitting.
    """

    k: int
    k_yi: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    level: float
    QE: float
    QEdf: int
    QEp: float | None
    I2: float
    H2: float | None
    study: tuple[str, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        """Fields under metafor's names, plus ``exp_*`` back-transformed values."""
        return {
            "k": self.k, "k_yi": self.k_yi, "scale": "log",
            "estimate": self.estimate, "se": self.se, "zval": self.zval, "pval": self.pval,
            "ci_lb": self.ci_lb, "ci_ub": self.ci_ub,
            "exp_estimate": float(np.exp(self.estimate)),
            "exp_ci_lb": float(np.exp(self.ci_lb)), "exp_ci_ub": float(np.exp(self.ci_ub)),
            "QE": self.QE, "QEdf": self.QEdf, "QEp": self.QEp, "I2": self.I2, "H2": self.H2,
            "studies": [
                {"study": s, "yi": none_if_nan(y), "vi": none_if_nan(v)}
                for s, y, v in zip(self.study, self.yi, self.vi, strict=True)
            ],
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """A printed summary in the spirit of metafor's ``print.rma.peto``."""
        lines = summary_head(self, "Peto's method", "log Odds Ratio")
        lines += [
            "",
            f"Pooled Peto Odds Ratio: {np.exp(self.estimate):.4f} "
            f"({self.level:g}% CI {np.exp(self.ci_lb):.4f} to {np.exp(self.ci_ub):.4f})",
        ]
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def rma_peto(
    ai: Counts,
    bi: Counts,
    ci: Counts,
    di: Counts,
    *,
    level: float = 95.0,
    study: Sequence[str] | None = None,
) -> PetoResult:
    """Peto's one-step pooled odds ratio (metafor ``rma.peto``); see the module docstring."""
    check_level("rma_peto", level)
    a, b, c, d = check_tables("rma_peto", ai, bi, ci, di, name_mismatch=True)
    n1, n2 = a + b, c + d
    k = a.size
    labels = table_labels("rma_peto", study, k)

    n = n1 + n2
    x, y = a + c, b + d
    o_e = a - x * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, x * y * n1 * n2 / (n**2 * (n - 1)), 0.0)
    informative = v > 0
    k_yi = int(informative.sum())
    if k_yi == 0:
        raise InputError("rma_peto: no table has both events and non-events; the Peto odds "
                         "ratio is undefined")
    sum_v = float(v.sum())
    estimate = float(o_e.sum()) / sum_v
    se = 1 / np.sqrt(sum_v)
    zval, pval, ci_lb, ci_ub = wald(estimate, float(se), level)

    notes = []
    if k_yi < k:
        notes.append(f"{k - k_yi} table(s) with no events (or only events) in both groups carry "
                     "no information and are left out of the heterogeneity test")
    oe_i, v_i = o_e[informative], v[informative]
    df = k_yi - 1
    q = float(np.sum(oe_i**2 / v_i) - oe_i.sum() ** 2 / v_i.sum())
    q = max(q, 0.0)
    qp, i2, h2 = q_based(q, df)
    for note in notes:
        warnings.warn(f"rma_peto: {note}", StatsWarning, stacklevel=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        yi = np.where(informative, o_e / np.where(informative, v, 1.0), np.nan)
        vi = np.where(informative, 1 / np.where(informative, v, 1.0), np.nan)
    return PetoResult(
        k=k, k_yi=k_yi, estimate=estimate, se=float(se), zval=float(zval), pval=pval,
        ci_lb=float(ci_lb), ci_ub=float(ci_ub), level=level,
        QE=q, QEdf=df, QEp=qp, I2=i2, H2=h2, study=labels,
        yi=tuple(float(t) for t in yi), vi=tuple(float(t) for t in vi), warnings=tuple(notes),
    )
