"""Full-text search of pages, studies, trials and records (store.repo.search), on SQLite FTS5
and PostgreSQL; every query is taken as plain words and never fails."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from evidencehub.model import Page, PageKind, PageStatus, Record, Study, StudyDesign, Trial
from evidencehub.store import tables as t
from evidencehub.store.repo import search as search_repo
from evidencehub.store.repo.pages import upsert_page
from evidencehub.store.repo.records import upsert_record
from evidencehub.store.repo.search import (
    MAX_QUERY_CHARS,
    MAX_WORDS,
    Fragment,
    SearchKind,
    query_words,
    search,
)
from evidencehub.store.repo.studies import upsert_study
from evidencehub.store.repo.trials import upsert_trial

PAGES = [
    Page(slug="stem-cell-insulin", kind=PageKind.ARTICLE, status=PageStatus.PUBLISHED,
         title="Insulin-making cells",
         dek="Cells that release insulin.", body="Islets from stem cells [@mandai2017].",
         takeaways=("Some recipients stopped injecting", "Long-term safety unknown")),
    Page(slug="metformin", kind=PageKind.INTERVENTION, status=PageStatus.PUBLISHED,
         title="Metformin",
         body="A biguanide lowering HbA1c."),
]
TRIALS = [
    Trial(registry_id="NCT04802733", title="Bemdaneprocel in Parkinson's disease",
          conditions=("Parkinson's disease",), interventions=("Bemdaneprocel",)),
    Trial(registry_id="UMIN000033564", secondary_ids=("jRCT2090220384",),
          title="iPSC-derived dopaminergic progenitors", conditions=("Parkinson's disease",)),
]
STUDIES = [
    Study(key="takahashi2006", label="Takahashi & Yamanaka 2006", design=StudyDesign.IN_VITRO,
          record_keys=("pmid:1",), findings="Four factors reprogram fibroblasts."),
    Study(key="mandai2017", label="Mandai et al. 2017", design=StudyDesign.CASE_REPORT,
          population="A woman with macular degeneration"),
]
RECORDS = [
    Record(pmid="1", title="Induction of pluripotent stem cells by defined factors"),
    Record(doi="10.1000/loose", title="Insulin independence after islet transplantation",
           abstract="Islets survived."),
]


@pytest.fixture
def hub(session: Session) -> Session:
    for record in RECORDS:
        upsert_record(session, record, source="test")
    for trial in TRIALS:
        upsert_trial(session, trial)
    for study in STUDIES:
        upsert_study(session, study)
    for page in PAGES:
        upsert_page(session, page)
    return session


def _keys(session: Session, query: str, kind: SearchKind, **kwargs: object) -> list[str]:
    found = search(session, query_words(query), kind, limit=20, **kwargs)  # type: ignore[arg-type]
    assert found.total == len(found.hits) or "offset" in kwargs or "limit" in kwargs
    return [hit.key for hit in found.hits]


def test_each_kind_is_searched_by_its_own_words(hub: Session) -> None:
    assert _keys(hub, "insulin", SearchKind.PAGE) == ["stem-cell-insulin"]
    assert _keys(hub, "insulin", SearchKind.RECORD) == ["doi:10.1000/loose"]
    assert _keys(hub, "metformin", SearchKind.PAGE) == ["metformin"]
    assert _keys(hub, "Yamanaka", SearchKind.STUDY) == ["takahashi2006"]
    assert _keys(hub, "macular", SearchKind.STUDY) == ["mandai2017"]
    assert _keys(hub, "parkinson", SearchKind.TRIAL) == ["NCT04802733", "UMIN000033564"]


def test_a_page_readers_do_not_see_is_not_found(hub: Session) -> None:
    upsert_page(hub, Page(slug="insulin-notes", kind=PageKind.ARTICLE, title="Insulin notes",
                          status=PageStatus.VERIFIED))
    hub.flush()
    assert _keys(hub, "insulin", SearchKind.PAGE) == ["stem-cell-insulin"]


def test_a_registry_id_finds_its_trial_also_as_a_secondary_id(hub: Session) -> None:
    assert _keys(hub, "NCT04802733", SearchKind.TRIAL) == ["NCT04802733"]
    assert _keys(hub, "nct04802733", SearchKind.TRIAL) == ["NCT04802733"]
    assert _keys(hub, "jRCT2090220384", SearchKind.TRIAL) == ["UMIN000033564"]


def test_lists_are_searched_as_words_and_every_word_must_match(hub: Session) -> None:
    assert _keys(hub, "safety unknown", SearchKind.PAGE) == ["stem-cell-insulin"]
    assert _keys(hub, "insulin metformin", SearchKind.PAGE) == []
    assert _keys(hub, "bemdaneprocel parkinson", SearchKind.TRIAL) == ["NCT04802733"]


def test_or_and_a_minus_are_words_not_operators(hub: Session) -> None:
    # PostgreSQL's web-search syntax would read these as "either" and "not"
    assert _keys(hub, "insulin or metformin", SearchKind.PAGE) == []
    assert _keys(hub, "insulin OR metformin", SearchKind.PAGE) == []
    assert _keys(hub, "insulin -safety", SearchKind.PAGE) == ["stem-cell-insulin"]


def test_snippets_are_fragments_with_the_hits_marked(hub: Session) -> None:
    [hit] = search(hub, query_words("insulin"), SearchKind.PAGE, limit=5).hits
    assert Fragment("insulin", True) in hit.snippet or Fragment("Insulin", True) in hit.snippet
    assert all("\ue000" not in f.text and "\ue001" not in f.text for f in hit.snippet)
    [trial] = search(hub, query_words("bemdaneprocel"), SearchKind.TRIAL, limit=5).hits
    assert "[" not in "".join(f.text for f in trial.snippet)  # lists as words, not JSON


def test_a_record_names_the_study_reporting_it(hub: Session) -> None:
    [reported] = search(hub, query_words("pluripotent"), SearchKind.RECORD, limit=5).hits
    assert (reported.study_key, reported.pmid) == ("takahashi2006", "1")
    [loose] = search(hub, query_words("islets"), SearchKind.RECORD, limit=5).hits
    assert (loose.study_key, loose.doi) == (None, "10.1000/loose")


def test_paging(hub: Session) -> None:
    both = search(hub, query_words("parkinson"), SearchKind.TRIAL, limit=1)
    rest = search(hub, query_words("parkinson"), SearchKind.TRIAL, limit=1, offset=1)
    assert (both.total, rest.total, rest.offset) == (2, 2, 1)
    assert [h.key for h in both.hits + rest.hits] == ["NCT04802733", "UMIN000033564"]


def test_edits_and_deletes_are_indexed(hub: Session) -> None:
    upsert_page(hub, PAGES[1].model_copy(update={"body": "Now about sulfonylureas."}))
    assert _keys(hub, "biguanide", SearchKind.PAGE) == []
    assert _keys(hub, "sulfonylureas", SearchKind.PAGE) == ["metformin"]
    upsert_trial(hub, TRIALS[1].model_copy(update={"title": "Kyoto trial",
                                                     "conditions": ("Parkinsonism",)}))
    assert _keys(hub, "kyoto", SearchKind.TRIAL) == ["UMIN000033564"]
    hub.execute(delete(t.Page).where(t.Page.slug == "metformin"))
    assert _keys(hub, "sulfonylureas", SearchKind.PAGE) == []


@pytest.mark.parametrize("query", [
    '"', '"""', "NEAR(insulin cells, 2)", "insulin*", "*", "(", "insulin)", "((((", "a OR b",
    "-insulin", "insulin AND NOT", "^insulin", "title:insulin", "{title}: insulin", "'; DROP",
    "\x00insulin", "insulin\x00", "\ufffd\ufffd", "x" * 10_000, "insulin " * 5_000, "🙂 insulin",
    "&amp; <script>alert(1)</script>", "\\", "%", "_", "''", "NCT04802733:*", "!insulin | cells",
])
def test_any_query_is_plain_words_and_never_an_error(hub: Session, query: str) -> None:
    for kind in SearchKind:
        search(hub, query_words(query), kind, limit=5)
    if query_words(query).words == ("insulin",):  # the syntax around it is no syntax
        assert _keys(hub, query, SearchKind.PAGE) == ["stem-cell-insulin"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300))
def test_fuzzed_queries_never_fail(hub: Session, query: str) -> None:
    for kind in SearchKind:
        found = search(hub, query_words(query), kind, limit=3)
        assert found.total >= len(found.hits)


def test_query_limits() -> None:
    long = query_words("x" * (MAX_QUERY_CHARS + 50))
    assert long.truncated and long.words == ("x" * MAX_QUERY_CHARS,)
    many = query_words(" ".join(f"w{i}" for i in range(MAX_WORDS + 3)))
    assert many.truncated and len(many.words) == MAX_WORDS
    assert query_words('"NEAR(a*)"').words == ("NEAR", "a")
    assert not query_words("insulin").truncated


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
@pytest.mark.parametrize("kind", [SearchKind.PAGE, SearchKind.STUDY, SearchKind.TRIAL])
def test_postgresql_search_uses_the_gin_index(hub: Session, kind: SearchKind) -> None:
    hub.execute(text("SET LOCAL enable_seqscan = off"))
    statement = search_repo._postgres_matches(kind, ["insulin"])
    compiled = statement.compile(hub.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(row[0] for row in hub.execute(text(f"EXPLAIN {compiled}")))
    assert f"ix_{search_repo.KINDS[kind].table.__tablename__}_fts" in plan
