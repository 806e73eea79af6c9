"""One explicit rule per GRADE domain: a proposal, its reason (the SoF footnote) and its numbers.

Each rule reads an :class:`~evidencehub.grade.certainty.profile.EvidenceProfile` and proposes a
change of certainty: 0 (no serious concern), −1 (serious), −2 (very serious), or, for the two
upgrading domains, +1 or +2. A reviewer may override any proposal
(:mod:`~evidencehub.grade.certainty.rating`). The thresholds are
:class:`~evidencehub.grade.certainty.profile.Thresholds`; ``docs/grade.md`` states each rule.

Sources
-------
* Risk of bias: Guyatt et al., GRADE guidelines 4, J Clin Epidemiol 2011;64:407–415; GRADE
  Handbook (Schünemann et al. 2013) §5.2.1 — rate down when most of the information comes from
  studies with limitations, twice when the limitations are very serious.
* Inconsistency: Guyatt et al., GRADE guidelines 7, J Clin Epidemiol 2011;64:1294–1302;
  Guyatt et al., GRADE guidance 36, J Clin Epidemiol 2023;158:70–83 (inconsistency is
  variation in results that matters for the decision: I² alone can mislead).
* Indirectness: Guyatt et al., GRADE guidelines 8, J Clin Epidemiol 2011;64:1303–1310.
* Imprecision: Guyatt et al., GRADE guidelines 6, J Clin Epidemiol 2011;64:1283–1293 (optimal
  information size); Zeng et al., GRADE guidance 34, J Clin Epidemiol 2022;150:216–224 (the
  minimally contextualised approach: the CI against the threshold — the MID when one is given,
  else the null — and the OIS).
* Publication bias: Guyatt et al., GRADE guidelines 5, J Clin Epidemiol 2011;64:1277–1282;
  Sterne et al. 2011, BMJ 343:d4002 (small-study tests need at least 10 studies).
* Upgrading: Guyatt et al., GRADE guidelines 9, J Clin Epidemiol 2011;64:1311–1316.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from evidencehub.grade.certainty.profile import EvidenceProfile
from evidencehub.stats.distributions import norm_ppf
from evidencehub.vocab import Family

__all__ = [
    "Domain",
    "Proposal",
    "dose_response",
    "imprecision",
    "inconsistency",
    "indirectness",
    "large_effect",
    "optimal_information_size",
    "propose",
    "publication_bias",
    "risk_of_bias",
]


class Domain(StrEnum):
    """GRADE's five domains for rating down and the two for rating up used here."""

    RISK_OF_BIAS = "risk of bias"
    INCONSISTENCY = "inconsistency"
    INDIRECTNESS = "indirectness"
    IMPRECISION = "imprecision"
    PUBLICATION_BIAS = "publication bias"
    LARGE_EFFECT = "large effect"
    DOSE_RESPONSE = "dose-response"

    @property
    def upgrades(self) -> bool:
        """True for the domains that rate up (large effect, dose-response)."""
        return self in (Domain.LARGE_EFFECT, Domain.DOSE_RESPONSE)

    @property
    def allowed(self) -> range:
        """The changes a rule or a reviewer may make: −3…0 down (GRADE 34 allows three levels
        for imprecision), 0…+2 up."""
        return range(3) if self.upgrades else range(-3, 1)


_JUDGEMENTS = {0: "no serious concern", -1: "serious", -2: "very serious",
               -3: "extremely serious", 1: "rated up one level", 2: "rated up two levels"}


@dataclass(frozen=True, slots=True)
class Proposal:
    """A rule's proposal for one domain.

    Attributes
    ----------
    domain : Domain
        The domain.
    change : int
        Levels of certainty: 0, −1, −2 (−3 only by a reviewer), or +1, +2 for upgrades.
    reason : str
        Why, in a sentence a summary-of-findings footnote can print.
    numbers : dict
        The numbers the rule used (percent weights, I², P values, OIS…), by name.
    assessable : bool
        False when the data cannot inform the domain (e.g. fewer than 10 studies for a
        small-study test); ``change`` is then 0 and ``reason`` says why.
    """

    domain: Domain
    change: int
    reason: str
    numbers: dict[str, Any] = field(default_factory=dict)
    assessable: bool = True

    @property
    def judgement(self) -> str:
        """``"no serious concern"``, ``"serious"``, ``"very serious"``… or ``"not assessable"``."""
        return _JUDGEMENTS[self.change] if self.assessable else "not assessable"

    def to_dict(self) -> dict[str, Any]:
        """``domain, change, judgement, reason, numbers, assessable``."""
        return {"domain": self.domain.value, "change": self.change,
                "judgement": self.judgement, "reason": self.reason,
                "numbers": dict(self.numbers), "assessable": self.assessable}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        """The proposal whose :meth:`to_dict` is ``data``."""
        return cls(domain=Domain(data["domain"]), change=int(data["change"]),
                   reason=data["reason"], numbers=dict(data["numbers"]),
                   assessable=bool(data["assessable"]))


def _pct(value: float) -> str:
    return f"{value:.0f}%"


def _p(value: float) -> str:
    return "P < 0.001" if value < 0.001 else f"P = {value:.3f}"


# --------------------------------------------------------------------------- risk of bias


def risk_of_bias(profile: EvidenceProfile) -> Proposal:
    """Rate down for the share of the weight from studies with limitations.

    −2 when the studies at high risk (RoB 2 high, ROBINS-I critical) carry at least
    ``rob_very_serious`` percent of the weight (default 75); −1 when the studies at high risk
    or with some concerns carry at least ``rob_serious`` percent (default 50): "most of the
    information" (GRADE 4; Handbook §5.2.1). See :attr:`RobJudgement.tier` for ROBINS-I.
    """
    t = profile.thresholds
    total = sum(s.weight for s in profile.studies) or 1.0
    high = 100 * sum(s.weight for s in profile.studies if s.risk_of_bias.tier == "high") / total
    concerns = 100 * sum(s.weight for s in profile.studies
                         if s.risk_of_bias.tier == "concerns") / total
    unassessed = [s.study_label for s in profile.studies if s.risk_of_bias.value == "not assessed"]
    numbers = {"weight_high": high, "weight_concerns": concerns, "weight_low": 100 - high - concerns,
               "not_assessed": len(unassessed)}
    extra = (f" ({len(unassessed)} without a judgement, counted as concerns)"
             if unassessed else "")
    if high >= t.rob_very_serious:
        return Proposal(Domain.RISK_OF_BIAS, -2,
                        f"{_pct(high)} of the weight comes from studies at high risk of bias"
                        f"{extra}", numbers)
    if high + concerns >= t.rob_serious:
        return Proposal(Domain.RISK_OF_BIAS, -1,
                        f"{_pct(high + concerns)} of the weight comes from studies at high risk "
                        f"of bias ({_pct(high)}) or with some concerns ({_pct(concerns)}){extra}",
                        numbers)
    return Proposal(Domain.RISK_OF_BIAS, 0,
                    f"{_pct(100 - high - concerns)} of the weight comes from studies at low risk "
                    f"of bias{extra}", numbers)


# --------------------------------------------------------------------------- inconsistency


def _thresholds(profile: EvidenceProfile) -> tuple[float, ...]:
    """The decision thresholds on the analysis scale: ± MID when given, else the null."""
    mids = profile.mid_thresholds
    return mids if mids is not None else (profile.null,)


def _crossed(lb: float, ub: float, thresholds: tuple[float, ...]) -> int:
    """How many thresholds lie strictly inside (lb, ub)."""
    return sum(lb < x < ub for x in thresholds)


def _region(value: float, thresholds: tuple[float, ...]) -> int:
    return sum(value > x for x in thresholds)


def inconsistency(profile: EvidenceProfile) -> Proposal:
    """Rate down when heterogeneity is large and matters for the decision.

    Heterogeneity is present when I² ≥ ``i2_serious`` (50 %) or the Q test's P < ``q_pval``
    (0.10; GRADE 7). It matters (GRADE 36: variation in results, judged against the
    thresholds) when the study estimates fall on both sides of a threshold (± MID, else the
    null), when the prediction interval crosses a threshold the CI does not, or when τ is at
    least the size of the pooled effect. A subgroup analysis explains it when the test for
    subgroup differences has P < ``subgroup_pval`` and every subgroup's I² is below
    ``i2_serious``. −2 when, in addition, I² ≥ ``i2_very_serious`` (75 %) and the estimates
    lie on both sides of a threshold; −1 otherwise.
    """
    t = profile.thresholds
    if profile.k < 2:
        return Proposal(Domain.INCONSISTENCY, 0,
                        "a single study: consistency cannot be assessed", {"k": profile.k},
                        assessable=False)
    cuts = _thresholds(profile)
    regions = {_region(s.yi, cuts) for s in profile.studies}
    both_sides = len(regions) > 1
    pi_crosses = (profile.pi_lb is not None and profile.pi_ub is not None
                  and _crossed(profile.pi_lb, profile.pi_ub, cuts)
                  > _crossed(profile.ci_lb, profile.ci_ub, cuts))
    tau = None if profile.tau2 is None else math.sqrt(profile.tau2)
    effect = abs(profile.estimate - profile.null)
    tau_large = tau is not None and tau > 0 and tau >= effect
    i2, qep = profile.I2, profile.QEp
    numbers = {"I2": i2, "QEp": qep, "tau2": profile.tau2, "tau": tau, "effect": effect,
               "pi_lb": profile.pi_lb, "pi_ub": profile.pi_ub,
               "estimates_both_sides": both_sides, "pi_crosses": pi_crosses,
               "subgroup_pval": profile.subgroup_pval, "subgroup_max_I2": profile.subgroup_max_I2}
    stats = f"I² = {i2:.0f}%" if i2 is not None else "I² not estimated"
    if qep is not None:
        stats += f", Q test {_p(qep)}"
    present = ((i2 is not None and i2 >= t.i2_serious) or (qep is not None and qep < t.q_pval))
    if not present:
        return Proposal(Domain.INCONSISTENCY, 0, f"no important heterogeneity ({stats})", numbers)
    if (profile.subgroup_pval is not None and profile.subgroup_pval < t.subgroup_pval
            and profile.subgroup_max_I2 is not None and profile.subgroup_max_I2 < t.i2_serious):
        return Proposal(Domain.INCONSISTENCY, 0,
                        f"heterogeneity ({stats}) is explained by the subgroups (test for "
                        f"subgroup differences {_p(profile.subgroup_pval)}); report the "
                        "subgroup estimates", numbers)
    where = "the minimally important difference" if profile.mid_thresholds else "no effect"
    why = []
    if both_sides:
        why.append(f"study estimates lie on both sides of {where}")
    if pi_crosses:
        why.append(f"the prediction interval crosses {where}")
    if tau_large:
        why.append("τ is as large as the pooled effect")
    if not why:
        return Proposal(Domain.INCONSISTENCY, 0,
                        f"heterogeneity ({stats}) does not change the conclusion: every study "
                        f"estimate lies on the same side of {where}", numbers)
    very = both_sides and i2 is not None and i2 >= t.i2_very_serious
    return Proposal(Domain.INCONSISTENCY, -2 if very else -1,
                    f"{'considerable' if very else 'substantial'} heterogeneity ({stats}): "
                    + "; ".join(why), numbers)


# --------------------------------------------------------------------------- indirectness


def indirectness(profile: EvidenceProfile) -> Proposal:
    """Rate down for the share of the weight from studies a reviewer flagged as indirect.

    −1 when flagged studies carry at least ``indirect_serious`` percent (50) of the weight;
    −2 when, in addition, they differ from the question in two or more PICO elements (GRADE
    8: several sources of indirectness make it very serious).
    """
    t = profile.thresholds
    total = sum(s.weight for s in profile.studies) or 1.0
    flagged = [s for s in profile.studies if s.indirectness]
    share = 100 * sum(s.weight for s in flagged) / total
    elements = sorted({e.value for s in flagged for e in s.indirectness})
    numbers = {"weight_indirect": share, "elements": elements,
               "studies_indirect": len(flagged)}
    if share < t.indirect_serious:
        return Proposal(Domain.INDIRECTNESS, 0,
                        f"{_pct(100 - share)} of the weight comes from studies that match the "
                        "question", numbers)
    change = -2 if len(elements) >= 2 else -1
    return Proposal(Domain.INDIRECTNESS, change,
                    f"{_pct(share)} of the weight comes from studies that differ from the "
                    f"question in {', '.join(elements)}", numbers)


# --------------------------------------------------------------------------- imprecision


def optimal_information_size(profile: EvidenceProfile) -> tuple[int | None, str]:
    """The optimal information size (total participants) and how it was computed.

    Binary outcomes: the sample size of one trial with two-sided α and power ``1 − β`` that
    detects a relative risk reduction ``ois_rrr`` from the control risk ``p0`` (the median of
    the studies): ``n = (z₁₋α/₂ + z₁₋β)² [p0(1 − p0) + p1(1 − p1)] / (p0 − p1)²`` per group with
    ``p1 = p0 (1 − RRR)`` (GRADE 6, Figure; the normal-approximation formula without
    continuity correction, e.g. Chow, Shao & Wang 2008, Sample Size Calculations in Clinical
    Research). Continuous outcomes: ``n = 2 (z₁₋α/₂ + z₁₋β)² σ² / δ²`` per group, with δ
    the ``ois_difference`` (default: the MID) and σ the ``ois_sd`` (default: the median
    pooled SD of the studies; 1 for a standardised mean difference). The total is twice the
    per-group size rounded up. None when the inputs are missing.
    """
    t = profile.thresholds
    z = float(norm_ppf(1 - t.ois_alpha / 2)) + float(norm_ppf(t.ois_power))
    family = profile.terms.family
    if family is Family.TWO_BY_TWO:
        p0 = profile.control_risk
        if p0 is None or not 0 < p0 < 1:
            return None, "no control-group risk to compute the optimal information size from"
        p1 = p0 * (1 - t.ois_rrr)
        n = z**2 * (p0 * (1 - p0) + p1 * (1 - p1)) / (p0 - p1) ** 2
        return 2 * math.ceil(n), (f"control risk {p0:.3f}, relative risk reduction "
                                  f"{t.ois_rrr:.0%}, α = {t.ois_alpha:g}, power {t.ois_power:.0%}")
    if family is Family.TWO_GROUP_CONTINUOUS and not profile.terms.is_ratio:
        standardised = profile.terms.measure.value in ("SMD", "SMDH")
        delta = t.ois_difference if t.ois_difference is not None else t.mid
        sds = [s.sd for s in profile.studies if s.sd is not None]
        sigma = t.ois_sd if t.ois_sd is not None else (
            1.0 if standardised else (statistics.median(sds) if sds else None))
        if delta is None or sigma is None:
            return None, ("no minimally important difference (or OIS difference) and SD to "
                          "compute the optimal information size from")
        n = 2 * z**2 * sigma**2 / delta**2
        return 2 * math.ceil(n), (f"difference {delta:g}, SD {sigma:.3g}, α = {t.ois_alpha:g}, "
                                  f"power {t.ois_power:.0%}")
    return None, f"no optimal information size for {profile.terms.name.lower()}"


def imprecision(profile: EvidenceProfile) -> Proposal:
    """Rate down when the CI crosses a decision threshold or the OIS is not met.

    The minimally contextualised approach of GRADE 34: the thresholds are ± the MID when one
    is given, else the null. A CI that crosses both MIDs (important benefit and important
    harm) is very serious (−2); a CI that crosses one threshold is serious (−1); a CI that
    crosses none is serious (−1) when the participants fall short of the optimal information
    size (GRADE 6; GRADE 34 applies the OIS when the CI does not cross), else no concern.
    Rating down three levels (GRADE 34, for very wide CIs) is left to a reviewer's override.
    """
    cuts = _thresholds(profile)
    crossed = _crossed(profile.ci_lb, profile.ci_ub, cuts)
    ois, ois_basis = optimal_information_size(profile)
    n = profile.participants
    short = ois is not None and n is not None and n < ois
    numbers = {"ci_lb": profile.ci_lb, "ci_ub": profile.ci_ub, "thresholds": list(cuts),
               "crossed": crossed, "participants": n, "ois": ois, "ois_basis": ois_basis}
    if profile.mid_thresholds:
        shown = " and ".join(f"{profile.reported(c):.3g}" for c in cuts)
        where = f"the minimally important difference ({shown})"
    else:
        where = f"no effect ({profile.reported(profile.null):g})"
    ci = (f"{profile.level:g}% CI {profile.reported(profile.ci_lb):.3g} to "
          f"{profile.reported(profile.ci_ub):.3g}")
    ois_text = (f"{n} participants against an optimal information size of {ois} ({ois_basis})"
                if ois is not None else ois_basis)
    if crossed >= 2:
        return Proposal(Domain.IMPRECISION, -2,
                        f"the {ci} includes both important benefit and important harm "
                        f"(crosses {where})", numbers)
    if crossed == 1:
        return Proposal(Domain.IMPRECISION, -1, f"the {ci} crosses {where}", numbers)
    if short:
        return Proposal(Domain.IMPRECISION, -1,
                        f"the {ci} does not cross {where}, but {ois_text}", numbers)
    return Proposal(Domain.IMPRECISION, 0, f"the {ci} does not cross {where}; {ois_text}",
                    numbers)


# --------------------------------------------------------------------------- publication bias


def publication_bias(profile: EvidenceProfile) -> Proposal:
    """Suspect publication bias when the small-study test gives P < ``egger_pval`` (0.10).

    With fewer than ``egger_min_k`` (10) studies the test is not run and the domain is not
    assessable from the data (GRADE 5; Sterne et al. 2011): a reviewer may still rate it down
    (e.g. only small industry-funded trials), with a reason.
    """
    t = profile.thresholds
    numbers = {"k": profile.k, "egger_pval": profile.egger_pval, "note": profile.egger_note}
    if profile.egger_pval is None:
        return Proposal(Domain.PUBLICATION_BIAS, 0,
                        profile.egger_note or "not assessable by a small-study test", numbers,
                        assessable=False)
    if profile.egger_pval < t.egger_pval:
        return Proposal(Domain.PUBLICATION_BIAS, -1,
                        f"suspected: small-study test (Egger) {_p(profile.egger_pval)} with "
                        f"{profile.k} studies", numbers)
    return Proposal(Domain.PUBLICATION_BIAS, 0,
                    f"not suspected: small-study test (Egger) {_p(profile.egger_pval)} with "
                    f"{profile.k} studies", numbers)


# --------------------------------------------------------------------------- upgrading


def large_effect(profile: EvidenceProfile) -> Proposal:
    """Propose +1 for an at least ``large_effect``-fold ratio (RR ≥ 2 or ≤ 0.5) and +2 for an
    at least ``very_large_effect``-fold one (≥ 5 or ≤ 0.2), on the pooled point estimate
    (GRADE 9: "at least a two-fold reduction or increase in risk"). Applies to
    non-randomised evidence only, and only without a serious concern elsewhere (see
    :func:`~evidencehub.grade.certainty.rating.rate`)."""
    t = profile.thresholds
    if not profile.terms.is_ratio:
        return Proposal(Domain.LARGE_EFFECT, 0,
                        "the size of the effect is judged on a ratio measure only",
                        {}, assessable=False)
    ratio = math.exp(profile.estimate)
    size = max(ratio, 1 / ratio)
    numbers = {"ratio": ratio, "fold": size}
    name = profile.terms.measure.value
    if size >= t.very_large_effect - 1e-9:  # a printed 0.2 is 5-fold
        return Proposal(Domain.LARGE_EFFECT, 2,
                        f"very large effect ({name} {ratio:.2f}, at least "
                        f"{t.very_large_effect:g}-fold)", numbers)
    if size >= t.large_effect - 1e-9:
        return Proposal(Domain.LARGE_EFFECT, 1,
                        f"large effect ({name} {ratio:.2f}, at least {t.large_effect:g}-fold)",
                        numbers)
    return Proposal(Domain.LARGE_EFFECT, 0,
                    f"the effect is not large ({name} {ratio:.2f})", numbers)


def dose_response(profile: EvidenceProfile) -> Proposal:
    """Propose +1 when a reviewer recorded a dose-response gradient (GRADE 9)."""
    if profile.dose_response:
        return Proposal(Domain.DOSE_RESPONSE, 1, "a dose-response gradient was recorded",
                        {"dose_response": True})
    return Proposal(Domain.DOSE_RESPONSE, 0, "no dose-response gradient recorded",
                    {"dose_response": False})


def propose(profile: EvidenceProfile) -> tuple[Proposal, ...]:
    """Every domain's proposal, in :class:`Domain` order."""
    return (risk_of_bias(profile), inconsistency(profile), indirectness(profile),
            imprecision(profile), publication_bias(profile), large_effect(profile),
            dose_response(profile))
