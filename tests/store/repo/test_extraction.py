"""Extraction in the store (evidencehub.store.repo.extraction): forms, append-only values with
their locators and derivations, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError
from evidencehub.model import (
    Actor,
    Derivation,
    ExtractedValue,
    ExtractionField,
    Record,
    Review,
    ReviewMember,
    Study,
    ValueDerivation,
)
from evidencehub.review.extraction import DEFAULT_FORM
from evidencehub.store.repo.extraction import (
    add_fields,
    add_values,
    form_fields,
    list_values,
)
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.reviews import add_review_study, create_review, review_study_keys
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import ExtractionBasis, ExtractionLevel, FieldKind, ReviewerRole, StudyDesign

LEAD = Actor(name="lea")
_AT = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def review_id(session: Session) -> int:
    upsert_record(session, Record(pmid="28273300", title="Islets"), source="s")
    for key in ("smith2020", "jones2021"):
        upsert_study(
            session,
            Study(key=key, label=key, design=StudyDesign.COHORT, record_keys=("pmid:28273300",)),
        )
    made = create_review(
        session,
        Review(
            slug="islets",
            title="Islets",
            members=(ReviewMember(name="ana", role=ReviewerRole.SCREENER),),
        ),
        LEAD,
    )
    from evidencehub.store.repo._lookup import study_row

    for key in ("smith2020", "jones2021"):
        add_review_study(session, made, study_row(session, key).id, LEAD)
    return made


def test_the_form_round_trips_and_a_key_is_taken_once(session: Session, review_id: int) -> None:
    custom = ExtractionField(
        key="cell_source",
        label="Cell source",
        level=ExtractionLevel.STUDY,
        kind=FieldKind.CHOICE,
        choices=("donor", "stem cell"),
        position=len(DEFAULT_FORM),
    )
    assert form_fields(session, review_id) == []
    add_fields(session, review_id, [*DEFAULT_FORM, custom], LEAD)
    assert form_fields(session, review_id) == [*DEFAULT_FORM, custom]
    with pytest.raises(InputError, match=r"^the extraction form already has a field 'cell_source'$"):
        add_fields(session, review_id, [custom], LEAD)


def test_values_are_appended_and_read_back_with_derivations(
    session: Session, review_id: int
) -> None:
    derivation = Derivation(
        method=ValueDerivation.SD_FROM_SE,
        fields=("sd",),
        inputs={"se": 0.4, "n": 25.0},
        note="SD = SE x sqrt(n)",
    )
    given = [
        ExtractedValue(
            study_key="smith2020",
            basis=ExtractionBasis.EXTRACTION,
            field="country",
            value="Canada",
            locator="p. 2",
            actor="ana",
            recorded_at=_AT,
        ),
        ExtractedValue(
            study_key="smith2020",
            basis=ExtractionBasis.CONSENSUS,
            outcome="hba1c",
            arm="islets",
            timepoint="12 months",
            field="sd",
            value="2.0",
            locator="Table 2",
            derivation=derivation,
            actor="lea",
            recorded_at=_AT,
        ),
        ExtractedValue(
            study_key="jones2021",
            basis=ExtractionBasis.IMPORTED,
            field="country",
            value=None,
            actor="ana",
            recorded_at=_AT,
        ),
    ]
    stored = add_values(session, review_id, given)
    assert [v.id for v in stored] == sorted(v.id for v in stored if v.id is not None)
    assert list_values(session, review_id) == stored
    (consensus,) = list_values(session, review_id, basis=ExtractionBasis.CONSENSUS)
    assert consensus.derivation == derivation and consensus.derivation.inputs["se"] == 0.4
    assert [v.study_key for v in list_values(session, review_id, study_keys=["jones2021"])] == [
        "jones2021"
    ]


def test_the_studies_of_a_review_in_the_order_they_were_added(
    session: Session, review_id: int
) -> None:
    assert review_study_keys(session, review_id) == ("smith2020", "jones2021")
