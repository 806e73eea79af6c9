"""Evidence labels derived from the designs of the cited studies."""

from __future__ import annotations

import pytest

from evidencehub.grade.labels import (
    KIND_STRENGTH,
    design_kind,
    design_name,
    evidence_label,
    label_for_claims,
)
from evidencehub.model import Claim, EvidenceKind, EvidenceTag, Study, StudyDesign

K = EvidenceKind


def study(key: str, design: StudyDesign) -> Study:
    return Study(key=key, label=key.title(), design=design)


@pytest.mark.parametrize(
    ("design", "kind"),
    [
        (StudyDesign.IN_VITRO, K.IN_VITRO),
        (StudyDesign.ANIMAL, K.ANIMAL),
        (StudyDesign.CASE_REPORT, K.EARLY_HUMAN),
        (StudyDesign.CASE_SERIES, K.EARLY_HUMAN),
        (StudyDesign.SINGLE_ARM_TRIAL, K.EARLY_HUMAN),
        (StudyDesign.NON_RANDOMISED_CONTROLLED, K.CONTROLLED_HUMAN),
        (StudyDesign.RANDOMISED_CONTROLLED, K.CONTROLLED_HUMAN),
        (StudyDesign.SYSTEMATIC_REVIEW, K.POOLED),
        (StudyDesign.COHORT, EvidenceKind.OBSERVATIONAL),
        (StudyDesign.CASE_CONTROL, EvidenceKind.OBSERVATIONAL),
    ],
)
def test_design_kind(design: StudyDesign, kind: EvidenceKind) -> None:
    assert design_kind(design) is kind


def test_every_design_has_a_mapping() -> None:
    for design in StudyDesign:
        design_kind(design)  # raises KeyError if a new design is not mapped


def test_strength_order_covers_every_kind() -> None:
    assert set(KIND_STRENGTH) == set(EvidenceKind)


@pytest.mark.parametrize(
    ("designs", "pooled", "expected"),
    [
        ([StudyDesign.IN_VITRO], False, (K.IN_VITRO,)),
        ([StudyDesign.ANIMAL, StudyDesign.IN_VITRO], False, (K.ANIMAL, K.IN_VITRO)),
        (
            [StudyDesign.IN_VITRO, StudyDesign.SINGLE_ARM_TRIAL, StudyDesign.ANIMAL],
            False,
            (K.EARLY_HUMAN, K.ANIMAL, K.IN_VITRO),
        ),
        ([StudyDesign.RANDOMISED_CONTROLLED], True, (K.POOLED, K.CONTROLLED_HUMAN)),
        ([StudyDesign.COHORT], False, (K.OBSERVATIONAL,)),
        ([StudyDesign.CASE_SERIES, StudyDesign.COHORT], False, (K.OBSERVATIONAL, K.EARLY_HUMAN)),
        ([], True, (K.POOLED,)),
        ([], False, ()),
    ],
)
def test_kinds_strongest_first(
    designs: list[StudyDesign], pooled: bool, expected: tuple[EvidenceKind, ...]
) -> None:
    studies = [study(f"s{i}", d) for i, d in enumerate(designs)]
    assert evidence_label(studies, pooled=pooled).kinds == expected


def test_rationale_counts_designs_once_per_study() -> None:
    a = study("a", StudyDesign.IN_VITRO)
    b = study("b", StudyDesign.IN_VITRO)
    c = study("c", StudyDesign.CASE_REPORT)
    label = evidence_label([a, b, a, c], source="PubMed", unsourced_claims=2, total_claims=5)
    assert label.rationale == (
        "Rests on 3 studies: 2 laboratory (in-vitro) studies, 1 case report. "
        "Strongest kind: early human trials. 2 of 5 claims have no citation in the library yet."
    )
    assert label.source == "PubMed"


def test_observational_designs_get_their_own_kind() -> None:
    label = evidence_label([study("a", StudyDesign.COHORT)])
    assert label.kinds == (EvidenceKind.OBSERVATIONAL,)
    assert "1 cohort study (observational)" in (label.rationale or "")


def test_label_for_claims_counts_unsourced_and_extra_studies() -> None:
    studies = {
        "lab": study("lab", StudyDesign.IN_VITRO),
        "rct": study("rct", StudyDesign.RANDOMISED_CONTROLLED),
    }
    claims = [
        Claim(page_slug="p", text="one", study_keys=("lab",)),
        Claim(page_slug="p", text="two", tags=(EvidenceTag.UNSOURCED,)),
    ]
    label = label_for_claims(claims, studies, pooled=True, extra_studies=[studies["rct"]])
    assert label.kinds == (K.POOLED, K.CONTROLLED_HUMAN, K.IN_VITRO)
    assert label.rationale is not None and label.rationale.endswith(
        "1 of 2 claims has no citation in the library yet."
    )


def test_label_for_claims_unknown_study_is_an_error() -> None:
    with pytest.raises(KeyError):
        label_for_claims([Claim(page_slug="p", text="x", study_keys=("ghost",))], {})


@pytest.mark.parametrize(
    ("design", "name"),
    [
        (StudyDesign.RANDOMISED_CONTROLLED, "randomised controlled trial"),
        (StudyDesign.IN_VITRO, "laboratory (in-vitro) study"),
        (StudyDesign.COHORT, "cohort study"),
    ],
)
def test_design_name(design: StudyDesign, name: str) -> None:
    assert design_name(design) == name
