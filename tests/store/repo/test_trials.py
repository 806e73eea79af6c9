"""Trials: upsert, lookups by any registry id, record links (evidencehub.store.repo.trials)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError, StoreError
from evidencehub.model import Record, Trial, TrialPhase
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.trials import (
    UpsertOutcome,
    count_trials,
    find_trials,
    get_trial,
    link_record_trial,
    list_trials,
    record_keys_for_trial,
    trial_ids_for_record,
    upsert_trial,
)

TRIAL = Trial(
    registry_id="nct02239354",
    secondary_ids=("2014-000232-28", "UMIN000012345"),
    title="A Safety, Tolerability, and Efficacy Study of VC-01 in Type 1 Diabetes",
    phase=TrialPhase.PHASE1_2,
    status="COMPLETED",
    enrollment=19,
    conditions=("Type 1 Diabetes",),
    interventions=("VC-01 combination product",),
    sponsor="ViaCyte",
    start_date=dt.date(2014, 9, 1),
    completion_date=dt.date(2018, 1, 1),
    has_results=False,
    study_type="INTERVENTIONAL",
    summary="Encapsulated pancreatic progenitors implanted subcutaneously.",
    arms=("VC-01",),
    locations=("San Diego, United States",),
    last_updated=dt.date(2021, 3, 4),
)


def test_every_field_round_trips(session: Session) -> None:
    assert upsert_trial(session, TRIAL, source="ctgov") is UpsertOutcome.CREATED
    assert get_trial(session, "NCT02239354") == TRIAL
    assert list_trials(session) == [TRIAL]
    assert count_trials(session) == 1


@pytest.mark.parametrize(
    "registry_id", ["NCT02239354", "nct 02239354", "EudraCT 2014-000232-28", "umin000012345"]
)
def test_found_by_any_of_its_ids(session: Session, registry_id: str) -> None:
    upsert_trial(session, TRIAL)
    assert get_trial(session, registry_id).registry_id == "NCT02239354"


def test_upsert_is_idempotent_and_merges(session: Session) -> None:
    upsert_trial(session, TRIAL)
    assert upsert_trial(session, TRIAL) is UpsertOutcome.UNCHANGED
    newer = Trial(
        registry_id="NCT02239354",
        title=TRIAL.title,
        status="TERMINATED",
        secondary_ids=("UMIN000012345",),
    )
    assert upsert_trial(session, newer, source="ctgov") is UpsertOutcome.UPDATED
    stored = get_trial(session, "NCT02239354")
    assert stored == TRIAL.model_copy(
        update={"status": "TERMINATED", "secondary_ids": ("UMIN000012345",)}
    )
    with pytest.raises(NotFoundError):
        get_trial(session, "2014-000232-28")  # no longer one of its ids


def test_a_secondary_id_shared_by_two_trials(session: Session) -> None:
    upsert_trial(session, TRIAL)
    other = Trial(registry_id="NCT03163511", title="VC-02", secondary_ids=("2014-000232-28",))
    upsert_trial(session, other)
    assert [trial.registry_id for trial in find_trials(session, "2014-000232-28")] == [
        "NCT02239354",
        "NCT03163511",
    ]
    with pytest.raises(StoreError, match="secondary id of several trials"):
        get_trial(session, "2014-000232-28")
    assert find_trials(session, "NCT03163511") == [other]


def test_primary_id_wins_over_a_secondary_listing(session: Session) -> None:
    upsert_trial(session, TRIAL)
    upsert_trial(session, Trial(registry_id="UMIN000012345", title="The Japanese registration"))
    assert get_trial(session, "UMIN000012345").title == "The Japanese registration"
    assert len(find_trials(session, "UMIN000012345")) == 2


def test_record_links_resolve_through_any_trial_id(session: Session) -> None:
    upsert_record(session, Record(pmid="1", title="Report"), source="s")
    upsert_record(
        session, Record(pmid="2", title="Other report", registry_ids=("UMIN000012345",)), source="s"
    )
    assert link_record_trial(session, "pmid:1", "nct02239354") is True
    assert link_record_trial(session, "pmid:1", "NCT02239354") is False
    # Before the trial is stored, a link by its id is still found by that id.
    assert record_keys_for_trial(session, "NCT02239354") == ["pmid:1"]
    upsert_trial(session, TRIAL)
    assert record_keys_for_trial(session, "NCT02239354") == ["pmid:1", "pmid:2"]
    assert trial_ids_for_record(session, "pmid:1") == ["NCT02239354"]


def test_link_errors_name_what_is_wrong(session: Session) -> None:
    with pytest.raises(NotFoundError, match="no record 'pmid:3' in the store"):
        link_record_trial(session, "pmid:3", "NCT02239354")
    upsert_record(session, Record(pmid="3", title="Report"), source="s")
    with pytest.raises(InputError, match="not a trial registry id: 'XYZ1'"):
        link_record_trial(session, "pmid:3", "XYZ1")
    with pytest.raises(NotFoundError, match="no trial 'NCT09999999' in the store"):
        get_trial(session, "NCT09999999")


def test_list_trials_is_sorted_and_limited(session: Session) -> None:
    for registry_id in ("NCT00000003", "NCT00000001", "NCT00000002"):
        upsert_trial(session, Trial(registry_id=registry_id, title=registry_id))
    assert [trial.registry_id for trial in list_trials(session, limit=2)] == [
        "NCT00000001",
        "NCT00000002",
    ]
