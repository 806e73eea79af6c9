"""Assessments (grade/rob/assessment.py): proposals beside chosen judgements, the override
rule, the to_dict/from_dict round trip, dual-assessment discrepancies and the consensus."""

from __future__ import annotations

import json

import pytest

from evidencehub.errors import InputError
from evidencehub.grade.rob.assessment import (
    Assessment,
    Choice,
    Discrepancy,
    assess,
    compare,
    consensus,
)
from evidencehub.grade.rob.terms import Answer, Effect, Rob2Judgement, RobinsJudgement, RobTool

LOW_ANSWERS = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y",
               "3.1": "Y", "4.1": "N", "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}
ROBINS = {"D1": "serious", "D2": "low", "D3": "low", "D4": "moderate", "D5": "low", "D6": "low",
          "D7": "moderate"}


def _rob2(assessor: str = "ana", **changes: str) -> Assessment:
    return assess("rob2", study="smith2019", outcome="HbA1c at 12 months", assessor=assessor,
                  answers={**LOW_ANSWERS, **changes})


def test_rob2_proposals_and_overall() -> None:
    # 1.2 NI with no baseline problem: some concerns (domain 1 flowchart)
    a = _rob2(**{"1.2": "NI"})
    assert a.domain("D1").proposed is a.domain("D1").chosen is Rob2Judgement.SOME_CONCERNS
    assert a.overall.proposed is a.overall.chosen is Rob2Judgement.SOME_CONCERNS
    assert not any(d.overridden for d in (*a.domains, a.overall))
    assert a.answers["3.2"] is Answer.NA  # not asked, recorded as NA
    assert a.effect is Effect.ASSIGNMENT


def test_override_needs_a_reason() -> None:
    with pytest.raises(InputError) as info:
        assess("rob2", study="smith2019", outcome="HbA1c", assessor="ana", answers=LOW_ANSWERS,
               chosen={"D3": "high"})
    assert str(info.value) == ("RoB 2, smith2019, HbA1c, ana: D3: chose 'high' against the "
                               "proposed 'low'; a reason is required")


def test_override_kept_beside_proposal_and_drives_overall() -> None:
    a = assess("rob2", study="s", outcome="o", assessor="ana", answers=LOW_ANSWERS,
               chosen={"D3": Choice("some concerns", "20% lost to follow-up in one arm")})
    d3 = a.domain("D3")
    assert (d3.proposed, d3.chosen, d3.overridden) == (Rob2Judgement.LOW,
                                                       Rob2Judgement.SOME_CONCERNS, True)
    assert a.overall.proposed is Rob2Judgement.SOME_CONCERNS


def test_several_some_concerns_raised_to_high_overall() -> None:
    a = assess("rob2", study="s", outcome="o", assessor="ana",
               answers={**LOW_ANSWERS, "1.2": "NI", "5.1": "NI"},
               chosen={"overall": Choice("high", "concerns in D1 and D5 together")})
    assert a.overall.proposed is Rob2Judgement.SOME_CONCERNS
    assert a.overall.chosen is Rob2Judgement.HIGH
    assert a.judgements()["overall"] is Rob2Judgement.HIGH


def test_rob2_needs_answers_and_names_bad_ones() -> None:
    with pytest.raises(InputError, match="needs the signalling questions' answers"):
        assess("rob2", study="s", outcome="o", assessor="ana")
    with pytest.raises(InputError) as info:
        _rob2(**{"3.2": "Y"})
    assert str(info.value).startswith("RoB 2, smith2019, HbA1c at 12 months, ana, question 3.2: "
                                      "answered Y")
    with pytest.raises(InputError, match="RoB 2 has no domain 'D6'"):
        assess("rob2", study="s", outcome="o", assessor="a", answers=LOW_ANSWERS,
               chosen={"D6": "low"})
    with pytest.raises(InputError, match="expected a RoB 2 judgement"):
        assess("rob2", study="s", outcome="o", assessor="a", answers=LOW_ANSWERS,
               chosen={"D1": "moderate"})
    with pytest.raises(InputError, match="support for 'D9'"):
        assess("rob2", study="s", outcome="o", assessor="a", answers=LOW_ANSWERS,
               support={"D9": "x"})


def test_robins_i_entered_per_domain() -> None:
    a = assess("robins-i", study="lee2020", outcome="insulin independence", assessor="ana",
               chosen=ROBINS, support={"D1": "no adjustment for diabetes duration"})
    assert all(d.proposed is None and not d.overridden for d in a.domains)
    assert a.overall.proposed is RobinsJudgement.SERIOUS
    assert a.effect is None
    with pytest.raises(InputError) as info:
        assess("robins-i", study="lee2020", outcome="o", assessor="ana",
               chosen={k: v for k, v in ROBINS.items() if k != "D4"})
    assert str(info.value) == ("lee2020, o, ana: ROBINS-I domains are judged by the reviewer; "
                               "missing D4")
    with pytest.raises(InputError, match="a reason is required"):
        assess("robins-i", study="l", outcome="o", assessor="a",
               chosen={**ROBINS, "overall": "critical"})


@pytest.mark.parametrize("make", [
    lambda: assess("rob2", study="s", outcome="o", assessor="ana",
                   answers={**LOW_ANSWERS, "2.1": "Y", "2.3": "N"}, effect="assignment",
                   chosen={"D2": Choice("high", "open label, subjective outcome")},
                   support={"2.1": "'open-label' (p. 3)", "overall": "see D2"}),
    lambda: assess("rob2", study="s", outcome="o", assessor="ana", effect=Effect.ADHERENCE,
                   answers={**{k: v for k, v in LOW_ANSWERS.items() if k != "2.6"},
                            "2.4": "NA", "2.5": "Y", "2.6": "PN"}),
    lambda: assess("robins-i", study="s", outcome="o", assessor="ana", chosen=ROBINS,
                   answers={"1.1": "Y", "1.4": "PN"}),
])
def test_round_trip(make: object) -> None:
    assert callable(make)
    a = make()
    data = json.loads(json.dumps(a.to_dict()))
    assert Assessment.from_dict(data) == a
    assert data["schema_version"] == 1


def test_from_dict_checks() -> None:
    data = _rob2().to_dict()
    with pytest.raises(InputError, match="layout version 0 is not 1"):
        Assessment.from_dict({**data, "schema_version": 0})
    bad = {**data, "domains": [*data["domains"][:-1],
                               {**data["domains"][-1], "chosen": "high", "reason": ""}]}
    with pytest.raises(InputError, match="D5: chose 'high' against the proposed 'low'"):
        Assessment.from_dict(bad)


def test_summary() -> None:
    a = assess("rob2", study="s", outcome="o", assessor="ana", answers=LOW_ANSWERS,
               chosen={"D3": Choice("some concerns", "attrition")})
    assert a.summary() == (
        "RoB 2: s, o (ana, effect of assignment)\n"
        "  D1 randomisation process: low\n"
        "  D2 deviations from intended interventions: low\n"
        "  D3 missing outcome data: some concerns (proposed low: attrition)\n"
        "  D4 measurement of the outcome: low\n"
        "  D5 selection of the reported result: low\n"
        "  Overall: some concerns")


def test_compare_question_by_question_and_domain_by_domain() -> None:
    a = _rob2("ana")
    b = _rob2("ben", **{"1.2": "NI", "3.1": "PN", "3.2": "Y"})
    assert compare(a, b) == (
        Discrepancy("answer", "1.2", "Y", "NI"),
        Discrepancy("answer", "3.1", "Y", "PN"),
        Discrepancy("answer", "3.2", "NA", "Y"),
        Discrepancy("judgement", "D1", "low", "some concerns"),
        Discrepancy("judgement", "overall", "low", "some concerns"),
    )
    assert compare(a, _rob2("cy")) == ()
    other = assess("rob2", study="jones", outcome="HbA1c at 12 months", assessor="ben",
                   answers=LOW_ANSWERS)
    with pytest.raises(InputError, match=r"their study differs \('smith2019' and 'jones'\)"):
        compare(a, other)


def test_consensus_needs_every_disagreement_resolved() -> None:
    a = _rob2("ana")
    b = _rob2("ben", **{"1.2": "NI", "3.1": "PN", "3.2": "Y"})
    with pytest.raises(InputError) as info:
        consensus(a, b, answers={"1.2": "Y"})
    assert str(info.value) == ("RoB 2, smith2019, HbA1c at 12 months, consensus: the assessors "
                               "disagree on question(s) 3.1 (Y vs PN), 3.2 (NA vs Y); give the "
                               "agreed answers")


def test_consensus_reproposes_from_resolved_answers() -> None:
    a = assess("rob2", study="s", outcome="o", assessor="ana", answers=LOW_ANSWERS,
               support={"1.2": "central randomisation", "5.1": "protocol NCT01"})
    b = assess("rob2", study="s", outcome="o", assessor="ben",
               answers={**LOW_ANSWERS, "1.2": "NI"}, support={"1.2": "not reported"},
               chosen={"D4": Choice("some concerns", "self-reported")})
    agreed = consensus(a, b, answers={"1.2": "PY"})
    assert agreed.assessor == "consensus"
    assert agreed.answers["1.2"] is Answer.PY
    assert agreed.domain("D1").chosen is Rob2Judgement.LOW
    assert agreed.domain("D4").chosen is Rob2Judgement.LOW  # one reviewer's override dropped
    assert agreed.support == {"1.2": "ana: central randomisation\nben: not reported",
                              "5.1": "ana: protocol NCT01"}
    kept = consensus(a, b, answers={"1.2": "PY"},
                     chosen={"D4": Choice("some concerns", "self-reported")})
    assert kept.domain("D4").overridden


def test_consensus_robins_i() -> None:
    a = assess("robins-i", study="s", outcome="o", assessor="ana", chosen=ROBINS)
    b = assess("robins-i", study="s", outcome="o", assessor="ben",
               chosen={**ROBINS, "D1": "critical"})
    assert compare(a, b) == (Discrepancy("judgement", "D1", "serious", "critical"),
                             Discrepancy("judgement", "overall", "serious", "critical"))
    with pytest.raises(InputError, match=r"disagree on domain\(s\) D1 \(serious vs critical\)"):
        consensus(a, b)
    agreed = consensus(a, b, chosen={"D1": "serious"})
    assert agreed.overall.chosen is RobinsJudgement.SERIOUS
    assert agreed.tool is RobTool.ROBINS_I


def test_consensus_drops_agreed_answers_no_longer_asked() -> None:
    a = _rob2("ana", **{"3.1": "N", "3.2": "Y"})
    b = _rob2("ben", **{"3.1": "PN", "3.2": "Y"})
    agreed = consensus(a, b, answers={"3.1": "probably yes"})
    assert agreed.answers["3.1"] is Answer.PY
    assert agreed.answers["3.2"] is Answer.NA
    with pytest.raises(InputError, match=r"question 3\.2: answered Y but the question applies"):
        consensus(a, b, answers={"3.1": "Y", "3.2": "Y"})
