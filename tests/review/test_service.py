"""The review service on a real store (review/service.py, review/queue.py,
store/repo/reviews.py), on SQLite and PostgreSQL: searches from imports, the rules of who may
decide what, append-only history, blinding, and concurrent decisions that lose nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from evidencehub.errors import InputError, NotFoundError
from evidencehub.ingest.importer import import_paths
from evidencehub.model import Actor, Criterion, Review, ReviewMember, Search
from evidencehub.review import service
from evidencehub.review.queue import learnt_labels, next_for
from evidencehub.review.screening import Standing
from evidencehub.store import tables as t
from evidencehub.store import transaction
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.records import records_by_id
from evidencehub.vocab import (
    DecisionBasis,
    RetrievalStatus,
    ReviewerRole,
    ScreeningLabel,
    ScreeningStage,
    SearchKind,
)

DATA = Path(__file__).parents[1] / "data"
PUBMED = DATA / "pubmed_xml"
INC, EXC, MAY = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE, ScreeningLabel.MAYBE
TA, FT = ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT
LEAD = Actor(name="lead")


def _review(screeners: int = 2, **changes: object) -> Review:
    return Review(
        slug="islets",
        title="Islet transplantation",
        screeners=screeners,
        criteria=(
            Criterion(code="P1", text="Not type 1 diabetes"),
            Criterion(code="S1", text="Not a clinical study"),
        ),
        members=(
            ReviewMember(name="cy", role=ReviewerRole.RESOLVER),
            ReviewMember(name="lee", role=ReviewerRole.LEAD),
        ),
        **changes,
    )  # type: ignore[arg-type]


def _search(engine: Engine, *files: Path, source: str = "PubMed") -> tuple[Search, bool]:
    spec = Search(
        source=source,
        kind=SearchKind.DATABASE,
        query="islet",
        n_returned=0,
        actor="ana",
        recorded_at=utc_now(),
    )
    found: list[tuple[Search, bool]] = []
    import_paths(
        engine,
        list(files),
        actor=Actor(name="ana"),
        then=lambda s, report: found.append(
            service.record_import_search(s, "islets", report.import_ids, spec)
        ),
    )
    return found[0]


@pytest.fixture
def review(engine: Engine) -> Engine:
    """A dual-screening review of the records of two PubMed files."""
    with transaction(engine) as session:
        service.create(session, _review(), LEAD)
    _search(engine, *sorted(PUBMED.glob("*.xml")))
    return engine


def _state(engine: Engine) -> service.ReviewState:
    with transaction(engine) as session:
        return service.load(session, "islets")


def _decide(engine: Engine, record: int, label: ScreeningLabel, who: str, **kw: object) -> None:
    with transaction(engine, immediate=True) as session:
        state = service.load(session, "islets")
        service.decide(session, state, record, label, who, **kw)  # type: ignore[arg-type]


def test_a_search_counts_what_its_imports_read_and_is_not_recorded_twice(review: Engine) -> None:
    state = _state(review)
    (search,) = state.searches
    with transaction(review) as session:
        read = session.scalar(
            select(func.sum(t.ImportEvent.n_read)).where(t.ImportEvent.id.in_(search.import_ids))
        )
    assert search.n_returned == read > 0
    assert len(state.records) > 0
    again, new = _search(review, *sorted(PUBMED.glob("*.xml")))
    assert (again.id, new) == (search.id, False)
    assert len(_state(review).searches) == 1


def test_another_source_with_the_same_records_counts_them_as_duplicates(review: Engine) -> None:
    before = _state(review)
    _other, new = _search(review, *sorted(PUBMED.glob("*.xml")), source="Embase")
    after = _state(review)
    assert new and len(after.searches) == 2
    assert after.records.keys() == before.records.keys()  # one record each, two searches
    assert all(len(found) == 2 for found in after.records.values())


def test_rules_of_who_decides_what(review: Engine) -> None:
    first, second = list(_state(review).records)[:2]
    with pytest.raises(InputError, match="resolver"):
        _decide(review, first, INC, "cy")
    with pytest.raises(InputError, match="unknown reason"):
        _decide(review, first, EXC, "ana", reason="X9")
    with pytest.raises(InputError, match="not passed title-abstract"):
        _decide(review, first, INC, "ana", stage=FT)
    _decide(review, first, INC, "ana")  # ana joins as a screener by deciding
    assert _state(review).role("ana") is ReviewerRole.SCREENER
    with pytest.raises(InputError, match="nothing to resolve"), transaction(review) as session:
        service.resolve(session, service.load(session, "islets"), first, INC, "cy")
    _decide(review, first, EXC, "ben", reason="P1")
    with pytest.raises(InputError, match="already has the 2 vote"):
        _decide(review, first, INC, "dan")
    _decide(review, first, INC, "ben")  # a screener may change their vote
    assert _state(review).standing(first, TA).outcome is INC
    with pytest.raises(InputError, match="needs --reason"):
        _decide(review, first, EXC, "ana", stage=FT)
    with transaction(review) as session:
        state = service.load(session, "islets")
        with pytest.raises(InputError, match="not passed"):
            service.record_full_text(session, state, second, RetrievalStatus.SOUGHT, "ana")
        with pytest.raises(NotFoundError, match="not in review"):
            service.record_id_of(session, state, "999999")


def test_history_is_append_only_and_undo_is_a_decision(review: Engine) -> None:
    record = next(iter(_state(review).records))
    _decide(review, record, EXC, "ana", reason="P1")
    _decide(review, record, INC, "ana")
    with transaction(review) as session:
        state = service.load(session, "islets")
        service.undo(session, state, record, "ana")
        rows_before = (
            session.execute(select(t.ScreeningDecision).order_by(t.ScreeningDecision.id))
            .scalars()
            .all()
        )
        snapshot = [(r.id, r.label, r.basis, r.undoes_id) for r in rows_before]
    assert [s[1:] for s in snapshot] == [
        ("exclude", "screening", None),
        ("include", "screening", None),
        (None, "undo", snapshot[1][0]),
    ]
    standing = _state(review).standing(record, TA)
    assert standing.votes["ana"].label is EXC


def test_next_leaves_out_what_the_reviewer_decided_and_what_has_its_votes(review: Engine) -> None:
    records = list(_state(review).records)
    _decide(review, records[0], INC, "ana")
    _decide(review, records[0], INC, "ben")
    _decide(review, records[1], EXC, "ben")
    with transaction(review) as session:
        ana = next_for(session, "islets", "ana", TA, n=100, order="import")
        ben = next_for(session, "islets", "ben", TA, n=100, order="import")
        again = next_for(session, "islets", "ana", TA, n=100, order="random")
        twice = next_for(session, "islets", "ana", TA, n=100, order="random")
    assert ana.record_ids == records[1:]
    assert ben.record_ids == records[2:]
    assert sorted(again.record_ids) == sorted(records[1:])
    assert again.record_ids == twice.record_ids  # the same shuffle each time


def test_what_a_ranking_learns_never_includes_anothers_pending_vote(review: Engine) -> None:
    records = list(_state(review).records)
    _decide(review, records[0], INC, "ben")  # pending: ana must not learn it
    _decide(review, records[1], EXC, "ana")
    _decide(review, records[2], INC, "ana")
    _decide(review, records[2], MAY, "ben")
    labels = learnt_labels(_state(review), "ana", TA)
    assert labels == {records[1]: False, records[2]: True}


def _decide_at_once(engine: Engine, record: int, who: list[str]) -> None:
    barrier = threading.Barrier(len(who))
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            barrier.wait()
            _decide(engine, record, INC if name == who[0] else EXC, name)
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(name,)) for name in who]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_two_reviewers_deciding_at_the_same_moment_lose_nothing_threads(review: Engine) -> None:
    records = list(_state(review).records)
    for record in records:
        _decide_at_once(review, record, ["ana", "ben"])
    state = _state(review)
    assert len(state.decisions) == 2 * len(records)
    assert all(state.standing(r, TA).standing is Standing.CONFLICT for r in records)


def test_two_reviewers_deciding_at_the_same_moment_lose_nothing_processes(
    review: Engine, tmp_path: Path
) -> None:
    url = review.url.render_as_string(hide_password=False)
    records = [str(r) for r in _state(review).records]
    env = {**os.environ, "EVIDENCEHUB_DATABASE_URL": url}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                (
                    "import sys\nfrom evidencehub.cli import main\n"
                    "for r in sys.argv[2:]:\n"
                    "    assert main(['review', 'decide', 'islets', r, sys.argv[1], "
                    "'--reviewer', 'ana' if sys.argv[1] == 'include' else 'ben', "
                    "'--reason', 'P1'] if sys.argv[1] == 'exclude' else "
                    "['review', 'decide', 'islets', r, sys.argv[1], '--reviewer', 'ana']) == 0\n"
                ),
                label,
                *records,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in ("include", "exclude")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    state = _state(review)
    assert len(state.decisions) == 2 * len(records)
    assert {d.basis for d in state.decisions} == {DecisionBasis.SCREENING}


def test_included_reports_become_studies_grouped_by_trial(review: Engine) -> None:
    from evidencehub.review.studies import include_studies
    from evidencehub.store.repo.reviews import review_study_ids
    from evidencehub.store.repo.studies import list_studies
    from evidencehub.vocab import StudyDesign

    records = list(_state(review).records)
    for record in records[:2]:
        for stage in (TA, FT):
            for who in ("ana", "ben"):
                _decide(review, record, INC, who, stage=stage)
    with transaction(review, immediate=True) as session:
        made = include_studies(
            session, service.load(session, "islets"), LEAD, design=StudyDesign.COHORT
        )
        again = include_studies(
            session, service.load(session, "islets"), LEAD, design=StudyDesign.COHORT
        )
        stored = list_studies(session)
        linked = review_study_ids(session, service.load(session, "islets").id)
    assert len(linked) == len(made)
    assert sorted(r for s in made for r in s.record_ids) == sorted(records[:2])
    assert all(s.created for s in made) and not any(s.created for s in again)
    assert [s.key for s in made] == [s.key for s in again]
    assert len(stored) == len(made)


def test_priority_order_learns_from_decisions_and_is_cached(review: Engine) -> None:
    from evidencehub.store.repo.reviews import get_ranking

    records = list(_state(review).records)
    with transaction(review, immediate=True) as session:
        cold = next_for(session, "islets", "ana", TA, n=100)
    assert (cold.order, cold.model) == ("random", "svm")
    _decide(review, records[0], INC, "ana")
    _decide(review, records[1], EXC, "ana")
    with transaction(review, immediate=True) as session:
        warm = next_for(session, "islets", "ana", TA, n=100)
        stored = get_ranking(session, _state(review).id, "ana", TA)
    assert warm.order == "priority" and sorted(warm.record_ids) == sorted(records[2:])
    assert stored is not None and stored.trained and stored.n_labelled == 2
    with transaction(review, immediate=True) as session:
        again = next_for(session, "islets", "ana", TA, n=100)
        cached = get_ranking(session, _state(review).id, "ana", TA)
    assert again.record_ids == warm.record_ids
    assert cached is not None and cached.ranked_at == stored.ranked_at  # no retrain


def test_a_screening_queue_answers_from_the_ranking_and_retrains_behind(review: Engine) -> None:
    from evidencehub.review.queue import ScreeningQueue
    from evidencehub.store.repo.reviews import get_ranking

    records = list(_state(review).records)
    queue = ScreeningQueue(review)
    try:
        queue.decide("islets", records[0], INC, "ana")
        queue.decide("islets", records[1], EXC, "ana")
        queue.wait(timeout=300)
        with transaction(review) as session:
            ranking = get_ranking(session, _state(review).id, "ana", TA)
        assert ranking is not None and ranking.trained and ranking.n_labelled == 2
        batch = queue.next("islets", "ana", TA, n=10)
        assert not batch.stale and batch.order == "priority"
        assert batch.record_ids == [r for r in ranking.record_ids if r not in records[:2]][:10]
        queue.decide("islets", batch.record_ids[0], EXC, "ana")
        queue.wait(timeout=300)
        with transaction(review) as session:
            newer = get_ranking(session, _state(review).id, "ana", TA)
        assert newer is not None and newer.n_labelled == 3
        # a decision made elsewhere (another process, the command line) is seen at once
        shown = queue.next("islets", "ana", TA, n=100).record_ids
        _decide(review, shown[0], INC, "ana")
        assert shown[0] not in queue.next("islets", "ana", TA, n=100).record_ids
    finally:
        queue.close()


def test_a_trace_of_a_record_shows_how_each_review_found_and_judged_it(review: Engine) -> None:
    from evidencehub.trace import Tracer

    first, second = list(_state(review).records)[:2]
    _decide(review, first, INC, "ana")
    _decide(review, first, EXC, "ben", reason="P1")
    _decide(review, second, INC, "ana")  # awaits ben: the trace must not show ana's vote
    with transaction(review) as session:
        keys = records_by_id(session, [first, second])
        settled = Tracer(session).record(keys[first].key)["reviews"]
        waiting = Tracer(session).record(keys[second].key)["reviews"]
    (entry,) = settled
    assert entry["review"] == "islets" and [s["source"] for s in entry["searches"]] == ["PubMed"]
    title_abstract = entry["stages"][0]
    assert (title_abstract["standing"], len(title_abstract["decisions"])) == ("conflict", 2)
    assert waiting[0]["stages"][0] == {"stage": "title-abstract", "standing": "awaiting",
                                       "outcome": None, "reason": None, "decisions": []}
