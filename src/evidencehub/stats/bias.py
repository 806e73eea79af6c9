"""Small-study effects and publication bias: Egger, Begg, trim-and-fill, fail-safe N.

Sources
-------
* Egger M, Davey Smith G, Schneider M, Minder C (1997). Bias in meta-analysis detected by a
  simple, graphical test. BMJ 315:629-634 (the classical test: weighted least squares of
  ``yi`` on ``sei`` with weights ``1/vi`` and a multiplicative dispersion, ``model="lm"``).
* Sterne JAC, Egger M (2005). Regression methods to detect publication and other bias in
  meta-analysis. In: Rothstein et al. (eds), Publication Bias in Meta-Analysis, Wiley (the
  meta-regression version, ``model="rma"``, metafor's default).
* Begg CB, Mazumdar M (1994). Operating characteristics of a rank correlation test for
  publication bias. Biometrics 50:1088-1101.
* Duval S, Tweedie R (2000). Trim and fill: a simple funnel-plot-based method of testing and
  adjusting for publication bias in meta-analysis. Biometrics 56:455-463 (estimators L0 and
  R0); Duval S (2005), in Rothstein et al. (the iteration as metafor runs it).
* Rosenthal R (1979). The "file drawer problem" and tolerance for null results. Psychol Bull
  86:638-641; Orwin RG (1983). A fail-safe N for effect size in meta-analysis. J Educ Stat
  8:157-159; Rosenberg MS (2005). The file-drawer problem revisited. Evolution 59:464-468.
* metafor 3.8 ``regtest``, ``ranktest``, ``trimfill`` and ``fsn`` (conventions, names).

Kendall's tau and its P value come from :func:`scipy.stats.kendalltau`: the exact null
distribution without ties and the tie-corrected normal approximation with ties, which is
what R's ``cor.test(method = "kendall", exact = TRUE)`` reports (checked against metafor).
``scipy.stats`` (about 0.3 s to import) is imported by the two functions that need it, so
that importing this module costs no more than the rest of :mod:`evidencehub.stats`; the
distribution functions come from :mod:`evidencehub.stats.distributions`.
All model fits go through :func:`evidencehub.stats.rma`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._validate import check_fit
from evidencehub.stats.distributions import norm_ppf, norm_sf, t_ppf, t_sf
from evidencehub.stats.models import rma
from evidencehub.stats.results import MetaResult

__all__ = [
    "FailSafeN",
    "RankTest",
    "RegTest",
    "TrimFill",
    "fsn",
    "ranktest",
    "regtest",
    "trimfill",
]

FloatArray = NDArray[np.float64]
Control = Mapping[str, float | None] | None
Predictor = Literal["sei", "vi", "ni", "ninv", "sqrtni", "sqrtninv"]


def _fmtp(p: float) -> str:
    return "<.0001" if p < 1e-4 else f"{p:.4f}"


def _quiet_rma(*args: Any, **kwargs: Any) -> tuple[MetaResult, list[str]]:
    """Fit with :func:`rma`, collecting its StatsWarnings instead of emitting them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        fit = rma(*args, **kwargs)
    return fit, [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]


# --------------------------------------------------------------------------------------------
# Egger's regression test


@dataclass(frozen=True, slots=True)
class RegTest:
    """Regression test for funnel-plot asymmetry (metafor ``regtest``).

    Attributes
    ----------
    model
        ``"rma"`` (meta-regression with the fit's tau² method and test) or ``"lm"``
        (classical Egger: weighted least squares with a multiplicative dispersion).
    predictor
        The precision measure regressed on (``"sei"`` by default).
    method
        tau² estimator of the ``"rma"`` model (None for ``"lm"``).
    stat, stat_name
        Test statistic of the predictor's slope and its name (``"zval"`` or ``"tval"``).
    df
        Degrees of freedom of the t test (``"lm"`` and Knapp-Hartung; else None).
    pval
        Two-sided P value of the slope (the asymmetry test).
    slope, slope_se
        The predictor's coefficient and its SE.
    limit_estimate, limit_ci_lb, limit_ci_ub
        The intercept: the estimate as the predictor goes to 0 (for ``sei``/``vi``: an
        infinitely precise study), with its CI.
    tau2
        Residual tau² of the ``"rma"`` model (None for ``"lm"``).
    warnings
        Warnings of the underlying fit.
    """

    model: str
    predictor: str
    method: str | None
    stat: float
    stat_name: str
    df: int | None
    pval: float
    slope: float
    slope_se: float
    limit_estimate: float
    limit_ci_lb: float
    limit_ci_ub: float
    tau2: float | None
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """metafor names: ``zval|tval, df, pval, slope, slope_se, limit_*, tau2``."""
        out: dict[str, Any] = {"model": self.model, "predictor": self.predictor}
        if self.method is not None:
            out["method"] = self.method
        out[self.stat_name] = self.stat
        if self.df is not None:
            out["df"] = self.df
        out |= {"pval": self.pval, "slope": self.slope, "slope_se": self.slope_se,
                "limit_estimate": self.limit_estimate, "limit_ci_lb": self.limit_ci_lb,
                "limit_ci_ub": self.limit_ci_ub}
        if self.tau2 is not None:
            out["tau2"] = self.tau2
        out["warnings"] = list(self.warnings)
        return out

    def summary(self) -> str:
        """metafor-style printout."""
        kind = ("weighted regression with multiplicative dispersion" if self.model == "lm"
                else f"mixed-effects meta-regression model ({self.method})")
        stat = "t" if self.stat_name == "tval" else "z"
        df = f", df = {self.df}" if self.df is not None else ""
        lines = [
            "Regression Test for Funnel Plot Asymmetry",
            "",
            f"Model:     {kind}",
            f"Predictor: {self.predictor}",
            "",
            f"Test for Funnel Plot Asymmetry: {stat} = {self.stat:.4f}{df}, "
            f"p = {_fmtp(self.pval)}",
            f"Limit Estimate (as {self.predictor} -> 0): b = {self.limit_estimate:.4f} "
            f"(CI: {self.limit_ci_lb:.4f}, {self.limit_ci_ub:.4f})",
        ]
        return "\n".join(lines + [f"Warning: {w}" for w in self.warnings])


def _predictor(fit: MetaResult, predictor: str) -> FloatArray:
    vi: FloatArray = np.asarray(fit.vi, dtype=float)
    if predictor == "sei":
        return np.asarray(np.sqrt(vi), dtype=float)
    if predictor == "vi":
        return vi
    if predictor not in ("ni", "ninv", "sqrtni", "sqrtninv"):
        raise InputError("regtest: 'predictor' must be one of 'sei', 'vi', 'ni', 'ninv', "
                         f"'sqrtni', 'sqrtninv'; got {predictor!r}")
    if fit.ni is None:
        raise InputError(f"regtest: predictor {predictor!r} needs sample sizes; the fit has "
                         "none (fit it on escalc output)")
    ni: FloatArray = np.asarray(fit.ni, dtype=float)
    columns: dict[str, FloatArray] = {"ni": ni, "ninv": 1 / ni, "sqrtni": np.sqrt(ni),
                                      "sqrtninv": 1 / np.sqrt(ni)}
    return columns[predictor]


def regtest(
    fit: MetaResult,
    *,
    model: Literal["rma", "lm"] = "rma",
    predictor: Predictor = "sei",
    control: Control = None,
) -> RegTest:
    """Egger-type regression test for funnel-plot asymmetry (metafor ``regtest``).

    ``model="rma"`` fits ``rma(yi, vi, mods=predictor)`` with the fit's method, test and
    level; ``model="lm"`` is the classical Egger test, weighted least squares of ``yi`` on
    the predictor with weights ``1/vi`` and residual variance estimated (t with ``k - 2``
    df). ``control`` is passed to the ``"rma"`` fit.
    """
    func = "regtest"
    check_fit(fit, func, 3)
    x = _predictor(fit, predictor)
    y, v = np.asarray(fit.yi, dtype=float), np.asarray(fit.vi, dtype=float)
    level = fit.level
    if model == "rma":
        res, notes = _quiet_rma(y, v, mods=x, method=fit.method, test=fit.test, level=level,
                                control=control, study=fit.study)
        intercept, slope = res.coefficients[0], res.coefficients[1]
        knha = fit.test == "knha"
        return RegTest(
            model="rma", predictor=predictor, method=fit.method, stat=slope.stat,
            stat_name="tval" if knha else "zval", df=fit.k - 2 if knha else None,
            pval=slope.pval, slope=slope.estimate, slope_se=slope.se,
            limit_estimate=intercept.estimate, limit_ci_lb=intercept.ci_lb,
            limit_ci_ub=intercept.ci_ub, tau2=res.tau2, warnings=tuple(notes),
        )
    if model != "lm":
        raise InputError(f"{func}: 'model' must be 'rma' or 'lm'; got {model!r}")
    X = np.column_stack([np.ones(fit.k), x])
    w = 1 / v
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * y))
    resid = y - X @ beta
    df = fit.k - 2
    sigma2 = float(np.sum(w * resid**2) / df)
    cov = sigma2 * np.linalg.inv(xtwx)
    se = np.sqrt(np.diag(cov))
    tval = float(beta[1] / se[1])
    crit = float(t_ppf(1 - (1 - level / 100) / 2, df))
    return RegTest(
        model="lm", predictor=predictor, method=None, stat=tval, stat_name="tval", df=df,
        pval=float(2 * t_sf(abs(tval), df)), slope=float(beta[1]), slope_se=float(se[1]),
        limit_estimate=float(beta[0]), limit_ci_lb=float(beta[0] - crit * se[0]),
        limit_ci_ub=float(beta[0] + crit * se[0]), tau2=None,
    )


# --------------------------------------------------------------------------------------------
# Begg and Mazumdar's rank correlation test


@dataclass(frozen=True, slots=True)
class RankTest:
    """Begg & Mazumdar's rank correlation test (metafor ``ranktest``).

    Attributes
    ----------
    tau
        Kendall's tau (tau-b) between the standardized deviates
        ``(yi - b_EE)/sqrt(vi - Var(b_EE))`` and ``vi``.
    pval
        Two-sided P value: exact without ties, normal approximation with ties.
    exact
        Whether the P value is exact.
    warnings
        ``"Cannot compute exact p-value with ties"`` when the approximation was used.
    """

    tau: float
    pval: float
    exact: bool
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{tau, pval, exact, warnings}``."""
        return {"tau": self.tau, "pval": self.pval, "exact": self.exact,
                "warnings": list(self.warnings)}

    def summary(self) -> str:
        """metafor-style printout."""
        lines = ["Rank Correlation Test for Funnel Plot Asymmetry", "",
                 f"Kendall's tau = {self.tau:.4f}, p = {_fmtp(self.pval)}"
                 + ("" if self.exact else " (normal approximation: ties)")]
        return "\n".join(lines + [f"Warning: {w}" for w in self.warnings])


def ranktest(fit: MetaResult) -> RankTest:
    """Begg & Mazumdar (1994) rank correlation test, as metafor ``ranktest``.

    The deviates are standardized with the equal-effects estimate whatever the fit's method
    (as metafor). With tied values Kendall's exact distribution does not apply; the
    tie-corrected normal approximation is used and a :class:`StatsWarning` says so.
    """
    check_fit(fit, "ranktest", 3)
    y, v = np.asarray(fit.yi, dtype=float), np.asarray(fit.vi, dtype=float)
    ee, _ = _quiet_rma(y, v, method="EE")
    v_star = v - ee.se**2
    if np.any(v_star <= 0):
        raise InputError("ranktest: a study's variance does not exceed the variance of the "
                         "pooled estimate, so its deviate cannot be standardized")
    z = (y - ee.estimate) / np.sqrt(v_star)
    ties = len(np.unique(z)) < z.size or len(np.unique(v)) < v.size
    notes: tuple[str, ...] = ()
    if ties:
        notes = ("Cannot compute exact p-value with ties",)
        warnings.warn("ranktest: cannot compute the exact p-value with ties; the normal "
                      "approximation is used", StatsWarning, stacklevel=2)
    from scipy.stats import kendalltau

    res = kendalltau(z, v, method="asymptotic" if ties else "exact")
    return RankTest(tau=float(res.statistic), pval=float(min(1.0, res.pvalue)),
                    exact=not ties, warnings=notes)


# --------------------------------------------------------------------------------------------
# trim and fill


@dataclass(frozen=True, slots=True)
class TrimFill:
    """Trim-and-fill analysis (metafor ``trimfill``).

    Attributes
    ----------
    estimator
        ``"L0"`` or ``"R0"``.
    k0, se_k0
        Estimated number of missing studies and its SE.
    side
        Side of the funnel where studies were imputed (``"left"`` or ``"right"``).
    fit
        The model fitted to the observed and filled studies (same method and test).
    filled_yi, filled_vi
        The imputed studies (mirror images about the trimmed estimate).
    warnings
        Warnings of the underlying fits.
    """

    estimator: str
    k0: int
    se_k0: float
    side: str
    fit: MetaResult
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The fields of the ``trimfill`` reference blocks (metafor names)."""
        f = self.fit
        return {
            "estimator": self.estimator, "k0": self.k0, "se_k0": self.se_k0,
            "side": self.side, "k": f.k, "method": f.method, "estimate": f.estimate,
            "se": f.se, "zval": f.zval if f.tval is None else f.tval, "pval": f.pval,
            "ci_lb": f.ci_lb, "ci_ub": f.ci_ub, "tau2": f.tau2, "I2": f.I2, "QE": f.QE,
            "QEp": f.QEp,
            "filled": [{"yi": y, "vi": v}
                       for y, v in zip(self.filled_yi, self.filled_vi, strict=True)],
            "warnings": list(self.warnings),
        }

    def summary(self) -> str:
        """metafor-style printout."""
        f = self.fit
        lines = [
            f"Estimated number of missing studies on the {self.side} side: {self.k0} "
            f"(SE = {self.se_k0:.4f}), estimator {self.estimator}",
            "",
            f"Model with filled studies (k = {f.k}, {f.method}):",
            f"estimate = {f.estimate:.4f}, se = {f.se:.4f}, p = {_fmtp(f.pval)}, "
            f"CI {f.ci_lb:.4f} to {f.ci_ub:.4f}, tau^2 = {f.tau2:.4f}, I^2 = {f.I2:.2f}%",
        ]
        return "\n".join(lines + [f"Warning: {w}" for w in self.warnings])


def _k0(centred: FloatArray, estimator: str) -> tuple[float, float]:
    """Duval & Tweedie's k0 estimate and SE from the centred, sorted effects."""
    from scipy.stats import rankdata

    k = centred.size
    ranks = rankdata(np.abs(centred), method="ordinal")
    signed = np.sign(centred) * ranks
    if estimator == "R0":
        negative = signed[signed < 0]
        top_negative = -negative.min() if negative.size else 0.0  # highest rank below 0
        k0 = k - top_negative - 1
        return float(k0), math.sqrt(2 * max(0.0, k0) + 2)
    s_r = float(signed[signed > 0].sum())
    k0 = (4 * s_r - k * (k + 1)) / (2 * k - 1)
    var_sr = (k * (k + 1) * (2 * k + 1) + 10 * k0**3 + 27 * k0**2 + 17 * k0
              - 18 * k * k0**2 - 18 * k * k0 + 6 * k**2 * k0) / 24
    return k0, 4 * math.sqrt(max(var_sr, 0.0)) / (2 * k - 1)


def trimfill(
    fit: MetaResult,
    *,
    estimator: Literal["L0", "R0"] = "L0",
    side: Literal["left", "right"] | None = None,
    maxiter: int = 100,
    control: Control = None,
) -> TrimFill:
    """Duval & Tweedie's trim-and-fill, iterated as metafor's ``trimfill``.

    Without ``side``, it is estimated as metafor does: from the sign of the slope of
    ``rma(yi, vi, mods=sqrt(vi))`` with the fit's method (negative slope: missing studies on
    the right). Effects are flipped for the right side, sorted, and k0 is re-estimated from
    the model fitted to the ``k - k0`` smallest until it stops changing; the ``k0`` largest are
    mirrored about that model's estimate and the model is refitted with them. ``control``
    applies to these refits (metafor's ``trimfill`` uses its default control for them
    whatever the fit's; pass :data:`~evidencehub.stats.tau2.METAFOR_DEFAULT_CONTROL` to
    reproduce its output exactly).
    """
    func = "trimfill"
    check_fit(fit, func, 3)
    if estimator not in ("L0", "R0"):
        raise InputError(f"{func}: 'estimator' must be 'L0' or 'R0'; got {estimator!r}")
    y0, v0 = np.asarray(fit.yi, dtype=float), np.asarray(fit.vi, dtype=float)
    options = {"method": fit.method, "control": control}
    notes: list[str] = []
    if side is None:
        reg, reg_notes = _quiet_rma(y0, v0, mods=np.sqrt(v0), **options)
        side = "right" if reg.beta[1] < 0 else "left"
        notes += reg_notes
    elif side not in ("left", "right"):
        raise InputError(f"{func}: 'side' must be 'left' or 'right'; got {side!r}")
    sign = -1.0 if side == "right" else 1.0
    order = np.argsort(sign * y0, kind="stable")
    y, v = sign * y0[order], v0[order]
    k = fit.k
    k0, k0_prev, se_k0, beta, iterations = 0, -1, 0.0, 0.0, 0
    while k0 != k0_prev and iterations < maxiter:
        k0_prev, iterations = k0, iterations + 1
        trimmed, _ = _quiet_rma(y[: k - k0], v[: k - k0], **options)
        beta = trimmed.estimate
        raw_k0, se_k0 = _k0(y - beta, estimator)
        k0 = max(0, round(raw_k0))
        se_k0 = max(0.0, se_k0)
        if k0 >= k - 1:
            raise InputError(f"{func}: estimated {k0} missing studies out of {k}; "
                             "trim-and-fill is not meaningful here")
    if k0 != k0_prev:
        notes.append(f"k0 did not settle within {maxiter} iterations")
    filled_y = sign * (2 * beta - y[k - k0:])
    filled_v = v[k - k0:]
    if k0 > 0:
        final, final_notes = _quiet_rma(
            np.concatenate([y0, filled_y]), np.concatenate([v0, filled_v]),
            method=fit.method, test=fit.test, level=fit.level, control=control,
            study=[*fit.study, *(f"filled {i + 1}" for i in range(k0))])
        notes += final_notes
    else:
        final = fit  # nothing filled: the model is the one given, as metafor
    for note in notes:
        warnings.warn(f"{func}: {note}", StatsWarning, stacklevel=2)
    return TrimFill(estimator=estimator, k0=k0, se_k0=se_k0, side=side, fit=final,
                    filled_yi=tuple(float(t) for t in filled_y),
                    filled_vi=tuple(float(t) for t in filled_v), warnings=tuple(notes))


# --------------------------------------------------------------------------------------------
# fail-safe N


@dataclass(frozen=True, slots=True)
class FailSafeN:
    """Fail-safe N (metafor ``fsn``).

    Attributes
    ----------
    type
        ``"Rosenthal"``, ``"Orwin"`` or ``"Rosenberg"``.
    fsnum
        Number of unpublished null studies needed to overturn the result (rounded up, >= 0).
    alpha
        Significance level (Rosenthal, Rosenberg; None for Orwin).
    pval
        P value of the observed data (Rosenthal: one-sided Stouffer; Rosenberg: two-sided
        equal-effects test; None for Orwin).
    meanes, target
        Orwin: the unweighted mean effect and the target effect; Rosenberg: the
        equal-effects estimate (``target`` None).
    """

    type: str
    fsnum: int
    alpha: float | None
    pval: float | None
    meanes: float | None
    target: float | None

    def to_dict(self) -> dict[str, Any]:
        """``{type, fsnum, alpha, pval, meanes, target}``."""
        return {"type": self.type, "fsnum": self.fsnum, "alpha": self.alpha,
                "pval": self.pval, "meanes": self.meanes, "target": self.target}

    def summary(self) -> str:
        """metafor-style printout."""
        lines = [f"Fail-safe N Calculation Using the {self.type} Approach", ""]
        if self.type == "Orwin":
            lines += [f"Average Effect Size: {self.meanes:.4f}",
                      f"Target Effect Size:  {self.target:.4f}"]
        else:
            if self.meanes is not None:
                lines.append(f"Average Effect Size:        {self.meanes:.4f}")
            lines += [f"Observed Significance Level: {_fmtp(self.pval or 0.0)}",
                      f"Target Significance Level:   {self.alpha:g}"]
        return "\n".join([*lines, "", f"Fail-safe N: {self.fsnum}"])


def fsn(
    yi: Any,
    vi: Any,
    *,
    type: Literal["Rosenthal", "Orwin", "Rosenberg"] = "Rosenthal",  # metafor's argument name
    alpha: float = 0.05,
    target: float | None = None,
) -> FailSafeN:
    """Fail-safe N of Rosenthal (1979), Orwin (1983) or Rosenberg (2005), as metafor ``fsn``.

    * Rosenthal: Stouffer's ``z = sum(yi/sqrt(vi))/sqrt(k)``; ``N = k (z/z_alpha)^2 - k``
      with the one-sided ``z_alpha``; ``pval`` one-sided.
    * Orwin: unweighted mean ``m`` and ``target`` (default ``m/2``); ``N = k (m - target)/
      target``.
    * Rosenberg: equal-effects ``z``; ``N = k (z/z_alpha)^2 - k`` with the two-sided
      ``z_alpha`` (adding studies of zero effect and average weight); ``pval`` two-sided.

    ``N`` is rounded up and is 0 when negative (the result is already not significant).
    """
    func = "fsn"
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    if y.ndim != 1 or v.shape != y.shape:
        raise InputError(f"{func}: 'yi' and 'vi' must be one-dimensional and of equal length")
    k = y.size
    if k < 2:
        raise InputError(f"{func}: needs at least 2 studies; got k = {k}")
    if not np.all(np.isfinite(y)) or not np.all(np.isfinite(v)) or np.any(v <= 0):
        i = int(np.flatnonzero(~np.isfinite(y) | ~np.isfinite(v) | ~(v > 0))[0])
        raise InputError(f"{func}: every 'yi' must be finite and every 'vi' positive",
                         where=f"study {i + 1}")
    if not 0 < alpha < 1:
        raise InputError(f"{func}: 'alpha' must be between 0 and 1; got {alpha!r}")

    def rounded(n: float) -> int:
        return max(0, math.ceil(n - 1e-10))

    if type == "Rosenthal":
        z = abs(float(np.sum(y / np.sqrt(v)))) / math.sqrt(k)
        n = k * (z / norm_ppf(1 - alpha)) ** 2 - k
        return FailSafeN("Rosenthal", rounded(n), alpha, float(norm_sf(z)), None, None)
    if type == "Orwin":
        mean = float(np.mean(y))
        goal = mean / 2 if target is None else float(target)
        if goal == 0 or np.sign(goal) != np.sign(mean):
            raise InputError(f"{func}: the Orwin target must be non-zero and on the same side "
                             f"as the mean effect ({mean:.4g}); got {goal!r}")
        n = k * (mean - goal) / goal
        return FailSafeN("Orwin", rounded(n), None, None, mean, goal)
    if type == "Rosenberg":
        w = 1 / v
        est = float(np.sum(w * y) / np.sum(w))
        z = est * math.sqrt(float(np.sum(w)))
        n = k * (z / norm_ppf(1 - alpha / 2)) ** 2 - k
        return FailSafeN("Rosenberg", rounded(n), alpha, float(2 * norm_sf(abs(z))),
                         est, None)
    raise InputError(f"{func}: 'type' must be one of 'Rosenthal', 'Orwin', 'Rosenberg'; "
                     f"got {type!r}")
