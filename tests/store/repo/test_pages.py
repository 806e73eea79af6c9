"""Pages, evidence labels, cross-references and claims (evidencehub.store.repo.pages)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import (
    Claim,
    CrossRef,
    EvidenceKind,
    EvidenceLabel,
    EvidenceTag,
    Page,
    PageKind,
    PageStatus,
    Study,
    StudyDesign,
)
from evidencehub.store.repo.pages import (
    UpsertOutcome,
    get_page,
    list_claims,
    list_pages,
    replace_claims,
    upsert_page,
)
from evidencehub.store.repo.studies import upsert_study

PAGE = Page(
    slug="ipsc-derived-islets",
    kind=PageKind.INTERVENTION,
    title="iPSC-derived islets",
    dek="Where the evidence stands",
    status=PageStatus.VERIFIED_PARTIAL,
    category="cell therapy",
    body="Islets made from stem cells [@wang2024] {needs-replication}.",
    takeaways=("One patient insulin-independent at one year.",),
    cross_refs=(
        CrossRef(slug="encapsulation", note="device designs", status=PageStatus.STUB),
        CrossRef(slug="immunosuppression"),
    ),
    label=EvidenceLabel(
        kinds=(EvidenceKind.ANIMAL, EvidenceKind.EARLY_HUMAN), certainty="low", rationale="n = 1"
    ),
    as_of=dt.date(2025, 6, 1),
    analysis_slugs=("islet-insulin-independence",),
)
CLAIMS = [
    Claim(page_slug=PAGE.slug, text="Insulin independence at one year.", study_keys=("wang2024",),
          tags=(EvidenceTag.NEEDS_REPLICATION, EvidenceTag.LONG_TERM_UNKNOWN)),
    Claim(page_slug=PAGE.slug, text="Works in mice and in one human.",
          study_keys=("pagliuca2014", "wang2024")),
    Claim(page_slug=PAGE.slug, text="Cheaper than donor islets.", tags=(EvidenceTag.UNSOURCED,)),
]  # fmt: skip


@pytest.fixture
def stored(session: Session) -> Session:
    upsert_study(session, Study(key="wang2024", label="Wang 2024", design=StudyDesign.CASE_REPORT))
    upsert_study(
        session, Study(key="pagliuca2014", label="Pagliuca 2014", design=StudyDesign.ANIMAL)
    )
    assert upsert_page(session, PAGE) is UpsertOutcome.CREATED
    return session


def test_page_round_trips_with_label_refs_and_analyses(stored: Session) -> None:
    assert get_page(stored, PAGE.slug) == PAGE
    assert upsert_page(stored, PAGE) is UpsertOutcome.UNCHANGED


def test_page_is_replaced_whole(stored: Session) -> None:
    plain = Page(slug=PAGE.slug, kind=PageKind.ARTICLE, title="Rewritten")
    assert upsert_page(stored, plain) is UpsertOutcome.UPDATED
    assert get_page(stored, PAGE.slug) == plain
    assert upsert_page(stored, PAGE) is UpsertOutcome.UPDATED
    assert get_page(stored, PAGE.slug) == PAGE


def test_list_pages_by_kind(stored: Session) -> None:
    article = Page(slug="a-first-article", kind=PageKind.ARTICLE, title="Article")
    upsert_page(stored, article)
    assert [p.slug for p in list_pages(stored)] == ["a-first-article", PAGE.slug]
    assert list_pages(stored, kind=PageKind.ARTICLE) == [article]
    assert list_pages(stored, PageKind.INDEX) == []
    with pytest.raises(NotFoundError, match="no page 'missing'"):
        get_page(stored, "missing")


def test_claims_round_trip_and_replace_is_idempotent(stored: Session) -> None:
    assert replace_claims(stored, PAGE.slug, CLAIMS) is UpsertOutcome.CREATED
    assert list_claims(stored, PAGE.slug) == CLAIMS
    assert replace_claims(stored, PAGE.slug, CLAIMS) is UpsertOutcome.UNCHANGED
    assert replace_claims(stored, PAGE.slug, CLAIMS[1:]) is UpsertOutcome.UPDATED
    assert list_claims(stored) == CLAIMS[1:]
    assert list_claims(stored, study_key="pagliuca2014") == [CLAIMS[1]]


def test_claims_must_cite_stored_studies_of_their_own_page(stored: Session) -> None:
    unknown = Claim(page_slug=PAGE.slug, text="x", study_keys=("ghost2020",))
    with pytest.raises(
        StoreError, match="claim 2 on page 'ipsc-derived-islets' cites study 'ghost2020'"
    ):
        replace_claims(stored, PAGE.slug, [CLAIMS[0], unknown])
    elsewhere = CLAIMS[0].model_copy(update={"page_slug": "other"})
    with pytest.raises(
        InputError, match="claim 1 belongs to page 'other', not 'ipsc-derived-islets'"
    ):
        replace_claims(stored, PAGE.slug, [elsewhere])
    with pytest.raises(NotFoundError, match="no page 'other'"):
        replace_claims(stored, "other", [elsewhere])
