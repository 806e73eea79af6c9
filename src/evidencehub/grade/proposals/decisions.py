"""The editor's tags beside the rules' proposals, and how well the two agree.

A page's ``{tags}`` are the editor's choice; :func:`propose_tags` gives the rules' proposal.
:func:`compare_claim` sets them side by side as one :class:`TagDecision` per tag of the
vocabulary, and :func:`tag_agreement` measures, tag by tag over many claims, how often the
rules and the editor agree: a 2 × 2 table (proposed or not, chosen or not) with the percent
agreement and Cohen's kappa with its standard error
(:func:`evidencehub.review.agreement.agreement_from_table`), and the counts of tags proposed
but not chosen and chosen but not proposed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidencehub.grade.proposals.evidence import CitingClaim
from evidencehub.grade.proposals.rules import TagProposal
from evidencehub.model import EvidenceTag
from evidencehub.review.agreement import Agreement, agreement_from_table

__all__ = [
    "AGREEMENT_CATEGORIES",
    "ClaimTags",
    "TagAgreement",
    "TagDecision",
    "compare_claim",
    "tag_agreement",
]

#: The two categories of each tag's agreement table.
AGREEMENT_CATEGORIES: tuple[str, ...] = ("tagged", "not tagged")


@dataclass(frozen=True, slots=True)
class TagDecision:
    """One tag on one claim: whether the rules proposed it and whether the editor chose it.

    Attributes
    ----------
    tag : EvidenceTag
    proposed : bool
        A rule proposed it.
    chosen : bool
        The editor's page carries it.
    editor : str or None
        Who chose (None when the page does not say).
    reason : str or None
        The editor's reason, when one was recorded (a page's ``{tag}`` markup has none).
    """

    tag: EvidenceTag
    proposed: bool
    chosen: bool
    editor: str | None = None
    reason: str | None = None

    @property
    def agrees(self) -> bool:
        """True when the rules and the editor made the same call."""
        return self.proposed == self.chosen

    def to_dict(self) -> dict[str, Any]:
        """``{"tag", "proposed", "chosen", "agrees", "editor", "reason"}``."""
        return {"tag": self.tag.value, "proposed": self.proposed, "chosen": self.chosen,
                "agrees": self.agrees, "editor": self.editor, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ClaimTags:
    """A claim's tags as the rules propose them and as the editor chose them.

    Attributes
    ----------
    page_slug, text : str
        The claim.
    study_keys, analysis_slugs : tuple of str
        What it cites.
    proposals : tuple of TagProposal
        The rules' proposals, with their reasons.
    decisions : tuple of TagDecision
        One per tag of :class:`EvidenceTag`, in registry order.
    """

    page_slug: str
    text: str
    study_keys: tuple[str, ...]
    analysis_slugs: tuple[str, ...]
    proposals: tuple[TagProposal, ...]
    decisions: tuple[TagDecision, ...]

    def decision(self, tag: EvidenceTag) -> TagDecision:
        """The decision on ``tag``."""
        return next(d for d in self.decisions if d.tag is tag)

    def to_dict(self) -> dict[str, Any]:
        """The claim, its proposals and its decisions; ``proposed`` and ``chosen`` list the
        tags."""
        return {
            "page_slug": self.page_slug, "text": self.text,
            "study_keys": list(self.study_keys), "analysis_slugs": list(self.analysis_slugs),
            "proposed": [d.tag.value for d in self.decisions if d.proposed],
            "chosen": [d.tag.value for d in self.decisions if d.chosen],
            "proposals": [p.to_dict() for p in self.proposals],
            "decisions": [d.to_dict() for d in self.decisions],
        }


def compare_claim(claim: CitingClaim, proposals: Sequence[TagProposal], *,
                  editor: str | None = None,
                  reasons: dict[EvidenceTag, str] | None = None) -> ClaimTags:
    """``claim``'s tags (the editor's choice) beside the rules' ``proposals`` for it.

    ``reasons`` are the editor's recorded reasons by tag, when there are any.
    """
    proposed = {p.tag for p in proposals}
    reasons = reasons or {}
    decisions = tuple(
        TagDecision(tag=tag, proposed=tag in proposed, chosen=tag in claim.tags,
                    editor=editor if tag in claim.tags else None, reason=reasons.get(tag))
        for tag in EvidenceTag)
    return ClaimTags(page_slug=claim.page_slug, text=claim.text, study_keys=claim.study_keys,
                     analysis_slugs=claim.analysis_slugs, proposals=tuple(proposals),
                     decisions=decisions)


@dataclass(frozen=True, slots=True)
class TagAgreement:
    """Agreement of the rules with the editor on one tag over a set of claims.

    Attributes
    ----------
    tag : EvidenceTag
    both, proposed_only, chosen_only, neither : int
        Claims the rules and the editor both tagged; the rules only (proposed, not chosen);
        the editor only (chosen, not proposed); neither.
    agreement : Agreement
        Percent agreement, Cohen's kappa with SE and interval, PABAK and AC1 of the 2 × 2
        table, rules as rows and the editor as columns (:data:`AGREEMENT_CATEGORIES`).
    """

    tag: EvidenceTag
    both: int
    proposed_only: int
    chosen_only: int
    neither: int
    agreement: Agreement

    def to_dict(self) -> dict[str, Any]:
        """Counts, then the agreement statistics under ``agreement``."""
        return {"tag": self.tag.value, "both": self.both, "proposed_only": self.proposed_only,
                "chosen_only": self.chosen_only, "neither": self.neither,
                "agreement": self.agreement.to_dict()}

    def summary(self) -> str:
        """One line: counts, percent agreement and kappa."""
        a = self.agreement
        pct = "-" if a.percent_agreement is None else f"{a.percent_agreement:.1f}%"
        if a.kappa is None:
            kappa = "kappa undefined"
        else:
            kappa = f"kappa {a.kappa:.2f} (SE {a.kappa_se:.2f})" if a.kappa_se is not None \
                else f"kappa {a.kappa:.2f}"
        return (f"{self.tag.value:<24} both {self.both:>2}  rules only {self.proposed_only:>2}"
                f"  editor only {self.chosen_only:>2}  neither {self.neither:>2}  "
                f"agreement {pct:>6}  {kappa}")


def tag_agreement(claims: Sequence[ClaimTags], *,
                  level: float = 95.0) -> tuple[TagAgreement, ...]:
    """Per tag of :class:`EvidenceTag`, the agreement of proposals and choices over ``claims``
    (each claim once per tag; every claim counts, tagged or not)."""
    out = []
    for tag in EvidenceTag:
        calls = [c.decision(tag) for c in claims]
        both = sum(d.proposed and d.chosen for d in calls)
        p_only = sum(d.proposed and not d.chosen for d in calls)
        c_only = sum(d.chosen and not d.proposed for d in calls)
        neither = len(calls) - both - p_only - c_only
        table = [[both, p_only], [c_only, neither]]
        out.append(TagAgreement(tag, both, p_only, c_only, neither,
                                agreement_from_table(table, AGREEMENT_CATEGORIES, level=level)))
    return tuple(out)
