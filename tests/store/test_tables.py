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
    (model.OutcomeData, "study_key"): "outcome_data.study_id",
    (model.AnalysisResult, "analysis_slug"): "analysis_results.analysis_id",
    (model.Page, "label"): "evidence_labels",
    (model.Page, "cross_refs"): "cross_refs",
    (model.Page, "analysis_slugs"): "page_analyses",
    (model.Claim, "page_slug"): "claims.page_id",
    (model.Claim, "study_keys"): "claim_studies",
    (model.CrossRef, "slug"): "cross_refs.target_slug",
}


@pytest.mark.parametrize(
    ("domain", "table"),
    [
        (model.Record, t.Record),
        (model.Trial, t.Trial),
        (model.Study, t.Study),
        (model.OutcomeData, t.OutcomeData),
        (model.Analysis, t.Analysis),
        (model.AnalysisResult, t.AnalysisResult),
        (model.Page, t.Page),
        (model.EvidenceLabel, t.EvidenceLabel),
        (model.CrossRef, t.CrossRef),
        (model.Claim, t.Claim),
    ],
)
def test_every_model_field_has_a_column(domain: type[BaseModel], table: type[t.Base]) -> None:
    columns = set(table.__table__.columns.keys())
    missing = [
        name
        for name in domain.model_fields
        if name not in columns and (domain, name) not in _ELSEWHERE
    ]
    assert missing == [], f"{table.__tablename__} has no column for {missing}"


def test_timestamps_are_stored_as_utc_and_read_back_aware(engine: Engine) -> None:
    moment = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with transaction(engine) as session:
        analysis = t.Analysis(
            slug="a", title="A", outcome="o", measure="MD", method="REML", test="z"
        )
        session.add(analysis)
        session.flush()
        session.add(
            t.AnalysisResult(analysis_id=analysis.id, result={}, fitted_at=moment, software="x")
        )
    with transaction(engine) as session:
        stored = session.scalars(select(t.AnalysisResult.fitted_at)).one()
    assert stored == moment
    assert stored.tzinfo is dt.UTC
    assert stored.hour == 6
