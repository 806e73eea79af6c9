"""A GRADE rating: the starting level, each domain's proposal and override, the final certainty.

Evidence from randomised trials starts at high certainty, from non-randomised studies at low
(Balshem et al., GRADE guidelines 3, J Clin Epidemiol 2011;64:401–406); a body mixing both
starts at low here (rate the randomised trials in an analysis of their own to start high).
Each downgrading domain then lowers the level by its change (after the reviewer's override,
if any); the upgrading domains (large effect, dose-response) raise it only for non-randomised
evidence with no downgrade in any domain (GRADE guidelines 9, J Clin Epidemiol
2011;64:1311–1316). The level is floored at very low and capped at high.

A reviewer's :class:`Override` replaces a rule's change for one domain and must give a
reason; the rule's proposal is kept beside it. A rating records the run it judged
(``run_id``): whether a newer run makes it stale is the store's business.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evidencehub.errors import InputError
from evidencehub.grade.certainty.domains import Domain, Proposal, propose
from evidencehub.grade.certainty.profile import EvidenceProfile
from evidencehub.vocab import Certainty

__all__ = ["SCHEMA_VERSION", "DomainRating", "Override", "Rating", "rate"]

#: Version of :meth:`Rating.to_dict`'s layout.
SCHEMA_VERSION = 1

_LEVELS = (Certainty.VERY_LOW, Certainty.LOW, Certainty.MODERATE, Certainty.HIGH)


@dataclass(frozen=True, slots=True)
class Override:
    """A reviewer's judgement of one domain, replacing the rule's proposed change.

    Attributes
    ----------
    domain : Domain
        The domain overridden.
    change : int
        −3…0 for a downgrading domain, 0…+2 for an upgrading one.
    reason : str
        Why (required, not blank): it becomes the footnote in place of the rule's reason.
    reviewer : str or None
        Who decided.
    """

    domain: Domain
    change: int
    reason: str
    reviewer: str | None = None

    def __post_init__(self) -> None:
        domain = Domain(self.domain)
        object.__setattr__(self, "domain", domain)
        where = f"override of '{domain.value}'"
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise InputError("a reason is required", source="grade", where=where)
        if isinstance(self.change, bool) or not isinstance(self.change, int) \
                or self.change not in domain.allowed:
            allowed = domain.allowed
            raise InputError(f"'change' must be an integer from {allowed[0]} to {allowed[-1]}; "
                             f"got {self.change!r}", source="grade", where=where)

    def to_dict(self) -> dict[str, Any]:
        """``domain, change, reason, reviewer``."""
        return {"domain": self.domain.value, "change": self.change, "reason": self.reason,
                "reviewer": self.reviewer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Override:
        """The override whose :meth:`to_dict` is ``data`` (validated again)."""
        return cls(domain=Domain(data["domain"]), change=data["change"],
                   reason=data["reason"], reviewer=data.get("reviewer"))


@dataclass(frozen=True, slots=True)
class DomainRating:
    """One domain of a rating: the rule's proposal, the override if any, and whether it counts.

    Attributes
    ----------
    proposal : Proposal
        What the rule proposed, with its reason and numbers.
    override : Override or None
        The reviewer's judgement, when one was made.
    applied : bool
        Whether the change counts (an upgrade does not for randomised evidence or when any
        domain rates down).
    """

    proposal: Proposal
    override: Override | None
    applied: bool

    @property
    def domain(self) -> Domain:
        return self.proposal.domain

    @property
    def change(self) -> int:
        """The change decided: the override's, else the proposal's."""
        return self.override.change if self.override is not None else self.proposal.change

    @property
    def reason(self) -> str:
        """The reason of the change decided."""
        return self.override.reason if self.override is not None else self.proposal.reason

    @property
    def counted(self) -> int:
        """The change as it enters the certainty (0 when not applied)."""
        return self.change if self.applied else 0

    def to_dict(self) -> dict[str, Any]:
        """``domain, change, counted, reason, applied, proposal, override``."""
        return {"domain": self.domain.value, "change": self.change, "counted": self.counted,
                "reason": self.reason, "applied": self.applied,
                "proposal": self.proposal.to_dict(),
                "override": None if self.override is None else self.override.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DomainRating:
        """The domain rating whose :meth:`to_dict` is ``data``."""
        override = data["override"]
        return cls(proposal=Proposal.from_dict(data["proposal"]),
                   override=None if override is None else Override.from_dict(override),
                   applied=bool(data["applied"]))


@dataclass(frozen=True, slots=True)
class Rating:
    """The certainty of the evidence of one analysis run.

    Attributes
    ----------
    analysis : str
        The analysis's slug.
    run_id : int or None
        The run judged.
    start : Certainty
        High (randomised) or low (non-randomised).
    domains : tuple of DomainRating
        Every domain, in :class:`Domain` order.
    certainty : Certainty
        The result: start, plus the counted changes, floored at very low, capped at high.
    upgrade_note : str or None
        Why proposed upgrades were not applied, when they were not.
    """

    analysis: str
    run_id: int | None
    start: Certainty
    domains: tuple[DomainRating, ...]
    certainty: Certainty
    upgrade_note: str | None

    def domain(self, domain: Domain | str) -> DomainRating:
        """The rating of one domain."""
        wanted = Domain(domain)
        return next(d for d in self.domains if d.domain is wanted)

    @property
    def reasons(self) -> tuple[tuple[Domain, str], ...]:
        """The (domain, reason) of every counted change, in domain order: the footnotes."""
        return tuple((d.domain, d.reason) for d in self.domains if d.counted != 0)

    def to_dict(self) -> dict[str, Any]:
        """``schema_version`` first, then every field; ``certainty`` with its ``symbols``."""
        return {"schema_version": SCHEMA_VERSION, "analysis": self.analysis,
                "run_id": self.run_id, "start": self.start.value,
                "certainty": self.certainty.value, "symbols": self.certainty.symbols,
                "domains": [d.to_dict() for d in self.domains],
                "upgrade_note": self.upgrade_note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rating:
        """The rating whose :meth:`to_dict` is ``data``; InputError for another schema."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputError(f"a rating of schema version {version!r} cannot be read (this "
                             f"version reads {SCHEMA_VERSION})", source="grade")
        return cls(analysis=data["analysis"], run_id=data["run_id"],
                   start=Certainty(data["start"]),
                   domains=tuple(DomainRating.from_dict(d) for d in data["domains"]),
                   certainty=Certainty(data["certainty"]), upgrade_note=data["upgrade_note"])


def rate(profile: EvidenceProfile, overrides: Sequence[Override] = (),
         proposals: Sequence[Proposal] | None = None) -> Rating:
    """Rate the certainty of ``profile``'s evidence.

    Parameters
    ----------
    profile : EvidenceProfile
        The evidence of one run.
    overrides : sequence of Override
        Reviewers' judgements, at most one per domain.
    proposals : sequence of Proposal, optional
        The rules' proposals (default :func:`~evidencehub.grade.certainty.domains.propose`).

    Raises
    ------
    InputError
        Two overrides of one domain.
    """
    by_domain: dict[Domain, Override] = {}
    for override in overrides:
        if override.domain in by_domain:
            raise InputError("two overrides of one domain", source="grade",
                             where=f"override of '{override.domain.value}'")
        by_domain[override.domain] = override
    proposed = tuple(propose(profile) if proposals is None else proposals)
    start = Certainty.HIGH if profile.randomised else Certainty.LOW
    down = [DomainRating(p, by_domain.get(p.domain), True)
            for p in proposed if not p.domain.upgrades]
    downgrade = sum(d.change for d in down)
    note = None
    wanted_up = any((by_domain[p.domain].change if p.domain in by_domain else p.change) > 0
                    for p in proposed if p.domain.upgrades)
    if wanted_up and profile.randomised:
        note = "not applied: evidence from randomised trials starts at high certainty"
    elif wanted_up and downgrade < 0:
        note = "not applied: certainty is rated down in another domain"
    can_upgrade = not profile.randomised and downgrade == 0
    up = [DomainRating(p, by_domain.get(p.domain), can_upgrade)
          for p in proposed if p.domain.upgrades]
    domains = tuple(sorted([*down, *up], key=lambda d: list(Domain).index(d.domain)))
    level = _LEVELS.index(start) + sum(d.counted for d in domains)
    certainty = _LEVELS[min(max(level, 0), len(_LEVELS) - 1)]
    return Rating(analysis=profile.analysis, run_id=profile.run_id, start=start,
                  domains=domains, certainty=certainty, upgrade_note=note)
