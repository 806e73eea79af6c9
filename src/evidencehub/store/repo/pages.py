"""Published pages, their evidence labels and cross-references, and the claims they make.

:func:`upsert_page` replaces a stored page with the one given, including its evidence label
(``evidence_labels``), cross-references (``cross_refs``, to slugs that may not exist yet: a
stub is a page nobody has written) and the analyses it shows (``page_analyses``, by slug).
:func:`replace_claims` swaps a page's whole list of claims; every study a claim cites must be
stored, so a page cannot cite evidence the hub does not hold.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Claim, CrossRef, EvidenceLabel, Page, PageKind
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, put_row
from evidencehub.store.repo._lookup import study_row

__all__ = [
    "UpsertOutcome",
    "get_page",
    "list_claims",
    "list_pages",
    "replace_claims",
    "upsert_page",
]

_LINKED = ("cross_refs", "label", "analysis_slugs")
_PAGE_COLUMNS = tuple(name for name in Page.model_fields if name not in _LINKED)


def _page_row(session: Session, slug: str) -> t.Page:
    row = session.scalars(select(t.Page).where(t.Page.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no page {slug!r} in the store")
    return row


def _to_page(session: Session, row: t.Page) -> Page:
    label_row = session.get(t.EvidenceLabel, row.id)
    label = None
    if label_row is not None:
        label = EvidenceLabel(
            kinds=tuple(label_row.kinds),
            source=label_row.source,
            certainty=label_row.certainty,
            rationale=label_row.rationale,
        )
    refs = session.scalars(
        select(t.CrossRef).where(t.CrossRef.page_id == row.id).order_by(t.CrossRef.position)
    )
    analyses = session.scalars(
        select(t.PageAnalysis.analysis_slug)
        .where(t.PageAnalysis.page_id == row.id)
        .order_by(t.PageAnalysis.position)
    )
    return Page.model_validate(
        {
            **{name: getattr(row, name) for name in _PAGE_COLUMNS},
            "label": label,
            "cross_refs": tuple(
                CrossRef.model_validate(
                    {"slug": ref.target_slug, "note": ref.note, "status": ref.status}
                )
                for ref in refs
            ),
            "analysis_slugs": tuple(analyses),
        }
    )


def upsert_page(session: Session, page: Page) -> UpsertOutcome:
    """Insert ``page`` or replace the stored page with the same slug (label and links too)."""
    columns = page.model_dump(mode="json", include=set(_PAGE_COLUMNS))
    columns["as_of"] = page.as_of
    stored = session.scalars(select(t.Page).where(t.Page.slug == page.slug)).first()
    row, outcome = put_row(
        session, t.Page, stored, columns, f"page {page.slug!r}",
        lambda row: _to_page(session, row) == page,
    )
    if outcome is UpsertOutcome.UNCHANGED:
        return outcome
    if outcome is UpsertOutcome.UPDATED:
        for table in (t.EvidenceLabel, t.CrossRef, t.PageAnalysis):
            session.execute(delete(table).where(table.page_id == row.id))
    if page.label is not None:
        label = page.label.model_dump(mode="json")
        session.add(t.EvidenceLabel(page_id=row.id, **label))
    for position, ref in enumerate(page.cross_refs):
        session.add(
            t.CrossRef(
                page_id=row.id,
                position=position,
                target_slug=ref.slug,
                note=ref.note,
                status=None if ref.status is None else ref.status.value,
            )
        )
    for position, slug in enumerate(page.analysis_slugs):
        session.add(t.PageAnalysis(page_id=row.id, position=position, analysis_slug=slug))
    flush(session, f"page {page.slug!r}")
    return outcome


def get_page(session: Session, slug: str) -> Page:
    """Return the page with ``slug``; :class:`NotFoundError` if there is none."""
    return _to_page(session, _page_row(session, slug))


def list_pages(session: Session, kind: PageKind | None = None) -> list[Page]:
    """Return pages ordered by slug, optionally only those of one kind."""
    statement = select(t.Page).order_by(t.Page.slug)
    if kind is not None:
        statement = statement.where(t.Page.kind == PageKind(kind).value)
    return [_to_page(session, row) for row in session.scalars(statement)]


# --------------------------------------------------------------------------- claims


def _claims_of(session: Session, page_ids: list[int] | None) -> list[Claim]:
    statement = (
        select(t.Page.slug, t.Claim)
        .join(t.Page, t.Page.id == t.Claim.page_id)
        .order_by(t.Page.slug, t.Claim.position)
    )
    if page_ids is not None:
        statement = statement.where(t.Claim.page_id.in_(page_ids))
    pairs = list(session.execute(statement))
    claim_ids = [claim.id for _, claim in pairs]
    cited: dict[int, list[str]] = {claim_id: [] for claim_id in claim_ids}
    if claim_ids:
        rows = session.execute(
            select(t.ClaimStudy.claim_id, t.Study.key)
            .join(t.Study, t.Study.id == t.ClaimStudy.study_id)
            .where(t.ClaimStudy.claim_id.in_(claim_ids))
            .order_by(t.ClaimStudy.claim_id, t.ClaimStudy.position)
        )
        for claim_id, study_key in rows:
            cited[claim_id].append(study_key)
    return [
        Claim(
            page_slug=slug,
            text=claim.text,
            study_keys=tuple(cited[claim.id]),
            tags=tuple(claim.tags),
        )
        for slug, claim in pairs
    ]


def replace_claims(session: Session, page_slug: str, claims: Iterable[Claim]) -> UpsertOutcome:
    """Make ``claims`` the whole list of claims of a stored page, in the given order.

    Every claim must belong to ``page_slug`` and cite only stored studies (else
    :class:`InputError` / :class:`StoreError` naming the claim). An identical list writes
    nothing (``UNCHANGED``); a page that had no claims reports ``CREATED``, else ``UPDATED``.
    """
    wanted = list(claims)
    page = _page_row(session, page_slug)
    study_ids: list[list[int]] = []
    for number, claim in enumerate(wanted, start=1):
        if claim.page_slug != page_slug:
            raise InputError(
                f"claim {number} belongs to page {claim.page_slug!r}, not {page_slug!r}"
            )
        if len(set(claim.study_keys)) != len(claim.study_keys):
            raise InputError(f"claim {number} on page {page_slug!r} cites a study twice")
        ids = []
        for key in claim.study_keys:
            try:
                ids.append(study_row(session, key).id)
            except NotFoundError:
                raise StoreError(
                    f"claim {number} on page {page_slug!r} cites study {key!r}, which is not in "
                    "the store; store the study first"
                ) from None
        study_ids.append(ids)
    stored = _claims_of(session, [page.id])
    if stored == wanted:
        return UpsertOutcome.UNCHANGED
    session.execute(delete(t.Claim).where(t.Claim.page_id == page.id))
    for position, (claim, ids) in enumerate(zip(wanted, study_ids, strict=True)):
        row = t.Claim(
            page_id=page.id,
            position=position,
            text=claim.text,
            tags=[tag.value for tag in claim.tags],
        )
        session.add(row)
        flush(session, f"claim {position + 1} on page {page_slug!r}")
        for study_position, study_id in enumerate(ids):
            session.add(t.ClaimStudy(claim_id=row.id, study_id=study_id, position=study_position))
    flush(session, f"claims of page {page_slug!r}")
    return UpsertOutcome.UPDATED if stored else UpsertOutcome.CREATED


def list_claims(
    session: Session, page_slug: str | None = None, *, study_key: str | None = None
) -> list[Claim]:
    """Return claims ordered by page then position: of one page, citing one study, or all."""
    page_ids = None if page_slug is None else [_page_row(session, page_slug).id]
    found = _claims_of(session, page_ids)
    if study_key is not None:
        study_row(session, study_key)
        found = [claim for claim in found if study_key in claim.study_keys]
    return found
