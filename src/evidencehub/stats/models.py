"""Equal- and random-effects models and meta-regression: :func:`rma` (metafor's ``rma.uni``).

The computation is :func:`fit_stack`, which fits a stack of analyses at once (padded arrays,
see :mod:`evidencehub.stats.tau2`); :func:`rma` fits a stack of one and wraps it in a
:class:`~evidencehub.stats.results.MetaResult`, and :mod:`evidencehub.stats.batch` fits
thousands. Formulas follow metafor 3.8 ``rma.uni``, ``predict.rma``, ``fitstats.rma`` and
``confint.rma.uni`` (Viechtbauer 2010, JSS 36(3)):

* ``beta = (X'WX)^-1 X'W y`` with ``W = 1/(v + tau^2)``, ``Var(beta) = (X'WX)^-1``;
* Knapp & Hartung (2003): ``Var(beta)`` times ``s2w = y'Py/(k - p)`` (not truncated at 1,
  as metafor), t tests with ``k - p`` df;
* prediction interval ``est +- crit sqrt(se^2 + tau^2)`` (normal, or t with ``k - p`` df
  under Knapp-Hartung), none for the equal-effects model;
* (restricted) log-likelihood, deviance, AIC, BIC and AICc as ``fitstats``.

Conventions where metafor and RevMan differ are described in ``docs/stats.md``;
``convention="revman"`` selects DerSimonian-Laird with the Q-based I^2.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._validate import as_float_array, check_choice, check_level, study_labels
from evidencehub.stats.distributions import norm_isf, norm_sf, t_isf, t_sf
from evidencehub.stats.effects import EffectSizes
from evidencehub.stats.heterogeneity import Heterogeneity, heterogeneity, q_profile
from evidencehub.stats.measures import Measure, measure_info
from evidencehub.stats.regression import (
    Coefficient,
    Mods,
    design_matrix,
    ee_r2,
    omnibus_test,
    pseudo_r2,
)
from evidencehub.stats.results import FitStats, MetaResult
from evidencehub.stats.tau2 import Method, Projection, Tau2Fit, estimate_tau2, wls_projection

__all__ = ["CONVENTIONS", "StackFit", "assemble_result", "fit_stack", "rma"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
_FUNC = "rma"

CONVENTIONS: Mapping[str, Mapping[str, str]] = {
    "metafor": {"method": "REML", "i2": "metafor", "prediction": "metafor"},
    "revman": {"method": "DL", "i2": "Q", "prediction": "higgins"},
}
"""Presets: metafor's defaults, and RevMan's / the Cochrane Handbook's (DerSimonian-Laird,
Q-based I^2, prediction interval with t on k - 2 df)."""


@dataclass(frozen=True, slots=True, eq=False)
class StackFit:
    """Everything :func:`fit_stack` computes, as arrays over ``m`` analyses.

    Attributes
    ----------
    method, test : str
        Estimator and test.
    level : float
        Confidence level in percent.
    k : ndarray of int, shape (m,)
        Studies per analysis.
    tau2 : Tau2Fit
        tau^2 estimates with SE, truncation and convergence flags.
    beta, se, stat, pval, ci_lb, ci_ub : ndarray of shape (m, p)
        Coefficients and their tests (Knapp-Hartung adjusted for ``test="knha"``).
    vb : ndarray of shape (m, p, p)
        Covariance of the coefficients.
    df : ndarray of shape (m,)
        ``k - p`` for Knapp-Hartung, NaN for z.
    crit : ndarray of shape (m,)
        Critical value used for the intervals.
    s2w : ndarray of shape (m,)
        Knapp-Hartung factor (1 for z).
    weights : ndarray of shape (m, k)
        Percent weights ``100 w_i/sum w``, 0 for padding.
    het : Heterogeneity
        Q, I^2, H^2, vt.
    pi_lb, pi_ub : ndarray of shape (m,)
        Prediction interval of the intercept-only model (NaN for EE or with moderators, and
        for ``prediction="higgins"`` with k < 3).
    ll, deviance, aic, bic, aicc : ndarray of shape (m,)
        Fit statistics: restricted likelihood for REML, ordinary for all other methods.
    prediction : str
        Prediction-interval definition (``"metafor"`` or ``"higgins"``).
    """

    method: str
    test: str
    level: float
    k: NDArray[np.int64]
    tau2: Tau2Fit
    beta: FloatArray
    vb: FloatArray
    se: FloatArray
    stat: FloatArray
    pval: FloatArray
    ci_lb: FloatArray
    ci_ub: FloatArray
    df: FloatArray
    crit: FloatArray
    s2w: FloatArray
    weights: FloatArray
    het: Heterogeneity
    pi_lb: FloatArray
    pi_ub: FloatArray
    ll: FloatArray
    deviance: FloatArray
    aic: FloatArray
    bic: FloatArray
    aicc: FloatArray
    prediction: str = "metafor"


def fit_stack(
    y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray, *, method: str = "REML",
    test: str = "z", level: float = 95.0, control: Mapping[str, float | str | None] | None = None,
    i2: str = "metafor", tau2_fixed: FloatArray | None = None, prediction: str = "metafor",
) -> StackFit:
    """Fit ``m`` meta-analyses at once; see the module docstring for the formulas.

    Parameters
    ----------
    y, v : ndarray of shape (m, k)
        Padded effect sizes and variances (padding: any finite y, v > 0).
    mask : ndarray of bool, shape (m, k)
        True where a study exists.
    X : ndarray of shape (m, k, p)
        Design matrices with zero rows for padding.
    method, test, level, control, i2
        As in :func:`rma`.
    tau2_fixed : ndarray of shape (m,), optional
        Use these tau^2 values instead of estimating them.
    prediction : {"metafor", "higgins"}
        Prediction interval ``est +- crit sqrt(se^2 + tau^2)`` with metafor's ``crit``
        (normal, or t(k - p) under Knapp-Hartung), or Higgins, Thompson & Spiegelhalter
        (2009, JRSS A 172(1)) / Cochrane Handbook 10.10.4.3: t with ``k - 2`` df.

    Analyses with ``k <= p`` (a single study in the intercept-only model) get tau^2 = 0.
    """
    meth = Method(method)
    m, _, p = X.shape
    k = mask.sum(axis=1)
    y = np.where(mask, y, 0.0)
    v = np.where(mask, v, 1.0)
    if tau2_fixed is not None:
        t = np.asarray(tau2_fixed, dtype=np.float64)
        nan = np.full(m, np.nan)
        tfit = Tau2Fit(t, nan, np.zeros(m, bool), np.ones(m, bool), np.zeros(m, np.int64))
    else:
        tfit = _estimate(meth, y, v, mask, X, k, p, control)
    tau2 = np.nan_to_num(tfit.tau2)
    w = np.where(mask, 1.0 / (v + tau2[:, None]), 0.0)
    proj = wls_projection(y, w, X)
    beta = np.einsum("mij,mj->mi", proj.A, np.einsum("mki,mk->mi", X, w * y))
    knha = test == "knha"
    use_t = knha & (k > p)  # Knapp-Hartung needs k > p; a single study keeps the z test
    df = np.where(use_t, (k - p).astype(np.float64), np.nan)
    rss = proj.rss
    with np.errstate(divide="ignore", invalid="ignore"):
        s2w = np.where(use_t, np.where(rss <= np.finfo(float).eps, 0.0, rss / (k - p)), 1.0)
    vb = proj.A * s2w[:, None, None]
    se = np.sqrt(np.einsum("mii->mi", vb))
    alpha = 1 - level / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
        pval = 2 * norm_sf(np.abs(stat))
        crit = np.full(m, norm_isf(alpha / 2))
        if use_t.any():  # t distributions only where Knapp-Hartung applies
            pval[use_t] = 2 * t_sf(np.abs(stat[use_t]), df[use_t][:, None])
            crit[use_t] = t_isf(alpha / 2, df[use_t])
    ci_lb = beta - crit[:, None] * se
    ci_ub = beta + crit[:, None] * se
    het = heterogeneity(y, v, mask, X, tau2, meth.is_fixed, i2)
    if p == 1 and not meth.is_fixed:
        pi_crit = crit
        if prediction == "higgins":
            with np.errstate(invalid="ignore"):
                pi_crit = np.where(k >= 3, t_isf(alpha / 2, np.maximum(k - 2, 1)), np.nan)
        half = pi_crit * np.sqrt(se[:, 0] ** 2 + tau2)
        pi_lb, pi_ub = beta[:, 0] - half, beta[:, 0] + half
    else:
        pi_lb = pi_ub = np.full(m, np.nan)
    weights = 100 * w / np.sum(w, axis=1, keepdims=True)
    ll, dev, aic, bic, aicc = _fit_statistics(
        meth, y, v, mask, X, tau2, proj, k, p, estimated=tau2_fixed is None)
    return StackFit(
        meth.value, test, level, k, tfit, beta, vb, se, stat, pval, ci_lb, ci_ub, df, crit,
        s2w, weights, het, pi_lb, pi_ub, ll, dev, aic, bic, aicc, prediction,
    )


def _estimate(
    meth: Method, y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray,
    k: NDArray[np.int64], p: int, control: Mapping[str, float | str | None] | None,
) -> Tau2Fit:
    """Estimate tau^2 where ``k > p``; analyses with ``k <= p`` get 0."""
    rows = k > p
    if rows.all():
        return estimate_tau2(meth, y, v, mask, X, control)
    m = y.shape[0]
    tau2 = np.zeros(m)
    se = np.full(m, np.nan)
    truncated = np.zeros(m, dtype=bool)
    converged = np.ones(m, dtype=bool)
    n_iter = np.zeros(m, dtype=np.int64)
    if rows.any():
        part = estimate_tau2(meth, y[rows], v[rows], mask[rows], X[rows], control)
        tau2[rows], se[rows], truncated[rows] = part.tau2, part.se_tau2, part.truncated
        converged[rows], n_iter[rows] = part.converged, part.n_iter
    return Tau2Fit(tau2, se, truncated, converged, n_iter)


def _fit_statistics(
    meth: Method, y: FloatArray, v: FloatArray, mask: BoolArray, X: FloatArray,
    tau2: FloatArray, proj: Projection, k: NDArray[np.int64], p: int, estimated: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """metafor ``fitstats``: restricted likelihood for REML, ML likelihood otherwise."""
    kf = k.astype(np.float64)
    logv = np.sum(np.where(mask, np.log(v + tau2[:, None]), 0.0), axis=1)
    rss = proj.rss
    parms = p + (0 if meth.is_fixed or not estimated else 1)
    if meth is Method.REML:
        if proj.intercept_only:  # X'X = k, X'WX = 1/A
            logdet_xx, logdet_xwx = np.log(kf), -np.log(proj.A[:, 0, 0])
        else:
            logdet_xx = np.linalg.slogdet(np.einsum("mki,mkj->mij", X, X))[1]
            logdet_xwx = np.linalg.slogdet(np.linalg.inv(proj.A))[1]
        ll = (-0.5 * (kf - p) * np.log(2 * np.pi) + 0.5 * logdet_xx - 0.5 * logv
              - 0.5 * logdet_xwx - 0.5 * rss)
        dev = -2 * ll
        n = kf - p
    else:
        ll = -0.5 * kf * np.log(2 * np.pi) - 0.5 * logv - 0.5 * rss
        saturated = np.sum(np.where(mask, -0.5 * np.log(2 * np.pi * v), 0.0), axis=1)
        dev = np.where(kf > p, -2 * (ll - saturated), 0.0)
        n = kf
    aic = -2 * ll + 2 * parms
    with np.errstate(divide="ignore", invalid="ignore"):
        bic = -2 * ll + parms * np.log(n)
        big = np.maximum(n, parms + 2)
        aicc = -2 * ll + 2 * parms * big / (big - parms - 1)
    return ll, dev, aic, bic, aicc


def _resolve(
    method: str | None, i2: str | None, convention: str | None, prediction: str | None = None,
) -> tuple[Method, str, str]:
    conv = check_choice(convention or "metafor", "convention", tuple(CONVENTIONS), _FUNC)
    preset = CONVENTIONS[conv]
    method_name = (method or preset["method"]).upper()
    check_choice(method_name, "method",
                 tuple(m.value for m in Method if m.is_tau2_estimator), _FUNC)
    i2_name = check_choice(i2 or preset["i2"], "i2", ("metafor", "Q"), _FUNC)
    pi_name = check_choice(prediction or preset["prediction"], "prediction",
                           ("metafor", "higgins"), _FUNC)
    return Method(method_name), i2_name, pi_name


def rma(
    yi: ArrayLike | EffectSizes,
    vi: ArrayLike | None = None,
    *,
    sei: ArrayLike | None = None,
    method: str | None = None,
    test: str = "z",
    mods: Mods = None,
    level: float = 95.0,
    study: Sequence[Any] | None = None,
    tau2: float | None = None,
    control: Mapping[str, float | str | None] | None = None,
    i2: str | None = None,
    convention: str | None = None,
    prediction: str | None = None,
    measure: str | Measure | None = None,
) -> MetaResult:
    """Fit an equal-, random- or mixed-effects meta-analysis (metafor's ``rma.uni``).

    Parameters
    ----------
    yi : array-like of shape (k,) or EffectSizes
        Effect sizes, or the output of :func:`escalc` (then ``vi``, ``study`` and
        ``measure`` come from it).
    vi, sei : array-like of shape (k,), optional
        Sampling variances, or standard errors.
    method : str, optional
        tau^2 estimator: ``"EE"`` (``"FE"``), ``"DL"``, ``"REML"`` (default), ``"ML"``,
        ``"PM"``, ``"HE"``, ``"SJ"``, ``"EB"``, ``"HS"``.
    test : {"z", "knha"}
        Normal tests, or Knapp-Hartung t tests with ``k - p`` df.
    mods : array-like or mapping, optional
        Moderators (see :func:`evidencehub.stats.regression.design_matrix`).
    level : float
        Confidence level in percent.
    study : sequence, optional
        Study labels.
    tau2 : float, optional
        Fix tau^2 at this value instead of estimating it.
    control : mapping, optional
        ``threshold``, ``maxiter``, ``tau2_max``; see
        :data:`evidencehub.stats.tau2.METAFOR_DEFAULT_CONTROL` to reproduce metafor's
        default precision.
    i2 : {"metafor", "Q"}, optional
        I^2/H^2 definition (see :mod:`evidencehub.stats.heterogeneity`).
    prediction : {"metafor", "higgins"}, optional
        Prediction interval with metafor's critical value, or t with k - 2 df (Higgins et
        al. 2009; Cochrane Handbook; RevMan).
    convention : {"metafor", "revman"}, optional
        Presets for ``method``, ``i2`` and ``prediction`` (explicit arguments win).
    measure : str, optional
        Measure of ``yi`` when raw arrays are given (default ``"GEN"``).

    Returns
    -------
    MetaResult

    Raises
    ------
    InputError
        No studies, mismatched lengths, non-finite values, negative variances, bad options.

    Warns
    -----
    StatsWarning
        k = 1 (the study's own estimate is returned, tau^2 = 0), tau^2 truncated at 0,
        no convergence, Knapp-Hartung with the equal-effects model.
    """
    meth, i2_name, pi_name = _resolve(method, i2, convention, prediction)
    check_choice(test, "test", ("z", "knha"), _FUNC)
    level = check_level(level, _FUNC)
    y, v, labels, meas, ni = _inputs(yi, vi, sei, study, measure)
    k = y.shape[0]
    design = design_matrix(mods, k, labels, _FUNC)
    notes: list[str] = []
    if k == 1:
        notes.append("k = 1: tau^2 cannot be estimated and is set to 0; the result is the "
                     "single study's own estimate with a normal-theory interval")
        if test == "knha":
            notes.append("k = 1: the Knapp-Hartung test needs k > 1; the z test is used")
            test = "z"
    if meth.is_fixed and test == "knha":
        notes.append("the Knapp-Hartung method is not meant for the equal-effects model")
    if tau2 is not None and (not np.isfinite(tau2) or tau2 < 0):
        raise InputError(f"'tau2' must be a non-negative number; got {tau2!r}", source=_FUNC)
    fixed_t = None if tau2 is None or meth.is_fixed else np.array([float(tau2)])
    fit = fit_stack(y[None, :], v[None, :], np.ones((1, k), dtype=bool), design.X[None],
                    method=meth.value, test=test, level=level, control=control, i2=i2_name,
                    tau2_fixed=fixed_t, prediction=pi_name)
    if not meth.is_fixed and fixed_t is None and k > 1:
        if fit.tau2.truncated[0]:
            notes.append("the tau^2 estimate was negative (or the likelihood is highest at 0) "
                         "and is set to 0")
        if not fit.tau2.converged[0]:
            notes.append(f"the {meth.value} estimator did not converge")
    result = assemble_result(fit, 0, design.X, design.terms, y, v, ni, labels, meas, i2_name,
                             notes, mods is not None and k > 1, control)
    for note in notes:
        warnings.warn(f"rma: {note}", StatsWarning, stacklevel=2)
    return result


def _inputs(
    yi: ArrayLike | EffectSizes, vi: ArrayLike | None, sei: ArrayLike | None,
    study: Sequence[Any] | None, measure: str | Measure | None,
) -> tuple[FloatArray, FloatArray, tuple[str, ...], Measure, FloatArray | None]:
    if isinstance(yi, EffectSizes):
        labels = yi.study if study is None else study_labels(study, yi.k, _FUNC)
        y, v, meas, ni = yi.yi, yi.vi, yi.measure, yi.ni
    else:
        if vi is None and sei is None:
            raise InputError("give the sampling variances 'vi' or standard errors 'sei'",
                             source=_FUNC)
        n_y = len(np.asarray(yi, dtype=object).reshape(-1))
        other = vi if vi is not None else sei
        n_v = len(np.asarray(other, dtype=object).reshape(-1))
        name = "vi" if vi is not None else "sei"
        if n_y != n_v:
            raise InputError(f"'yi' has {n_y} values but '{name}' has {n_v}", source=_FUNC)
        labels = study_labels(study, n_y, _FUNC)
        y = as_float_array(yi, "yi", _FUNC, labels)
        if vi is not None:
            v = as_float_array(vi, "vi", _FUNC, labels)
        else:
            assert sei is not None  # checked above
            s = as_float_array(sei, "sei", _FUNC, labels)
            _nonnegative(s, "sei", labels)
            v = s**2
        meas = measure_info(measure or "GEN").measure
        ni = None
    if y.shape[0] == 0:
        raise InputError("no studies to pool (k = 0)", source=_FUNC)
    for name, arr in (("yi", y), ("vi", v)):
        bad = np.flatnonzero(~np.isfinite(arr))
        if bad.size:
            i = int(bad[0])
            raise InputError(f"'{name}' must be a finite number; got {arr[i]!r}", source=_FUNC,
                             where=f"study '{labels[i]}'")
    _nonnegative(v, "vi", labels)
    zero = np.flatnonzero(v == 0)
    if zero.size:
        i = int(zero[0])
        raise InputError("'vi' must be positive: a zero sampling variance would give the study "
                         "infinite weight", source=_FUNC, where=f"study '{labels[i]}'")
    return y, v, labels, meas, ni


def _nonnegative(arr: FloatArray, name: str, labels: Sequence[str]) -> None:
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        i = int(bad[0])
        raise InputError(f"'{name}' must be non-negative; got {arr[i]:g}", source=_FUNC,
                         where=f"study '{labels[i]}'")


def assemble_result(
    fit: StackFit, i: int, X: FloatArray, terms: tuple[str, ...], y: FloatArray,
    v: FloatArray, ni: FloatArray | None, labels: tuple[str, ...], meas: Measure,
    i2_name: str, notes: list[str], with_mods: bool,
    control: Mapping[str, float | str | None] | None,
    tau2_ci: tuple[float, float] | None = None,
) -> MetaResult:
    """Turn analysis ``i`` of a :class:`StackFit` into a :class:`MetaResult`.

    ``X``, ``y``, ``v`` are that analysis' unpadded data; ``tau2_ci`` passes Q-profile
    limits computed beforehand (the batch computes them for all analyses at once).
    """
    meth = Method(fit.method)
    k = int(fit.k[i])
    p = X.shape[1]
    knha = fit.test == "knha" and bool(np.isfinite(fit.df[i]))
    het = fit.het
    coefficients = tuple(
        Coefficient(term, float(fit.beta[i, j]), float(fit.se[i, j]), float(fit.stat[i, j]),
                    float(fit.pval[i, j]), float(fit.ci_lb[i, j]), float(fit.ci_ub[i, j]))
        for j, term in enumerate(terms)
    )
    tau2 = float(fit.tau2.tau2[i])
    estimated = not meth.is_fixed and bool(np.isfinite(fit.tau2.se_tau2[i]))
    qm = qm_df = qmp = r2 = None
    if with_mods and p > 1:
        qm, qm_df, qmp = omnibus_test(fit.beta[i], fit.vb[i], knha, float(fit.df[i]))
        if meth.is_fixed:
            r2 = ee_r2(y, v, X)
        else:
            base = fit_stack(y[None], v[None], np.ones((1, k), bool), np.ones((1, k, 1)),
                             method=meth.value, test="z", control=control)
            r2 = pseudo_r2(float(base.tau2.tau2[0]), tau2)
    tau2_lb = tau2_ub = None
    if tau2_ci is not None:
        tau2_lb, tau2_ub = tau2_ci
    elif estimated and k > p:
        qp = q_profile(y[None], v[None], np.ones((1, k), bool), X[None],
                       np.array([tau2]), het.vt[i:i + 1], fit.level)
        tau2_lb, tau2_ub = float(qp.tau2_lb[0]), float(qp.tau2_ub[0])
    fit_stats = FitStats(float(fit.ll[i]), float(fit.deviance[i]), float(fit.aic[i]),
                         float(fit.bic[i]), float(fit.aicc[i]),
                         "REML" if meth is Method.REML else "ML")
    return MetaResult(
        k=k, p=p, measure=meas, method=meth.value, test="knha" if knha else "z", level=fit.level,
        estimate=coefficients[0].estimate, se=coefficients[0].se,
        zval=None if knha else coefficients[0].stat,
        tval=coefficients[0].stat if knha else None,
        df=int(fit.df[i]) if knha else None,
        pval=coefficients[0].pval, ci_lb=coefficients[0].ci_lb, ci_ub=coefficients[0].ci_ub,
        tau2=tau2, se_tau2=float(fit.tau2.se_tau2[i]) if estimated else None,
        tau2_ci_lb=tau2_lb, tau2_ci_ub=tau2_ub,
        I2=float(het.I2[i]), H2=float(het.H2[i]), QE=float(het.QE[i]),
        QEdf=int(het.QEdf[i]), QEp=float(het.QEp[i]), vt=float(het.vt[i]),
        s2w=float(fit.s2w[i]) if knha else None,
        pi_lb=None if np.isnan(fit.pi_lb[i]) else float(fit.pi_lb[i]),
        pi_ub=None if np.isnan(fit.pi_ub[i]) else float(fit.pi_ub[i]),
        weights=fit.weights[i, :k].copy(), yi=y.copy(), vi=v.copy(), ni=ni, study=labels,
        X=X.copy(), terms=terms, beta=fit.beta[i].copy(), vb=fit.vb[i].copy(),
        coefficients=coefficients, QM=qm, QMdf=qm_df, QMp=qmp, R2=r2, fit_stats=fit_stats,
        tau2_truncated=bool(fit.tau2.truncated[i]), i2_definition=i2_name,
        prediction_definition=fit.prediction,
        converged=bool(fit.tau2.converged[i]), n_iter=int(fit.tau2.n_iter[i]),
        warnings=tuple(notes),
    )
