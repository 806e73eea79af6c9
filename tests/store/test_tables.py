"""The schema covers the domain model, and timestamps are UTC everywhere (store.tables)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel
from sqlalchemy import Engine, select

from evidencehub import model
from evidencehub.store import tables as t
from evidencehub.store import transaction

# Fields stored elsewhere than in a column of the same name, and where.
_ELSEWHERE = {
    (model.Study, "record_keys"): "study_records",
    (model.Study, "trial_ids"): "study_trials",
    (model.ImportEvent, "actor"): "import_events.actor_id",
    (model.Arm, "study_key"): "arms.study_id",
    (model.OutcomeData, "study_key"): "outcome_data.study_id",
    (model.OutcomeData, "outcome"): "outcome_data.outcome_id",
    (model.OutcomeData, "arm"): "outcome_data.arm_id",
    (model.OutcomeData, "source"): "outcome_data_versions.record_id",
    (model.StoredOutcomeData, "id"): "outcome_data_versions.outcome_data_id",
    (model.StoredOutcomeData, "data"): "outcome_data and outcome_data_versions",
    (model.StoredOutcomeData, "actor"): "outcome_data_versions.actor_id",
    (model.Comparison, "experimental"): "comparison_arms (role experimental)",
    (model.Comparison, "control"): "comparison_arms (role control)",
    (model.Analysis, "outcome"): "analyses.outcome_id",
    (model.Analysis, "comparison"): "analyses.comparison_id",
    (model.Analysis, "review"): "analyses.review_id",
    (model.AnalysisRun, "analysis_slug"): "analysis_runs.analysis_id",
    (model.AnalysisRun, "inputs"): "run_inputs",
    (model.AnalysisRun, "actor"): "analysis_runs.actor_id",
    (model.Page, "label"): "evidence_labels",
    (model.Page, "cross_refs"): "cross_refs",
    (model.Page, "analysis_slugs"): "page_analyses",
    (model.Claim, "page_slug"): "claims.page_id",
    (model.Claim, "study_keys"): "claim_studies",
    (model.Claim, "analysis_slugs"): "claim_analyses",
    (model.CrossRef, "slug"): "cross_refs.target_slug",
}


@pytest.mark.parametrize(
    ("domain", "tables"),
    [
        (model.Record, (t.Record,)),
        (model.Trial, (t.Trial,)),
        (model.Study, (t.Study,)),
        (model.Actor, (t.Actor,)),
        (model.ImportEvent, (t.ImportEvent,)),
        (model.Outcome, (t.Outcome,)),
        (model.Arm, (t.Arm,)),
        (model.OutcomeData, (t.OutcomeData, t.OutcomeDataVersion)),
        (model.StoredOutcomeData, (t.OutcomeDataVersion,)),
        (model.Comparison, (t.Comparison, t.ComparisonArm)),
        (model.Analysis, (t.Analysis,)),
        (model.AnalysisRun, (t.AnalysisRun,)),
        (model.Page, (t.Page,)),
        (model.EvidenceLabel, (t.EvidenceLabel,)),
        (model.CrossRef, (t.CrossRef,)),
        (model.Claim, (t.Claim,)),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_every_model_field_has_a_column(domain: type[BaseModel],
                                        tables: tuple[type[t.Base], ...]) -> None:
    columns = {c.name for table in tables for c in table.__table__.columns}
    missing = [
        name
        for name in domain.model_fields
        if name not in columns and (domain, name) not in _ELSEWHERE
    ]
    assert missing == [], f"{tables[0].__tablename__} has no column for {missing}"


def test_the_places_named_elsewhere_exist() -> None:
    for place in _ELSEWHERE.values():
        table, _, column = place.split(" ")[0].partition(".")
        assert table in t.Base.metadata.tables, place
        assert not column or column in t.Base.metadata.tables[table].columns, place


def test_timestamps_are_stored_as_utc_and_read_back_aware(engine: Engine) -> None:
    moment = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with transaction(engine) as session:
        session.add(t.Actor(name="Ada", kind="person", email=None, created_at=moment))
    with transaction(engine) as session:
        stored = session.scalars(select(t.Actor.created_at)).one()
    assert stored == moment
    assert stored.tzinfo is dt.UTC
    assert stored.hour == 6
