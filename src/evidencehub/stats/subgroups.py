"""Subgroup analysis: a model per subgroup, the overall model, and two tests of the difference.

* **Test for subgroup differences, as RevMan and the R package meta report it**
  (Borenstein et al. 2009, *Introduction to Meta-Analysis*, ch. 19; Cochrane Handbook v6.4,
  section 10.11.3.1): the subgroup estimates ``est_g`` with standard errors ``se_g`` from the
  separately fitted models (each with its own tau^2) are compared with a fixed-effect Q,
  ``w_g = 1/se_g^2``, ``Q = sum w_g (est_g - pooled)^2`` on ``G - 1`` df, and
  ``I2 = max(0, 100 (Q - df)/Q)``.
* **Mixed-effects model with the subgroup as moderator, as metafor reports it**:
  ``rma(yi, vi, mods = ~ factor(group))``, whose omnibus ``QM`` assumes one tau^2 shared by
  all subgroups (Viechtbauer 2010, JSS 36(3)). The two tests answer different questions and
  generally differ; both are reported.

Rows without a subgroup are left out (and the count recorded). Levels are ordered byte-wise
(R's C-locale order); the first is the reference level of the moderator model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats.distributions import chi2_sf
from evidencehub.stats.effects import EffectSizes
from evidencehub.stats.measures import Measure
from evidencehub.stats.models import rma
from evidencehub.stats.results import MetaResult

__all__ = ["SubgroupDifference", "SubgroupResult", "subgroup_analysis"]

_FUNC = "subgroup_analysis"


@dataclass(frozen=True, slots=True)
class SubgroupDifference:
    """Test for subgroup differences between separately fitted subgroup models (RevMan).

    Attributes
    ----------
    Q : float
        Between-subgroup Q (chi-square).
    df : int
        Number of subgroups minus 1.
    pval : float
        Upper-tail chi-square p-value.
    I2 : float
        ``max(0, 100 (Q - df)/Q)``, percent.
    pooled : float
        Inverse-variance weighted mean of the subgroup estimates.
    """

    Q: float
    df: int
    pval: float
    I2: float
    pooled: float

    def to_dict(self) -> dict[str, float]:
        """``{Q, df, pval, I2, pooled}``."""
        return {"Q": self.Q, "df": self.df, "pval": self.pval, "I2": self.I2,
                "pooled": self.pooled}


@dataclass(frozen=True, slots=True, eq=False)
class SubgroupResult:
    """Everything a subgroup analysis reports.

    Attributes
    ----------
    levels : tuple of str
        Subgroup levels, byte-wise order.
    k_used : int
        Studies with a subgroup (the others are left out).
    method, test : str
        Estimator and test used for every model.
    groups : tuple of MetaResult
        One model per level, in ``levels`` order.
    overall : MetaResult
        The model of all studies used, ignoring subgroups.
    difference : SubgroupDifference
        The RevMan-style test for subgroup differences.
    moderator_model : MetaResult
        The (mixed-effects or, for EE, fixed-effects) model with the subgroup as moderator;
        its ``QM`` tests the subgroup contrasts with a common tau^2.
    notes : tuple of str
        Rows left out, one-study subgroups.
    """

    levels: tuple[str, ...]
    k_used: int
    method: str
    test: str
    groups: tuple[MetaResult, ...]
    overall: MetaResult
    difference: SubgroupDifference
    moderator_model: MetaResult
    notes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain-number form (analysis scale)."""
        stat = "tval" if self.test == "knha" else "zval"
        per_group = []
        for level, res in zip(self.levels, self.groups, strict=True):
            per_group.append({
                "group": level, "k": res.k, "estimate": res.estimate, "se": res.se,
                stat: res.tval if self.test == "knha" else res.zval, "pval": res.pval,
                "ci_lb": res.ci_lb, "ci_ub": res.ci_ub, "tau2": res.tau2, "I2": res.I2,
                "H2": res.H2, "QE": res.QE, "QEp": res.QEp,
            })
        return {
            "levels": list(self.levels), "k_used": self.k_used, "method": self.method,
            "test": self.test, "groups": per_group, "overall": self.overall.to_dict(),
            "difference": self.difference.to_dict(),
            "moderator_model": self.moderator_model.to_dict(), "notes": list(self.notes),
        }

    def summary(self, digits: int = 4) -> str:
        """Per-subgroup lines, the overall line and both tests (deterministic)."""
        d = digits
        width = max(len(level) for level in self.levels)
        lines = [(f"Subgroup analysis ({self.method}, k = {self.k_used}, "
                 f"{len(self.levels)} subgroups)"), ""]
        for level, res in zip(self.levels, self.groups, strict=True):
            lines.append(
                f"{level.ljust(width)}  k = {res.k:>3}  estimate {res.estimate:.{d}f} "
                f"[{res.ci_lb:.{d}f}, {res.ci_ub:.{d}f}]  tau^2 = {res.tau2:.{d}f}  "
                f"I^2 = {res.I2:.1f}%"
            )
        o = self.overall
        lines.append(f"{'overall'.ljust(width)}  k = {o.k:>3}  estimate {o.estimate:.{d}f} "
                     f"[{o.ci_lb:.{d}f}, {o.ci_ub:.{d}f}]  tau^2 = {o.tau2:.{d}f}  "
                     f"I^2 = {o.I2:.1f}%")
        diff = self.difference
        p = "< 0.0001" if diff.pval < 1e-4 else f"= {diff.pval:.{d}f}"
        lines += [
            "",
            (f"Test for subgroup differences (RevMan): Chi^2 = {diff.Q:.2f}, df = {diff.df} "
            f"(P {p}), I^2 = {diff.I2:.1f}%"),
        ]
        mm = self.moderator_model
        if mm.QM is not None and mm.QMdf is not None and mm.QMp is not None:
            qp = "< .0001" if mm.QMp < 1e-4 else f"= {mm.QMp:.{d}f}"
            kind = "F" if mm.QMdf[1] is not None else "QM"
            df = f"df1 = {mm.QMdf[0]}, df2 = {mm.QMdf[1]}" if kind == "F" else f"df = {mm.QMdf[0]}"
            model = "Fixed-effects" if mm.is_fixed else "Mixed-effects"
            lines.append(f"{model} model with subgroup as moderator (metafor, common tau^2): "
                         f"{kind}({df}) = {mm.QM:.{d}f}, p-val {qp}")
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def subgroup_analysis(
    yi: ArrayLike | EffectSizes,
    vi: ArrayLike | None = None,
    *,
    groups: Sequence[Any],
    method: str | None = None,
    test: str = "z",
    level: float = 95.0,
    study: Sequence[Any] | None = None,
    control: Mapping[str, float | str | None] | None = None,
    i2: str | None = None,
    convention: str | None = None,
    prediction: str | None = None,
    measure: str | Measure | None = None,
    group_name: str = "group",
) -> SubgroupResult:
    """Fit one model per subgroup, the overall model, and both tests of subgroup differences.

    Parameters
    ----------
    yi, vi : array-like or EffectSizes
        As in :func:`~evidencehub.stats.rma`.
    groups : sequence
        Subgroup of each study; ``None``, NaN or empty text leave the study out.
    method, test, level, study, control, i2, convention, prediction, measure
        As in :func:`~evidencehub.stats.rma`, used for every model.
    group_name : str
        Name of the moderator in the moderator model's terms (``factor(group)level``).
    """
    if isinstance(yi, EffectSizes):
        y, v, labels, meas = yi.yi, yi.vi, list(yi.study), yi.measure
    else:
        if vi is None:
            raise InputError("give the sampling variances 'vi'", source=_FUNC)
        y = np.asarray(yi, dtype=np.float64)
        v = np.asarray(vi, dtype=np.float64)
        labels = [str(s) for s in study] if study is not None else [
            f"Study {i + 1}" for i in range(y.shape[0])]
        meas = Measure(measure or "GEN")
    if len(groups) != y.shape[0]:
        raise InputError(f"'groups' has {len(groups)} values but there are {y.shape[0]} "
                         "studies", source=_FUNC)
    keep = np.array([_present(g) for g in groups], dtype=bool)
    notes = []
    if not keep.all():
        notes.append(f"{int((~keep).sum())} studies without a subgroup were left out")
    labels_used = [s for s, k in zip(labels, keep, strict=True) if k]
    group_used = [str(g) for g, k in zip(groups, keep, strict=True) if k]
    levels = tuple(sorted(set(group_used), key=lambda s: s.encode("utf-8")))
    if len(levels) < 2:
        raise InputError(f"a subgroup analysis needs at least 2 subgroups; got {len(levels)}",
                         source=_FUNC)
    y_used, v_used = y[keep], v[keep]
    options: dict[str, Any] = {"method": method, "test": test, "level": level,
                               "control": control, "i2": i2, "convention": convention,
                               "prediction": prediction, "measure": meas}
    per_group = []
    for lev in levels:
        rows = np.array([g == lev for g in group_used])
        if rows.sum() == 1:
            notes.append(f"subgroup '{lev}' has a single study: its estimate is that study's")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatsWarning)
            per_group.append(rma(y_used[rows], v_used[rows], study=np.array(labels_used)[rows],
                                 **options))
    overall = rma(y_used, v_used, study=labels_used, **options)
    moderator = rma(y_used, v_used, study=labels_used, mods={group_name: group_used}, **options)
    for note in notes:
        warnings.warn(f"{_FUNC}: {note}", StatsWarning, stacklevel=2)
    return SubgroupResult(levels, int(keep.sum()), overall.method, overall.test,
                          tuple(per_group), overall, _difference(per_group), moderator,
                          tuple(notes))


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    return str(value).strip() != ""


def _difference(fits: Sequence[MetaResult]) -> SubgroupDifference:
    est = np.array([f.estimate for f in fits])
    w = 1 / np.array([f.se for f in fits]) ** 2
    pooled = float(np.sum(w * est) / np.sum(w))
    q = float(np.sum(w * (est - pooled) ** 2))
    df = len(fits) - 1
    i2 = max(0.0, 100 * (q - df) / q) if q > 0 else 0.0
    return SubgroupDifference(q, df, float(chi2_sf(q, df)), i2, pooled)
