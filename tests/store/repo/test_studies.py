"""Studies and outcome data (evidencehub.store.repo.studies)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import (
    OutcomeData,
    Record,
    Study,
    StudyDesign,
    TrialPhase,
    ValueDerivation,
    ValueKind,
)
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.studies import (
    UpsertOutcome,
    get_study,
    list_outcomes,
    list_studies,
    replace_outcomes,
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
MEAN = OutcomeData(
    study_key="mandai2017", outcome="hba1c", arm="treated", timepoint="12 months",
    timepoint_months=12, value_kind=ValueKind.CHANGE, n=15, mean=-0.62, sd=0.41, unit="%",
    derivation=ValueDerivation.SD_FROM_SE, derivation_note="SE 0.106 × √15",
)  # fmt: skip
EVENTS = OutcomeData(
    study_key="mandai2017", outcome="insulin-independence", arm="treated", events=3, total=15
)
MEDIAN = OutcomeData(
    study_key="mandai2017", outcome="c-peptide", arm="treated", n=12, median=0.3, q1=0.1, q3=0.5,
    minimum=0.0, maximum=1.2,
)  # fmt: skip


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


def test_outcomes_round_trip_in_order_and_replace_is_idempotent(stored: Session) -> None:
    assert replace_outcomes(stored, "mandai2017", [MEAN, EVENTS, MEDIAN]) is UpsertOutcome.CREATED
    assert list_outcomes(stored) == [MEAN, EVENTS, MEDIAN]
    assert replace_outcomes(stored, "mandai2017", [MEAN, EVENTS, MEDIAN]) is UpsertOutcome.UNCHANGED
    assert replace_outcomes(stored, "mandai2017", [EVENTS]) is UpsertOutcome.UPDATED
    assert list_outcomes(stored, study_key="mandai2017") == [EVENTS]


def test_list_outcomes_filters(stored: Session) -> None:
    other = Study(key="zz2020", label="ZZ 2020", design=StudyDesign.SINGLE_ARM_TRIAL)
    upsert_study(stored, other)
    final = MEAN.model_copy(update={"study_key": "zz2020", "value_kind": ValueKind.FINAL})
    replace_outcomes(stored, "zz2020", [final])
    replace_outcomes(stored, "mandai2017", [MEAN, EVENTS])
    assert list_outcomes(stored, "hba1c") == [MEAN, final]
    assert list_outcomes(stored, "hba1c", value_kind=ValueKind.CHANGE) == [MEAN]
    assert list_outcomes(stored, timepoint="12 months", study_key="zz2020") == [final]
    assert list_outcomes(stored, "no-such-outcome") == []


def test_outcomes_of_another_study_are_refused(stored: Session) -> None:
    stray = EVENTS.model_copy(update={"study_key": "other2020"})
    with pytest.raises(
        InputError, match=r"outcome 2 \(insulin-independence, arm 'treated'\) belongs"
    ):
        replace_outcomes(stored, "mandai2017", [MEAN, stray])
    with pytest.raises(NotFoundError, match="no study 'other2020'"):
        replace_outcomes(stored, "other2020", [stray])
