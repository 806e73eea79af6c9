"""Result objects of the pooling models: immutable, plain numbers, ``to_dict()``, ``summary()``.

``to_dict()`` keeps the analysis scale and uses the JSON keys of the ``evidencehub meta``
contract (metafor's names); ``summary()`` is a deterministic text in the layout of
metafor's ``print.rma.uni``, plus the back-transformed estimate (odds ratio, proportion...)
and a reading of I^2 with the Cochrane Handbook's bands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.stats.distributions import norm_isf, t_isf
from evidencehub.stats.heterogeneity import interpret_i2, q_profile
from evidencehub.stats.measures import Measure, Scale, back_transform, measure_info
from evidencehub.stats.regression import Coefficient

__all__ = ["FitStats", "MetaResult", "Prediction", "Tau2Interval"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FitStats:
    """Log-likelihood and information criteria (metafor ``fitstats``).

    Attributes
    ----------
    logLik, deviance, AIC, BIC, AICc : float
        As metafor defines them.
    likelihood : str
        ``"REML"`` (restricted likelihood, REML fits) or ``"ML"``.
    """

    logLik: float
    deviance: float
    AIC: float
    BIC: float
    AICc: float
    likelihood: str

    def to_dict(self) -> dict[str, float]:
        """``{logLik, deviance, AIC, BIC, AICc}``."""
        return {"logLik": self.logLik, "deviance": self.deviance, "AIC": self.AIC,
                "BIC": self.BIC, "AICc": self.AICc}


@dataclass(frozen=True, slots=True)
class Tau2Interval:
    """Q-profile confidence intervals of the heterogeneity parameters (``confint.rma.uni``).

    Attributes
    ----------
    level : float
        Confidence level in percent.
    tau2, tau2_ci_lb, tau2_ci_ub : float
        tau^2 and its limits.
    tau, tau_ci_lb, tau_ci_ub : float
        tau and its limits.
    I2, I2_ci_lb, I2_ci_ub : float
        I^2 (percent) and its limits.
    H2, H2_ci_lb, H2_ci_ub : float
        H^2 and its limits.
    ci_lb_sign, ci_ub_sign : str
        ``""``, or ``"<"``/``">"`` when the limit lies outside the search interval
        ``[0, max(100, 10 tau2)]`` and its end is given instead.
    """

    level: float
    tau2: float
    tau2_ci_lb: float
    tau2_ci_ub: float
    tau: float
    tau_ci_lb: float
    tau_ci_ub: float
    I2: float
    I2_ci_lb: float
    I2_ci_ub: float
    H2: float
    H2_ci_lb: float
    H2_ci_ub: float
    ci_lb_sign: str
    ci_ub_sign: str


@dataclass(frozen=True, slots=True)
class Prediction:
    """Predicted (average) effect with confidence and prediction interval (``predict.rma``).

    Attributes
    ----------
    pred, se, ci_lb, ci_ub : float
        Prediction, its SE and confidence limits.
    pi_lb, pi_ub : float or None
        Prediction interval ``pred +- crit sqrt(se^2 + tau2)``; None for the EE model.
    transformed : bool
        True when the values were back-transformed (odds ratio, proportion...).
    """

    pred: float
    se: float
    ci_lb: float
    ci_ub: float
    pi_lb: float | None
    pi_ub: float | None
    transformed: bool


@dataclass(frozen=True, slots=True, eq=False)
class MetaResult:
    """A fitted meta-analysis (metafor's ``rma.uni`` object, with declared fields).

    With moderators, ``estimate``, ``se``, ``zval``/``tval``, ``pval`` and the CI describe
    the intercept; every coefficient is in ``coefficients``.

    Attributes
    ----------
    k : int
        Number of studies.
    p : int
        Number of coefficients (1 without moderators).
    measure : Measure
        Effect-size measure (``GEN`` for precomputed values).
    method : str
        tau^2 estimator (``"EE"``, ``"DL"``, ``"REML"``...).
    test : str
        ``"z"`` or ``"knha"``.
    level : float
        Confidence level in percent.
    estimate, se : float
        Pooled estimate (intercept) on the analysis scale and its SE.
    zval, tval : float or None
        Test statistic; ``zval`` for z tests, ``tval`` for Knapp-Hartung.
    df : int or None
        Degrees of freedom of the t distribution (Knapp-Hartung), else None.
    pval, ci_lb, ci_ub : float
        Two-sided p-value and confidence limits.
    tau2 : float
        Between-study variance (0 for EE).
    se_tau2 : float or None
        Its standard error (metafor's estimator-specific formula); None for EE/fixed tau^2.
    tau2_ci_lb, tau2_ci_ub : float or None
        Q-profile confidence limits of tau^2 (random-effects models).
    I2, H2 : float
        I^2 (percent) and H^2.
    QE, QEdf, QEp : float, int, float
        Cochran's Q (residual Q with moderators), df and p-value.
    vt : float
        Typical within-study variance used by I^2/H^2.
    s2w : float or None
        Knapp-Hartung variance factor (not truncated at 1), else None.
    pi_lb, pi_ub : float or None
        Prediction interval (None for EE models and with moderators).
    weights : ndarray of shape (k,)
        Percent weights.
    yi, vi : ndarray of shape (k,)
        The data.
    ni : ndarray of shape (k,) or None
        Sample sizes (needed to back-transform PFT).
    study : tuple of str
        Study labels.
    X : ndarray of shape (k, p)
        Design matrix.
    terms : tuple of str
        Its column names.
    beta : ndarray of shape (p,)
        Coefficients.
    vb : ndarray of shape (p, p)
        Their covariance matrix.
    coefficients : tuple of Coefficient
        The coefficient table.
    QM, QMdf, QMp : float, tuple, float or None
        Omnibus test of the moderators (None without moderators); ``QMdf = (m, None)`` for
        chi-square, ``(m, k - p)`` for F.
    R2 : float or None
        Pseudo R^2 (percent) with moderators.
    fit_stats : FitStats
        Log-likelihood, deviance, AIC, BIC, AICc.
    tau2_truncated : bool
        The tau^2 estimate was negative and set to 0.
    i2_definition : str
        ``"metafor"`` or ``"Q"`` (RevMan).
    prediction_definition : str
        ``"metafor"`` or ``"higgins"`` (t with k - 2 df; RevMan, Cochrane Handbook).
    converged : bool
        The tau^2 iteration converged.
    n_iter : int
        Iterations used.
    warnings : tuple of str
        Edge cases met (also emitted as :class:`~evidencehub.errors.StatsWarning`).
    """

    k: int
    p: int
    measure: Measure
    method: str
    test: str
    level: float
    estimate: float
    se: float
    zval: float | None
    tval: float | None
    df: int | None
    pval: float
    ci_lb: float
    ci_ub: float
    tau2: float
    se_tau2: float | None
    tau2_ci_lb: float | None
    tau2_ci_ub: float | None
    I2: float
    H2: float
    QE: float
    QEdf: int
    QEp: float
    vt: float
    s2w: float | None
    pi_lb: float | None
    pi_ub: float | None
    weights: FloatArray
    yi: FloatArray
    vi: FloatArray
    ni: FloatArray | None
    study: tuple[str, ...]
    X: FloatArray
    terms: tuple[str, ...]
    beta: FloatArray
    vb: FloatArray
    coefficients: tuple[Coefficient, ...]
    QM: float | None
    QMdf: tuple[int, int | None] | None
    QMp: float | None
    R2: float | None
    fit_stats: FitStats
    tau2_truncated: bool
    i2_definition: str
    prediction_definition: str
    converged: bool
    n_iter: int
    warnings: tuple[str, ...]

    # -- derived ------------------------------------------------------------------------------
    @property
    def tau(self) -> float:
        """Square root of tau^2."""
        return float(np.sqrt(self.tau2))

    @property
    def is_fixed(self) -> bool:
        """True for the equal-effects model."""
        return self.method in ("EE", "FE")

    def _crit(self, level: float | None = None) -> float:
        alpha = 1 - (self.level if level is None else level) / 100
        if self.test == "knha" and self.df is not None:
            return float(t_isf(alpha / 2, self.df))
        return float(norm_isf(alpha / 2))

    def predict(self, newmods: ArrayLike | None = None, transf: bool = False,
                level: float | None = None) -> Prediction:
        """Predicted effect for moderator values ``newmods`` (metafor ``predict.rma``).

        Parameters
        ----------
        newmods : array-like of shape (p - 1,), optional
            Moderator values (without the intercept); omit for the intercept-only model.
        transf : bool
            Back-transform to the reported scale (exp for ratios...).
        level : float, optional
            Confidence level in percent (default: the model's).
        """
        x = np.ones(1) if newmods is None else np.concatenate(
            [np.ones(1), np.asarray(newmods, dtype=np.float64).reshape(-1)])
        if x.shape[0] != self.p:
            raise ValueError(f"newmods needs {self.p - 1} values, got {x.shape[0] - 1}")
        pred = float(x @ self.beta)
        se = float(np.sqrt(x @ self.vb @ x))
        crit = self._crit(level)
        ci = (pred - crit * se, pred + crit * se)
        pi: tuple[float | None, float | None] = (None, None)
        pi_crit = crit
        if self.prediction_definition == "higgins":
            alpha = 1 - (self.level if level is None else level) / 100
            pi_crit = float(t_isf(alpha / 2, self.k - 2)) if self.k >= 3 else float("nan")
        if not self.is_fixed and np.isfinite(pi_crit):
            half = pi_crit * float(np.sqrt(se**2 + self.tau2))
            pi = (pred - half, pred + half)
        if not transf:
            return Prediction(pred, se, ci[0], ci[1], pi[0], pi[1], False)
        f = self._back
        return Prediction(f(pred), se, f(ci[0]), f(ci[1]),
                          None if pi[0] is None else f(pi[0]),
                          None if pi[1] is None else f(pi[1]), True)

    def _back(self, value: float) -> float:
        return float(back_transform(self.measure, np.array([value]), self.ni)[0])

    def confint(self, level: float | None = None) -> Tau2Interval:
        """Q-profile confidence intervals for tau^2, tau, I^2 and H^2 (``confint.rma.uni``)."""
        if self.is_fixed or self.k <= self.p or self.se_tau2 is None:
            raise ValueError("the model has no estimated between-study variance "
                             "(equal-effects model, tau2 given, or k = 1)")
        lvl = self.level if level is None else level
        qp = q_profile(self.yi[None], self.vi[None], np.ones((1, self.k), bool),
                       self.X[None], np.array([self.tau2]), np.array([self.vt]), lvl)
        return Tau2Interval(
            lvl, self.tau2, float(qp.tau2_lb[0]), float(qp.tau2_ub[0]), self.tau,
            float(qp.tau_lb[0]), float(qp.tau_ub[0]), self.I2, float(qp.I2_lb[0]),
            float(qp.I2_ub[0]), self.H2, float(qp.H2_lb[0]), float(qp.H2_ub[0]),
            qp.lb_sign[0], qp.ub_sign[0],
        )

    # -- output -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON form on the analysis scale, keys as in the ``evidencehub meta`` contract."""
        out: dict[str, Any] = {
            "k": self.k, "measure": self.measure.value, "method": self.method,
            "test": self.test, "estimate": self.estimate, "se": self.se,
        }
        if self.test == "knha":
            out["tval"] = self.tval
            out["df"] = self.df
        else:
            out["zval"] = self.zval
        out.update({
            "pval": self.pval, "ci_lb": self.ci_lb, "ci_ub": self.ci_ub, "tau2": self.tau2,
            "se_tau2": self.se_tau2, "tau2_ci_lb": self.tau2_ci_lb,
            "tau2_ci_ub": self.tau2_ci_ub, "I2": self.I2, "H2": self.H2, "QE": self.QE,
            "QEdf": self.QEdf, "QEp": self.QEp, "pi_lb": self.pi_lb, "pi_ub": self.pi_ub,
            "studies": [
                {"study": s, "yi": float(y), "vi": float(v), "weight": float(w)}
                for s, y, v, w in zip(self.study, self.yi, self.vi, self.weights, strict=True)
            ],
        })
        if self.p > 1:
            stat = "tval" if self.test == "knha" else "zval"
            out["coefficients"] = [c.to_dict(stat) for c in self.coefficients]
            out.update({"QM": self.QM, "QMdf": list(self.QMdf) if self.QMdf else None,
                        "QMp": self.QMp, "R2": self.R2})
        out["warnings"] = list(self.warnings)
        return out

    def to_record(self) -> dict[str, Any]:
        """:meth:`to_dict` plus every field it leaves out (level, diagnostics, the I² and
        prediction-interval definitions, fit statistics, sample sizes): what a stored run
        keeps, so that :meth:`from_record` rebuilds the result without refitting."""
        out = self.to_dict()
        warnings_ = out.pop("warnings")
        out.update({
            "level": self.level, "vt": self.vt, "s2w": self.s2w,
            "tau2_truncated": self.tau2_truncated, "i2_definition": self.i2_definition,
            "prediction_definition": self.prediction_definition,
            "converged": self.converged, "n_iter": self.n_iter,
            "fit_stats": {**self.fit_stats.to_dict(), "likelihood": self.fit_stats.likelihood},
            "ni": None if self.ni is None else [float(n) for n in self.ni],
            "warnings": warnings_,
        })
        return out

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> MetaResult:
        """The result whose :meth:`to_record` is ``data`` (intercept-only models).

        Stored results are read back with this instead of being refitted: every field of an
        intercept-only model is in ``to_record()`` or follows from it (the design matrix is a
        column of ones, the coefficient table is the estimate's row). JSON has no NaN, so a
        ``None`` where a number is due reads back as NaN.
        """
        if "coefficients" in data:
            raise ValueError("from_record reads intercept-only results; this one has moderators")

        def num(key: str) -> float:
            value = data[key]
            return float("nan") if value is None else float(value)

        studies = data["studies"]
        k = int(data["k"])
        stat = data.get("tval") if data["test"] == "knha" else data.get("zval")
        stat_value = float("nan") if stat is None else float(stat)
        estimate, se = num("estimate"), num("se")
        stats_dict = data["fit_stats"]
        return cls(
            k=k, p=1, measure=Measure(data["measure"]), method=data["method"],
            test=data["test"], level=float(data["level"]), estimate=estimate, se=se,
            zval=None if data["test"] == "knha" else stat_value,
            tval=stat_value if data["test"] == "knha" else None,
            df=data.get("df"), pval=num("pval"), ci_lb=num("ci_lb"), ci_ub=num("ci_ub"),
            tau2=num("tau2"), se_tau2=data["se_tau2"], tau2_ci_lb=data["tau2_ci_lb"],
            tau2_ci_ub=data["tau2_ci_ub"], I2=num("I2"), H2=num("H2"), QE=num("QE"),
            QEdf=int(data["QEdf"]), QEp=num("QEp"), vt=num("vt"), s2w=data["s2w"],
            pi_lb=data["pi_lb"], pi_ub=data["pi_ub"],
            weights=np.array([_nan(s["weight"]) for s in studies], dtype=np.float64),
            yi=np.array([_nan(s["yi"]) for s in studies], dtype=np.float64),
            vi=np.array([_nan(s["vi"]) for s in studies], dtype=np.float64),
            ni=None if data["ni"] is None else np.array(data["ni"], dtype=np.float64),
            study=tuple(s["study"] for s in studies), X=np.ones((k, 1)), terms=("intrcpt",),
            beta=np.array([estimate]), vb=np.array([[se**2]]),
            coefficients=(Coefficient("intrcpt", estimate, se, stat_value, num("pval"),
                                      num("ci_lb"), num("ci_ub")),),
            QM=None, QMdf=None, QMp=None, R2=None,
            fit_stats=FitStats(
                logLik=_nan(stats_dict["logLik"]), deviance=_nan(stats_dict["deviance"]),
                AIC=_nan(stats_dict["AIC"]), BIC=_nan(stats_dict["BIC"]),
                AICc=_nan(stats_dict["AICc"]), likelihood=stats_dict["likelihood"]),
            tau2_truncated=bool(data["tau2_truncated"]), i2_definition=data["i2_definition"],
            prediction_definition=data["prediction_definition"],
            converged=bool(data["converged"]), n_iter=int(data["n_iter"]),
            warnings=tuple(data["warnings"]),
        )

    def summary(self, digits: int = 4) -> str:
        """A printed summary in the layout of metafor's ``print.rma.uni`` (deterministic)."""
        return _format_summary(self, digits)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


# -- summary formatting (metafor print.rma.uni layout) ------------------------------------------
def _num(x: float | None, digits: int) -> str:
    return "NA" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _pval(p: float, digits: int) -> str:
    return "<.0001" if p < 1e-4 else f"{p:.{digits}f}"


def _stars(p: float) -> str:
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else "." if p < 0.1 else ""


def _format_summary(res: MetaResult, d: int) -> str:
    mods = res.p > 1
    if res.is_fixed:
        kind = "Fixed-Effects with Moderators Model" if mods else "Equal-Effects Model"
        head = f"{kind} (k = {res.k})"
    else:
        kind = "Mixed-Effects Model" if mods else "Random-Effects Model"
        head = f"{kind} (k = {res.k}; tau^2 estimator: {res.method})"
    lines = [head, ""]
    amount = "residual" if mods else "total"
    pairs: list[tuple[str, str]] = []
    if not res.is_fixed:
        se_tau2 = "" if res.se_tau2 is None else f" (SE = {_num(res.se_tau2, d)})"
        pairs += [
            (f"tau^2 (estimated amount of {amount} heterogeneity):",
             f"{_num(res.tau2, d)}{se_tau2}"),
            ("tau (square root of estimated tau^2 value):", _num(res.tau, d)),
        ]
    variability = "unaccounted variability" if mods else "total variability"
    q_based = "  (Q-based, as RevMan)" if res.i2_definition == "Q" and not res.is_fixed else ""
    pairs += [
        (f"I^2 ({amount} heterogeneity / {variability}):", f"{res.I2:.2f}%{q_based}"),
        (f"H^2 ({variability} / sampling variability):", f"{res.H2:.2f}"),
    ]
    if mods and res.R2 is not None:
        pairs.append(("R^2 (amount of heterogeneity accounted for):", f"{res.R2:.2f}%"))
    width = max(len(label) for label, _ in pairs)
    lines += [f"{label.ljust(width)} {value}" for label, value in pairs]
    lines.append("")
    q_name = "QE" if mods else "Q"
    lines += [f"Test for {'Residual ' if mods else ''}Heterogeneity:",
              f"{q_name}(df = {res.QEdf}) = {_num(res.QE, d)}, p-val {_pval_eq(res.QEp, d)}", ""]
    if mods and res.QM is not None and res.QMdf is not None:
        coefs = f"coefficient{'s' if res.p > 2 else ''} 2" + (f":{res.p}" if res.p > 2 else "")
        if res.QMdf[1] is None:
            stat = f"QM(df = {res.QMdf[0]}) = {_num(res.QM, d)}"
        else:
            stat = f"F(df1 = {res.QMdf[0]}, df2 = {res.QMdf[1]}) = {_num(res.QM, d)}"
        lines += [f"Test of Moderators ({coefs}):", f"{stat}, p-val {_pval_eq(res.QMp or 0, d)}",
                  ""]
    stat_name = "tval" if res.test == "knha" else "zval"
    header = ["estimate", "se", stat_name]
    if res.test == "knha":
        header.append("df")
    header += ["pval", "ci.lb", "ci.ub"]
    rows = []
    for c in res.coefficients:
        row = [_num(c.estimate, d), _num(c.se, d), _num(c.stat, d)]
        if res.test == "knha":
            row.append(str(res.df))
        row += [_pval(c.pval, d), _num(c.ci_lb, d), _num(c.ci_ub, d)]
        rows.append((c.term if mods else "", row, _stars(c.pval)))
    widths = [max(len(h), *(len(r[1][j]) for r in rows)) for j, h in enumerate(header)]
    label_w = max(len(r[0]) for r in rows)
    lines += ["Model Results:", ""]
    lines.append(" " * (label_w + 1 if label_w else 0)
                 + "  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    for label, row, stars in rows:
        prefix = f"{label.ljust(label_w)} " if label_w else ""
        body = "  ".join(x.rjust(w) for x, w in zip(row, widths, strict=True))
        lines.append(f"{prefix}{body}  {stars}".rstrip())
    lines += ["", "---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1", ""]
    lines += _extras(res, d)
    return "\n".join(lines).rstrip() + "\n"


def _pval_eq(p: float, d: int) -> str:
    return "< .0001" if p < 1e-4 else f"= {p:.{d}f}"


def _extras(res: MetaResult, d: int) -> list[str]:
    """Lines beyond metafor's print: heterogeneity reading, intervals, back-transformation."""
    lvl = f"{res.level:g}%"
    out = [f"Heterogeneity: {interpret_i2(res.I2)}"]
    if res.tau2_ci_lb is not None and res.tau2_ci_ub is not None:
        out.append(f"tau^2 {lvl} CI (Q-profile): [{_num(res.tau2_ci_lb, d)}, "
                   f"{_num(res.tau2_ci_ub, d)}]")
    if res.pi_lb is not None and res.pi_ub is not None:
        how = ", t with k-2 df" if res.prediction_definition == "higgins" else ""
        out.append(f"Prediction interval ({lvl}{how}): [{_num(res.pi_lb, d)}, "
                   f"{_num(res.pi_ub, d)}]")
    info = measure_info(res.measure)
    needs_ni = info.scale is Scale.FREEMAN_TUKEY
    if res.p == 1 and info.scale is not Scale.RAW and (res.ni is not None or not needs_ni):
        pred = res.predict(transf=True)
        text = (f"Back-transformed ({info.reported_as}): {_num(pred.pred, d)}, {lvl} CI "
                f"[{_num(pred.ci_lb, d)}, {_num(pred.ci_ub, d)}]")
        if pred.pi_lb is not None and pred.pi_ub is not None:
            text += f", {lvl} PI [{_num(pred.pi_lb, d)}, {_num(pred.pi_ub, d)}]"
        out.append(text)
    for note in res.warnings:
        out.append(f"Note: {note}")
    return out
