"""Mantel-Haenszel pooling of 2x2 tables for OR, RR and RD, as metafor's ``rma.mh``.

Sources
-------
* Mantel N, Haenszel W (1959). J Natl Cancer Inst 22:719-748 (the pooled odds ratio).
* Robins J, Breslow N, Greenland S (1986). Biometrics 42:311-323 (variance of the log MH OR).
* Greenland S, Robins JM (1985). Biometrics 41:55-68 (pooled RR and RD and their variances);
  for the RD, metafor uses the variance of Sato, Greenland & Robins (1989, Biometrics
  45:1323-1324) and RevMan Greenland & Robins' own (``rd_variance`` chooses).
* Cochran WG (1954) and Mantel & Haenszel (1959): the CMH test, with continuity correction.
* Breslow NE, Day NE (1980). Statistical Methods in Cancer Research I, IARC, §4.4 (test of
  homogeneity of odds ratios), with Tarone's (1985, Biometrika 72:91-95) correction.
* Viechtbauer W (2010). metafor, J Stat Softw 36(3); ``rma.mh`` in metafor 3.8 (conventions).

Conventions (metafor ``rma.mh`` defaults)
-----------------------------------------
* The MH estimate and the CMH test use the counts as reported (no continuity correction).
* The heterogeneity test uses study-level ``yi``/``vi`` from :func:`escalc` with ``add=1/2``,
  ``to="only0"``, ``drop00=True``: tables with no events (or only events) in both arms get no
  ``yi`` and are left out of Q (``k_yi`` counts the rest), and a :class:`StatsWarning` says so.
  Q is centred at the MH estimate: ``QE = sum((yi - est)^2 / vi)`` with ``k_yi - 1`` df.
* ``I2 = max(0, 100 (QE - df)/QE)`` and ``H2 = QE/df``, as metafor prints them.
* RevMan uses the same estimators and variances for OR and RR, Greenland & Robins' variance
  for the RD (``rd_variance="greenland-robins"``), and its own zero-cell rules for the
  study-level yi/vi of the Q test.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._two_by_two import (
    Counts,
    check_level,
    check_tables,
    fmt,
    fmtp,
    none_if_nan,
    q_based,
    summary_head,
    table_labels,
    wald,
)
from evidencehub.stats.distributions import chi2_sf
from evidencehub.stats.effects import escalc

__all__ = ["MHResult", "rma_mh"]

MHMeasure = Literal["OR", "RR", "RD"]


@dataclass(frozen=True, slots=True)
class MHResult:
    """A Mantel-Haenszel meta-analysis (metafor ``rma.mh``).

    Attributes
    ----------
    measure
        ``"OR"``, ``"RR"`` or ``"RD"``.
    k, k_yi
        Number of tables; number with a study-level ``yi`` (enter the Q test).
    estimate, se, zval, pval, ci_lb, ci_ub
        The MH estimate on the analysis scale (log OR, log RR, or RD), its standard error, the
        Wald z test and the confidence interval at ``level`` percent.
    level
        Confidence level in percent.
    QE, QEdf, QEp, I2, H2
        Cochran's Q of the study-level ``yi`` about the MH estimate, its df and P value; I²
        (%) and H² derived from it. ``QEp`` is None when ``QEdf`` is 0.
    CMH, CMHp, CO, COp
        (OR) Cochran-Mantel-Haenszel test with continuity correction, with the variance
        denominator ``N - 1`` (``CMH``) or ``N`` (``CO``); df 1. None for RR and RD.
    BD, BDp, TA, TAp, k_pos
        (OR) Breslow-Day test of equal odds ratios about the MH OR, Tarone's corrected version,
        and the number of informative tables they use (df ``k_pos - 1``). None for RR and RD.
    study, yi, vi
        Study labels and the study-level effect sizes used for Q (NaN where dropped).
    warnings
        Warnings raised while fitting (also emitted as :class:`StatsWarning`).
    """

    measure: str
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
    CMH: float | None
    CMHp: float | None
    CO: float | None
    COp: float | None
    BD: float | None
    BDp: float | None
    TA: float | None
    TAp: float | None
    k_pos: int | None
    study: tuple[str, ...]
    yi: tuple[float, ...]
    vi: tuple[float, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def is_ratio(self) -> bool:
        """Whether the estimate is on the log scale (OR, RR)."""
        return self.measure in ("OR", "RR")

    def to_dict(self) -> dict[str, object]:
        """Fields under metafor's names; OR/RR also get ``exp_*`` (back-transformed) values."""
        out: dict[str, object] = {
            "measure": self.measure,
            "k": self.k,
            "k_yi": self.k_yi,
            "estimate": self.estimate,
            "se": self.se,
            "zval": self.zval,
            "pval": self.pval,
            "ci_lb": self.ci_lb,
            "ci_ub": self.ci_ub,
            "scale": "log" if self.is_ratio else "raw",
        }
        if self.is_ratio:
            out |= {
                "exp_estimate": float(np.exp(self.estimate)),
                "exp_ci_lb": float(np.exp(self.ci_lb)),
                "exp_ci_ub": float(np.exp(self.ci_ub)),
            }
        out |= {"QE": self.QE, "QEdf": self.QEdf, "QEp": self.QEp, "I2": self.I2, "H2": self.H2}
        if self.measure == "OR":
            out |= {
                "CMH": self.CMH, "CMHp": self.CMHp, "CO": self.CO, "COp": self.COp,
                "BD": self.BD, "BDp": self.BDp, "TA": self.TA, "TAp": self.TAp,
                "k_pos": self.k_pos,
            }
        out["studies"] = [
            {"study": s, "yi": none_if_nan(y), "vi": none_if_nan(v)}
            for s, y, v in zip(self.study, self.yi, self.vi, strict=True)
        ]
        out["warnings"] = list(self.warnings)
        return out

    def summary(self) -> str:
        """A printed summary in the spirit of metafor's ``print.rma.mh``."""
        name = {"OR": "Log Odds Ratio", "RR": "Log Risk Ratio", "RD": "Risk Difference"}
        lines = summary_head(self, "Mantel-Haenszel method", name[self.measure])
        if self.is_ratio:
            label = "Odds Ratio" if self.measure == "OR" else "Risk Ratio"
            lines += [
                "",
                f"Pooled {label}: {np.exp(self.estimate):.4f} "
                f"({self.level:g}% CI {np.exp(self.ci_lb):.4f} to {np.exp(self.ci_ub):.4f})",
            ]
        if self.measure == "OR":
            lines += [
                "",
                f"Cochran-Mantel-Haenszel Test:    CMH = {self.CMH:.4f}, df = 1, "
                f"p-val = {fmtp(self.CMHp)}",
                f"Tarone's Test for Heterogeneity: X^2 = {fmt(self.TA)}, "
                f"df = {(self.k_pos or 1) - 1}, p-val = {fmtp(self.TAp)}",
            ]
        for w in self.warnings:
            lines.append(f"Warning: {w}")
        return "\n".join(lines)


def _odds_ratio(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64], d: npt.NDArray[np.float64],
) -> tuple[float, float]:
    """MH log OR and its Robins-Breslow-Greenland (1986) standard error."""
    n = a + b + c + d
    r, s = a * d / n, b * c / n
    p, q = (a + d) / n, (b + c) / n
    sum_r, sum_s = r.sum(), s.sum()
    if sum_r == 0 or sum_s == 0:
        raise InputError("rma_mh: the Mantel-Haenszel odds ratio is 0 or infinite (no table "
                         "has both a*d > 0 and b*c > 0 in the needed direction); use Peto's "
                         "method or a continuity correction")
    var = ((p * r).sum() / (2 * sum_r**2) + (p * s + q * r).sum() / (2 * sum_r * sum_s)
           + (q * s).sum() / (2 * sum_s**2))
    return float(np.log(sum_r / sum_s)), float(np.sqrt(var))


def _risk_ratio(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64], d: npt.NDArray[np.float64],
) -> tuple[float, float]:
    """MH log RR and its Greenland-Robins (1985) standard error."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    r, s = a * n2 / n, c * n1 / n
    sum_r, sum_s = r.sum(), s.sum()
    if sum_r == 0 or sum_s == 0:
        raise InputError("rma_mh: the Mantel-Haenszel risk ratio is 0 or infinite (no events "
                         "in one of the two groups across all tables)")
    var = (n1 * n2 * (a + c) / n**2 - a * c / n).sum() / (sum_r * sum_s)
    return float(np.log(sum_r / sum_s)), float(np.sqrt(var))


def _risk_difference(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64], d: npt.NDArray[np.float64], variance: str = "sato",
) -> tuple[float, float]:
    """MH RD (Greenland & Robins 1985) and its SE.

    ``variance="sato"``: Sato, Greenland & Robins (1989), as metafor; ``"greenland-robins"``:
    Greenland & Robins (1985), ``sum((a b n2^3 + c d n1^3)/(n1 n2 N^2)) / (sum n1 n2/N)^2``,
    the variance RevMan uses (Deeks & Higgins, Statistical algorithms in Review Manager 5).
    """
    n1, n2 = a + b, c + d
    n = n1 + n2
    w = n1 * n2 / n
    rd = float((a * n2 / n - c * n1 / n).sum() / w.sum())
    if variance == "greenland-robins":
        num = (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)
    else:
        num = (rd * (c * (n1 / n) ** 2 - a * (n2 / n) ** 2 + (n1 / n) * (n2 / n) * (n2 - n1) / 2)
               + (a * (n2 - c) / n + c * (n1 - a) / n) / 2)
    return rd, float(np.sqrt(num.sum() / w.sum() ** 2))


def _cmh(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64], d: npt.NDArray[np.float64], correct: bool,
) -> tuple[float, float]:
    """CMH statistic with variance denominators ``N - 1`` and ``N`` (Cochran's version)."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    x, y = a + c, b + d
    dev = max(abs(float((a - n1 * x / n).sum())) - (0.5 if correct else 0.0), 0.0)
    base = n1 * n2 * x * y / n**2
    keep = n > 1
    var_mh = float((base[keep] / (n[keep] - 1)).sum())
    var_co = float((base / n).sum())
    return dev**2 / var_mh, dev**2 / var_co


def _breslow_day(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64],
    c: npt.NDArray[np.float64], d: npt.NDArray[np.float64], log_or: float,
) -> tuple[float, float, int]:
    """Breslow-Day statistic about the MH OR, Tarone's version, and the tables used.

    A table enters when both margins vary (some events and some non-events in total), as in
    metafor; the expected ``a`` under the common OR is the root of the quadratic in Breslow &
    Day (1980, eq. 4.30) inside its admissible range.
    """
    from scipy.optimize import brentq  # here, not at the top: 0.1 s to import, and only BD needs it

    n1, n2 = a + b, c + d
    x = a + c
    used = (x > 0) & (x < n1 + n2)
    psi = np.exp(log_or)
    bd = 0.0
    sum_a = sum_e = sum_v = 0.0
    for ai, n1i, n2i, xi in zip(a[used], n1[used], n2[used], x[used], strict=True):
        lo, hi = max(0.0, xi - n2i), min(n1i, xi)

        def excess(e: float, n1i: float = n1i, n2i: float = n2i, xi: float = xi) -> float:
            return float(e * (n2i - xi + e) - psi * (n1i - e) * (xi - e))

        e = lo if lo == hi else brentq(excess, lo, hi, xtol=1e-14, rtol=1e-15)
        parts = np.array([e, n1i - e, xi - e, n2i - xi + e])
        v = 0.0 if np.any(parts <= 0) else 1.0 / float(np.sum(1.0 / parts))
        if v > 0:
            bd += (ai - e) ** 2 / v
        sum_a += ai
        sum_e += e
        sum_v += v
    ta = bd - (sum_a - sum_e) ** 2 / sum_v if sum_v > 0 else bd
    return bd, ta, int(used.sum())


def rma_mh(
    ai: Counts,
    bi: Counts,
    ci: Counts,
    di: Counts,
    *,
    measure: MHMeasure = "OR",
    level: float = 95.0,
    correct: bool = True,
    add: float = 0.5,
    to: str = "only0",
    drop00: bool = True,
    rd_variance: Literal["sato", "greenland-robins"] = "sato",
    study: Sequence[str] | None = None,
) -> MHResult:
    """Mantel-Haenszel equal-effects meta-analysis of 2x2 tables (metafor ``rma.mh``).

    Parameters
    ----------
    ai, bi, ci, di
        Events and non-events in group 1, events and non-events in group 2, one per table.
    measure
        ``"OR"``, ``"RR"`` or ``"RD"``.
    level
        Confidence level in percent.
    correct
        Continuity correction (0.5) in the CMH test (OR only), as metafor's default.
    add, to, drop00
        Zero-cell handling for the study-level ``yi``/``vi`` of the heterogeneity test only,
        passed to :func:`escalc` (metafor defaults ``1/2``, ``"only0"``, ``True``).
    rd_variance
        Variance of the MH risk difference: ``"sato"`` (metafor) or ``"greenland-robins"``
        (RevMan). The two agree for large strata and differ for sparse ones.
    study
        Study labels (default ``"1"``, ``"2"``, ...).
    """
    if measure not in ("OR", "RR", "RD"):
        raise InputError(f"rma_mh: 'measure' must be one of 'OR', 'RR', 'RD'; got {measure!r}")
    check_level("rma_mh", level)
    a, b, c, d = check_tables("rma_mh", ai, bi, ci, di)
    k = a.size
    labels = table_labels("rma_mh", study, k)

    if rd_variance not in ("sato", "greenland-robins"):
        raise InputError("rma_mh: 'rd_variance' must be 'sato' or 'greenland-robins'; "
                         f"got {rd_variance!r}")
    if measure == "RD":
        estimate, se = _risk_difference(a, b, c, d, rd_variance)
    else:
        estimate, se = (_odds_ratio if measure == "OR" else _risk_ratio)(a, b, c, d)
    if not se > 0:
        raise InputError(f"rma_mh: the Mantel-Haenszel {measure} has no sampling variance "
                         "(every table has no events, or only events, in both groups)")
    zval, pval, ci_lb, ci_ub = wald(estimate, se, level)

    notes: list[str] = []
    # escalc leaves dropped tables out; label rows by position to put the rest back in place
    es = escalc(measure, ai=a, bi=b, ci=c, di=d, add=add, to=to, drop00=drop00,
                study=[str(i) for i in range(k)])
    yi = np.full(k, np.nan)
    vi = np.full(k, np.nan)
    kept = np.array([int(s) for s in es.study], dtype=int)
    yi[kept] = es.yi
    vi[kept] = es.vi
    has_yi = np.isfinite(yi) & np.isfinite(vi)
    k_yi = int(has_yi.sum())
    if k_yi < k:
        notes.append(f"{k - k_yi} table(s) with no events (or only events) in both groups have "
                     "no study-level yi and are left out of the heterogeneity test")
    df = k_yi - 1
    q = float(np.sum((yi[has_yi] - estimate) ** 2 / vi[has_yi])) if k_yi else 0.0
    qp, i2, h2 = q_based(q, df)

    cmh = co = bd = ta = None
    cmhp = cop = bdp = tap = None
    k_pos = None
    if measure == "OR":
        cmh, co = _cmh(a, b, c, d, correct)
        cmhp, cop = float(chi2_sf(cmh, 1)), float(chi2_sf(co, 1))
        bd, ta, k_pos = _breslow_day(a, b, c, d, estimate)
        if k_pos > 1:
            bdp = float(chi2_sf(bd, k_pos - 1))
            tap = float(chi2_sf(ta, k_pos - 1))
        else:
            bd = ta = None
    for note in notes:
        warnings.warn(f"rma_mh: {note}", StatsWarning, stacklevel=2)
    return MHResult(
        measure=measure, k=k, k_yi=k_yi, estimate=estimate, se=se, zval=zval, pval=pval,
        ci_lb=ci_lb, ci_ub=ci_ub, level=level,
        QE=q, QEdf=df, QEp=qp, I2=i2, H2=h2,
        CMH=cmh, CMHp=cmhp, CO=co, COp=cop, BD=bd, BDp=bdp, TA=ta, TAp=tap, k_pos=k_pos,
        study=labels, yi=tuple(float(v) for v in np.where(has_yi, yi, np.nan)),
        vi=tuple(float(v) for v in np.where(has_yi, vi, np.nan)), warnings=tuple(notes),
    )
