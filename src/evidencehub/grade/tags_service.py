"""Tag proposals for a stored page: the rules (:mod:`evidencehub.grade.proposals`) run on the
facts of the studies and analyses its claims cite, beside the tags the editor wrote (and each
section's extrapolation table beside the written one); and the record of those decisions
(``tag_decisions``), appended, never changed.

An editor's tag is the ``{tag}`` in the page body, so the editor's choice is whatever the
stored claim carries; recording a decision keeps, per claim and tag, whether the rule proposed
it, whether the editor chose it, the rule's reasons and who reviewed it when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from evidencehub.analysis.run import RunResult
from evidencehub.errors import InputError
from evidencehub.grade.claims import cited_keys
from evidencehub.grade.proposals import (
    AnalysisFacts,
    ClaimTags,
    RuleSettings,
    SectionExtrapolation,
    StudyFacts,
    claims_tags,
    section_extrapolations,
)
from evidencehub.grade.proposals.followup import follow_up_months
from evidencehub.model import Actor, Claim
from evidencehub.store import tables as t
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo._common import table_of, utc_now
from evidencehub.store.repo.actors import actor_id

__all__ = ["PageTags", "propose", "record"]

_DECISIONS = table_of(t.TagDecision)


@dataclass(frozen=True, slots=True)
class PageTags:
    """A page's stored claims, each with the rules' proposals beside the editor's tags."""

    page_slug: str
    claims: tuple[Claim, ...]
    compared: tuple[ClaimTags, ...]
    settings: RuleSettings
    extrapolation: tuple[SectionExtrapolation, ...]


def _pooled(session: Session, slugs: set[str]) -> dict[str, tuple[tuple[str, ...], float | None]]:
    """Each analysis's pooled studies (its newest run) and the time point it pools, in months."""
    pooled = {}
    for slug in slugs:
        run = analyses_repo.latest_run(session, slug)
        if run is None or run.schema_version == 0:
            continue
        result = RunResult.from_dict(run.result)
        try:
            months = follow_up_months(analyses_repo.get_analysis(session, slug).timepoint)
        except InputError:  # a time point that states no duration ("end of treatment")
            months = None
        pooled[slug] = (tuple(dict.fromkeys(r.study_key for r in result.pooled_rows)), months)
    return pooled


def _study_facts(session: Session, keys: set[str]) -> dict[str, StudyFacts]:
    """The facts of the studies ``keys``, their authors from their own records."""
    studies = [studies_repo.get_study(session, key) for key in sorted(keys)]
    records = {key: records_repo.get_record(session, key)
               for key in {k for s in studies for k in s.record_keys}}
    return {s.key: StudyFacts.from_study(s, records) for s in studies}


def propose(session: Session, page_slug: str, *,
            settings: RuleSettings | None = None) -> PageTags:
    """The rules' tags for each stored claim of ``page_slug`` beside the editor's, and the
    extrapolation table proposed for each section beside the one the page writes."""
    settings = settings or RuleSettings()
    page = pages_repo.get_page(session, page_slug)
    claims = tuple(pages_repo.list_claims(session, page_slug))
    pooled = _pooled(session, {a for c in claims for a in c.analysis_slugs})
    facts = _study_facts(session, {*cited_keys(page.body), *(k for c in claims for k in c.study_keys),
                                   *(k for keys, _ in pooled.values() for k in keys)})
    analyses = {slug: AnalysisFacts(slug=slug, k=len(keys),
                                    designs=tuple(facts[k].design for k in keys),
                                    study_keys=keys, follow_up_months=months)
                for slug, (keys, months) in pooled.items()}
    compared = claims_tags(claims, facts, analyses, settings=settings)
    tables = section_extrapolations(page, facts, long_term_months=settings.long_term_months)
    return PageTags(page_slug, claims, compared, settings, tables)


def record(session: Session, tags: PageTags, *, editor: str,
           reasons: Sequence[tuple[int, str, str]] = ()) -> int:
    """Append every claim's decisions, reviewed by ``editor``; ``reasons`` are (claim id, tag,
    why the editor departs from the rule). Returns how many rows were written."""
    why = {(claim_id, tag): text for claim_id, tag, text in reasons}
    who = actor_id(session, Actor(name=editor))
    rows = []
    for claim, compared in zip(tags.claims, tags.compared, strict=True):
        assert claim.id is not None
        proposals = {p.tag: p for p in compared.proposals}
        for decision in compared.decisions:
            proposal = proposals.get(decision.tag)
            rows.append({"claim_id": claim.id, "tag": decision.tag.value,
                         "proposed": decision.proposed, "chosen": decision.chosen,
                         "reasons": list(proposal.reasons) if proposal else [],
                         "reason": why.get((claim.id, decision.tag.value)),
                         "actor_id": who, "recorded_at": utc_now()})
    unused = set(why) - {(row["claim_id"], row["tag"]) for row in rows}
    if unused:
        claim_id, tag = sorted(unused)[0]
        raise InputError(f"a reason for claim {claim_id}, tag {tag!r}: no such claim and tag on "
                         f"page {tags.page_slug!r}")
    if rows:
        session.execute(insert(_DECISIONS), rows)
    return len(rows)
