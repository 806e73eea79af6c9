"""Outcomes, arms and versioned outcome data (store/repo/outcomes.py), SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    Arm,
    Derivation,
    Outcome,
    OutcomeData,
    Record,
    Study,
    ValueDerivation,
    ValueKind,
)
from evidencehub.store import tables as t
from evidencehub.store.repo import UpsertOutcome
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.outcomes import (
    arm_id,
    get_outcome,
    get_outcome_data,
    list_arms,
    list_outcome_data,
    list_outcomes,
    outcome_data_history,
    outcome_id,
    put_outcome_data,
)
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import DataKind, OutcomeDirection, StudyDesign

RECORD = Record(doi="10.1056/nejmoa1608267", pmid="28273300", title="A trial")
HBA1C = Outcome(name="HbA1c", data_kind=DataKind.CONTINUOUS, unit="%")
DRUG = OutcomeData(study_key="smith2019", outcome="HbA1c", arm="drug", n=50, mean=-0.81,
                   sd=1.2, se=0.17, timepoint="6 months", timepoint_months=6.0,
                   value_kind=ValueKind.CHANGE,
                   derivations=(Derivation(method=ValueDerivation.SD_FROM_SE, fields=("sd",),
                                           inputs={"se": 0.17, "n": 50.0}, note="SD = SE √n"),),
                   attributes={"class": "SGLT2", "population": "T1D"},
                   source="doi:10.1056/nejmoa1608267", locator="Table 2, p. 4")


@pytest.fixture
def writer(session: Session) -> int:
    upsert_record(session, RECORD, source="pubmed")
    for key in ("smith2019", "jones2020"):
        upsert_study(session, Study(key=key, label=key.title(),
                                    design=StudyDesign.RANDOMISED_CONTROLLED))
    ada = actor_id(session, Actor(name="Ada"))
    outcome_id(session, HBA1C, actor_id=ada)
    return ada


def _versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(t.OutcomeDataVersion)) or 0


# --------------------------------------------------------------------------- outcomes and arms


def test_an_outcome_is_recorded_once_and_keeps_its_kind(session: Session, writer: int) -> None:
    first = outcome_id(session, Outcome(name="weight", data_kind=DataKind.CONTINUOUS),
                       actor_id=writer)
    fuller = Outcome(name="weight", data_kind=DataKind.CONTINUOUS, unit="kg",
                     direction=OutcomeDirection.LOWER_IS_BETTER, description="body weight")
    assert outcome_id(session, fuller, actor_id=writer) == first
    assert get_outcome(session, "weight") == fuller
    outcome_id(session, Outcome(name="weight", data_kind=DataKind.CONTINUOUS, unit="lb"),
               actor_id=writer)
    assert get_outcome(session, "weight").unit == "kg"  # filled in, never overwritten
    with pytest.raises(InputError) as err:
        outcome_id(session, Outcome(name="weight", data_kind=DataKind.DICHOTOMOUS),
                   actor_id=writer)
    assert str(err.value) == ("outcome 'weight' is continuous in the store; these numbers are "
                              "dichotomous")
    assert [o.name for o in list_outcomes(session)] == ["HbA1c", "weight"]


def test_an_unknown_outcome_names_the_known_ones(session: Session, writer: int) -> None:
    with pytest.raises(NotFoundError) as err:
        get_outcome(session, "C-peptide")
    assert str(err.value) == "no outcome 'C-peptide' in the store (known: 'HbA1c')"


def test_arms_are_recorded_once_per_study_and_label(session: Session, writer: int) -> None:
    drug = arm_id(session, Arm(study_key="smith2019", label="drug"), actor_id=writer)
    assert arm_id(session, Arm(study_key="smith2019", label="drug", n=50,
                               intervention="empagliflozin 10 mg"), actor_id=writer) == drug
    arm_id(session, Arm(study_key="smith2019", label="placebo"), actor_id=writer)
    other = arm_id(session, Arm(study_key="jones2020", label="drug"), actor_id=writer)
    assert other != drug
    assert list_arms(session, "smith2019") == [
        Arm(study_key="smith2019", label="drug", n=50, intervention="empagliflozin 10 mg"),
        Arm(study_key="smith2019", label="placebo")]
    with pytest.raises(NotFoundError, match="no study 'nope' in the store"):
        arm_id(session, Arm(study_key="nope", label="drug"), actor_id=writer)


# --------------------------------------------------------------------------- outcome data


def test_outcome_data_round_trips_every_field(session: Session, writer: int) -> None:
    data_id, version, status = put_outcome_data(session, DRUG, actor_id=writer)
    assert (version, status) == (1, UpsertOutcome.CREATED)
    stored = get_outcome_data(session, data_id)
    assert stored.data == DRUG
    assert (stored.id, stored.version, stored.actor, stored.import_id) == (data_id, 1, "Ada",
                                                                           None)
    assert stored.recorded_at.tzinfo is dt.UTC
    assert list_arms(session, "smith2019")[0].label == "drug"


def test_an_equal_result_writes_nothing(session: Session, writer: int) -> None:
    data_id, _, _ = put_outcome_data(session, DRUG, actor_id=writer)
    before = _versions(session)
    # the same source under another of its identifiers is the same result
    again = DRUG.model_copy(update={"source": "pmid:28273300"})
    assert put_outcome_data(session, again, actor_id=writer) == (data_id, 1,
                                                                  UpsertOutcome.UNCHANGED)
    assert _versions(session) == before


def test_a_changed_result_is_the_next_version_and_the_old_one_stays(
        session: Session, writer: int) -> None:
    data_id, _, _ = put_outcome_data(session, DRUG, actor_id=writer)
    bob = actor_id(session, Actor(name="Bob"))
    changed = DRUG.model_copy(update={"mean": -0.79})
    assert put_outcome_data(session, changed, actor_id=bob) == (data_id, 2,
                                                                 UpsertOutcome.UPDATED)
    located = changed.model_copy(update={"locator": "Table 3"})
    assert put_outcome_data(session, located, actor_id=bob)[1:] == (3, UpsertOutcome.UPDATED)
    history = outcome_data_history(session, data_id)
    assert [(h.version, h.data.mean, h.data.locator, h.actor) for h in history] == [
        (1, -0.81, "Table 2, p. 4", "Ada"), (2, -0.79, "Table 2, p. 4", "Bob"),
        (3, -0.79, "Table 3", "Bob")]
    assert get_outcome_data(session, data_id, 1).data == DRUG
    assert get_outcome_data(session, data_id).version == 3


def test_time_point_and_kind_of_value_are_part_of_the_identity(session: Session,
                                                                writer: int) -> None:
    ids = {
        put_outcome_data(session, DRUG, actor_id=writer)[0],
        put_outcome_data(session, DRUG.model_copy(update={"value_kind": ValueKind.FINAL}),
                         actor_id=writer)[0],
        put_outcome_data(session, DRUG.model_copy(update={"timepoint": "12 months"}),
                         actor_id=writer)[0],
        put_outcome_data(session, DRUG.model_copy(update={"timepoint": None}),
                         actor_id=writer)[0],
    }
    assert len(ids) == 4
    no_time = list_outcome_data(session, timepoint="")
    assert [d.data.timepoint for d in no_time] == [None]


def test_list_outcome_data_filters(session: Session, writer: int) -> None:
    outcome_id(session, Outcome(name="remission", data_kind=DataKind.DICHOTOMOUS),
               actor_id=writer)
    put_outcome_data(session, DRUG.model_copy(update={"study_key": "jones2020"}),
                     actor_id=writer)
    put_outcome_data(session, DRUG, actor_id=writer)
    put_outcome_data(session, DRUG.model_copy(update={"arm": "placebo", "mean": 0.1}),
                     actor_id=writer)
    final = DRUG.model_copy(update={"value_kind": ValueKind.FINAL, "mean": 7.2})
    put_outcome_data(session, final, actor_id=writer)
    remission = OutcomeData(study_key="smith2019", outcome="remission", arm="drug", events=3,
                            total=50)
    put_outcome_data(session, remission, actor_id=writer)

    everything = list_outcome_data(session)
    assert [(d.data.study_key, d.data.arm, d.data.outcome) for d in everything] == [
        ("jones2020", "drug", "HbA1c"), ("smith2019", "drug", "HbA1c"),
        ("smith2019", "placebo", "HbA1c"), ("smith2019", "drug", "HbA1c"),
        ("smith2019", "drug", "remission")]
    assert [d.data for d in list_outcome_data(session, "remission")] == [remission]
    assert len(list_outcome_data(session, "HbA1c", study_key="smith2019")) == 3
    assert [d.data.mean for d in list_outcome_data(session, "HbA1c",
                                                   value_kind=ValueKind.FINAL)] == [7.2]
    assert len(list_outcome_data(session, timepoint="6 months")) == 4
    changed = DRUG.model_copy(update={"mean": -1.0})
    put_outcome_data(session, changed, actor_id=writer)
    current = list_outcome_data(session, "HbA1c", study_key="smith2019",
                                value_kind=ValueKind.CHANGE)
    assert [(d.data.arm, d.version, d.data.mean) for d in current] == [
        ("drug", 2, -1.0), ("placebo", 1, 0.1)]


def test_what_is_not_stored_is_refused(session: Session, writer: int) -> None:
    with pytest.raises(NotFoundError, match="no outcome 'weight' in the store"):
        put_outcome_data(session, DRUG.model_copy(update={"outcome": "weight"}),
                         actor_id=writer)
    with pytest.raises(NotFoundError, match="no study 'nope' in the store"):
        put_outcome_data(session, DRUG.model_copy(update={"study_key": "nope"}),
                         actor_id=writer)
    with pytest.raises(InputError) as err:
        put_outcome_data(session, DRUG.model_copy(update={"source": "pmid:1"}), actor_id=writer)
    assert str(err.value) == ("study 'smith2019', arm 'drug', outcome 'HbA1c': source 'pmid:1' "
                              "is not in the store; import the record first (evidencehub "
                              "import or fetch)")
    with pytest.raises(NotFoundError, match="no outcome data 999999 in the store"):
        get_outcome_data(session, 999999)
    with pytest.raises(NotFoundError, match="no outcome data 999999 in the store"):
        outcome_data_history(session, 999999)
    data_id = put_outcome_data(session, DRUG, actor_id=writer)[0]
    with pytest.raises(NotFoundError, match=f"no outcome data {data_id} version 7 in the store"):
        get_outcome_data(session, data_id, 7)
