"""Proposals for the claims of a page."""

from __future__ import annotations

from evidencehub.grade.proposals.evidence import StudyFacts
from evidencehub.grade.proposals.page import page_tags
from evidencehub.grade.proposals.rules import RuleSettings
from evidencehub.model import EvidenceTag, Page, PageKind, StudyDesign

BODY = """\
## Results

One patient did well [@case2020]. {needs-replication}

Mice did well too [@mouse2019; @case2020].

Nobody has checked the cost. {unsourced}
"""


def test_page_tags_per_claim() -> None:
    page = Page(slug="p", kind=PageKind.INTERVENTION, title="P", body=BODY)
    studies = {
        "case2020": StudyFacts(key="case2020", label="Case 2020", design=StudyDesign.CASE_REPORT,
                               follow_up_months=12.0, senior_author="A B"),
        "mouse2019": StudyFacts(key="mouse2019", label="Mouse 2019", design=StudyDesign.ANIMAL,
                                senior_author="C D"),
    }
    claims = page_tags(page, studies, editor="editor")
    proposed = [[d.tag for d in c.decisions if d.proposed] for c in claims]
    chosen = [[d.tag for d in c.decisions if d.chosen] for c in claims]
    assert proposed == [
        [EvidenceTag.NEEDS_REPLICATION, EvidenceTag.LONG_TERM_UNKNOWN, EvidenceTag.NO_MECHANISM],
        [EvidenceTag.LONG_TERM_UNKNOWN],
        [EvidenceTag.UNSOURCED],
    ]
    assert chosen == [[EvidenceTag.NEEDS_REPLICATION], [], [EvidenceTag.UNSOURCED]]
    assert claims[0].decision(EvidenceTag.NEEDS_REPLICATION).editor == "editor"
    settings = RuleSettings(long_term_months=12.0)
    assert [d.tag for d in page_tags(page, studies, settings=settings)[1].decisions
            if d.proposed] == []
