"""A review's PRISMA 2020 flow, from what the store holds: its searches, the records they
returned, the merges, the decisions and the full-text statuses.

:mod:`evidencehub.review.prisma` counts the boxes from typed inputs; this module makes those
inputs from a :class:`~evidencehub.review.service.ReviewState`, never from typed counts:

* each search counts the records its imports read (``n_returned``); a search of other methods
  names its method (website, organisation, citation searching);
* a record found by any database or register search is on that route, else on the route of
  other methods;
* records removed before screening, on the database-and-register route: the records a reader
  refused (``excluded_other``, "removed for other reasons") and the duplicates — records
  returned, less refused, less the unique records left on that route. A record two searches
  returned, or two records merged by the importer or by a person's ``same`` decision, count
  as duplicates this way; no automation tool removes records (``excluded_automatic`` is 0);
* each record's final title-abstract and full-text outcomes are settled from the decisions
  (:mod:`evidencehub.review.screening`); an exclusion's reason is its criterion with the
  criterion's text; the retrieval status is the newest ``review fulltext`` mark, except that
  a report with a settled full-text decision was read, whatever an older mark said; marks and
  full-text decisions of a record that no longer passes title and abstract are left out;
* included reports are grouped into studies as ``review studies`` groups them (shared trial
  registration or a stored study; :func:`evidencehub.review.studies.group_reports`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy.orm import Session

from evidencehub.review import prisma
from evidencehub.review.screening import Standing
from evidencehub.review.service import ReviewState
from evidencehub.review.studies import group_reports, included_reports, stored_studies
from evidencehub.store.repo.records import records_by_id
from evidencehub.vocab import RetrievalStatus, ScreeningLabel, ScreeningStage, SearchKind

__all__ = ["flow_of", "review_flow"]

_DBR = frozenset({SearchKind.DATABASE, SearchKind.REGISTER})


def _outcome(state: ReviewState, record_id: int, stage: ScreeningStage) -> ScreeningLabel | None:
    if stage not in state.review.stages:  # a one-stage review: that stage decides both
        stage = state.review.stages[0]
    standing = state.standing(record_id, stage)
    return standing.outcome if standing.standing is Standing.SETTLED else None


def _reason(state: ReviewState, record_id: int) -> prisma.ExclusionReason | None:
    code = state.standing(record_id, state.review.stages[-1]).reason
    criterion = state.review.criterion(code) if code else None
    if criterion is None:
        return None
    return prisma.ExclusionReason(criterion_id=criterion.code, text=criterion.text)


def _record_state(state: ReviewState, record_id: int, dbr: bool) -> prisma.RecordState:
    title_abstract = _outcome(state, record_id, ScreeningStage.TITLE_ABSTRACT)
    goes_on = title_abstract in (ScreeningLabel.INCLUDE, ScreeningLabel.MAYBE)
    full_text = _outcome(state, record_id, ScreeningStage.FULL_TEXT) if goes_on else None
    status = state.full_texts.get(record_id) if goes_on else None
    retrieval = status.status if status else None
    if full_text is not None and retrieval is RetrievalStatus.NOT_RETRIEVED:
        retrieval = RetrievalStatus.RETRIEVED  # it was read: the decision says so
    return prisma.RecordState(
        record_id=str(record_id),
        identified_via=SearchKind.DATABASE if dbr else SearchKind.OTHER,
        title_abstract=title_abstract,
        retrieval=retrieval,
        full_text=full_text,
        reason=_reason(state, record_id) if full_text is ScreeningLabel.EXCLUDE else None,
    )


def flow_of(state: ReviewState, studies: Mapping[int, str]) -> prisma.PrismaFlow:
    """The PRISMA 2020 flow of the review (module docstring), with included reports grouped by
    ``studies`` (record id → study; a report missing there is a study of its own)."""
    kinds = {s.id: s.kind for s in state.searches}
    dbr = {r for r, found in state.records.items() if any(kinds[i] in _DBR for i in found)}
    returned = sum(s.n_returned for s in state.searches if s.kind in _DBR)
    refused = sum(s.n_rejected for s in state.searches if s.kind in _DBR)
    removed = prisma.RemovedBeforeScreening(duplicates=returned - refused - len(dbr), other=refused)
    records = [_record_state(state, r, r in dbr) for r in state.records]
    searches = [prisma.Search(source=s.source, kind=s.kind, records=s.n_returned,
                              method=s.method) for s in state.searches]  # fmt: skip
    return prisma.prisma_flow(searches, removed, [
        replace(r, study_id=studies.get(int(r.record_id))) for r in records
    ])  # fmt: skip


def review_flow(session: Session, state: ReviewState) -> prisma.PrismaFlow:
    """The PRISMA 2020 flow of a stored review, its included reports grouped as
    ``review studies`` groups them; every box checked."""
    included = included_reports(state)
    found = records_by_id(session, included)
    ordered = {i: found[i] for i in included if i in found}
    studies = {
        record_id: str(min(group))
        for group in group_reports(ordered, stored_studies(session, included))
        for record_id in group
    }
    return flow_of(state, studies)
