"""Studies (evidencehub.store.repo.studies); their outcome data: test_outcomes.py."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import (
    Record,
    Study,
    StudyDesign,
    TrialPhase,
)
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.studies import (
    UpsertOutcome,
    get_study,
    list_studies,
    upsert_study,
)

RECORD = Record(doi="10.1056/nejmoa1608267", pmid="28273300", title="Autologous iPSC-derived RPE")
STUDY = Study(
    key="mandai2017",
    label="Mandai 2017",
    design=StudyDesign.CASE_REPORT,
    record_keys=("pmid:28273300",),
    trial_ids=("umin000011929",),
    species="human",
    model="neovascular age-related macular degeneration",
    population="1 patient",
    n=1,
    follow_up="1 year",
    phase=TrialPhase.PHASE1,
    cell_source="autologous iPSC",
    encapsulation="none",
    immunosuppression="none",
    findings="Graft survived for 1 year without rejection.",
)
@pytest.fixture
def stored(session: Session) -> Session:
    upsert_record(session, RECORD, source="s")
    assert upsert_study(session, STUDY) is UpsertOutcome.CREATED
    return session


def test_study_round_trips_with_the_records_current_key(stored: Session) -> None:
    expected = STUDY.model_copy(update={"record_keys": (RECORD.key,)})
    assert get_study(stored, "mandai2017") == expected
    assert upsert_study(stored, STUDY) is UpsertOutcome.UNCHANGED
    assert upsert_study(stored, expected) is UpsertOutcome.UNCHANGED


def test_study_is_replaced_on_update(stored: Session) -> None:
    upsert_record(stored, Record(pmid="1", title="Follow-up report"), source="s")
    changed = STUDY.model_copy(
        update={"n": 2, "record_keys": ("pmid:1", RECORD.key), "trial_ids": ()}
    )
    assert upsert_study(stored, changed) is UpsertOutcome.UPDATED
    assert get_study(stored, "mandai2017") == changed


def test_study_citing_a_record_not_stored_is_refused(session: Session) -> None:
    with pytest.raises(
        StoreError, match="study 'mandai2017' cites record 'pmid:28273300', which is not"
    ):
        upsert_study(session, STUDY)


def test_study_listing_a_record_twice_is_refused(stored: Session) -> None:
    twice = STUDY.model_copy(update={"record_keys": ("pmid:28273300", RECORD.key)})
    with pytest.raises(InputError, match=r"lists record 'doi:10.1056/nejmoa1608267' twice"):
        upsert_study(stored, twice)


def test_list_studies_filters(stored: Session) -> None:
    animal = Study(key="pagliuca2014", label="Pagliuca 2014", design=StudyDesign.ANIMAL)
    upsert_study(stored, animal)
    assert [s.key for s in list_studies(stored)] == ["mandai2017", "pagliuca2014"]
    assert list_studies(stored, design=StudyDesign.ANIMAL) == [animal]
    assert [s.key for s in list_studies(stored, record_key="doi:10.1056/NEJMoa1608267")] == [
        "mandai2017"
    ]
    assert [s.key for s in list_studies(stored, trial_id="UMIN000011929")] == ["mandai2017"]
    with pytest.raises(NotFoundError, match="no study 'nobody2020'"):
        get_study(stored, "nobody2020")


