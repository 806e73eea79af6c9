"""Loading the same content twice leaves every table exactly as it was (all repositories)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from evidencehub.model import (
    Analysis,
    AnalysisResult,
    Claim,
    CrossRef,
    EvidenceKind,
    EvidenceLabel,
    EvidenceTag,
    OutcomeData,
    Page,
    PageKind,
    Record,
    Study,
    StudyDesign,
    Trial,
)
from evidencehub.store import transaction
from evidencehub.store.repo import UpsertOutcome, analyses, pages, records, studies, trials
from evidencehub.store.tables import metadata


def _load(session: Session) -> list[UpsertOutcome]:
    """Write one of everything; return what each write reported."""
    record = Record(
        doi="10.1016/j.cell.2024.09.004",
        pmid="39326415",
        title="iPSC islets",
        registry_ids=("ChiCTR2300072200",),
    )
    study = Study(
        key="wang2024",
        label="Wang 2024",
        design=StudyDesign.CASE_REPORT,
        record_keys=(record.key,),
        trial_ids=("ChiCTR2300072200",),
        n=1,
    )
    outcome = OutcomeData(
        study_key="wang2024", outcome="insulin-independence", arm="treated", events=1, total=1
    )
    analysis = Analysis(
        slug="independence",
        title="Insulin independence",
        outcome="insulin-independence",
        measure="PR",
    )
    fit = AnalysisResult(
        analysis_slug="independence",
        result={"k": 1, "estimate": 1.0},
        fitted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        software="evidencehub",
    )
    page = Page(
        slug="islets",
        kind=PageKind.INTERVENTION,
        title="Islets",
        cross_refs=(CrossRef(slug="encapsulation"),),
        label=EvidenceLabel(kinds=(EvidenceKind.EARLY_HUMAN,)),
        analysis_slugs=("independence",),
    )
    claim = Claim(
        page_slug="islets",
        text="One patient.",
        study_keys=("wang2024",),
        tags=(EvidenceTag.NEEDS_REPLICATION,),
    )
    trial = Trial(registry_id="ChiCTR2300072200", title="CiPSC islets")
    return [
        records.upsert_record(session, record, source="pubmed.xml"),
        trials.upsert_trial(session, trial, source="chictr"),
        UpsertOutcome.CREATED
        if trials.link_record_trial(session, record.key, "NCT00000001")
        else (UpsertOutcome.UNCHANGED),
        studies.upsert_study(session, study),
        studies.replace_outcomes(session, "wang2024", [outcome]),
        analyses.upsert_analysis(session, analysis),
        analyses.save_result(session, fit),
        pages.upsert_page(session, page),
        pages.replace_claims(session, "islets", [claim]),
    ]


def _dump(session: Session) -> dict[str, list[str]]:
    return {
        table.name: sorted(repr(tuple(row)) for row in session.execute(select(table)))
        for table in metadata.sorted_tables
    }


def test_loading_everything_twice_changes_no_row(engine: Engine) -> None:
    with transaction(engine) as session:
        assert set(_load(session)) == {UpsertOutcome.CREATED}
        first = _dump(session)
    with transaction(engine) as session:
        assert set(_load(session)) == {UpsertOutcome.UNCHANGED}
    with transaction(engine) as session:
        assert _dump(session) == first
    # Every table was written to, except the history of records that never changed.
    assert {name for name, rows in first.items() if not rows} == {
        "record_versions",
        "record_field_sources",
    }
