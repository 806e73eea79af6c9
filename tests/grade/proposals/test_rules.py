"""The tag rules, one at a time, at and around their thresholds."""

from __future__ import annotations

from evidencehub.grade.proposals.evidence import AnalysisFacts, ClaimEvidence, StudyFacts
from evidencehub.grade.proposals.rules import (
    RuleSettings,
    TagProposal,
    long_term_unknown,
    needs_human_replication,
    needs_replication,
    no_mechanism,
    propose_tags,
    unsourced,
)
from evidencehub.model import EvidenceTag, StudyDesign

D = StudyDesign


def _study(key: str, design: StudyDesign = D.SINGLE_ARM_TRIAL, months: float | None = None,
           first: str | None = None, senior: str | None = None) -> StudyFacts:
    return StudyFacts(key=key, label=f"{key.title()} 2020", design=design,
                      follow_up_months=months, first_author=first, senior_author=senior)


def _ev(*studies: StudyFacts, analyses: tuple[AnalysisFacts, ...] = ()) -> ClaimEvidence:
    return ClaimEvidence(studies=studies, analyses=analyses)


NOTHING = ClaimEvidence()


def test_unsourced_only_without_any_citation() -> None:
    assert unsourced(NOTHING) == TagProposal(
        EvidenceTag.UNSOURCED, ("cites no study and quotes no analysis",), "unsourced")
    assert unsourced(_ev(_study("a"))) is None
    assert unsourced(_ev(analyses=(AnalysisFacts("m", 3, (D.RANDOMISED_CONTROLLED,)),))) is None


def test_uncited_claim_gets_unsourced_and_nothing_else() -> None:
    assert [p.tag for p in propose_tags(NOTHING)] == [EvidenceTag.UNSOURCED]


def test_needs_replication_one_study() -> None:
    proposal = needs_replication(_ev(_study("a")))
    assert proposal is not None
    assert proposal.reasons == ("cites one study (A 2020)",
                                "1 independent group; replication needs 2")


def test_needs_replication_one_group_of_two_studies() -> None:
    proposal = needs_replication(_ev(_study("a", first="Takahashi K", senior="Yamanaka S"),
                                     _study("b", first="Takahashi K", senior="Yamanaka S")))
    assert proposal is not None
    assert proposal.reasons[0].startswith("the 2 studies cited (A 2020, B 2020) come from one")


def test_two_groups_replicate_and_the_threshold_is_a_parameter() -> None:
    two = _ev(_study("a", first="Yu J"), _study("b", first="Takahashi K"))
    assert needs_replication(two) is None
    assert needs_replication(two, min_groups=3) is not None
    assert needs_replication(NOTHING) is None


def test_an_analysis_without_listed_studies_counts_k_groups() -> None:
    one = AnalysisFacts("m", 1, (D.RANDOMISED_CONTROLLED,))
    three = AnalysisFacts("m", 3, (D.RANDOMISED_CONTROLLED,))
    assert needs_replication(_ev(analyses=(three,))) is None
    proposal = needs_replication(_ev(analyses=(one,)))
    assert proposal is not None and proposal.reasons[0] == "the analyses quoted pool 1 study"
    # listed studies: those described join the groups, the others count one group each
    listed = AnalysisFacts("m", 2, (D.RANDOMISED_CONTROLLED,), study_keys=("a", "x"))
    assert needs_replication(_ev(_study("a"), analyses=(listed,))) is None
    same = AnalysisFacts("m", 2, (D.RANDOMISED_CONTROLLED,), study_keys=("a", "b"))
    group = (_study("a", first="Smith A"), _study("b", first="Smith A"))
    assert needs_replication(_ev(*group, analyses=(same,))) is not None


def test_needs_human_replication() -> None:
    proposal = needs_human_replication(_ev(_study("a", D.IN_VITRO), _study("b", D.ANIMAL)))
    assert proposal is not None
    assert proposal.reasons == ("cites only studies in cells or animals (in-vitro, animal); "
                                "no study in people",)
    assert needs_human_replication(_ev(_study("a", D.ANIMAL), _study("b", D.CASE_REPORT))) is None
    assert needs_human_replication(NOTHING) is None
    animal_analysis = AnalysisFacts("m", 4, (D.ANIMAL,))
    assert needs_human_replication(_ev(analyses=(animal_analysis,))) is not None


def test_long_term_unknown_threshold_is_strict() -> None:
    assert long_term_unknown(_ev(_study("a", months=60.0))) is None
    proposal = long_term_unknown(_ev(_study("a", months=59.9), _study("b", months=18.0)))
    assert proposal is not None
    assert proposal.reasons == ("longest follow-up in people is 59.9 months (A 2020), "
                                "shorter than 60",)
    assert long_term_unknown(_ev(_study("a", months=24.0)), long_term_months=24.0) is None
    assert long_term_unknown(_ev(_study("a", months=24.0)), long_term_months=25.0) is not None


def test_long_term_unknown_without_reported_follow_up() -> None:
    proposal = long_term_unknown(_ev(_study("a")))
    assert proposal is not None
    assert proposal.reasons == ("no study in people cited reports its follow-up",)


def test_long_term_unknown_ignores_cells_and_animals() -> None:
    assert long_term_unknown(_ev(_study("a", D.ANIMAL, months=3.0))) is None
    # animal follow-up does not count for people: the human study without one decides
    assert long_term_unknown(_ev(_study("a", D.ANIMAL, months=100.0), _study("b"))) is not None


def test_long_term_unknown_reads_an_analysis_time_point() -> None:
    rct = AnalysisFacts("m", 5, (D.RANDOMISED_CONTROLLED,), follow_up_months=72.0)
    assert long_term_unknown(_ev(analyses=(rct,))) is None


def test_no_mechanism_when_everything_cited_is_in_people() -> None:
    proposal = no_mechanism(_ev(_study("a", D.CASE_REPORT), _study("b")))
    assert proposal is not None
    assert proposal.reasons == ("cites only studies in people (case report, single-arm trial); "
                                "no study in cells or animals",)
    assert no_mechanism(_ev(_study("a", D.ANIMAL), _study("b"))) is None
    assert no_mechanism(NOTHING) is None


def test_propose_tags_in_registry_order_with_settings() -> None:
    evidence = _ev(_study("a", D.CASE_REPORT, months=25.0))
    tags = [p.tag for p in propose_tags(evidence)]
    assert tags == [EvidenceTag.NEEDS_REPLICATION, EvidenceTag.LONG_TERM_UNKNOWN,
                    EvidenceTag.NO_MECHANISM]
    tags = [p.tag for p in propose_tags(evidence, RuleSettings(long_term_months=24.0))]
    assert EvidenceTag.LONG_TERM_UNKNOWN not in tags
    assert propose_tags(evidence)[0].to_dict() == {
        "tag": "needs-replication", "rule": "needs_replication",
        "reasons": ["cites one study (A 2020)", "1 independent group; replication needs 2"]}
