"""The evidence profile of one analysis run: what GRADE's rules read, in one typed object.

:func:`profile_from_run` joins a stored run (:class:`~evidencehub.analysis.run.RunResult`) with
what reviewers recorded per study — design, overall risk-of-bias judgement, PICO-mismatch
flags — and with the decision thresholds (:class:`Thresholds`). Everything on the profile is
on the analysis scale (log for ratio measures), as the run stores it; ``null`` is the null on
that scale (0).

Risk-of-bias judgements are RoB 2's overall levels (low, some concerns, high; Sterne et al.
2019, BMJ 366:l4898) or ROBINS-I's (low, moderate, serious, critical, no information; Sterne et
al. 2016, BMJ 355:i4919). The small-study test is metafor's ``regtest`` (Egger's test as a
meta-regression on the standard error, with the run's τ² method), run when at least
:attr:`Thresholds.egger_min_k` studies are pooled (Sterne et al. 2011, BMJ 343:d4002: not with
fewer than 10).
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from evidencehub.analysis.run import RunResult
from evidencehub.errors import InputError, StatsWarning
from evidencehub.vocab import Family, MeasureTerms, StudyDesign, measure_terms

__all__ = [
    "EvidenceProfile",
    "PicoElement",
    "RobJudgement",
    "StudyEvidence",
    "Thresholds",
    "profile_from_run",
]

_WHERE = "grade"


class RobJudgement(StrEnum):
    """An overall risk-of-bias judgement: RoB 2's three levels, ROBINS-I's five, or none."""

    LOW = "low"
    SOME_CONCERNS = "some concerns"
    HIGH = "high"
    MODERATE = "moderate"
    SERIOUS = "serious"
    CRITICAL = "critical"
    NO_INFORMATION = "no information"
    NOT_ASSESSED = "not assessed"

    @property
    def tier(self) -> str:
        """``"low"``, ``"concerns"`` or ``"high"``: the tier the risk-of-bias rule counts.

        RoB 2 maps one to one. For ROBINS-I, ``low`` and ``moderate`` count as low because
        evidence from non-randomised studies already starts at low certainty (Balshem et al.
        2011), which allows for the confounding a well-done observational study has;
        ``serious`` and ``no information`` count as concerns and ``critical`` as high. A study
        with no judgement recorded counts as concerns: an unassessed risk is not a low one.
        """
        if self in (RobJudgement.LOW, RobJudgement.MODERATE):
            return "low"
        if self in (RobJudgement.HIGH, RobJudgement.CRITICAL):
            return "high"
        return "concerns"


class PicoElement(StrEnum):
    """The part of the question a study answers only indirectly (GRADE 8: Guyatt et al. 2011)."""

    POPULATION = "population"
    INTERVENTION = "intervention"
    COMPARATOR = "comparator"
    OUTCOME = "outcome"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds of the rules (defaults as documented in ``docs/grade.md``).

    Attributes
    ----------
    mid : float or None
        Minimally important difference on the reported scale: a ratio (``0.75`` means a 25 %
        relative change; the thresholds are RR 0.75 and 1/0.75) or a difference in the
        outcome's units (± ``mid``). None: the null is the only threshold.
    rob_serious, rob_very_serious : float
        Percent of the weight from studies at some concerns or high risk (serious) and from
        studies at high risk (very serious) at which risk of bias rates down.
    i2_serious, i2_very_serious : float
        I² (percent) from which heterogeneity counts as substantial and considerable.
    q_pval : float
        Cochran's Q test P below which heterogeneity is significant.
    subgroup_pval : float
        Test for subgroup differences P below which a subgroup may explain inconsistency.
    indirect_serious : float
        Percent of the weight from studies with a PICO mismatch at which indirectness rates down.
    ois_rrr : float
        Relative risk reduction the optimal information size is computed for (binary).
    ois_alpha, ois_power : float
        Two-sided α and power of the OIS.
    ois_difference, ois_sd : float or None
        Difference and SD of the OIS for continuous outcomes (defaults: ``mid`` and the
        median SD of the studies; 1 for standardised measures).
    moderate_effect : float or None
        The boundary between a small and a moderate effect, on ``mid``'s scale (GRADE 35's
        partially contextualised thresholds): only the informative statements use it, to
        say "slightly" for effects between ``mid`` and it.
    egger_pval : float
        Small-study test P below which publication bias is suspected.
    egger_min_k : int
        Fewest pooled studies for the small-study test.
    large_effect, very_large_effect : float
        Ratio (or its reciprocal) from which an effect is large (+1) and very large (+2).
    """

    mid: float | None = None
    rob_serious: float = 50.0
    rob_very_serious: float = 75.0
    i2_serious: float = 50.0
    i2_very_serious: float = 75.0
    q_pval: float = 0.10
    subgroup_pval: float = 0.10
    indirect_serious: float = 50.0
    ois_rrr: float = 0.25
    ois_alpha: float = 0.05
    ois_power: float = 0.80
    ois_difference: float | None = None
    ois_sd: float | None = None
    moderate_effect: float | None = None
    egger_pval: float = 0.10
    egger_min_k: int = 10
    large_effect: float = 2.0
    very_large_effect: float = 5.0

    def __post_init__(self) -> None:
        percents = ("rob_serious", "rob_very_serious", "i2_serious", "i2_very_serious",
                    "indirect_serious")
        for name in percents:
            value = getattr(self, name)
            if not 0 <= value <= 100:
                raise InputError(f"'{name}' must be a percentage from 0 to 100; got {value!r}",
                                 source=_WHERE)
        for name in ("q_pval", "subgroup_pval", "ois_rrr", "ois_alpha", "ois_power",
                     "egger_pval"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise InputError(f"'{name}' must be between 0 and 1; got {value!r}",
                                 source=_WHERE)
        for name in ("mid", "ois_difference", "ois_sd", "moderate_effect"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(f"'{name}' must be a positive number; got {value!r}",
                                 source=_WHERE)
        if not 1 < self.large_effect <= self.very_large_effect:
            raise InputError("'large_effect' must be above 1 and at most 'very_large_effect'; "
                             f"got {self.large_effect!r} and {self.very_large_effect!r}",
                             source=_WHERE)
        if self.moderate_effect is not None and self.mid is None:
            raise InputError("'moderate_effect' needs 'mid'", source=_WHERE)
        if self.egger_min_k < 3:
            raise InputError(f"'egger_min_k' must be at least 3; got {self.egger_min_k!r}",
                             source=_WHERE)

    def to_dict(self) -> dict[str, Any]:
        """Every field by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        """The thresholds whose :meth:`to_dict` is ``data`` (missing keys take defaults)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown threshold {unknown[0]!r}; known: "
                             f"{', '.join(sorted(known))}", source=_WHERE)
        return cls(**dict(data))


@dataclass(frozen=True, slots=True)
class StudyEvidence:
    """One pooled study as GRADE's rules see it.

    Attributes
    ----------
    study_key, study_label : str
        The study and how pages name it.
    design : StudyDesign
        Its design.
    risk_of_bias : RobJudgement
        Overall judgement for this outcome.
    indirectness : tuple of PicoElement
        The PICO elements a reviewer flagged as not matching the question.
    weight : float
        Percent weight in the pooled estimate.
    participants : int or None
        Participants in the analysis (both arms), from the row's counts.
    control_risk : float or None
        Events / total in the control arm (binary measures).
    sd : float or None
        Pooled SD of the two arms (continuous measures).
    yi, vi : float
        Effect size (analysis scale) and its variance.
    """

    study_key: str
    study_label: str
    design: StudyDesign
    risk_of_bias: RobJudgement
    indirectness: tuple[PicoElement, ...]
    weight: float
    participants: int | None
    control_risk: float | None
    sd: float | None
    yi: float
    vi: float

    def to_dict(self) -> dict[str, Any]:
        """Every field; enums as their values."""
        return {"study_key": self.study_key, "study_label": self.study_label,
                "design": self.design.value, "risk_of_bias": self.risk_of_bias.value,
                "indirectness": [e.value for e in self.indirectness], "weight": self.weight,
                "participants": self.participants, "control_risk": self.control_risk,
                "sd": self.sd, "yi": self.yi, "vi": self.vi}


@dataclass(frozen=True, slots=True)
class EvidenceProfile:
    """What the rules read for one run (analysis scale; see the module docstring).

    Attributes
    ----------
    analysis : str
        The analysis's slug.
    run_id : int or None
        The run judged (a rating records it; a newer run makes the rating stale).
    terms : MeasureTerms
        The measure's words, whether it is a ratio, its null.
    level : float
        Confidence level in percent.
    studies : tuple of StudyEvidence
        The pooled studies (one when a single study is shown unpooled).
    estimate, ci_lb, ci_ub : float
        The pooled estimate and its confidence limits.
    pi_lb, pi_ub : float or None
        Prediction interval (random-effects fits with k ≥ 2).
    tau2, I2, QEp : float or None
        Heterogeneity (τ², I² in percent, Q test P); None for a single study.
    subgroup_pval : float or None
        P of the test for subgroup differences, when the analysis has subgroups.
    subgroup_max_I2 : float or None
        The largest I² within a subgroup.
    egger_pval : float or None
        P of the small-study test (None when fewer than ``egger_min_k`` studies).
    egger_note : str or None
        Why the small-study test was not run or what it met.
    dose_response : bool
        Whether a reviewer recorded a dose-response gradient.
    thresholds : Thresholds
        The decision thresholds.
    """

    analysis: str
    run_id: int | None
    terms: MeasureTerms
    level: float
    studies: tuple[StudyEvidence, ...]
    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float | None
    pi_ub: float | None
    tau2: float | None
    I2: float | None
    QEp: float | None
    subgroup_pval: float | None
    subgroup_max_I2: float | None
    egger_pval: float | None
    egger_note: str | None
    dose_response: bool
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.studies)

    @property
    def null(self) -> float:
        """The null on the analysis scale (0: log 1 for ratios, 0 for differences)."""
        return 0.0

    @property
    def participants(self) -> int | None:
        """Participants over all studies; None when a study's count is unknown."""
        counts = [s.participants for s in self.studies]
        return None if any(c is None for c in counts) else sum(c for c in counts if c)

    @property
    def randomised(self) -> bool:
        """True when every study is a randomised trial (GRADE starts at high certainty)."""
        return all(s.design.randomised for s in self.studies)

    @property
    def control_risk(self) -> float | None:
        """Median control-group risk of the studies (binary measures), the default baseline."""
        risks = [s.control_risk for s in self.studies if s.control_risk is not None]
        return statistics.median(risks) if risks else None

    @property
    def mid_thresholds(self) -> tuple[float, float] | None:
        """The minimally important differences below and above the null (analysis scale)."""
        mid = self.thresholds.mid
        if mid is None:
            return None
        if self.terms.is_ratio:
            if mid == 1:
                raise InputError("'mid' of a ratio measure must differ from 1", source=_WHERE)
            half = abs(math.log(mid))
        else:
            half = mid
        return (-half, half)

    def reported(self, value: float) -> float:
        """``value`` on the reported scale (exponentiated for ratio measures)."""
        return math.exp(value) if self.terms.is_ratio else value

    def to_dict(self) -> dict[str, Any]:
        """Every field (``terms`` as ``measure``), plus ``k``, ``participants``,
        ``randomised`` and ``control_risk``: what a rating's JSON shows it judged."""
        return {
            "analysis": self.analysis, "run_id": self.run_id,
            "measure": self.terms.measure.value, "level": self.level, "k": self.k,
            "participants": self.participants, "randomised": self.randomised,
            "control_risk": self.control_risk, "estimate": self.estimate,
            "ci_lb": self.ci_lb, "ci_ub": self.ci_ub, "pi_lb": self.pi_lb, "pi_ub": self.pi_ub,
            "tau2": self.tau2, "I2": self.I2, "QEp": self.QEp,
            "subgroup_pval": self.subgroup_pval, "subgroup_max_I2": self.subgroup_max_I2,
            "egger_pval": self.egger_pval, "egger_note": self.egger_note,
            "dose_response": self.dose_response, "thresholds": self.thresholds.to_dict(),
            "studies": [s.to_dict() for s in self.studies],
        }


def _judgement(text: str, study: str) -> RobJudgement:
    key = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    try:
        return RobJudgement(key)
    except ValueError:
        known = ", ".join(j.value for j in RobJudgement)
        raise InputError(f"unknown risk-of-bias judgement {text!r}; known: {known}",
                         source=_WHERE, where=f"study '{study}'") from None


def _flags(values: Sequence[str], study: str) -> tuple[PicoElement, ...]:
    out: list[PicoElement] = []
    for value in values:
        try:
            element = PicoElement(value.strip().lower())
        except ValueError:
            known = ", ".join(p.value for p in PicoElement)
            raise InputError(f"unknown indirectness flag {value!r}; known: {known}",
                             source=_WHERE, where=f"study '{study}'") from None
        if element not in out:
            out.append(element)
    return tuple(out)


def _participants(inputs: Mapping[str, float]) -> int | None:
    if "n1i" in inputs and "n2i" in inputs:
        return round(inputs["n1i"] + inputs["n2i"])
    cells = ("ai", "bi", "ci", "di")
    if all(c in inputs for c in cells):
        return round(sum(inputs[c] for c in cells))
    if "ni" in inputs:
        return round(inputs["ni"])
    return None


def _control_risk(inputs: Mapping[str, float], terms: MeasureTerms) -> float | None:
    if terms.family is not Family.TWO_BY_TWO or "ci" not in inputs:
        return None
    total = inputs.get("n2i", inputs["ci"] + inputs.get("di", math.nan))
    return inputs["ci"] / total if total > 0 else None


def _pooled_sd(inputs: Mapping[str, float]) -> float | None:
    """√(((n1−1)s1² + (n2−1)s2²)/(n1+n2−2)), the pooled SD of Cochrane Handbook §6.5.1.2."""
    names = ("sd1i", "sd2i", "n1i", "n2i")
    if not all(n in inputs for n in names):
        return None
    s1, s2, n1, n2 = (inputs[n] for n in names)
    if n1 + n2 <= 2:
        return None
    return math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))


def _egger(result: RunResult, studies: Sequence[StudyEvidence],
           thresholds: Thresholds) -> tuple[float | None, str | None]:
    """P of metafor's ``regtest`` (default: rma on sei, the run's τ² method), when k ≥ 10."""
    k = len(studies)
    if k < thresholds.egger_min_k:
        return None, (f"not assessable by a small-study test: {k} studies (the test needs at "
                      f"least {thresholds.egger_min_k})")
    from evidencehub.stats import rma
    from evidencehub.stats.bias import regtest

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        fit = result.meta_result()
        if fit is None:  # Mantel-Haenszel or Peto: Egger's test on the same rows, common effect
            fit = rma([s.yi for s in studies], [s.vi for s in studies], method="EE",
                      study=[s.study_label for s in studies], level=result.level)
        test = regtest(fit)
    notes = [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]
    note = f"regtest on {fit.method}" + (f" ({'; '.join(notes)})" if notes else "")
    return test.pval, note


def profile_from_run(
    result: RunResult,
    *,
    designs: Mapping[str, StudyDesign],
    risk_of_bias: Mapping[str, str],
    indirectness: Mapping[str, Sequence[str]] | None = None,
    dose_response: bool = False,
    thresholds: Thresholds | None = None,
    run_id: int | None = None,
) -> EvidenceProfile:
    """The evidence profile of ``result``.

    Parameters
    ----------
    result : RunResult
        The run judged: its pooled rows (or its single unpooled study) and its fit.
    designs : mapping of study key to StudyDesign
        Every study's design (required for each study rated).
    risk_of_bias : mapping of study key to str
        Overall judgement per study (RoB 2 or ROBINS-I levels, see :class:`RobJudgement`); a
        study not in it is ``not assessed``.
    indirectness : mapping of study key to sequence of str, optional
        PICO elements (``population``, ``intervention``, ``comparator``, ``outcome``) a
        reviewer flagged as not matching the question.
    dose_response : bool
        Whether a reviewer recorded a dose-response gradient (GRADE 9).
    thresholds : Thresholds, optional
        Decision thresholds (defaults: :class:`Thresholds`).
    run_id : int, optional
        The run's id in the store.

    Raises
    ------
    InputError
        No estimate to rate, a measure without a null (single-group), a study without a
        design, or an unknown judgement or flag.
    """
    where = f"analysis '{result.analysis}'"
    terms = measure_terms(result.measure)
    if terms.null is None or terms.family in (Family.MEAN_CHANGE, Family.CORRELATION):
        raise InputError(f"measure {terms.measure.value} does not compare two groups; GRADE's "
                         "rules here rate comparisons", source=_WHERE, where=where)
    thresholds = thresholds or Thresholds()
    indirectness = indirectness or {}
    rows = result.pooled_rows
    fit = result.fit
    if fit is None:
        single = [r for r in result.rows if r.yi is not None and r.vi is not None]
        if len(single) != 1:
            reason = result.not_pooled_reason or "nothing was pooled"
            raise InputError(f"no estimate to rate: {reason}", source=_WHERE, where=where)
        rows = (single[0],)
    studies = []
    for row in rows:
        if row.study_key not in designs:
            raise InputError("no study design given", source=_WHERE,
                             where=f"{where}, study '{row.study_key}'")
        judgement = risk_of_bias.get(row.study_key)
        assert row.yi is not None and row.vi is not None  # pooled rows have effect sizes
        studies.append(StudyEvidence(
            study_key=row.study_key, study_label=row.study_label,
            design=StudyDesign(designs[row.study_key]),
            risk_of_bias=(RobJudgement.NOT_ASSESSED if judgement is None
                          else _judgement(judgement, row.study_key)),
            indirectness=_flags(indirectness.get(row.study_key, ()), row.study_key),
            weight=100.0 if fit is None else float(row.weight or 0.0),
            participants=_participants(row.inputs), control_risk=_control_risk(row.inputs, terms),
            sd=_pooled_sd(row.inputs), yi=row.yi, vi=row.vi,
        ))
    if fit is None:
        only = rows[0]
        assert only.yi is not None and only.ci_lb is not None and only.ci_ub is not None
        estimate, ci_lb, ci_ub = only.yi, only.ci_lb, only.ci_ub
        pi_lb = pi_ub = tau2 = i2 = qep = None
        egger: tuple[float | None, str | None] = (None, "not assessable: a single study")
    else:
        estimate, ci_lb, ci_ub = float(fit["estimate"]), float(fit["ci_lb"]), float(fit["ci_ub"])
        pi_lb, pi_ub = _number(fit.get("pi_lb")), _number(fit.get("pi_ub"))
        tau2, i2, qep = _number(fit.get("tau2")), _number(fit.get("I2")), _number(fit.get("QEp"))
        egger = _egger(result, studies, thresholds)
    subgroup_p = subgroup_i2 = None
    if result.subgroups is not None:
        subgroup_p = _number(result.subgroups["difference"]["pval"])
        inner = [_number(g.get("I2")) for g in result.subgroups["groups"]]
        subgroup_i2 = max((v for v in inner if v is not None), default=None)
    return EvidenceProfile(
        analysis=result.analysis, run_id=run_id, terms=terms, level=result.level,
        studies=tuple(studies), estimate=estimate, ci_lb=ci_lb, ci_ub=ci_ub, pi_lb=pi_lb,
        pi_ub=pi_ub, tau2=tau2, I2=i2, QEp=qep, subgroup_pval=subgroup_p,
        subgroup_max_I2=subgroup_i2, egger_pval=egger[0], egger_note=egger[1],
        dose_response=dose_response, thresholds=thresholds,
    )


def _number(value: object) -> float | None:
    """A stored number, or None (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None
