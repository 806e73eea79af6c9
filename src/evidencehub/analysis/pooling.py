"""Pool one analysis: effect sizes, then the fit its settings ask for, as :class:`Pooled`.

:func:`pool` takes the input columns of one analysis, named as metafor's ``escalc`` arguments
(``ai, bi, ci, di, n1i, n2i, m1i, sd1i, ..., yi, vi``), and

* computes the study-level effect sizes with :func:`evidencehub.stats.escalc`;
* fits them with :func:`evidencehub.stats.rma` (common effect or a tau² estimator; with the
  model rule ``i2-q`` the rule picks between the two, see :mod:`evidencehub.analysis.rule`),
  or pools the 2x2 tables with :func:`evidencehub.stats.mh.rma_mh` (Mantel-Haenszel: OR, RR,
  RD) or :func:`evidencehub.stats.peto.rma_peto` (Peto's odds ratio), as metafor's ``rma.mh``
  and ``rma.peto``;
* optionally runs a subgroup analysis (:func:`evidencehub.stats.subgroups.subgroup_analysis`).

For the two poolers the study-level effect sizes are those metafor stores on the fit
(``escalc`` with ``add = 1/2``, ``to = "only0"``, ``drop00 = TRUE``: tables without events, or
with only events, in both groups have none) and the study weights are metafor's
``weights.rma.mh`` and ``weights.rma.peto``: percentages of ``b c / N`` (OR),
``c n1 / N`` (RR), ``n1 n2 / N`` (RD) and of Peto's hypergeometric variance
``x y n1 n2 / (N^2 (N - 1))``, all from the counts as given (Mantel & Haenszel 1959; Greenland
& Robins 1985; Yusuf et al. 1985).

:meth:`Pooled.to_dict` gives the JSON of ``evidencehub meta`` (metafor's names, ratio measures
on the log scale); :meth:`Pooled.summary` a deterministic text.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from evidencehub.analysis.rule import RuleDecision, decide
from evidencehub.analysis.settings import PoolSettings
from evidencehub.errors import InputError, StatsWarning
from evidencehub.stats import EffectSizes, MetaResult, escalc, measure_info, rma
from evidencehub.stats.distributions import norm_isf
from evidencehub.stats.measures import Measure, Scale

if TYPE_CHECKING:
    from evidencehub.stats.mh import MHResult
    from evidencehub.stats.peto import PetoResult
    from evidencehub.stats.subgroups import SubgroupResult

__all__ = ["Pooled", "StudyRow", "pool", "random_method", "table_weights"]

FloatArray = NDArray[np.float64]
_SOURCE = "pool"


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One study as shown to people: its effect and interval on the reported scale.

    Attributes
    ----------
    study : str
        Label.
    estimate, ci_lb, ci_ub : float
        Effect and normal-theory interval ``yi +- z sqrt(vi)`` at the analysis' level,
        back-transformed when asked (NaN when the study has no effect size of its own).
    weight : float
        Percent weight in the pooled estimate.
    """

    study: str
    estimate: float
    ci_lb: float
    ci_ub: float
    weight: float


@dataclass(frozen=True, slots=True, eq=False)
class Pooled:
    """One pooled analysis: its effect sizes, the fit, and what was decided on the way.

    Attributes
    ----------
    settings : PoolSettings
        What was asked for.
    effects : EffectSizes
        The study-level effect sizes (for MH and PETO: those metafor stores on the fit;
        tables without events, or with only events, in both groups have none).
    fit : MetaResult, MHResult or PetoResult
        The fitted model.
    study : tuple of str
        One label per input row (study or 2x2 table).
    yi, vi : ndarray of shape (k,)
        Effect size and variance per input row (NaN where a table has none).
    weights : ndarray of shape (k,)
        Percent weights per input row (metafor's ``weights()``).
    subgroups : SubgroupResult or None
        The subgroup analysis, when asked for.
    rule : RuleDecision or None
        The model rule's decision, when a rule was used.
    notes : tuple of str
        What was done to the data (zero cells, tables or rows left out).
    """

    settings: PoolSettings
    effects: EffectSizes
    fit: MetaResult | MHResult | PetoResult
    study: tuple[str, ...]
    yi: FloatArray
    vi: FloatArray
    weights: FloatArray
    subgroups: SubgroupResult | None
    rule: RuleDecision | None
    notes: tuple[str, ...]

    @property
    def is_meta_result(self) -> bool:
        """True for an inverse-variance fit (:class:`~evidencehub.stats.MetaResult`)."""
        return isinstance(self.fit, MetaResult)

    @property
    def measure(self) -> Measure:
        """The measure of ``yi`` (PETO for Peto's method)."""
        return self.effects.measure

    @property
    def level(self) -> float:
        """Confidence level in percent."""
        return float(self.fit.level)

    @property
    def transformable(self) -> bool:
        """Whether the effects have a reported scale other than the analysis scale (ratios,
        proportions, correlations); PFT needs the sample sizes."""
        scale = measure_info(self.measure).scale
        return scale is not Scale.RAW and (scale is not Scale.FREEMAN_TUKEY
                                           or self.effects.ni is not None)

    def scale_label(self, transform: bool) -> str:
        """What the study rows show: the reported scale ("risk ratio") with ``transform``,
        else the analysis scale ("log risk ratio")."""
        info = measure_info(self.measure)
        return info.reported_as if transform else info.label

    def study_rows(self, transform: bool) -> list[StudyRow]:
        """Per-study effects and normal-theory intervals (``yi +- z sqrt(vi)``, as metafor's
        ``forest`` and :func:`evidencehub.publish.plots.study_intervals`), back-transformed
        study by study with ``transform`` (PFT with each study's own ``ni``)."""
        crit = float(norm_isf((1 - self.level / 100) / 2))
        half = crit * np.sqrt(self.vi)
        values = np.column_stack([self.yi, self.yi - half, self.yi + half])
        ni = self.effects.ni if self.is_meta_result else None  # PFT is never pooled by MH/Peto
        rows = []
        for j, label in enumerate(self.study):
            triple = values[j]
            if transform and np.isfinite(triple).all():
                triple = measure_info(self.measure).back_transform(
                    triple, None if ni is None else ni[j:j + 1])
            rows.append(StudyRow(label, float(triple[0]), float(triple[1]), float(triple[2]),
                                 float(self.weights[j])))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``evidencehub meta`` for this analysis (analysis scale, metafor's keys)."""
        out = self.fit.to_dict() if isinstance(self.fit, MetaResult) else self._pooler_dict()
        if self.rule is not None:
            out["model_rule"] = self.rule.to_dict()
        out["notes"] = list(self.notes)
        if self.subgroups is not None:
            out["subgroup"] = self.subgroups.to_dict()
        return out

    def _pooler_dict(self) -> dict[str, Any]:
        fit = self.fit
        assert not isinstance(fit, MetaResult)
        out: dict[str, Any] = {
            "k": fit.k, "measure": self.measure.value, "method": self.settings.method,
            "test": "z", "estimate": fit.estimate, "se": fit.se, "zval": fit.zval,
            "pval": fit.pval, "ci_lb": fit.ci_lb, "ci_ub": fit.ci_ub, "tau2": 0.0,
            "I2": fit.I2, "H2": fit.H2, "QE": fit.QE, "QEdf": fit.QEdf, "QEp": fit.QEp,
            "k_yi": fit.k_yi,
        }
        if self.settings.method == "MH" and self.measure is Measure.OR:
            out |= {"CMH": fit.CMH, "CMHp": fit.CMHp, "CO": fit.CO, "COp": fit.COp,  # type: ignore[union-attr]
                    "BD": fit.BD, "BDp": fit.BDp, "TA": fit.TA, "TAp": fit.TAp,  # type: ignore[union-attr]
                    "k_pos": fit.k_pos}  # type: ignore[union-attr]
        out["studies"] = [
            {"study": s, "yi": y, "vi": v, "weight": w}
            for s, y, v, w in zip(self.study, self.yi.tolist(), self.vi.tolist(),
                                  self.weights.tolist(), strict=True)
        ]
        out["warnings"] = list(fit.warnings)
        return out

    def summary(self) -> str:
        """The rule's decision, the fit's summary and the subgroup analysis (deterministic)."""
        parts = []
        if self.rule is not None:
            parts.append(f"Model rule {self.rule.rule}: {self.rule.reason}\n")
        parts.append(self.fit.summary().rstrip("\n") + "\n")
        if self.subgroups is not None:
            parts.append(self.subgroups.summary())
        return "\n".join(parts)


def pool(
    inputs: Mapping[str, ArrayLike],
    study: Sequence[str] | None,
    settings: PoolSettings,
    *,
    subgroup: Sequence[str | None] | None = None,
    subgroup_name: str = "group",
    mods: Mapping[str, Sequence[float] | Sequence[str]] | None = None,
) -> Pooled:
    """Compute the effect sizes of one analysis and fit them as ``settings`` ask.

    Parameters
    ----------
    inputs : mapping of str to array-like
        Input columns named as :func:`~evidencehub.stats.escalc`'s arguments.
    study : sequence of str, optional
        Study labels (``"Study 1"``, ... if omitted).
    settings : PoolSettings
        Measure, method, test, level, convention and model rule.
    subgroup : sequence, optional
        Subgroup of each study (None or empty: left out of the subgroup analysis).
    subgroup_name : str
        Name of the subgroup variable (the moderator's name in the moderator model).
    mods : mapping, optional
        Moderators for a meta-regression (numbers: continuous; text: categorical).

    Returns
    -------
    Pooled

    Raises
    ------
    InputError
        Bad input data (from ``escalc`` and the fits, naming the study and the column), or a
        subgroup analysis, moderators or the model rule asked of a model that cannot have them.
    """
    labels = None if study is None else tuple(str(s) for s in study)
    if settings.pooler is not None:
        for name, given in (("a subgroup analysis", subgroup), ("moderators", mods)):
            if given is not None:
                raise InputError(f"method {settings.pooler} pools 2x2 tables with a common-effect "
                                 f"model; {name} need an inverse-variance model", source=_SOURCE)
        return _pool_tables(inputs, labels, settings)
    if settings.model_rule is not None and mods is not None:
        raise InputError(f"the model rule {settings.model_rule} applies to analyses without "
                         "moderators", source=_SOURCE)
    effects = escalc(settings.measure, study=labels, **inputs)  # type: ignore[arg-type]
    options: dict[str, Any] = {"test": settings.test, "level": settings.level,
                               "convention": settings.convention}
    method = settings.method
    rule = None
    fit: MetaResult | None = None
    if settings.model_rule is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatsWarning)
            common = rma(effects, method="EE", **options)
        rule = decide(settings.model_rule, common.I2, common.QE, common.QEdf, common.QEp,
                      random_method(settings))
        method = rule.method
        if rule.chosen == "common":
            fit = common
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
    if fit is None:
        fit = rma(effects, mods=mods, method=method, **options)
    subgroups = None
    if subgroup is not None:
        from evidencehub.stats.subgroups import subgroup_analysis

        subgroups = subgroup_analysis(effects, groups=subgroup, group_name=subgroup_name,
                                      method=method, **options)
    return Pooled(settings, effects, fit, fit.study, fit.yi, fit.vi, fit.weights, subgroups,
                  rule, effects.notes)


def random_method(settings: PoolSettings) -> str:
    """The random-effects method the model rule falls back on: the settings' method, else the
    convention's default (REML; DerSimonian-Laird with RevMan's convention)."""
    if settings.method is not None:
        return settings.method
    return "DL" if settings.convention == "revman" else "REML"


def _cells(inputs: Mapping[str, ArrayLike]) -> tuple[FloatArray, ...]:
    """``ai, bi, ci, di`` from the inputs (``bi = n1i - ai``, ``di = n2i - ci`` if need be)."""
    col = {name: np.asarray(value, dtype=np.float64) for name, value in inputs.items()}
    ai, ci = col["ai"], col["ci"]
    bi = col["bi"] if "bi" in col else col["n1i"] - ai
    di = col["di"] if "di" in col else col["n2i"] - ci
    return ai, bi, ci, di


def table_weights(method: str, measure: Measure, ai: FloatArray, bi: FloatArray,
                  ci: FloatArray, di: FloatArray) -> FloatArray:
    """Percent study weights of a Mantel-Haenszel or Peto fit, as metafor's ``weights.rma.mh``
    and ``weights.rma.peto`` (from the counts as given; see the module docstring)."""
    n1, n2 = ai + bi, ci + di
    n = n1 + n2
    if method == "PETO":
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(n > 1, (ai + ci) * (bi + di) * (n1 / n) * (n2 / n) / (n - 1), 0.0)
    elif measure is Measure.OR:
        w = bi * ci / n
    elif measure is Measure.RR:
        w = ci * n1 / n
    else:
        w = n1 * n2 / n
    total = float(w.sum())
    return 100 * w / total if total > 0 else np.full(w.shape, np.nan)


def _pool_tables(inputs: Mapping[str, ArrayLike], labels: tuple[str, ...] | None,
                 settings: PoolSettings) -> Pooled:
    from evidencehub.stats.mh import rma_mh
    from evidencehub.stats.peto import rma_peto

    effects = escalc(settings.effects_measure, study=labels, drop00=True,
                     **inputs)  # type: ignore[arg-type]
    ai, bi, ci, di = _cells(inputs)
    study = labels if labels is not None else tuple(f"Study {i + 1}" for i in range(ai.size))
    fit: MHResult | PetoResult
    if settings.method == "MH":
        rd_variance = "greenland-robins" if settings.convention == "revman" else "sato"
        fit = rma_mh(ai, bi, ci, di, measure=settings.measure.value,  # type: ignore[arg-type]
                     level=settings.level, study=study,
                     rd_variance=rd_variance)  # type: ignore[arg-type]
    else:
        fit = rma_peto(ai, bi, ci, di, level=settings.level, study=study)
    # the fits leave NaN exactly where drop00 left a table out of the effect sizes
    has_yi = np.isfinite(np.asarray(fit.yi, dtype=np.float64))
    yi = np.full(ai.size, np.nan)
    vi = np.full(ai.size, np.nan)
    yi[has_yi] = effects.yi
    vi[has_yi] = effects.vi
    weights = table_weights(str(settings.method), settings.measure, ai, bi, ci, di)
    return Pooled(settings, effects, fit, study, yi, vi, weights, None, None, effects.notes)
