"""Candidate pairs, decisions and merging two records (store.repo.duplicates), on both databases."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    Author,
    DuplicateVerdict,
    ImportEvent,
    ImportKind,
    ImportOutcome,
    Record,
)
from evidencehub.store import tables as t
from evidencehub.store.repo.duplicates import (
    PairStatus,
    add_candidates,
    add_decision,
    list_pairs,
    merge_records,
)
from evidencehub.store.repo.imports import event_records, record_event
from evidencehub.store.repo.records import (
    get_record,
    list_records,
    record_history,
    record_ids,
    record_provenance,
    upsert_record,
    upsert_records,
)
from evidencehub.store.repo.trials import trial_ids_for_record

BOB = Actor(name="bob")
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
KEPT = Record(
    doi="10.1000/islets",
    title="Islet transplantation outcomes in type 1 diabetes",
    year=2019,
    authors=(Author(family="Hering", given="B"),),
    registry_ids=("NCT00000102",),
)
OTHER = Record(
    title="Islet transplantation outcomes in type 1 diabetes",
    year=2019,
    authors=(Author(family="Shapiro", given="A"),),
    abstract="Thirty-six patients received islets; quokkaword appears here only.",
    registry_ids=("NCT00000102", "NCT00000105"),
)
THIRD = Record(pmid="555", title="Encapsulated stem-cell-derived beta cells", year=2020)


def store(session: Session) -> tuple[str, str, str]:
    upsert_records(session, [KEPT, OTHER, THIRD], source="ris:a.ris")
    return KEPT.key, OTHER.key, THIRD.key


def test_candidates_are_stored_once_by_ordered_ids(session: Session) -> None:
    kept, other, third = store(session)
    assert add_candidates(session, [(other, kept, "first-author", 100.0)], import_id=None) == 1
    assert add_candidates(session, [(kept, other, "title", 95.0), (kept, kept, "doi", None)],
                          import_id=None) == 0  # fmt: skip
    ids = record_ids(session, [kept, other])
    row = session.execute(select(t.DuplicateCandidate)).scalar_one()
    assert (row.record_a_id, row.record_b_id) == tuple(sorted(ids.values()))
    assert (row.reason, row.score, row.import_id) == ("first-author", 100.0, None)
    add_decision(session, kept, third, DuplicateVerdict.DIFFERENT, BOB)
    assert add_candidates(session, [(third, kept, "title", 85.0)], import_id=None) == 0
    with pytest.raises(InputError, match=re.escape("no record 'doi:10.1000/none' in the store")):
        add_candidates(session, [(kept, "doi:10.1000/none", "title", 85.0)], import_id=None)


def test_pending_and_decided_pairs(session: Session) -> None:
    kept, other, third = store(session)
    import_id = record_event(
        session,
        ImportEvent(kind=ImportKind.FILE, reader="ris", label="a.ris", actor="bob",
                    started_at=T0, finished_at=T0),
        BOB,
        {kept: ImportOutcome.CREATED},
    )  # fmt: skip
    add_candidates(session, [(other, kept, "first-author", 100.0)], import_id=import_id)
    add_candidates(session, [(third, kept, "title", 81.5)], import_id=import_id)
    (first, second) = list_pairs(session)
    assert (first.keys, first.status, first.reason, first.score, first.import_id) == (
        (kept, other), PairStatus.PENDING, "first-author", 100.0, import_id
    )
    assert [r.key for r in first.records] == [kept, other] and first.decision is None
    assert second.keys == (kept, third)

    add_decision(session, third, kept, DuplicateVerdict.SAME, BOB, note="first look")
    add_decision(session, "pmid:555", kept, DuplicateVerdict.DIFFERENT, BOB, note="other trial")
    assert [p.keys for p in list_pairs(session)] == [(kept, other)]
    decided = list_pairs(session, decided=True)
    assert [(p.keys, p.status) for p in decided] == [
        ((kept, other), PairStatus.PENDING), ((kept, third), PairStatus.DIFFERENT),
    ]  # fmt: skip
    decision = decided[1].decision
    assert decision is not None
    assert (decision.verdict, decision.actor, decision.note) == (
        DuplicateVerdict.DIFFERENT, "bob", "other trial"
    )
    assert decided[1].reason == "title"  # from the candidate row


def test_decisions_are_refused_for_one_record_or_unknown_keys(session: Session) -> None:
    kept, _, _ = store(session)
    with pytest.raises(InputError, match=r"^doi:10.1000/islets and doi:10.1000/ISLETS are one "
                                         r"stored record \(doi:10.1000/islets\); give two records$"):  # fmt: skip
        add_decision(session, kept, "doi:10.1000/ISLETS", DuplicateVerdict.SAME, BOB)
    with pytest.raises(NotFoundError, match="no record 'pmid:1' in the store"):
        add_decision(session, kept, "pmid:1", DuplicateVerdict.SAME, BOB)
    assert list_pairs(session, decided=True) == []


def _references_to(session: Session, record_id: int) -> dict[str, int]:
    """Rows of every table that refer to the record ``record_id``."""
    found: dict[str, int] = {}
    for table in t.Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "records":
                n = session.scalar(
                    select(func.count()).select_from(table).where(fk.parent == record_id)
                )
                if n:
                    found[f"{table.name}.{fk.parent.name}"] = n
    return found


def _study(session: Session, key: str, record_ids: list[int]) -> None:
    study = t.Study(key=key, label=key, design="rct")
    session.add(study)
    session.flush()
    for position, record_id in enumerate(record_ids):
        session.add(t.StudyRecord(study_id=study.id, record_id=record_id, position=position))
    session.flush()


def _outcome_data(session: Session, record_id: int, actor_id: int) -> int:
    study = session.scalars(select(t.Study).where(t.Study.key == "both")).one()
    outcome = t.Outcome(name="HbA1c", data_kind="continuous", actor_id=actor_id, created_at=T0)
    arm = t.Arm(study_id=study.id, label="islets", actor_id=actor_id, created_at=T0)
    session.add_all([outcome, arm])
    session.flush()
    row = t.OutcomeData(study_id=study.id, arm_id=arm.id, outcome_id=outcome.id, timepoint="",
                        value_kind="final", current_version=1)  # fmt: skip
    session.add(row)
    session.flush()
    version = t.OutcomeDataVersion(
        outcome_data_id=row.id, version=1, n=10, mean=7.1, sd=0.8, derivations=[], attributes={},
        record_id=record_id, actor_id=actor_id, recorded_at=T0,
    )  # fmt: skip
    session.add(version)
    session.flush()
    return version.id


def test_merging_moves_everything_to_the_kept_record(session: Session) -> None:
    kept, other, third = store(session)
    # the other record has a history of its own: an earlier version and a later one
    upsert_record(session, OTHER.model_copy(update={"journal": "Diabetes"}), source="ris:b.ris")
    ids = record_ids(session, [kept, other, third])
    kept_id, other_id = ids[kept], ids[other]
    _study(session, "both", [kept_id, other_id])
    _study(session, "other-only", [other_id])
    events = [
        record_event(
            session,
            ImportEvent(kind=ImportKind.FILE, reader="ris", label=label, actor="bob",
                        started_at=T0, finished_at=T0),
            BOB,
            outcomes,
        )
        for label, outcomes in (
            ("a.ris", {kept: ImportOutcome.UNCHANGED, other: ImportOutcome.CREATED}),
            ("b.ris", {other: ImportOutcome.UPDATED}),
        )
    ]  # fmt: skip
    actor_id = session.scalar(select(t.Actor.id).where(t.Actor.name == "bob"))
    assert actor_id is not None
    version_id = _outcome_data(session, other_id, actor_id)
    add_candidates(session, [(kept, other, "first-author", 100.0),
                             (other, third, "title", 82.0), (kept, third, "title", 81.0)],
                   import_id=events[0])  # fmt: skip
    add_decision(session, other, kept, DuplicateVerdict.SAME, BOB, note="same DOI in the PDF")
    merged = KEPT.model_copy(
        update={"abstract": OTHER.abstract, "journal": "Diabetes",
                "registry_ids": ("NCT00000102", "NCT00000105")}
    )  # fmt: skip
    merge_records(session, kept, other, merged, {"abstract": "ris:a.ris", "journal": "ris:b.ris"})

    assert _references_to(session, other_id) == {}
    assert {r.key for r in list_records(session)} == {kept, third}
    assert get_record(session, kept) == merged
    provenance = record_provenance(session, kept)
    assert (provenance["abstract"], provenance["journal"]) == ("ris:a.ris", "ris:b.ris")
    assert provenance["registry_ids"] == f"merge:{other}"
    assert trial_ids_for_record(session, kept) == ["NCT00000102", "NCT00000105"]
    history = record_history(session, kept)
    assert [(v.record.key, v.record.journal, v.source) for v in history] == [
        (other, None, "ris:a.ris"),  # the other's first version
        (other, "Diabetes", "ris:b.ris"),  # the other's last version
        (kept, None, "ris:a.ris"),  # the kept record before the merge
        (kept, "Diabetes", f"merge:{other}"),
    ]
    assert history[1].superseded_by == history[2].superseded_by == f"merge:{other}"
    # studies: one row per study; imports: the strongest outcome when one returned both
    assert session.scalar(select(func.count()).select_from(t.StudyRecord)) == 2
    assert event_records(session, events[0])[0].outcome is ImportOutcome.CREATED
    assert [r.outcome for r in event_records(session, events[1])] == [ImportOutcome.UPDATED]
    version = session.get(t.OutcomeDataVersion, version_id)
    assert version is not None and version.record_id == kept_id
    # pairs: the merged pair is a merge now; (other, third) became (kept, third), listed once
    pairs = list_pairs(session, decided=True)
    assert [(p.keys, p.status, len(p.records)) for p in pairs] == [
        ((kept, third), PairStatus.PENDING, 2), ((kept, other), PairStatus.SAME, 1),
    ]  # fmt: skip
    assert pairs[0].score == 81.0  # the kept record's own candidate row
    decision = pairs[1].decision
    assert decision is not None and (decision.actor, decision.note) == ("bob", "same DOI in the PDF")
    if session.get_bind().dialect.name == "sqlite":
        found = session.execute(
            text("SELECT rowid FROM records_fts WHERE records_fts MATCH 'quokkaword'")
        ).scalars().all()
        assert found == [kept_id]


def test_merging_one_record_into_itself_is_refused(session: Session) -> None:
    kept, _, _ = store(session)
    with pytest.raises(InputError, match="are one stored record; nothing to merge"):
        merge_records(session, kept, "doi:10.1000/ISLETS", KEPT, {})
