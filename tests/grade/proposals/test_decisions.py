"""Proposals beside the editor's tags, and agreement per tag."""

from __future__ import annotations

import pytest

from evidencehub.grade.proposals.decisions import TagDecision, compare_claim, tag_agreement
from evidencehub.grade.proposals.rules import TagProposal
from evidencehub.model import Claim, EvidenceTag

T = EvidenceTag


def _claim(*tags: EvidenceTag) -> Claim:
    return Claim(page_slug="p", text="t", study_keys=("a",), tags=tags)


def _proposals(*tags: EvidenceTag) -> tuple[TagProposal, ...]:
    return tuple(TagProposal(tag, ("why",), "rule") for tag in tags)


def test_compare_claim_one_decision_per_tag() -> None:
    claim = _claim(T.NEEDS_REPLICATION, T.NO_MECHANISM)
    tags = compare_claim(claim, _proposals(T.NEEDS_REPLICATION, T.LONG_TERM_UNKNOWN),
                         editor="ed", reasons={T.NO_MECHANISM: "graft fate unexplained"})
    assert [d.tag for d in tags.decisions] == list(EvidenceTag)
    assert tags.decision(T.NEEDS_REPLICATION) == TagDecision(T.NEEDS_REPLICATION, True, True,
                                                             "ed", None)
    assert tags.decision(T.LONG_TERM_UNKNOWN) == TagDecision(T.LONG_TERM_UNKNOWN, True, False)
    assert tags.decision(T.NO_MECHANISM) == TagDecision(T.NO_MECHANISM, False, True, "ed",
                                                        "graft fate unexplained")
    assert not tags.decision(T.NO_MECHANISM).agrees
    assert tags.decision(T.UNSOURCED).agrees
    out = tags.to_dict()
    assert out["proposed"] == ["needs-replication", "long-term-unknown"]
    assert out["chosen"] == ["needs-replication", "no-mechanism"]
    assert out["decisions"][4] == {"tag": "no-mechanism", "proposed": False, "chosen": True,
                                   "agrees": False, "editor": "ed",
                                   "reason": "graft fate unexplained"}


def test_tag_agreement_on_a_hand_counted_table() -> None:
    # needs-replication over 6 claims: both 2, rules only 1, editor only 1, neither 2
    rows = [
        ((T.NEEDS_REPLICATION,), (T.NEEDS_REPLICATION,)),
        ((T.NEEDS_REPLICATION,), (T.NEEDS_REPLICATION,)),
        ((T.NEEDS_REPLICATION,), ()),
        ((), (T.NEEDS_REPLICATION,)),
        ((), ()),
        ((), ()),
    ]
    claims = [compare_claim(_claim(*chosen), _proposals(*proposed)) for proposed, chosen in rows]
    result = {a.tag: a for a in tag_agreement(claims)}[T.NEEDS_REPLICATION]
    assert (result.both, result.proposed_only, result.chosen_only, result.neither) == (2, 1, 1, 2)
    assert result.agreement.table == ((2, 1), (1, 2))
    # Cohen (1960): po = 4/6; pe = (3*3 + 3*3)/36 = 1/2; kappa = (2/3 - 1/2)/(1 - 1/2) = 1/3
    assert result.agreement.percent_agreement == pytest.approx(100 * 4 / 6)
    assert result.agreement.kappa == pytest.approx(1 / 3)
    assert result.summary().startswith("needs-replication        both  2  rules only  1")
    assert result.to_dict()["chosen_only"] == 1
    # a tag nobody used: both raters said "not tagged" every time, kappa undefined
    unused = {a.tag: a for a in tag_agreement(claims)}[T.UNSOURCED]
    assert (unused.neither, unused.agreement.kappa) == (6, None)
    assert unused.summary().endswith("kappa undefined")
