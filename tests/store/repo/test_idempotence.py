"""Loading the same content twice leaves every table exactly as it was (all repositories)."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from evidencehub.model import (
    Actor,
    Analysis,
    Claim,
    Comparison,
    CrossRef,
    EvidenceKind,
    EvidenceLabel,
    EvidenceTag,
    Outcome,
    OutcomeData,
    Page,
    PageKind,
    Record,
    Study,
    StudyDesign,
    Trial,
)
from evidencehub.store import transaction
from evidencehub.store.repo import (
    UpsertOutcome,
    actors,
    analyses,
    outcomes,
    pages,
    records,
    studies,
    trials,
)
from evidencehub.store.tables import metadata
from evidencehub.vocab import DataKind, Measure


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
        measure=Measure.PR,
        comparison=Comparison(experimental=("treated",)),
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
    writer = actors.actor_id(session, Actor(name="Ada"))
    created = not outcomes.list_outcomes(session)
    outcomes.outcome_id(session, Outcome(name="insulin-independence",
                                         data_kind=DataKind.DICHOTOMOUS), actor_id=writer)
    return [
        records.upsert_record(session, record, source="pubmed.xml"),
        trials.upsert_trial(session, trial, source="chictr"),
        UpsertOutcome.CREATED
        if trials.link_record_trial(session, record.key, "NCT00000001")
        else (UpsertOutcome.UNCHANGED),
        studies.upsert_study(session, study),
        UpsertOutcome.CREATED if created else UpsertOutcome.UNCHANGED,
        outcomes.put_outcome_data(session, outcome, actor_id=writer)[2],
        analyses.put_analysis(session, analysis, actor_id=writer),
        pages.upsert_page(session, page),
        pages.put_claims(session, "islets", [claim]),
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
    # Every table was written to, except the history of records that never changed and what
    # this load does not do (import, deduplicate, run an analysis: runs are never upserts).
    assert {name for name, rows in first.items() if not rows} == {
        "record_versions",
        "record_field_sources",
        "import_events",
        "import_records",
        "duplicate_candidates",
        "duplicate_decisions",
        "analysis_runs",
        "run_inputs",
        "page_runs",  # pinned when a page is published
        "claim_versions",  # only a reworded claim has earlier versions
        "claim_analyses",  # this claim cites a study, quotes no analysis
        # systematic reviews are not part of a load
        "reviews",
        "review_criteria",
        "review_members",
        "review_searches",
        "review_search_imports",
        "review_search_records",
        "screening_decisions",
        "full_texts",
        "review_rankings",
        "review_studies",
        # nor is appraisal
        "extraction_fields",
        "extraction_values",
        "rob_assessments",
        "grade_flags",
        "grade_ratings",
        "tag_decisions",
        # nor are the web application's accounts, sessions and page edits
        "users",
        "web_sessions",
        "page_versions",
    }
