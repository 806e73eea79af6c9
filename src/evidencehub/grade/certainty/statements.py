"""GRADE's informative statements: the certainty and the size of an effect, in words.

Santesso et al., "GRADE guidelines 26: informative statements to communicate the findings of
systematic reviews of interventions", J Clin Epidemiol 2020;119:126–135, word a finding by
its certainty (the verb's hedge) and the importance of the effect (the verb):

============  ===========================  ==================================  ==========================================
certainty     important effect             small effect                        trivial or no effect
============  ===========================  ==================================  ==========================================
high          X reduces Y                  X reduces Y slightly                X results in little to no difference in Y
moderate      X probably reduces Y         X probably reduces Y slightly       X probably results in little to no
                                                                               difference in Y
low           X may reduce Y               X may reduce Y slightly             X may result in little to no difference in Y
very low      The evidence is very uncertain about the effect of X on Y.
============  ===========================  ==================================  ==========================================

("increases" for an effect above the null.) GRADE 26 reads the importance of the effect from
its best estimate, the certainty carries the rest (an imprecise estimate lowers the certainty,
not the verb). :func:`effect_size` compares the pooled point estimate with the thresholds:

* the minimally important difference (``Thresholds.mid``) separates a trivial effect ("little
  to no difference") from an important one; without one, a ratio measure uses GRADE 6's
  appreciable relative change of 25 % (RR 0.75, or 1/0.75 above the null) and a
  standardised mean difference 0.2 (a small effect by the rule of thumb of Cohen 1988,
  Statistical Power Analysis for the Behavioral Sciences);
* ``Thresholds.moderate_effect``, when given, separates a small important effect
  ("slightly") from a larger one (GRADE 35's partially contextualised thresholds); without it
  every effect beyond the MID is important;
* a measure with neither (a mean difference or a risk difference without a MID) falls back on
  the null: important when the CI excludes it, little to no difference otherwise.
"""

from __future__ import annotations

import math
from enum import StrEnum

from evidencehub.errors import InputError
from evidencehub.grade.certainty.profile import EvidenceProfile
from evidencehub.grade.certainty.rating import Rating
from evidencehub.vocab import Certainty, Measure

__all__ = ["EffectSize", "effect_size", "statement"]


class EffectSize(StrEnum):
    """The importance of an effect, as GRADE 26's statements distinguish it."""

    IMPORTANT = "important"
    SMALL = "small"
    TRIVIAL = "trivial or none"


def _magnitude(profile: EvidenceProfile, value: float) -> float:
    """A threshold's distance from the null on the analysis scale."""
    return abs(math.log(value)) if profile.terms.is_ratio else value


def effect_size(profile: EvidenceProfile) -> tuple[EffectSize, int]:
    """The importance of the pooled effect and its direction (−1 below the null, +1 above,
    0 for a trivial effect); see the module docstring for the rule."""
    t = profile.thresholds
    est = profile.estimate - profile.null
    direction = -1 if est < 0 else 1
    mid = t.mid if t.mid is not None else _DEFAULT_MID.get(profile.terms.measure)
    if mid is None:
        if not profile.ci_lb <= profile.null <= profile.ci_ub:
            return EffectSize.IMPORTANT, direction
        return EffectSize.TRIVIAL, 0
    smallest = _magnitude(profile, mid)
    if abs(est) < smallest:
        return EffectSize.TRIVIAL, 0
    if t.moderate_effect is not None:
        moderate = _magnitude(profile, t.moderate_effect)
        if moderate <= smallest:
            raise InputError(f"'moderate_effect' ({t.moderate_effect:g}) must lie further from "
                             f"the null than 'mid' ({mid:g})", source="grade")
        if abs(est) < moderate:
            return EffectSize.SMALL, direction
    return EffectSize.IMPORTANT, direction


#: The MID used for the statements when none is given (see the module docstring).
_DEFAULT_MID = {Measure.RR: 0.75, Measure.OR: 0.75, Measure.PETO: 0.75, Measure.ROM: 0.75,
                Measure.SMD: 0.2, Measure.SMDH: 0.2}

_HEDGE = {Certainty.HIGH: "", Certainty.MODERATE: "probably ", Certainty.LOW: "may "}


def statement(intervention: str, outcome: str, rating: Rating, profile: EvidenceProfile) -> str:
    """The informative statement of ``rating`` (GRADE 26), e.g. "Wearing compression stockings
    probably reduces symptomless deep vein thrombosis." (moderate certainty, important effect).

    ``intervention`` is the sentence's subject (treated as singular: "reduces"); the first
    letter is capitalised.
    """
    for name, value in (("intervention", intervention), ("outcome", outcome)):
        if not value.strip():
            raise InputError(f"'{name}' must not be empty", source="grade")
    if rating.analysis != profile.analysis or rating.run_id != profile.run_id:
        raise InputError(f"the rating judged analysis '{rating.analysis}' run "
                         f"{rating.run_id}, not '{profile.analysis}' run {profile.run_id}",
                         source="grade")
    certainty = rating.certainty
    if certainty is Certainty.VERY_LOW:
        return f"The evidence is very uncertain about the effect of {intervention} on {outcome}."
    size, direction = effect_size(profile)
    hedge = _HEDGE[certainty]
    if size is EffectSize.TRIVIAL:
        verb = "may result" if certainty is Certainty.LOW else f"{hedge}results"
        text = f"{intervention} {verb} in little to no difference in {outcome}"
    else:
        base = "reduce" if direction < 0 else "increase"
        verb = f"may {base}" if certainty is Certainty.LOW else f"{hedge}{base}s"
        text = f"{intervention} {verb} {outcome}" + (" slightly" if size is EffectSize.SMALL
                                                     else "")
    return text[0].upper() + text[1:] + "."
