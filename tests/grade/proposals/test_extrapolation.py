"""Extrapolation tables from the cited studies."""

from __future__ import annotations

from evidencehub.grade.proposals.evidence import StudyFacts
from evidencehub.grade.proposals.extrapolation import (
    DIMENSIONS,
    ExtrapolationStatus,
    propose_extrapolation,
)
from evidencehub.model import StudyDesign, TrialPhase

S = ExtrapolationStatus


def _study(key: str, design: StudyDesign, **kw: object) -> StudyFacts:
    return StudyFacts(key=key, label=f"{key.title()} 2025", design=design,
                      **kw)  # type: ignore[arg-type]


def _statuses(studies: list[StudyFacts], **kw: float) -> list[ExtrapolationStatus]:
    return [row.status for row in propose_extrapolation(studies, **kw)]  # type: ignore[arg-type]


def test_one_small_early_trial() -> None:
    trial = _study("kyoto", StudyDesign.SINGLE_ARM_TRIAL, species="human",
                   population="Parkinson's disease", n=7, follow_up_months=24.0,
                   phase=TrialPhase.PHASE1_2, senior_author="Takahashi J")
    rows = propose_extrapolation([trial, trial])  # a study cited twice counts once
    assert [r.dimension for r in rows] == list(DIMENSIONS)
    assert [r.status for r in rows] == [S.YES, S.YES, S.LIMITED, S.LIMITED, S.LIMITED, S.NO]
    assert rows[2].text == ("one research group only: Kyoto 2025, single-arm trial, phase 1/2, "
                            "n=7")
    # rule of three: no event in 7 people bounds the rate below 3/7 = 42.9 %
    assert rows[3].text == ("largest study in people has n=7 (Kyoto 2025); a harm none of them "
                            "had could still affect up to 42.9% of patients (rule of three); "
                            "300 people bound it below 1%")
    assert rows[4].text == "longest follow-up in people is 24 months (Kyoto 2025; 60 needed)"
    assert rows[1].to_dict() == {
        "dimension": "Phenotype conserved in humans?", "status": "yes",
        "text": "studied in people with Parkinson's disease (Kyoto 2025)",
        "study_keys": ["kyoto"]}


def test_cells_and_animals_only() -> None:
    mouse = _study("mouse", StudyDesign.ANIMAL, species="mouse")
    dish = _study("dish", StudyDesign.IN_VITRO, species="rat")
    rows = propose_extrapolation([mouse, dish])
    assert [r.status for r in rows] == [S.UNKNOWN, S.NO, S.NO, S.NO, S.NO, S.NO]
    assert rows[0].text == "shown only in mouse, rat (Mouse 2025, Dish 2025)"
    human_cells = _study("cells", StudyDesign.IN_VITRO, species="human")
    assert _statuses([human_cells])[:2] == [S.YES, S.NO]


def test_two_groups_randomised_large_long() -> None:
    a = _study("a", StudyDesign.RANDOMISED_CONTROLLED, n=400, follow_up_months=60.0,
               senior_author="One A")
    b = _study("b", StudyDesign.COHORT, n=50, senior_author="Two B")
    assert _statuses([a, b]) == [S.YES, S.YES, S.YES, S.YES, S.YES, S.YES]
    assert _statuses([a, b], long_term_months=72.0)[4] is S.LIMITED
    assert _statuses([b])[5] is S.LIMITED


def test_missing_size_and_follow_up_are_unknown() -> None:
    trial = _study("vx", StudyDesign.SINGLE_ARM_TRIAL)
    rows = propose_extrapolation([trial])
    assert [r.status for r in rows][3:5] == [S.UNKNOWN, S.UNKNOWN]
    assert rows[1].text == "studied in people (population not stated) (Vx 2025)"
    assert propose_extrapolation([])[0].text == "no study cited"
    assert propose_extrapolation([_study("x", StudyDesign.IN_VITRO)])[0].text == (
        "no cited study states the species it used")
    assert [r.status for r in propose_extrapolation([])] == [S.UNKNOWN, S.UNKNOWN, S.NO, S.NO,
                                                             S.NO, S.NO]
