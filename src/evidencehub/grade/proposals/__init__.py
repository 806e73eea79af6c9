"""Evidence tags and extrapolation tables proposed by rule, kept beside the editor's choice.

* :mod:`.followup` — follow-up text (``"up to 2 years"``) to months;
* :mod:`.evidence` — the facts of cited studies and analyses, and research groups;
* :mod:`.rules` — one documented rule per tag, thresholds as parameters;
* :mod:`.extrapolation` — the extrapolation-dimension table of a section;
* :mod:`.sections` — those tables for each section of a page, beside the ones written there;
* :mod:`.decisions` — proposals beside a page's hand tags, and agreement per tag;
* :mod:`.page` — all of it for the claims of a page.
"""

from __future__ import annotations

from evidencehub.grade.proposals.decisions import (
    ClaimTags,
    TagAgreement,
    TagDecision,
    compare_claim,
    tag_agreement,
)
from evidencehub.grade.proposals.evidence import (
    AnalysisFacts,
    CitingClaim,
    ClaimEvidence,
    StudyFacts,
    claim_evidence,
    research_groups,
)
from evidencehub.grade.proposals.extrapolation import (
    ExtrapolationRow,
    ExtrapolationStatus,
    propose_extrapolation,
)
from evidencehub.grade.proposals.followup import follow_up_months
from evidencehub.grade.proposals.page import claims_tags, page_tags
from evidencehub.grade.proposals.rules import RuleSettings, TagProposal, propose_tags
from evidencehub.grade.proposals.sections import SectionExtrapolation, section_extrapolations

__all__ = [
    "AnalysisFacts",
    "CitingClaim",
    "ClaimEvidence",
    "ClaimTags",
    "ExtrapolationRow",
    "ExtrapolationStatus",
    "RuleSettings",
    "SectionExtrapolation",
    "StudyFacts",
    "TagAgreement",
    "TagDecision",
    "TagProposal",
    "claim_evidence",
    "claims_tags",
    "compare_claim",
    "follow_up_months",
    "page_tags",
    "propose_extrapolation",
    "propose_tags",
    "research_groups",
    "section_extrapolations",
    "tag_agreement",
]
