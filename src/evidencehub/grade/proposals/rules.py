"""Evidence tags proposed by rule from what a claim cites.

Each rule is a small function of a claim's :class:`~evidencehub.grade.proposals.evidence.ClaimEvidence`
that returns a :class:`TagProposal` (the tag, the reasons in words, the rule's name) or None.
Thresholds are keyword arguments; :class:`RuleSettings` collects them for
:func:`propose_tags`, which runs every rule.

=========================  =====================================================================
tag                        proposed when
=========================  =====================================================================
unsourced                  the claim cites no study and no analysis
needs-replication          everything it cites comes from fewer than ``min_groups`` (2) research
                           groups (:func:`~evidencehub.grade.proposals.evidence.research_groups`)
needs-human-replication    it cites something, and none of it is a study in people
long-term-unknown          it cites studies in people, and the longest follow-up they report is
                           shorter than ``long_term_months`` (60), or none reports one
no-mechanism               it cites something, and all of it is in people: no study in cells or
                           animals that could show how the effect comes about
=========================  =====================================================================

A claim that cites nothing gets ``unsourced`` only: the other rules read the cited evidence,
and there is none to read. An editor who knows more may still add tags by hand
(:mod:`evidencehub.grade.proposals.decisions` keeps both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evidencehub.grade.labels import design_name
from evidencehub.grade.proposals.evidence import ClaimEvidence, research_groups
from evidencehub.model import EvidenceTag, StudyDesign

__all__ = [
    "RULES",
    "RuleSettings",
    "TagProposal",
    "long_term_unknown",
    "needs_human_replication",
    "needs_replication",
    "no_mechanism",
    "propose_tags",
    "unsourced",
]


@dataclass(frozen=True, slots=True)
class TagProposal:
    """A tag a rule proposes for a claim.

    Attributes
    ----------
    tag : EvidenceTag
        The proposed tag.
    reasons : tuple of str
        Why, in sentences a reader can check against the cited studies.
    rule : str
        The rule's name (the function's name in this module).
    """

    tag: EvidenceTag
    reasons: tuple[str, ...]
    rule: str

    def to_dict(self) -> dict[str, Any]:
        """``{"tag", "reasons", "rule"}``."""
        return {"tag": self.tag.value, "reasons": list(self.reasons), "rule": self.rule}


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The rules' thresholds (see each rule for the default's reason).

    Attributes
    ----------
    min_groups : int
        Independent research groups needed before a finding counts as replicated.
    long_term_months : float
        Follow-up in people, in months, below which the long term counts as unknown.
    """

    min_groups: int = 2
    long_term_months: float = 60.0

    def to_dict(self) -> dict[str, Any]:
        """``{"min_groups", "long_term_months"}``."""
        return {"min_groups": self.min_groups, "long_term_months": self.long_term_months}


def _designs_text(designs: tuple[StudyDesign, ...]) -> str:
    return ", ".join(design_name(d) for d in dict.fromkeys(designs))


def unsourced(evidence: ClaimEvidence) -> TagProposal | None:
    """``unsourced`` when the claim cites no study and quotes no analysis.

    This is the tag's definition (:data:`evidencehub.grade.tags.TAG_DESCRIPTIONS`): nothing in
    the library supports the statement.
    """
    if not evidence.empty:
        return None
    return TagProposal(EvidenceTag.UNSOURCED, ("cites no study and quotes no analysis",),
                       "unsourced")


def needs_replication(evidence: ClaimEvidence, *, min_groups: int = 2) -> TagProposal | None:
    """``needs-replication`` when what the claim cites comes from fewer than ``min_groups``
    independent research groups.

    A finding is replicated when a second, independent team finds it again: two is the least
    number that can show it (the tag's wording, "a single study or group"; Open Science
    Collaboration 2015, Science 349:aac4716, on why one result is not enough). Studies are put
    into groups by :func:`~evidencehub.grade.proposals.evidence.research_groups`; a pooled
    analysis whose studies are not listed counts as ``k`` groups, and a study it lists that the
    claim's evidence does not describe counts as a group of its own. Replication is counted
    across designs: an animal study and a trial from two groups count as two.
    """
    if evidence.empty:
        return None
    groups = research_groups(evidence.studies)
    known = {s.key for s in evidence.studies}
    anonymous = sum(sum(k not in known for k in a.study_keys) if a.study_keys else a.k
                    for a in evidence.analyses)
    count = len(groups) + anonymous
    if count >= min_groups:
        return None
    reasons: list[str] = []
    if len(evidence.studies) == 1 and not anonymous:
        reasons.append(f"cites one study ({evidence.studies[0].label})")
    elif groups:
        labels = ", ".join(s.label for s in evidence.studies)
        reasons.append(f"the {len(evidence.studies)} studies cited ({labels}) come from one "
                       "research group (a shared record, trial, first or senior author)")
    else:
        reasons.append(f"the analyses quoted pool {anonymous} "
                       f"stud{'y' if anonymous == 1 else 'ies'}")
    reasons.append(f"{count} independent group{'s' if count != 1 else ''}; "
                   f"replication needs {min_groups}")
    return TagProposal(EvidenceTag.NEEDS_REPLICATION, tuple(reasons), "needs_replication")


def needs_human_replication(evidence: ClaimEvidence) -> TagProposal | None:
    """``needs-human-replication`` when the claim cites something and none of it is a study in
    people (every design is in-vitro or animal; :attr:`StudyDesign.in_humans`).

    Findings in cells and animals often fail to carry over to people (Hackam & Redelmeier
    2006, JAMA 296:1731: about a third of highly cited animal studies were replicated in human
    trials). A study of human cells in a dish is still not a study in people.
    """
    designs = evidence.designs
    if not designs or any(d.in_humans for d in designs):
        return None
    return TagProposal(EvidenceTag.NEEDS_HUMAN_REPLICATION,
                       (f"cites only studies in cells or animals "
                        f"({', '.join(dict.fromkeys(d.value for d in designs))}); "
                        "no study in people",),
                       "needs_human_replication")


def long_term_unknown(evidence: ClaimEvidence, *,
                      long_term_months: float = 60.0) -> TagProposal | None:
    """``long-term-unknown`` when the claim cites studies in people and the longest follow-up
    they report is shorter than ``long_term_months``, or none reports a follow-up.

    The default, 60 months (5 years), is set from cell replacement's own record: after islet
    transplantation under the Edmonton protocol about 80 % of recipients were insulin
    independent at one year and about 10 % at five (Ryan et al. 2005, Diabetes 54:2060), so one
    or two years cannot show whether a graft lasts; and the FDA asks for up to 5 years of
    follow-up after non-integrating gene therapies and 15 after integrating or
    genome-editing ones (FDA guidance "Long Term Follow-Up After Administration of Human Gene
    Therapy Products", 2020), for delayed harms such as tumours. Pass a shorter threshold for
    interventions whose effects settle sooner (drug trials of a surrogate such as HbA1c).

    Claims that cite only cells or animals are left to :func:`needs_human_replication`: their
    follow-up in people is not short, it does not exist yet.
    """
    human = [s for s in evidence.studies if s.design.in_humans]
    human_analyses = [a for a in evidence.analyses if any(d.in_humans for d in a.designs)]
    if not human and not human_analyses:
        return None
    known = [(s.follow_up_months, s.label) for s in human if s.follow_up_months is not None]
    known += [(a.follow_up_months, a.slug) for a in human_analyses
              if a.follow_up_months is not None]
    reasons = [s.follow_up_problem for s in human if s.follow_up_problem]
    if not known:
        reasons.append("no study in people cited reports its follow-up")
        return TagProposal(EvidenceTag.LONG_TERM_UNKNOWN, tuple(reasons), "long_term_unknown")
    longest, label = max(known)
    if longest >= long_term_months:
        return None
    reasons.append(f"longest follow-up in people is {longest:g} months ({label}), "
                   f"shorter than {long_term_months:g}")
    return TagProposal(EvidenceTag.LONG_TERM_UNKNOWN, tuple(reasons), "long_term_unknown")


def no_mechanism(evidence: ClaimEvidence) -> TagProposal | None:
    """``no-mechanism`` when the claim cites something and all of it is in people.

    How an intervention works is shown mostly in cells and animals, where it can be taken
    apart; trials in people show *that* it works. A causal claim is best supported by both
    kinds of evidence (Russo & Williamson 2007, Int Stud Philos Sci 21:157; Clarke et al.
    2014, Topoi 33:339, "Mechanisms and the evidence hierarchy"), so a claim resting on human
    studies alone has no mechanism in the library behind it.

    Limits: the rule reads designs, not findings. A human study that itself shows a mechanism
    (an imaging result that shows the graft survives) does not count, and a laboratory study
    cited for something else does.
    """
    designs = evidence.designs
    if not designs or not all(d.in_humans for d in designs):
        return None
    return TagProposal(EvidenceTag.NO_MECHANISM,
                       (f"cites only studies in people ({_designs_text(designs)}); "
                        "no study in cells or animals",), "no_mechanism")


#: Every rule, in the order of :class:`~evidencehub.model.EvidenceTag`.
RULES: tuple[tuple[EvidenceTag, Callable[[ClaimEvidence, RuleSettings], TagProposal | None]],
             ...] = (
    (EvidenceTag.NEEDS_REPLICATION,
     lambda ev, s: needs_replication(ev, min_groups=s.min_groups)),
    (EvidenceTag.NEEDS_HUMAN_REPLICATION, lambda ev, s: needs_human_replication(ev)),
    (EvidenceTag.LONG_TERM_UNKNOWN,
     lambda ev, s: long_term_unknown(ev, long_term_months=s.long_term_months)),
    (EvidenceTag.UNSOURCED, lambda ev, s: unsourced(ev)),
    (EvidenceTag.NO_MECHANISM, lambda ev, s: no_mechanism(ev)),
)


def propose_tags(evidence: ClaimEvidence,
                 settings: RuleSettings | None = None) -> tuple[TagProposal, ...]:
    """Every tag the rules propose for a claim with this ``evidence``, in registry order."""
    settings = settings or RuleSettings()
    proposals = (rule(evidence, settings) for _, rule in RULES)
    return tuple(p for p in proposals if p is not None)
