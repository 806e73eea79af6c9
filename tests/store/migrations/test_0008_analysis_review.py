"""Revision 0008 (an analysis names the review its studies came from) upgrades a store of
revision 0007 keeping every analysis as it was, with no review; the new link is kept, becomes
NULL when its review is deleted, and the downgrade removes only the column — on SQLite and
PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from evidencehub.store import init_db
from evidencehub.store.session import _alembic_config, current_revision, make_engine

_ROWS = (
    "INSERT INTO actors (id, name, kind, email, created_at) "
    "VALUES (1, 'ana', 'person', NULL, '2026-01-02 03:04:05')",
    "INSERT INTO outcomes (id, name, data_kind, unit, direction, actor_id, created_at) "
    "VALUES (1, 'HbA1c', 'continuous', '%', NULL, 1, '2026-01-02 03:04:05')",
    "INSERT INTO comparisons (id, key, actor_id, created_at) "
    "VALUES (1, 'metformin|placebo', 1, '2026-01-02 03:04:05')",
    "INSERT INTO analyses (id, slug, title, outcome_id, comparison_id, measure, method, test, "
    "level, model_rule, subgroup, timepoint, value_kind, description, actor_id, updated_at) "
    "VALUES (1, 'hba1c', 'HbA1c', 1, 1, 'MD', 'REML', 'z', 95, NULL, NULL, '6 months', "
    "'change', 'kept', 1, '2026-01-02 03:04:05')",
    "INSERT INTO reviews (id, slug, title, question, stages, screeners, blinded, actor_id, "
    "created_at, updated_at) VALUES (1, 'islets', 'Islets', '{}', '[\"title-abstract\"]', 2, "
    "true, 1, '2026-01-02 03:04:05', '2026-01-02 03:04:05')",
)
_ANALYSIS = "SELECT slug, title, timepoint, value_kind, description FROM analyses"


def _columns(engine: sa.Engine) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns("analyses")}


def test_a_0007_store_gains_the_review_link_and_keeps_its_analyses(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        command.upgrade(_alembic_config(engine), "0007")
        assert "review_id" not in _columns(engine)
        with engine.begin() as connection:
            for statement in _ROWS:
                connection.execute(sa.text(statement))
            before = connection.execute(sa.text(_ANALYSIS)).one()
        command.upgrade(_alembic_config(engine), "0008")
        assert current_revision(engine) == "0008"
        with engine.begin() as connection:
            assert connection.execute(sa.text(_ANALYSIS)).one() == before
            assert connection.execute(sa.text("SELECT review_id FROM analyses")).scalar() is None
            connection.execute(sa.text("UPDATE analyses SET review_id = 1"))
        with engine.begin() as connection:
            assert connection.execute(sa.text("SELECT review_id FROM analyses")).scalar() == 1
            connection.execute(sa.text("DELETE FROM reviews"))  # ON DELETE SET NULL
            assert connection.execute(sa.text("SELECT review_id FROM analyses")).scalar() is None

        command.downgrade(_alembic_config(engine), "0007")
        assert "review_id" not in _columns(engine)
        with engine.begin() as connection:
            assert connection.execute(sa.text(_ANALYSIS)).one() == before
        init_db(engine)
        assert "review_id" in _columns(engine)
    finally:
        engine.dispose()
