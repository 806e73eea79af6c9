"""Sensitivity analyses of a fitted model: leave-one-out, cumulative, influence diagnostics.

Each analysis refits the model of a :class:`~evidencehub.stats.results.MetaResult` on subsets
of its studies, all subsets at once through :func:`evidencehub.stats.models.fit_stack` (one
vectorised fit over a stack of masked analyses, not a Python loop), with the same method,
test, level and I² definition as the original fit.

Sources: metafor 3.8 ``leave1out.rma.uni``, ``cumul.rma.uni`` and ``influence.rma.uni``
(Viechtbauer & Cheung 2010, Outlier and influence diagnostics for meta-analysis, Res Synth
Methods 1:112-125), which define the diagnostics:

* ``rstudent``: ``(y_i - x_i b_(-i)) / sqrt(s_(-i) (v_i + tau2_(-i)) + x_i Var(b_(-i)) x_i')``;
* ``dffits``: ``(x_i b - x_i b_(-i)) / sqrt(s_(-i) h_i (tau2_(-i) + v_i))``;
* ``cook_d``: ``(b - b_(-i))' Var(b)^-1 (b - b_(-i))``;
* ``cov_r``: ``det Var(b_(-i)) / det Var(b)``;
* ``tau2_del``, ``QE_del``: tau² and Q of the fit without study i;
* ``hat``: the diagonal of ``X (X'WX)^-1 X'W``; ``weight``: percent weights;
* ``dfbs`` (DFBETAS of the intercept): ``(b - b_(-i)) / sqrt(s_(-i) / sum_j 1/(v_j +
  tau2_(-i)))``, the variance of all k studies weighted with the leave-one-out tau2;
* ``s_(-i)`` is the Knapp-Hartung factor ``s2w`` of the fit without study i (1 for z tests),
  and ``Var(b_(-i))`` that fit's (adjusted) variance;
* ``inf``: metafor's flag: ``|dffits| > 3 sqrt(p/(k - p))``, or ``pchisq(cook_d, p) > 0.5``,
  or ``hat > 3 p/k``, or ``|dfbs| > 1``.

``control`` is passed to the refits; ``None`` solves iterative estimators to full precision,
:data:`evidencehub.stats.tau2.METAFOR_DEFAULT_CONTROL` reproduces metafor's default output.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats._validate import check_fit
from evidencehub.stats.distributions import chi2_cdf
from evidencehub.stats.models import StackFit, fit_stack
from evidencehub.stats.results import MetaResult

__all__ = ["CumulativeResult", "InfluenceResult", "LeaveOneOutResult", "cumulative",
           "influence", "leave1out"]

FloatArray = NDArray[np.float64]
Control = Mapping[str, float | None] | None


def _floats(a: FloatArray) -> tuple[float, ...]:
    return tuple(float(x) for x in a)


def _plain(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


@dataclass(frozen=True, slots=True)
class _SubsetFits:
    """Per-subset results shared by leave-one-out and cumulative analyses (one row each)."""

    study: tuple[str, ...]
    k: tuple[int, ...]
    estimate: tuple[float, ...]
    se: tuple[float, ...]
    zval: tuple[float, ...]
    pval: tuple[float, ...]
    ci_lb: tuple[float, ...]
    ci_ub: tuple[float, ...]
    Q: tuple[float, ...]
    Qp: tuple[float, ...]
    tau2: tuple[float, ...]
    I2: tuple[float, ...]
    H2: tuple[float, ...]
    method: str
    test: str
    warnings: tuple[str, ...]

    def _rows(self) -> list[dict[str, Any]]:
        stat = "tval" if self.test == "knha" else "zval"
        return [
            {"study": self.study[i], "k": self.k[i], "estimate": _plain(self.estimate[i]),
             "se": _plain(self.se[i]), stat: _plain(self.zval[i]), "pval": _plain(self.pval[i]),
             "ci_lb": _plain(self.ci_lb[i]), "ci_ub": _plain(self.ci_ub[i]),
             "Q": _plain(self.Q[i]), "Qp": _plain(self.Qp[i]), "tau2": _plain(self.tau2[i]),
             "I2": _plain(self.I2[i]), "H2": _plain(self.H2[i])}
            for i in range(len(self.study))
        ]

    def _table(self, title: str, label: str) -> str:
        width = max([len(label), *(len(s) for s in self.study)])
        head = (f"{label:<{width}}  {'estimate':>9} {'se':>8} {'pval':>8} {'ci.lb':>9} "
                f"{'ci.ub':>9} {'Q':>9} {'tau2':>8} {'I2':>7}")
        lines = [title, "", head]
        for r in self._rows():
            if r["estimate"] is None:
                lines.append(f"{r['study']:<{width}}  (no convergence)")
                continue
            p = "<.0001" if r["pval"] < 1e-4 else f"{r['pval']:.4f}"
            i2 = "NA" if r["I2"] is None else f"{r['I2']:.2f}%"
            lines.append(
                f"{r['study']:<{width}}  {r['estimate']:9.4f} {r['se']:8.4f} {p:>8} "
                f"{r['ci_lb']:9.4f} {r['ci_ub']:9.4f} {r['Q']:9.4f} {r['tau2']:8.4f} {i2:>7}")
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _subset_fits(fit: MetaResult, mask: NDArray[np.bool_], control: Control,
                 order: NDArray[np.intp] | None = None) -> StackFit:
    m = mask.shape[0]
    y = np.broadcast_to(fit.yi, (m, fit.k)).copy()
    v = np.broadcast_to(fit.vi, (m, fit.k)).copy()
    X = np.broadcast_to(fit.X, (m, *fit.X.shape)).copy()
    if order is not None:
        y, v, X = y[:, order], v[:, order], X[:, order, :]
    return fit_stack(y, v, mask, X * mask[:, :, None], method=fit.method, test=fit.test,
                     level=fit.level, control=control, i2=fit.i2_definition)


def _notes(stack: StackFit, labels: Sequence[str], what: str) -> list[str]:
    bad = ~stack.tau2.converged
    if not np.any(bad):
        return []
    names = ", ".join(f"'{labels[int(i)]}'" for i in np.flatnonzero(bad))
    return [f"the {stack.method} estimator did not converge {what} {names}; "
            "those rows are left empty (NaN), as metafor's NA"]


def _package(stack: StackFit, labels: tuple[str, ...], notes: list[str]) -> dict[str, Any]:
    """Rows of the stack; a refit whose tau² did not converge gets NaN, as metafor's NA."""
    ok = stack.tau2.converged

    def col(a: FloatArray) -> tuple[float, ...]:
        return _floats(np.where(ok, a, np.nan))

    het = stack.het
    return {
        "study": labels, "k": tuple(int(x) for x in stack.k),
        "estimate": col(stack.beta[:, 0]), "se": col(stack.se[:, 0]),
        "zval": col(stack.stat[:, 0]), "pval": col(stack.pval[:, 0]),
        "ci_lb": col(stack.ci_lb[:, 0]), "ci_ub": col(stack.ci_ub[:, 0]),
        "Q": col(het.QE), "Qp": col(het.QEp), "tau2": col(stack.tau2.tau2),
        "I2": col(het.I2), "H2": col(het.H2), "method": stack.method,
        "test": stack.test, "warnings": tuple(notes),
    }


def _emit(func: str, notes: Sequence[str]) -> None:
    for note in notes:
        warnings.warn(f"{func}: {note}", StatsWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeaveOneOutResult(_SubsetFits):
    """Leave-one-out analysis (metafor ``leave1out``): row i is the fit without study i.

    Attributes
    ----------
    study
        The left-out study of each row, in the original order.
    k
        Studies in each refit (k - 1).
    estimate, se, zval, pval, ci_lb, ci_ub
        Pooled estimate of each refit and its test and CI (``zval`` holds the t statistic for
        Knapp-Hartung fits; ``to_dict`` names it ``tval``).
    Q, Qp, tau2, I2, H2
        Heterogeneity of each refit.
    method, test
        As the original fit.
    warnings
        Non-convergence of any refit.
    """

    def to_dict(self) -> dict[str, Any]:
        """``{"method", "test", "studies": [...], "warnings"}`` with metafor's names."""
        return {"method": self.method, "test": self.test, "studies": self._rows(),
                "warnings": list(self.warnings)}

    def summary(self) -> str:
        """One line per left-out study."""
        return self._table("Leave-one-out analysis (each row omits the study named)",
                           "omitted")


def leave1out(fit: MetaResult, *, control: Control = None) -> LeaveOneOutResult:
    """Refit ``fit`` k times, leaving out each study in turn (metafor ``leave1out``)."""
    check_fit(fit, "leave1out", 2)
    mask = ~np.eye(fit.k, dtype=bool)
    stack = _subset_fits(fit, mask, control)
    notes = _notes(stack, fit.study, "without")
    _emit("leave1out", notes)
    return LeaveOneOutResult(**_package(stack, fit.study, notes))


@dataclass(frozen=True, slots=True)
class CumulativeResult(_SubsetFits):
    """Cumulative meta-analysis (metafor ``cumul``): row j pools the first j studies.

    Attributes
    ----------
    study
        The study added at each row, in the analysis order.
    order
        The ordering key of each row (as given), or the original positions.
    k
        Studies pooled at each row (1, 2, ..., k).
    estimate, se, zval, pval, ci_lb, ci_ub, Q, Qp, tau2, I2, H2, method, test, warnings
        As in :class:`LeaveOneOutResult`, for the cumulative fits.
    """

    order: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"method", "test", "studies": [...], "warnings"}``; each row has its ``order``."""
        rows = self._rows()
        for row, key in zip(rows, self.order, strict=True):
            row["order"] = key
        return {"method": self.method, "test": self.test, "studies": rows,
                "warnings": list(self.warnings)}

    def summary(self) -> str:
        """One line per added study."""
        return self._table("Cumulative meta-analysis (each row adds the study named)", "added")


def cumulative(
    fit: MetaResult, order: Sequence[Any] | None = None, *, control: Control = None
) -> CumulativeResult:
    """Cumulative meta-analysis, adding studies in the order of ``order`` (e.g. years).

    ``order`` holds one sortable key per study; ties keep the original order (stable sort).
    Without it the studies are added in their original order, as metafor's ``cumul``.
    """
    check_fit(fit, "cumulative", 1)
    if order is None:
        keys: list[Any] = list(range(1, fit.k + 1))
    else:
        keys = list(order)
        if len(keys) != fit.k:
            raise InputError(f"cumulative: 'order' has {len(keys)} values for {fit.k} studies")
        missing = [key is None or (isinstance(key, float) and np.isnan(key)) for key in keys]
        if any(missing):
            i = missing.index(True)
            raise InputError("cumulative: 'order' has a missing value",
                             where=f"study '{fit.study[i]}'")
    try:
        perm = np.array(sorted(range(fit.k), key=lambda i: keys[i]), dtype=np.intp)
    except TypeError as exc:
        raise InputError(f"cumulative: the values of 'order' cannot be sorted ({exc})") from exc
    mask = np.tri(fit.k, dtype=bool)
    stack = _subset_fits(fit, mask, control, order=perm)
    labels = tuple(fit.study[i] for i in perm)
    notes = _notes(stack, labels, "up to")
    _emit("cumulative", notes)
    return CumulativeResult(**_package(stack, labels, notes),
                            order=tuple(keys[i] for i in perm))


# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InfluenceResult:
    """Influence diagnostics (metafor ``influence.rma.uni``); formulas in the module docstring.

    Attributes
    ----------
    study
        Study labels.
    rstudent, dffits, cook_d, cov_r, tau2_del, QE_del, hat, weight, dfbs
        One value per study (``weight`` in percent).
    inf
        Whether metafor would flag the study as influential.
    method
        The tau² estimator of the model.
    warnings
        Non-convergence of any refit.
    """

    study: tuple[str, ...]
    rstudent: tuple[float, ...]
    dffits: tuple[float, ...]
    cook_d: tuple[float, ...]
    cov_r: tuple[float, ...]
    tau2_del: tuple[float, ...]
    QE_del: tuple[float, ...]
    hat: tuple[float, ...]
    weight: tuple[float, ...]
    dfbs: tuple[float, ...]
    inf: tuple[bool, ...]
    method: str
    warnings: tuple[str, ...]

    _FIELDS = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "QE_del", "hat", "weight",
               "dfbs")

    def to_dict(self) -> dict[str, Any]:
        """``{"method", "studies": [{study, rstudent, ..., inf}], "warnings"}``."""
        rows = []
        for i, s in enumerate(self.study):
            row: dict[str, Any] = {"study": s}
            row |= {f: getattr(self, f)[i] for f in self._FIELDS}
            row["inf"] = self.inf[i]
            rows.append(row)
        return {"method": self.method, "studies": rows, "warnings": list(self.warnings)}

    def summary(self) -> str:
        """One line per study; influential studies are marked with ``*``."""
        width = max(len(s) for s in self.study)
        lines = ["Influence diagnostics (* = influential by metafor's criteria)", "",
                 f"{'study':<{width}}  {'rstudent':>8} {'dffits':>8} {'cook.d':>8} "
                 f"{'cov.r':>8} {'tau2.del':>9} {'QE.del':>9} {'hat':>7} {'weight':>7} "
                 f"{'dfbs':>8}"]
        for i, s in enumerate(self.study):
            lines.append(
                f"{s:<{width}}  {self.rstudent[i]:8.4f} {self.dffits[i]:8.4f} "
                f"{self.cook_d[i]:8.4f} {self.cov_r[i]:8.4f} {self.tau2_del[i]:9.4f} "
                f"{self.QE_del[i]:9.4f} {self.hat[i]:7.4f} {self.weight[i]:7.4f} "
                f"{self.dfbs[i]:8.4f}{' *' if self.inf[i] else ''}")
        lines += [f"Warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def influence(fit: MetaResult, *, control: Control = None) -> InfluenceResult:
    """Outlier and influence diagnostics of an intercept-only model (see module docstring)."""
    check_fit(fit, "influence", 3)
    k, p = fit.k, fit.p
    y, v = np.asarray(fit.yi, float), np.asarray(fit.vi, float)
    stack = _subset_fits(fit, ~np.eye(k, dtype=bool), control)
    tau2_del = stack.tau2.tau2
    beta_del = stack.beta[:, 0]
    var_del = stack.vb[:, 0, 0]
    w = 1 / (v + fit.tau2)
    var_full = float(fit.vb[0, 0])
    hat = w / w.sum()
    s2w_del = stack.s2w  # Knapp-Hartung factor of each refit (1 for z tests)
    rstudent = (y - beta_del) / np.sqrt(s2w_del * (v + tau2_del) + var_del)
    dffits = (fit.estimate - beta_del) / np.sqrt(s2w_del * hat * (tau2_del + v))
    dfb = fit.estimate - beta_del
    cook_d = dfb**2 / var_full
    cov_r = var_del / var_full
    # DFBETAS: Var(b) of all k studies, weighted with the leave-one-out tau2
    dfbs = dfb / np.sqrt(s2w_del / np.sum(1 / (v[None, :] + tau2_del[:, None]), axis=1))
    flags = ((np.abs(dffits) > 3 * np.sqrt(p / (k - p)))
             | (chi2_cdf(cook_d, p) > 0.5) | (hat > 3 * p / k) | (np.abs(dfbs) > 1))
    notes = _notes(stack, fit.study, "without")
    _emit("influence", notes)
    return InfluenceResult(
        study=fit.study, rstudent=_floats(rstudent), dffits=_floats(dffits),
        cook_d=_floats(cook_d), cov_r=_floats(cov_r), tau2_del=_floats(tau2_del),
        QE_del=_floats(stack.het.QE), hat=_floats(hat), weight=_floats(100 * w / w.sum()),
        dfbs=_floats(dfbs), inf=tuple(bool(f) for f in flags), method=fit.method,
        warnings=tuple(notes),
    )
