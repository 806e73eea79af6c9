"""Revision 0007 (full-text search of pages, studies and trials) indexes what a store already
holds: rows written at revision 0006 are found after the upgrade, on SQLite and PostgreSQL,
and a downgrade to 0006 and upgrade again leaves the same index."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from evidencehub.model import Page, PageKind, PageStatus, Study, StudyDesign, Trial
from evidencehub.store import init_db, transaction
from evidencehub.store.repo.pages import upsert_page
from evidencehub.store.repo.search import SearchKind, query_words, search
from evidencehub.store.repo.studies import upsert_study
from evidencehub.store.repo.trials import upsert_trial
from evidencehub.store.session import _alembic_config, current_revision

PAGE = Page(slug="insulin", kind=PageKind.ARTICLE, status=PageStatus.PUBLISHED,
            title="Insulin-making cells",
            takeaways=("Yamanaka factors",))
STUDY = Study(key="reichman2025", label="Reichman et al. 2025", design=StudyDesign.CASE_SERIES,
              findings="Recipients regained insulin secretion.")
TRIAL = Trial(registry_id="NCT04802733", title="Bemdaneprocel", conditions=("Parkinson's disease",))


def _found(url: str) -> dict[str, list[str]]:
    engine = init_db(url)
    try:
        with transaction(engine) as session:
            return {
                word: [f"{k.value}:{h.key}" for k in SearchKind
                       for h in search(session, query_words(word), k, limit=5).hits]
                for word in ("insulin", "yamanaka", "NCT04802733", "parkinson")
            }
    finally:
        engine.dispose()


def test_rows_stored_before_0007_are_indexed_by_the_upgrade(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        command.upgrade(_alembic_config(engine), "0006")
        assert "pages_fts" not in inspect(engine).get_table_names()
        with transaction(engine) as session:
            upsert_trial(session, TRIAL)
            upsert_study(session, STUDY)
            upsert_page(session, PAGE)
    finally:
        engine.dispose()
    expected = {
        "insulin": ["page:insulin", "study:reichman2025"],
        "yamanaka": ["page:insulin"],
        "NCT04802733": ["trial:NCT04802733"],
        "parkinson": ["trial:NCT04802733"],
    }
    assert _found(db_url) == expected  # init_db upgrades to head
    engine = create_engine(db_url)
    try:
        head = ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()
        assert current_revision(engine) == head
        command.downgrade(_alembic_config(engine), "0006")
        assert "pages_fts" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert _found(db_url) == expected
