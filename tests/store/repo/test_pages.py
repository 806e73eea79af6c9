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
    claim_history,
    get_claim,
    get_page,
    list_claims,
    list_pages,
    put_claims,
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


def _ids_dropped(claims: list[Claim]) -> list[Claim]:
    return [c.model_copy(update={"id": None}) for c in claims]


def test_claims_round_trip_and_put_is_idempotent(stored: Session) -> None:
    assert put_claims(stored, PAGE.slug, CLAIMS) is UpsertOutcome.CREATED
    first = list_claims(stored, PAGE.slug)
    assert _ids_dropped(first) == CLAIMS and all(c.id is not None for c in first)
    assert put_claims(stored, PAGE.slug, CLAIMS) is UpsertOutcome.UNCHANGED
    assert put_claims(stored, PAGE.slug, CLAIMS[1:]) is UpsertOutcome.UPDATED
    assert list_claims(stored) == first[1:]  # the claim kept keeps its id
    assert list_claims(stored, study_key="pagliuca2014") == [first[1]]


def test_claims_keep_their_ids_when_reworded_or_moved(stored: Session) -> None:
    put_claims(stored, PAGE.slug, CLAIMS)
    before = list_claims(stored, PAGE.slug)
    reworded = CLAIMS[0].model_copy(update={"text": CLAIMS[0].text.rstrip(".") + " in mice."})
    new = Claim(page_slug=PAGE.slug, text="An unrelated sentence about trial design.",
                study_keys=("pagliuca2014",))
    assert put_claims(stored, PAGE.slug, [new, CLAIMS[1], reworded]) is UpsertOutcome.UPDATED
    after = list_claims(stored, PAGE.slug)
    assert [c.text for c in after] == [new.text, CLAIMS[1].text, reworded.text]
    assert after[1].id == before[1].id and after[2].id == before[0].id  # moved, reworded
    assert after[0].id not in {c.id for c in before}  # a different sentence is a new claim
    assert claim_history(stored, before[0].id or 0) == [(1, CLAIMS[0].text)]
    assert get_claim(stored, after[2].id or 0).text == reworded.text
    with pytest.raises(NotFoundError, match="no claim 999999"):
        get_claim(stored, 999999)


def test_claims_must_cite_stored_studies_of_their_own_page(stored: Session) -> None:
    unknown = Claim(page_slug=PAGE.slug, text="x", study_keys=("ghost2020",))
    with pytest.raises(
        StoreError, match="claim 2 on page 'ipsc-derived-islets' cites study 'ghost2020'"
    ):
        put_claims(stored, PAGE.slug, [CLAIMS[0], unknown])
    elsewhere = CLAIMS[0].model_copy(update={"page_slug": "other"})
    with pytest.raises(
        InputError, match="claim 1 belongs to page 'other', not 'ipsc-derived-islets'"
    ):
        put_claims(stored, PAGE.slug, [elsewhere])
    with pytest.raises(NotFoundError, match="no page 'other'"):
        put_claims(stored, "other", [elsewhere])
