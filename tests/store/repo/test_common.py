"""Helpers shared by the repositories: merging given fields, flushing (store.repo._common)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.errors import StoreError
from evidencehub.model import Author, Record, Trial
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo._common import (
    UpsertOutcome,
    flush,
    given_fields,
    merge_present,
    put_row,
)
from evidencehub.store.repo.records import upsert_record


def test_given_fields_are_those_not_at_their_default() -> None:
    record = Record(title="T", pmid="1", keywords=("a",), retracted=True, abstract="")
    assert given_fields(record) == ["pmid", "title", "keywords", "retracted"]


def test_merge_takes_given_fields_and_keeps_the_rest() -> None:
    stored = Record(
        title="Old", pmid="1", abstract="Kept", authors=(Author(family="A"),), year=2000
    )
    incoming = Record(title="New", pmid="1", year=2001, retracted=True)
    merged = merge_present(stored, incoming)
    assert merged == Record(
        title="New",
        pmid="1",
        abstract="Kept",
        authors=(Author(family="A"),),
        year=2001,
        retracted=True,
    )
    trial = Trial(registry_id="NCT00000001", title="T", status="RECRUITING")
    assert merge_present(trial, Trial(registry_id="NCT00000001", title="T")) == trial


def test_flush_turns_a_constraint_violation_into_a_store_error(session: Session) -> None:
    session.add(t.Study(key="twice", label="A", design="animal"))
    session.add(t.Study(key="twice", label="B", design="animal"))
    with pytest.raises(
        StoreError, match=r"^study 'twice': the store refused the change: .*(UNIQUE|unique)"
    ):
        flush(session, "study 'twice'")


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_concurrent_imports_of_one_work_fail_cleanly(engine: Engine) -> None:
    """The second writer waits for the first, then gets a StoreError, and writes nothing."""
    record = Record(doi="10.1000/race", title="Raced")
    first = Session(engine)
    upsert_record(first, record, source="first")

    def commit_later() -> None:
        time.sleep(0.5)
        first.commit()

    committer = threading.Thread(target=commit_later)
    committer.start()
    try:
        with pytest.raises(
            StoreError, match=r"record 'doi:10.1000/race': the store refused .*uq_records_doi"
        ), transaction(engine) as second:
            upsert_record(second, record.model_copy(update={"year": 2020}), source="second")
    finally:
        committer.join()
        first.close()
    with transaction(engine) as session:
        assert upsert_record(session, record, source="first").value == "unchanged"


def test_put_row_creates_then_leaves_alone_then_updates(session: Session) -> None:
    columns = {"key": "k1", "label": "First", "design": "animal"}
    row, outcome = put_row(session, t.Study, None, columns, "study 'k1'", lambda r: False)
    assert outcome is UpsertOutcome.CREATED and row.id is not None
    same, outcome = put_row(session, t.Study, row, columns, "study 'k1'", lambda r: True)
    assert outcome is UpsertOutcome.UNCHANGED and same is row
    changed = {**columns, "label": "Second"}
    updated, outcome = put_row(session, t.Study, row, changed, "study 'k1'", lambda r: False)
    assert outcome is UpsertOutcome.UPDATED and updated is row and row.label == "Second"
