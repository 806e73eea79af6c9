"""Full-text search over titles and abstracts, on SQLite FTS5 and PostgreSQL (repo._fulltext)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from evidencehub.model import Record
from evidencehub.store.repo.records import list_records, upsert_record

CORPUS = [
    Record(pmid="1", title="Encapsulated stem-cell-derived islets in type 1 diabetes",
           abstract="Macroencapsulation devices protected the grafts."),
    Record(pmid="2", title="Retinal pigment epithelium from induced pluripotent stem cells",
           abstract="A case of macular degeneration; no islets involved, no diabetes."),
    Record(pmid="3", title="Glucose-lowering drugs: a network meta-analysis",
           abstract="HbA1c in type 2 diabetes."),
    Record(pmid="4", title="Islet transplantation outcomes", abstract=None),
    Record(pmid="5", title="Café-au-lait spots and insulin", abstract="Naïve cohorts (n = 12)."),
]  # fmt: skip


@pytest.fixture
def corpus(session: Session) -> Session:
    for record in CORPUS:
        upsert_record(session, record, source="s")
    return session


def _pmids(session: Session, query: str) -> list[str | None]:
    return [record.pmid for record in list_records(session, query=query)]


def test_all_words_must_match_and_stems_match(corpus: Session) -> None:
    assert sorted(_pmids(corpus, "islet")) == ["1", "2", "4"]  # "islets" matches "islet"
    assert sorted(_pmids(corpus, "islets diabetes")) == ["1", "2"]
    assert _pmids(corpus, "pluripotent") == ["2"]
    assert _pmids(corpus, "kidney") == []


def test_title_matches_rank_above_abstract_matches(corpus: Session) -> None:
    ranked = _pmids(corpus, "islets")
    assert ranked[-1] == "2"  # the only record with "islets" in the abstract alone


def test_query_syntax_is_searched_literally(corpus: Session) -> None:
    assert _pmids(corpus, 'stem-cell "islets" (type* ^encapsulated') == ["1"]
    assert _pmids(corpus, "***") == []
    assert _pmids(corpus, "") == []


def test_accents_fold_on_sqlite_and_match_exactly_on_postgresql(corpus: Session) -> None:
    assert _pmids(corpus, "café") == ["5"]
    assert _pmids(corpus, "naïve") == ["5"]


def test_limit_and_changes_to_title_or_abstract_are_indexed(corpus: Session) -> None:
    best = list_records(corpus, query="islets")
    assert list_records(corpus, query="islets", limit=2) == best[:2]
    assert list_records(corpus, query="islets", limit=2, offset=2) == best[2:4]
    upsert_record(
        corpus,
        Record(pmid="3", title="Glucose-lowering drugs", abstract="Now about islets."),
        source="t",
    )
    assert "3" in _pmids(corpus, "islets")
    assert _pmids(corpus, "network") == []


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_postgresql_search_uses_the_gin_index(corpus: Session) -> None:
    corpus.execute(text("SET LOCAL enable_seqscan = off"))
    from evidencehub.store.repo import _fulltext

    statement = _fulltext._postgres_matches("islets")
    compiled = statement.compile(corpus.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(row[0] for row in corpus.execute(text(f"EXPLAIN {compiled}")))
    assert "ix_records_fts" in plan
