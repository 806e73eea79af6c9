"""Study facts, claim evidence and research groups."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.proposals.evidence import (
    AnalysisFacts,
    StudyFacts,
    claim_evidence,
    research_groups,
)
from evidencehub.model import Author, Claim, EvidenceTag, Record, Study, StudyDesign


def _facts(key: str, first: str | None = None, senior: str | None = None,
           design: StudyDesign = StudyDesign.SINGLE_ARM_TRIAL, **kw: object) -> StudyFacts:
    return StudyFacts(key=key, label=key, design=design, first_author=first,
                      senior_author=senior, **kw)  # type: ignore[arg-type]


def test_from_study_takes_first_and_last_author_of_the_first_record_with_authors() -> None:
    study = Study(key="s1", label="S 2020", design=StudyDesign.CASE_SERIES,
                  record_keys=("doi:10.1000/a", "doi:10.1000/b"), follow_up="2 years", n=5)
    records = {
        "doi:10.1000/a": Record(doi="10.1000/a", title="no authors"),
        "doi:10.1000/b": Record(doi="10.1000/b", title="b", authors=(
            Author(family="Mandai", given="M."), Author(family="Kurimoto", given="Y."),
            Author(family="Takahashi", given="M."))),
    }
    facts = StudyFacts.from_study(study, records)
    assert (facts.first_author, facts.senior_author) == ("Mandai M", "Takahashi M")
    assert facts.follow_up_months == 24.0 and facts.follow_up_problem is None
    assert facts.to_dict()["design"] == "case-series"


def test_from_study_keeps_an_unreadable_follow_up_as_a_problem() -> None:
    study = Study(key="s1", label="S", design=StudyDesign.COHORT, follow_up="lifelong")
    facts = StudyFacts.from_study(study)
    assert facts.follow_up_months is None
    assert facts.follow_up_problem == ("study 's1': follow-up 'lifelong': expected a duration "
                                       "with a unit, such as '12 months', '2 years' or '26 weeks'")
    assert facts.first_author is None and facts.senior_author is None


def test_same_family_name_with_other_initials_is_another_group() -> None:
    studies = [_facts("a", "Takahashi K", "Yamanaka S"), _facts("b", "Mandai M", "Takahashi M"),
               _facts("c", "Sawamoto N", "Takahashi J")]
    assert research_groups(studies) == (("a",), ("b",), ("c",))


def test_groups_join_on_authors_trials_and_records_transitively() -> None:
    studies = [
        _facts("a", "Takahashi K", "Yamanaka S"),
        _facts("b", "Takahashi K.", "Someone X"),  # same first author, spelled with a dot
        _facts("c", "Other O", "Someone X"),  # same senior author as b
        _facts("d", trial_ids=("NCT04802733",)),
        _facts("e", trial_ids=("NCT04802733",)),  # second report of one trial
        _facts("f", record_keys=("doi:10.1/x",)),
        _facts("g", record_keys=("doi:10.1/x",)),  # two study entries of one paper
        _facts("h"),
    ]
    assert research_groups(studies) == (("a", "b", "c"), ("d", "e"), ("f", "g"), ("h",))


def test_claim_evidence_looks_up_studies_and_adds_pooled_ones() -> None:
    studies = {"a": _facts("a"), "b": _facts("b")}
    analyses = {"m": AnalysisFacts(slug="m", k=2, designs=(StudyDesign.RANDOMISED_CONTROLLED,),
                                   study_keys=("b", "zz"))}
    claim = Claim(page_slug="p", text="t", study_keys=("a",), analysis_slugs=("m",))
    evidence = claim_evidence(claim, studies, analyses)
    assert [s.key for s in evidence.studies] == ["a", "b"]
    assert evidence.designs == (StudyDesign.SINGLE_ARM_TRIAL, StudyDesign.SINGLE_ARM_TRIAL,
                                StudyDesign.RANDOMISED_CONTROLLED)
    assert not evidence.empty


@pytest.mark.parametrize(("claim", "message"), [
    (Claim(page_slug="p", text="Cells do x.", study_keys=("nope",)),
     "page 'p', claim 'Cells do x.': cites study 'nope', which is not in the library"),
    (Claim(page_slug="p", text="Drugs do y.", analysis_slugs=("m",)),
     "page 'p', claim 'Drugs do y.': cites analysis 'm', which has no run"),
])
def test_claim_evidence_unknown_citation(claim: Claim, message: str) -> None:
    with pytest.raises(InputError) as info:
        claim_evidence(claim, {})
    assert str(info.value) == message


def test_uncited_claim_has_empty_evidence() -> None:
    claim = Claim(page_slug="p", text="t", tags=(EvidenceTag.UNSOURCED,))
    assert claim_evidence(claim, {}).empty
