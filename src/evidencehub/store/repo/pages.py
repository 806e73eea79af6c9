"""Published pages, their evidence labels and cross-references, and the claims they make.

:func:`upsert_page` replaces a stored page with the one given, including its evidence label
(``evidence_labels``), cross-references (``cross_refs``, to slugs that may not exist yet: a
stub is a page nobody has written) and the analyses it shows (``page_analyses``, by slug).
:func:`put_claims` makes a list the page's claims, keeping each claim's id across edits (its
earlier wordings are kept); every study and analysis a claim cites must be stored, so a page
cannot cite evidence the hub does not hold. :func:`pin_runs` records the runs a page shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Claim, CrossRef, EvidenceLabel, Page, PageKind
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, put_row, utc_now
from evidencehub.store.repo._lookup import study_row

__all__ = [
    "UpsertOutcome",
    "claim_history",
    "get_claim",
    "get_page",
    "list_claims",
    "list_pages",
    "pin_runs",
    "pinned_runs",
    "put_claims",
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
        label = EvidenceLabel.model_validate({
            "kinds": tuple(label_row.kinds),
            "source": label_row.source,
            "certainty": label_row.certainty,
            "rationale": label_row.rationale,
        })
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


def upsert_page(session: Session, page: Page, *, actor_id: int | None = None) -> UpsertOutcome:
    """Insert ``page`` or replace the stored page with the same slug (label and links too);
    a change records its writer and time."""
    columns = page.model_dump(mode="json", include=set(_PAGE_COLUMNS))
    columns["as_of"] = page.as_of
    stored = session.scalars(select(t.Page).where(t.Page.slug == page.slug)).first()
    row, outcome = put_row(
        session, t.Page, stored, columns, f"page {page.slug!r}",
        lambda row: _to_page(session, row) == page,
    )
    if outcome is UpsertOutcome.UNCHANGED:
        return outcome
    row.actor_id, row.updated_at = actor_id, utc_now()
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
    quoted: dict[int, list[str]] = {claim_id: [] for claim_id in claim_ids}
    if claim_ids:
        for claim_id, study_key in session.execute(
            select(t.ClaimStudy.claim_id, t.Study.key)
            .join(t.Study, t.Study.id == t.ClaimStudy.study_id)
            .where(t.ClaimStudy.claim_id.in_(claim_ids))
            .order_by(t.ClaimStudy.claim_id, t.ClaimStudy.position)
        ):
            cited[claim_id].append(study_key)
        for claim_id, slug in session.execute(
            select(t.ClaimAnalysis.claim_id, t.Analysis.slug)
            .join(t.Analysis, t.Analysis.id == t.ClaimAnalysis.analysis_id)
            .where(t.ClaimAnalysis.claim_id.in_(claim_ids))
            .order_by(t.ClaimAnalysis.claim_id, t.ClaimAnalysis.position)
        ):
            quoted[claim_id].append(slug)
    return [
        Claim(
            id=claim.id,
            page_slug=slug,
            text=claim.text,
            study_keys=tuple(cited[claim.id]),
            analysis_slugs=tuple(quoted[claim.id]),
            tags=tuple(claim.tags),
        )
        for slug, claim in pairs
    ]


def _without_id(claim: Claim) -> Claim:
    return claim.model_copy(update={"id": None})


def _match(stored: list[Claim], wanted: list[Claim]) -> list[int | None]:
    """For each wanted claim, the id of the stored claim it continues (or None: a new claim).

    Same text first, then the most similar remaining wording (rapidfuzz ratio >= 60, so an
    edited sentence keeps its id while a different sentence gets a new one).
    """
    from rapidfuzz import fuzz

    free = {c.id: c for c in stored if c.id is not None}
    ids: list[int | None] = [None] * len(wanted)
    for i, claim in enumerate(wanted):
        same = next((cid for cid, c in free.items() if c.text == claim.text), None)
        if same is not None:
            ids[i] = same
            del free[same]
    for i, claim in enumerate(wanted):
        if ids[i] is not None or not free:
            continue
        best = max(free, key=lambda cid: fuzz.ratio(free[cid].text, claim.text))
        if fuzz.ratio(free[best].text, claim.text) >= 60:
            ids[i] = best
            del free[best]
    return ids


def _citations(session: Session, page_slug: str, number: int, claim: Claim
               ) -> tuple[list[int], list[int]]:
    if len(set(claim.study_keys)) != len(claim.study_keys):
        raise InputError(f"claim {number} on page {page_slug!r} cites a study twice")
    study_ids = []
    for key in claim.study_keys:
        try:
            study_ids.append(study_row(session, key).id)
        except NotFoundError:
            raise StoreError(
                f"claim {number} on page {page_slug!r} cites study {key!r}, which is not in "
                "the store; store the study first"
            ) from None
    analysis_ids = []
    for slug in dict.fromkeys(claim.analysis_slugs):
        row = session.scalars(select(t.Analysis.id).where(t.Analysis.slug == slug)).first()
        if row is None:
            raise StoreError(f"claim {number} on page {page_slug!r} quotes analysis {slug!r}, "
                             "which is not in the store; add the analysis first")
        analysis_ids.append(row)
    return study_ids, analysis_ids


def put_claims(
    session: Session, page_slug: str, claims: Iterable[Claim], *, actor_id: int | None = None
) -> UpsertOutcome:
    """Make ``claims`` the claims of a stored page, in the given order, keeping ids.

    A claim continues the stored claim with the same text, else the most similar wording (see
    :func:`_match`): its id stays, its row is updated, and a changed wording is kept in
    ``claim_versions``. Claims no longer on the page are removed; new ones get new ids. Every
    study and analysis a claim cites must be stored. An identical list writes nothing.
    """
    wanted = list(claims)
    page = _page_row(session, page_slug)
    links = []
    for number, claim in enumerate(wanted, start=1):
        if claim.page_slug != page_slug:
            raise InputError(
                f"claim {number} belongs to page {claim.page_slug!r}, not {page_slug!r}"
            )
        links.append(_citations(session, page_slug, number, claim))
    stored = _claims_of(session, [page.id])
    if [_without_id(c) for c in stored] == [_without_id(c) for c in wanted]:
        return UpsertOutcome.UNCHANGED
    ids = _match(stored, wanted)
    now = utc_now()
    rows = {row.id: row for row in session.scalars(select(t.Claim).where(t.Claim.page_id == page.id))}
    kept = {i for i in ids if i is not None}
    for stored_id, stored_row in rows.items():
        if stored_id not in kept:
            session.delete(stored_row)
    for stored_row in rows.values():  # free the positions before they are reassigned
        stored_row.position = -stored_row.id
    flush(session, f"claims of page {page_slug!r}")
    by_id = {c.id: c for c in stored}
    for position, (claim, claim_id, (study_ids, analysis_ids)) in enumerate(
        zip(wanted, ids, links, strict=True)
    ):
        tags = [tag.value for tag in claim.tags]
        if claim_id is None:
            row = t.Claim(page_id=page.id, position=position, text=claim.text, tags=tags,
                          version=1, actor_id=actor_id, updated_at=now)
            session.add(row)
            flush(session, f"claim {position + 1} on page {page_slug!r}")
        else:
            row = rows[claim_id]
            row.position = position
            old = by_id[claim_id]
            if old.text != claim.text or old.tags != claim.tags:
                session.add(t.ClaimVersion(claim_id=row.id, version=row.version, text=row.text,
                                           tags=row.tags, actor_id=row.actor_id,
                                           superseded_at=now))
                row.version += 1
                row.text, row.tags, row.actor_id, row.updated_at = claim.text, tags, actor_id, now
            session.execute(delete(t.ClaimStudy).where(t.ClaimStudy.claim_id == row.id))
            session.execute(delete(t.ClaimAnalysis).where(t.ClaimAnalysis.claim_id == row.id))
        session.add_all(t.ClaimStudy(claim_id=row.id, study_id=s, position=i)
                        for i, s in enumerate(study_ids))
        session.add_all(t.ClaimAnalysis(claim_id=row.id, analysis_id=a, position=i)
                        for i, a in enumerate(analysis_ids))
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


def get_claim(session: Session, claim_id: int) -> Claim:
    """The claim with ``claim_id``; :class:`NotFoundError` if there is none."""
    row = session.get(t.Claim, claim_id)
    if row is None:
        raise NotFoundError(f"no claim {claim_id} in the store")
    return next(c for c in _claims_of(session, [row.page_id]) if c.id == claim_id)


def claim_history(session: Session, claim_id: int) -> list[tuple[int, str]]:
    """Earlier wordings of a claim, ``(version, text)``, oldest first."""
    return [(v, text) for v, text in session.execute(
        select(t.ClaimVersion.version, t.ClaimVersion.text)
        .where(t.ClaimVersion.claim_id == claim_id).order_by(t.ClaimVersion.version))]


# --------------------------------------------------------------------------- runs a page shows


def pin_runs(session: Session, page_slug: str, run_ids: Iterable[int], *, actor_id: int
             ) -> UpsertOutcome:
    """Record that ``page_slug`` shows exactly the runs ``run_ids`` (when it is published)."""
    page = _page_row(session, page_slug)
    wanted = set(run_ids)
    stored = set(session.scalars(select(t.PageRun.run_id).where(t.PageRun.page_id == page.id)))
    if wanted == stored:
        return UpsertOutcome.UNCHANGED
    now = utc_now()
    if stored - wanted:
        session.execute(delete(t.PageRun).where(t.PageRun.page_id == page.id,
                                                t.PageRun.run_id.in_(stored - wanted)))
    session.add_all(t.PageRun(page_id=page.id, run_id=run_id, actor_id=actor_id, pinned_at=now)
                    for run_id in sorted(wanted - stored))
    flush(session, f"runs shown on page {page_slug!r}")
    return UpsertOutcome.UPDATED if stored else UpsertOutcome.CREATED


def pinned_runs(session: Session, page_slug: str) -> list[int]:
    """Ids of the runs a page showed when it was last published."""
    page = _page_row(session, page_slug)
    return list(session.scalars(select(t.PageRun.run_id).where(t.PageRun.page_id == page.id)
                                .order_by(t.PageRun.run_id)))
