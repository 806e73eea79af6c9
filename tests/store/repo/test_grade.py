"""GRADE flags and ratings (store/repo/grade.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from evidencehub.errors import NotFoundError
from evidencehub.model import (
    Actor,
    Analysis,
    AnalysisRun,
    Comparison,
    Outcome,
    Study,
)
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.analyses import add_run, put_analysis
from evidencehub.store.repo.grade import (
    add_rating,
    current_flags,
    latest_ratings,
    rating_history,
    set_flag,
)
from evidencehub.store.repo.outcomes import outcome_id
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import DataKind, Measure, StudyDesign

SLUG = "islets-vs-control-insulin-independence"


@pytest.fixture
def writer(session: Session) -> int:
    ada = actor_id(session, Actor(name="Ada"))
    outcome_id(session, Outcome(name="insulin independence", data_kind=DataKind.DICHOTOMOUS),
               actor_id=ada)
    put_analysis(session, Analysis(slug=SLUG, title="Islets", outcome="insulin independence",
                                   comparison=Comparison(experimental=("islets",),
                                                         control=("control",)),
                                   measure=Measure.RR), actor_id=ada)
    upsert_study(session, Study(key="rct1", label="RCT 1",
                                design=StudyDesign.RANDOMISED_CONTROLLED))
    return ada


def _run(session: Session, writer: int) -> int:
    return add_run(session, AnalysisRun(
        analysis_slug=SLUG, schema_version=1, fingerprint="f" * 64, result={"k": 2},
        software="evidencehub test", created_at=dt.datetime(2026, 12, 6, tzinfo=dt.UTC)),
        actor_id=writer)


def test_flags_hold_until_withdrawn(session: Session, writer: int) -> None:
    set_flag(session, SLUG, "population", reviewer="ben", study_key="rct1", note="adults only")
    set_flag(session, SLUG, "dose-response", reviewer="ben")
    set_flag(session, SLUG, "population", reviewer="cy", study_key="rct1", present=False)
    flags = current_flags(session, SLUG)
    assert [(f.study_key, f.flag, f.reviewer) for f in flags] == [(None, "dose-response", "ben")]
    set_flag(session, SLUG, "population", reviewer="ben", study_key="rct1", note="adults")
    assert {(f.study_key, f.flag, f.note) for f in current_flags(session, SLUG)} == {
        (None, "dose-response", None), ("rct1", "population", "adults")}


def test_a_rating_is_stale_once_the_analysis_runs_again(session: Session, writer: int) -> None:
    first = _run(session, writer)
    add_rating(session, SLUG, first, certainty="moderate", payload={"certainty": "moderate"},
               rater="ben")
    rating = latest_ratings(session)[SLUG]
    assert (rating.run_id, rating.certainty, rating.rater, rating.stale) == (
        first, "moderate", "ben", False)
    second = _run(session, writer)
    assert latest_ratings(session, [SLUG])[SLUG].stale
    add_rating(session, SLUG, second, certainty="low", payload={}, rater="cy")
    history = rating_history(session, SLUG)
    assert [(r.certainty, r.stale) for r in history] == [("moderate", True), ("low", False)]


def test_flags_and_ratings_of_an_unknown_analysis_are_refused(session: Session,
                                                              writer: int) -> None:
    with pytest.raises(NotFoundError, match="no analysis 'nope'"):
        set_flag(session, "nope", "population", reviewer="ben")
    with pytest.raises(NotFoundError, match="no study 'nope'"):
        set_flag(session, SLUG, "population", reviewer="ben", study_key="nope")
    assert latest_ratings(session, ["nope"]) == {}
