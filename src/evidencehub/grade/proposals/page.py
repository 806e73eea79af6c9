"""Proposals for every claim of a page, beside the editor's tags: the one entry point.

:func:`page_tags` extracts a page's claims (:func:`evidencehub.grade.claims.extract_claims`),
runs the rules on what each cites and returns the per-claim comparison
(:class:`~evidencehub.grade.proposals.decisions.ClaimTags`). The caller supplies the facts of
the studies and analyses the page may cite; nothing here reads a store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from evidencehub.grade.claims import extract_claims
from evidencehub.grade.proposals.decisions import ClaimTags, compare_claim
from evidencehub.grade.proposals.evidence import (
    AnalysisFacts,
    CitingClaim,
    StudyFacts,
    claim_evidence,
)
from evidencehub.grade.proposals.rules import RuleSettings, propose_tags
from evidencehub.model import Page

__all__ = ["claims_tags", "page_tags"]


def claims_tags(claims: Sequence[CitingClaim], studies: Mapping[str, StudyFacts],
                analyses: Mapping[str, AnalysisFacts] | None = None, *,
                settings: RuleSettings | None = None,
                editor: str | None = None) -> tuple[ClaimTags, ...]:
    """Each claim's proposed tags beside its own tags (the editor's choice)."""
    return tuple(
        compare_claim(claim, propose_tags(claim_evidence(claim, studies, analyses), settings),
                      editor=editor)
        for claim in claims)


def page_tags(page: Page, studies: Mapping[str, StudyFacts],
              analyses: Mapping[str, AnalysisFacts] | None = None, *,
              settings: RuleSettings | None = None,
              editor: str | None = None) -> tuple[ClaimTags, ...]:
    """:func:`claims_tags` for the claims of ``page``'s body."""
    return claims_tags(extract_claims(page), studies, analyses, settings=settings,
                       editor=editor)
