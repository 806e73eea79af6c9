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

("increases" for an effect above the null.) The importance of the effect is read from the
pooled estimate and its CI against the decision thresholds (:func:`effect_size`): with a
minimally important difference (MID), an estimate at or beyond it is important, one below it
is small when the CI excludes the null and trivial or none otherwise; without a MID the null
is the only threshold (GRADE 34's minimally contextualised approach), so a CI that excludes
it marks an important effect and one that includes it little to no difference.
"""

from __future__ import annotations

from enum import StrEnum

from evidencehub.errors import InputError
from evidencehub.grade.certainty.profile import EvidenceProfile
from evidencehub.grade.certainty.rating import Rating
from evidencehub.vocab import Certainty

__all__ = ["EffectSize", "effect_size", "statement"]


class EffectSize(StrEnum):
    """The importance of an effect, as GRADE 26's statements distinguish it."""

    IMPORTANT = "important"
    SMALL = "small"
    TRIVIAL = "trivial or none"


def effect_size(profile: EvidenceProfile) -> tuple[EffectSize, int]:
    """The importance of the pooled effect and its direction (−1 below the null, +1 above,
    0 for a trivial effect); see the module docstring for the rule."""
    est = profile.estimate - profile.null
    excludes_null = not profile.ci_lb <= profile.null <= profile.ci_ub
    direction = -1 if est < 0 else 1
    mids = profile.mid_thresholds
    if mids is not None:
        if abs(est) >= mids[1]:
            return EffectSize.IMPORTANT, direction
        if excludes_null:
            return EffectSize.SMALL, direction
        return EffectSize.TRIVIAL, 0
    if excludes_null:
        return EffectSize.IMPORTANT, direction
    return EffectSize.TRIVIAL, 0


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
        verb = base if certainty is Certainty.LOW else f"{hedge}{base}s"
        text = f"{intervention} {verb} {outcome}" + (" slightly" if size is EffectSize.SMALL
                                                     else "")
    return text[0].upper() + text[1:] + "."
