"""Full-text search over titles and abstracts, on SQLite FTS5 and PostgreSQL (repo._fulltext)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from evidencehub.model import Record
from evidencehub.store.repo.records import list_records, upsert_record, upsert_records

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


def _sqlite_index_is_consistent(session: Session) -> None:
    """FTS5's own check: every row's terms, and only those, are in the index."""
    session.execute(text("INSERT INTO records_fts(records_fts, rank) VALUES ('integrity-check', 1)"))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_batched_inserts_and_updates_keep_the_sqlite_index_exact(session: Session) -> None:
    records = [
        Record(pmid=str(n), title=f"Islet graft study {n}", abstract=f"Cohort {n} of stem cells.")
        for n in range(1, 1201)  # more than one write chunk
    ]
    upsert_records(session, records, source="first")
    changed = [
        r.model_copy(update={"title": f"Encapsulation device study {r.pmid}"})
        for r in records[::2]
    ]
    upsert_records(session, changed, source="second")
    _sqlite_index_is_consistent(session)
    assert len(list_records(session, query="encapsulation device", limit=None)) == 600
    assert len(list_records(session, query="islet graft", limit=None)) == 600
    assert _pmids(session, "islet graft 1") == []  # record 1's old title is gone from the index
    assert _pmids(session, "cohort 1 encapsulation") == ["1"]
    assert _pmids(session, "islet graft 2") == ["2"]


def test_the_index_is_kept_for_a_database_made_before_revision_0002(db_url: str) -> None:
    """A store created with the per-row triggers (0001) upgrades, and search stays exact."""
    from alembic import command

    from evidencehub.store import init_db, transaction
    from evidencehub.store.repo._common import utc_now
    from evidencehub.store.repo._record_rows import RECORDS, columns
    from evidencehub.store.session import _alembic_config

    engine = init_db(db_url)
    try:
        command.downgrade(_alembic_config(engine), "0001")
        with transaction(engine) as session:  # a row as revision 0001's code wrote it
            now = utc_now()
            row = {**columns(CORPUS[0]), "key": CORPUS[0].key, "source": "old"}
            session.execute(insert(RECORDS), {**row, "created_at": now, "updated_at": now})
        init_db(engine)
        with transaction(engine) as session:
            upsert_records(session, CORPUS[1:], source="new")
            upsert_record(session, CORPUS[0].model_copy(update={"abstract": "Now about retinas."}),
                          source="new")
            if engine.dialect.name == "sqlite":
                _sqlite_index_is_consistent(session)
            assert _pmids(session, "macroencapsulation") == []
            assert _pmids(session, "retinas") == ["1"]
            assert sorted(_pmids(session, "islet")) == ["1", "2", "4"]
    finally:
        engine.dispose()
