"""Analyses, comparisons and runs (store/repo/analyses.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import (
    Actor,
    Analysis,
    AnalysisRun,
    Comparison,
    Outcome,
    OutcomeData,
    Review,
    Study,
    ValueKind,
)
from evidencehub.store import tables as t
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.repo.analyses import (
    UpsertOutcome,
    add_run,
    analysis_ids,
    comparison_id,
    get_analysis,
    get_run,
    latest_run,
    latest_runs,
    link_review,
    list_analyses,
    list_runs,
    put_analysis,
    runs_using,
)
from evidencehub.store.repo.outcomes import outcome_id, put_outcome_data
from evidencehub.store.repo.reviews import create_review
from evidencehub.store.repo.studies import upsert_study
from evidencehub.vocab import DataKind, Measure, Method, ModelRule, StudyDesign, Test

ANALYSIS = Analysis(
    slug="sglt2-vs-placebo-hba1c",
    title="SGLT2 inhibitors versus placebo: HbA1c",
    outcome="HbA1c",
    comparison=Comparison(experimental=("empagliflozin", "dapagliflozin"), control=("placebo",)),
    measure=Measure.MD,
    method=Method.REML,
    test=Test.KNHA,
    level=90.0,
    model_rule=ModelRule.I2_Q,
    subgroup="class",
    timepoint="24 weeks",
    value_kind=ValueKind.CHANGE,
    description="Arms of Senn et al. 2013.",
)
T0 = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


@pytest.fixture
def writer(session: Session) -> int:
    ada = actor_id(session, Actor(name="Ada"))
    outcome_id(session, Outcome(name="HbA1c", data_kind=DataKind.CONTINUOUS), actor_id=ada)
    return ada


def _run(slug: str = ANALYSIS.slug, **fields: object) -> AnalysisRun:
    return AnalysisRun.model_validate({
        "analysis_slug": slug, "schema_version": 1, "fingerprint": "f" * 64,
        "settings": {"method": "REML"},
        "result": {"schema_version": 1, "k": 3, "estimate": -0.62, "tau2": 0.0,
                   "studies": [{"study": "a", "yi": -0.5}]},
        "software": "evidencehub 0.2.0", "created_at": T0, **fields})


# --------------------------------------------------------------------------- comparisons


def test_a_comparison_is_stored_once_whatever_the_order_of_its_arms(
        session: Session, writer: int) -> None:
    first = comparison_id(session, ANALYSIS.comparison, actor_id=writer)
    swapped = Comparison(experimental=("dapagliflozin", "empagliflozin"), control=("placebo",))
    assert comparison_id(session, swapped, actor_id=writer) == first
    other = comparison_id(session, Comparison(experimental=("empagliflozin",),
                                              control=("placebo",)), actor_id=writer)
    assert other != first
    arms = session.execute(select(t.ComparisonArm.role, t.ComparisonArm.arm_label,
                                  t.ComparisonArm.position)
                           .where(t.ComparisonArm.comparison_id == first)
                           .order_by(t.ComparisonArm.role, t.ComparisonArm.position)).all()
    assert [tuple(a) for a in arms] == [("control", "placebo", 0),
                                        ("experimental", "empagliflozin", 0),
                                        ("experimental", "dapagliflozin", 1)]


def test_comparison_keys_and_labels() -> None:
    assert ANALYSIS.comparison.key == "dapagliflozin,empagliflozin|placebo"
    assert ANALYSIS.comparison.label == "empagliflozin or dapagliflozin vs placebo"
    single = Comparison(experimental=("islets",))
    assert (single.key, single.label) == ("islets|", "islets")
    with pytest.raises(ValueError, match="arm 'a' is on both sides of the comparison"):
        Comparison(experimental=("a",), control=("a",))
    with pytest.raises(ValueError, match="an arm is listed twice on one side"):
        Comparison(experimental=("a", "a"))
    with pytest.raises(ValueError, match="at least 1 item"):
        Comparison(experimental=())


# --------------------------------------------------------------------------- analyses


def test_an_analysis_round_trips_and_put_is_idempotent(session: Session, writer: int) -> None:
    assert put_analysis(session, ANALYSIS, actor_id=writer) is UpsertOutcome.CREATED
    assert get_analysis(session, ANALYSIS.slug) == ANALYSIS
    assert put_analysis(session, ANALYSIS, actor_id=writer) is UpsertOutcome.UNCHANGED
    bob = actor_id(session, Actor(name="Bob"))
    changed = ANALYSIS.model_copy(update={"method": Method.DL, "model_rule": None})
    assert put_analysis(session, changed, actor_id=bob) is UpsertOutcome.UPDATED
    assert list_analyses(session) == [changed]
    row = session.scalars(select(t.Analysis)).one()
    assert row.actor_id == bob and row.updated_at.tzinfo is dt.UTC


def test_a_changed_comparison_points_to_another_comparison(session: Session,
                                                          writer: int) -> None:
    put_analysis(session, ANALYSIS, actor_id=writer)
    narrower = ANALYSIS.model_copy(update={
        "comparison": Comparison(experimental=("empagliflozin",), control=("placebo",))})
    assert put_analysis(session, narrower, actor_id=writer) is UpsertOutcome.UPDATED
    assert get_analysis(session, ANALYSIS.slug).comparison == narrower.comparison
    assert len(session.scalars(select(t.Comparison)).all()) == 2  # the first one is kept


def test_list_and_find_analyses(session: Session, writer: int) -> None:
    for slug in ("b-analysis", "a-analysis", "c-analysis"):
        put_analysis(session, ANALYSIS.model_copy(update={"slug": slug}), actor_id=writer)
    assert [a.slug for a in list_analyses(session)] == ["a-analysis", "b-analysis",
                                                        "c-analysis"]
    assert [a.slug for a in list_analyses(session, ["c-analysis", "a-analysis",
                                                    "c-analysis"])] == ["a-analysis",
                                                                        "c-analysis"]
    assert list_analyses(session, []) == []
    with pytest.raises(NotFoundError, match="no analysis 'zzz' in the store"):
        list_analyses(session, ["a-analysis", "zzz"])
    with pytest.raises(NotFoundError, match="no analysis 'zzz' in the store"):
        get_analysis(session, "zzz")
    assert set(analysis_ids(session)) == {"a-analysis", "b-analysis", "c-analysis"}


def test_an_analysis_of_an_unknown_outcome_is_refused(session: Session, writer: int) -> None:
    with pytest.raises(InputError) as err:
        put_analysis(session, ANALYSIS.model_copy(update={"outcome": "weight"}),
                     actor_id=writer)
    assert str(err.value) == ("analysis 'sglt2-vs-placebo-hba1c': no outcome 'weight' in the "
                              "store (known: 'HbA1c')")


def test_an_analysis_names_its_review_and_the_link_is_set_and_cleared(session: Session,
                                                                     writer: int) -> None:
    create_review(session, Review(slug="sglt2", title="SGLT2 inhibitors"), Actor(name="Ada"))
    linked = ANALYSIS.model_copy(update={"review": "sglt2"})
    assert put_analysis(session, linked, actor_id=writer) is UpsertOutcome.CREATED
    assert get_analysis(session, ANALYSIS.slug).review == "sglt2"
    assert put_analysis(session, linked, actor_id=writer) is UpsertOutcome.UNCHANGED
    bob = actor_id(session, Actor(name="Bob"))
    assert link_review(session, ANALYSIS.slug, None, actor_id=bob) is UpsertOutcome.UPDATED
    assert list_analyses(session) == [ANALYSIS]
    row = session.scalars(select(t.Analysis)).one()
    assert row.actor_id == bob and row.review_id is None
    assert link_review(session, ANALYSIS.slug, None, actor_id=writer) is UpsertOutcome.UNCHANGED
    assert row.actor_id == bob  # nothing written, nobody recorded
    assert link_review(session, ANALYSIS.slug, "sglt2", actor_id=writer) is UpsertOutcome.UPDATED
    assert get_analysis(session, ANALYSIS.slug) == linked and row.actor_id == writer


def test_an_unknown_review_is_refused(session: Session, writer: int) -> None:
    with pytest.raises(NotFoundError) as err:
        put_analysis(session, ANALYSIS.model_copy(update={"review": "nope"}), actor_id=writer)
    assert str(err.value) == ("analysis 'sglt2-vs-placebo-hba1c': no review 'nope' in the store "
                              "(see 'evidencehub review list')")
    put_analysis(session, ANALYSIS, actor_id=writer)
    with pytest.raises(NotFoundError, match="no review 'nope'"):
        link_review(session, ANALYSIS.slug, "nope", actor_id=writer)
    with pytest.raises(NotFoundError, match="no analysis 'zzz'"):
        link_review(session, "zzz", None, actor_id=writer)


# --------------------------------------------------------------------------- runs


def test_runs_are_kept_and_the_newest_is_the_latest(session: Session, writer: int) -> None:
    put_analysis(session, ANALYSIS, actor_id=writer)
    assert latest_run(session, ANALYSIS.slug) is None
    assert latest_runs(session) == {}
    first = add_run(session, _run(), actor_id=writer)
    later = add_run(session, _run(result={"k": 4}, created_at=T0 + dt.timedelta(days=1)),
                    actor_id=writer)
    runs = list_runs(session, ANALYSIS.slug)
    assert [r.id for r in runs] == [first, later]
    assert runs[0] == _run(id=first, actor="Ada")
    latest = latest_run(session, ANALYSIS.slug)
    assert latest is not None and latest.id == later and latest.result == {"k": 4}
    assert get_run(session, first) == runs[0]
    assert latest_runs(session, ["nope"]) == {}
    with pytest.raises(NotFoundError, match="no analysis 'nope' in the store"):
        latest_run(session, "nope")
    with pytest.raises(NotFoundError, match="no run 999999 in the store"):
        get_run(session, 999999)


def test_latest_runs_of_several_analyses(session: Session, writer: int) -> None:
    for slug in ("one", "two", "three"):
        put_analysis(session, ANALYSIS.model_copy(update={"slug": slug}), actor_id=writer)
    ids = {slug: [add_run(session, _run(slug), actor_id=writer) for _ in range(2)]
           for slug in ("one", "two")}
    latest = latest_runs(session)
    assert {slug: run.id for slug, run in latest.items()} == {"one": ids["one"][1],
                                                              "two": ids["two"][1]}
    assert list(latest_runs(session, ["two"])) == ["two"]


def test_a_run_names_the_versions_it_pooled(session: Session, writer: int) -> None:
    upsert_study(session, Study(key="smith2019", label="Smith 2019",
                                design=StudyDesign.RANDOMISED_CONTROLLED))
    data = OutcomeData(study_key="smith2019", outcome="HbA1c", arm="drug", n=10, mean=1.0,
                       sd=1.0)
    first, _, _ = put_outcome_data(session, data, actor_id=writer)
    second, _, _ = put_outcome_data(session, data.model_copy(update={"arm": "placebo"}),
                                    actor_id=writer)
    put_outcome_data(session, data.model_copy(update={"mean": 2.0}), actor_id=writer)
    put_analysis(session, ANALYSIS, actor_id=writer)
    run = add_run(session, _run(inputs=((second, 1), (first, 2))), actor_id=writer)
    older = add_run(session, _run(inputs=((first, 1),)), actor_id=writer)
    assert get_run(session, run).inputs == ((first, 2), (second, 1))  # by outcome-data id
    assert runs_using(session, first) == [run, older]
    assert runs_using(session, second) == [run]


def test_stored_results_are_strict_json_in_their_own_key_order(session: Session,
                                                               writer: int) -> None:
    put_analysis(session, ANALYSIS, actor_id=writer)
    result = {"z": np.float64(1.5), "estimate": float("nan"), "k": np.int64(3),
              "flags": np.array([True, False]), "tau2": float("inf"), "a": None,
              "rows": [{"yi": np.float32(0.25), "w": (1, 2)}]}
    run = get_run(session, add_run(session, _run(result=result), actor_id=writer))
    assert run.result == {"z": 1.5, "estimate": None, "k": 3, "flags": [True, False],
                          "tau2": None, "a": None, "rows": [{"yi": 0.25, "w": [1, 2]}]}
    assert list(run.result) == ["z", "estimate", "k", "flags", "tau2", "a", "rows"]
    with pytest.raises(InputError, match=r"^result: cannot store a object as JSON$"):
        add_run(session, _run(result={"rows": [{"bad": object()}]}), actor_id=writer)


def test_a_run_of_an_unknown_analysis_is_refused(session: Session, writer: int) -> None:
    with pytest.raises(NotFoundError, match="no analysis 'nope' in the store"):
        add_run(session, _run("nope"), actor_id=writer)
