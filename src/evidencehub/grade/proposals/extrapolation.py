"""The extrapolation-dimension table of a page section, proposed from the studies it cites.

Intervention pages end each indication with a table of "extrapolation dimensions": how far
what was shown carries over to people with the disease. :func:`propose_extrapolation` fills
one row per dimension from the cited studies' data (:class:`StudyFacts`):

=====================================  ========================================================
dimension                              status from the data
=====================================  ========================================================
Pathway conserved in humans?           yes when a study used human cells or people; unknown
                                       when every study is in another species or states none
Phenotype conserved in humans?         yes when a study enrolled people (its population); no
                                       when only cells or animals were studied
Replicated in humans?                  yes with studies in people from two or more research
                                       groups; limited with one group; no with none
Enough people to see uncommon harms?   yes when the largest study in people has at least
                                       ``min_n_for_harms`` (300) participants; limited below;
                                       unknown when no study in people states its size
Long-term follow-up in humans?         yes when a study in people followed them for at least
                                       ``long_term_months`` (60); limited when shorter; unknown
                                       when none states it; no when there is no study in people
Controlled comparison in humans?       yes with a randomised trial; limited with a
                                       non-randomised comparison (controlled trial, cohort,
                                       case-control); no with uncontrolled studies only
=====================================  ========================================================

The first three are the dimensions of seed 003's tables; the last three spell out what its
"Status" cells mention in passing (the n, the follow-up, whether a phase 3 or a control arm
exists). Statuses are a closed vocabulary (:class:`ExtrapolationStatus`); each row's text says
which studies and numbers the status comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evidencehub.grade.labels import design_name
from evidencehub.grade.proposals.evidence import StudyFacts, research_groups
from evidencehub.model import StudyDesign, TrialPhase

__all__ = ["DIMENSIONS", "ExtrapolationRow", "ExtrapolationStatus", "propose_extrapolation"]


class ExtrapolationStatus(StrEnum):
    """How far a dimension carries over to people."""

    YES = "yes"
    LIMITED = "limited"
    NO = "no"
    UNKNOWN = "unknown"


#: The dimensions, in table order.
DIMENSIONS: tuple[str, ...] = (
    "Pathway conserved in humans?",
    "Phenotype conserved in humans?",
    "Replicated in humans?",
    "Enough people to see uncommon harms?",
    "Long-term follow-up in humans?",
    "Controlled comparison in humans?",
)

_CONTROLLED = (StudyDesign.NON_RANDOMISED_CONTROLLED, StudyDesign.COHORT,
               StudyDesign.CASE_CONTROL)


@dataclass(frozen=True, slots=True)
class ExtrapolationRow:
    """One row of an extrapolation table.

    Attributes
    ----------
    dimension : str
        One of :data:`DIMENSIONS`.
    status : ExtrapolationStatus
        The status the data support.
    text : str
        The status in words, naming the studies and numbers it rests on.
    study_keys : tuple of str
        The studies the status rests on.
    """

    dimension: str
    status: ExtrapolationStatus
    text: str
    study_keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """``{"dimension", "status", "text", "study_keys"}``."""
        return {"dimension": self.dimension, "status": self.status.value, "text": self.text,
                "study_keys": list(self.study_keys)}


def _phase(phase: TrialPhase) -> str:
    """``PHASE1/PHASE2`` → ``phase 1/2``; ``EARLY_PHASE1`` → ``early phase 1``."""
    text = phase.value.lower().replace("early_", "early ").replace("phase", "phase ")
    return text.replace("/phase ", "/")


def _labels(studies: Sequence[StudyFacts]) -> str:
    return ", ".join(s.label for s in studies)


def _pathway(studies: Sequence[StudyFacts]) -> ExtrapolationRow:
    human = [s for s in studies if s.design.in_humans or (s.species or "").lower() == "human"]
    dim = DIMENSIONS[0]
    if human:
        return ExtrapolationRow(dim, ExtrapolationStatus.YES,
                                f"studied in human cells or in people ({_labels(human)})",
                                tuple(s.key for s in human))
    species = sorted({s.species for s in studies if s.species})
    if species:
        return ExtrapolationRow(dim, ExtrapolationStatus.UNKNOWN,
                                f"shown only in {', '.join(species)} ({_labels(studies)})",
                                tuple(s.key for s in studies))
    return ExtrapolationRow(dim, ExtrapolationStatus.UNKNOWN,
                            "no cited study states the species it used" if studies
                            else "no study cited")


def _phenotype(human: Sequence[StudyFacts], studies: Sequence[StudyFacts]) -> ExtrapolationRow:
    dim = DIMENSIONS[1]
    if human:
        populations = list(dict.fromkeys(s.population for s in human if s.population))
        who = f"people with {'; '.join(populations)}" if populations else \
            "people (population not stated)"
        return ExtrapolationRow(dim, ExtrapolationStatus.YES,
                                f"studied in {who} ({_labels(human)})",
                                tuple(s.key for s in human))
    if studies:
        return ExtrapolationRow(dim, ExtrapolationStatus.NO,
                                f"studied only in cells or animals ({_labels(studies)})",
                                tuple(s.key for s in studies))
    return ExtrapolationRow(dim, ExtrapolationStatus.UNKNOWN, "no study cited")


def _replicated(human: Sequence[StudyFacts]) -> ExtrapolationRow:
    dim = DIMENSIONS[2]
    keys = tuple(s.key for s in human)
    if not human:
        return ExtrapolationRow(dim, ExtrapolationStatus.NO, "no study in people")
    groups = research_groups(human)
    by_key = {s.key: s for s in human}
    parts = []
    for group in groups:
        members = [by_key[k] for k in group]
        parts.append("; ".join(
            f"{s.label}, {design_name(s.design)}"
            + (f", {_phase(s.phase)}" if s.phase and s.phase is not TrialPhase.NA else "")
            + (f", n={s.n}" if s.n is not None else ", n not stated") for s in members))
    if len(groups) >= 2:
        return ExtrapolationRow(dim, ExtrapolationStatus.YES,
                                f"{len(groups)} independent research groups: "
                                + " | ".join(parts), keys)
    return ExtrapolationRow(dim, ExtrapolationStatus.LIMITED,
                            f"one research group only: {parts[0]}", keys)


def _harms(human: Sequence[StudyFacts], min_n: int) -> ExtrapolationRow:
    """Rule of three (Hanley & Lippman-Hand 1983, JAMA 249:1743): no event among ``n`` people
    bounds the event's rate below ``3/n`` with 95 % confidence."""
    dim = DIMENSIONS[3]
    sized = [s for s in human if s.n is not None and s.n > 0]
    if not human:
        return ExtrapolationRow(dim, ExtrapolationStatus.NO, "no study in people")
    if not sized:
        return ExtrapolationRow(dim, ExtrapolationStatus.UNKNOWN,
                                f"no study in people states its size ({_labels(human)})",
                                tuple(s.key for s in human))
    largest = max(sized, key=lambda s: s.n or 0)
    n = largest.n or 0
    bound = min(100.0, 300.0 / n)
    status = ExtrapolationStatus.YES if n >= min_n else ExtrapolationStatus.LIMITED
    return ExtrapolationRow(
        dim, status,
        f"largest study in people has n={n} ({largest.label}); a harm none of them had could "
        f"still affect up to {bound:.3g}% of patients (rule of three); {min_n} people bound it "
        f"below {300 / min_n:.3g}%", (largest.key,))


def _follow_up(human: Sequence[StudyFacts], months: float) -> ExtrapolationRow:
    dim = DIMENSIONS[4]
    if not human:
        return ExtrapolationRow(dim, ExtrapolationStatus.NO, "no study in people")
    known = [s for s in human if s.follow_up_months is not None]
    if not known:
        return ExtrapolationRow(dim, ExtrapolationStatus.UNKNOWN,
                                f"no study in people states its follow-up ({_labels(human)})",
                                tuple(s.key for s in human))
    longest = max(known, key=lambda s: s.follow_up_months or 0.0)
    value = longest.follow_up_months or 0.0
    status = ExtrapolationStatus.YES if value >= months else ExtrapolationStatus.LIMITED
    return ExtrapolationRow(dim, status,
                            f"longest follow-up in people is {value:g} months "
                            f"({longest.label}; {months:g} needed)", (longest.key,))


def _controlled(human: Sequence[StudyFacts]) -> ExtrapolationRow:
    dim = DIMENSIONS[5]
    if not human:
        return ExtrapolationRow(dim, ExtrapolationStatus.NO, "no study in people")
    randomised = [s for s in human if s.design.randomised
                  or s.design is StudyDesign.SYSTEMATIC_REVIEW]
    if randomised:
        return ExtrapolationRow(dim, ExtrapolationStatus.YES,
                                f"randomised evidence: {_labels(randomised)}",
                                tuple(s.key for s in randomised))
    controlled = [s for s in human if s.design in _CONTROLLED]
    if controlled:
        return ExtrapolationRow(dim, ExtrapolationStatus.LIMITED,
                                f"non-randomised comparisons only: {_labels(controlled)}",
                                tuple(s.key for s in controlled))
    designs = ", ".join(design_name(d) for d in dict.fromkeys(s.design for s in human))
    return ExtrapolationRow(dim, ExtrapolationStatus.NO,
                            f"no control group: {designs} ({_labels(human)})",
                            tuple(s.key for s in human))


def propose_extrapolation(studies: Sequence[StudyFacts], *, long_term_months: float = 60.0,
                          min_n_for_harms: int = 300) -> tuple[ExtrapolationRow, ...]:
    """The extrapolation table for a section citing ``studies`` (each once, by key).

    Parameters
    ----------
    studies : sequence of StudyFacts
        The studies the section cites.
    long_term_months : float
        Follow-up that counts as long term (default 60 months; the reason is given in
        :func:`evidencehub.grade.proposals.rules.long_term_unknown`).
    min_n_for_harms : int
        Participants in one study needed to bound a harm nobody had below 1 % (default 300,
        the rule of three: Hanley & Lippman-Hand 1983, JAMA 249:1743).

    Returns
    -------
    tuple of ExtrapolationRow
        One row per dimension of :data:`DIMENSIONS`, in that order.
    """
    unique = list({s.key: s for s in studies}.values())
    human = [s for s in unique if s.design.in_humans]
    return (
        _pathway(unique),
        _phenotype(human, unique),
        _replicated(human),
        _harms(human, min_n_for_harms),
        _follow_up(human, long_term_months),
        _controlled(human),
    )
