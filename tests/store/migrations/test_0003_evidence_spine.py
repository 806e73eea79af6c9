"""Revision 0003 (the evidence spine) upgrades a store of release 0.1.0 without loss.

The store is the one release 0.1.0 (commit e84d014, revision 0002) writes with
``evidencehub demo`` (tests/data/SOURCES.md, "Stores written by earlier releases"). On SQLite
the file itself is upgraded; on PostgreSQL a schema is brought to revision 0002 by the
migrations and every row of the file is copied into it, then upgraded. What the release
stored is read with plain SQL before the upgrade and compared, row by row, with what the
upgraded store holds; the downgrade to 0002 gives the release's rows back.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine

from evidencehub.analysis.service import analysis_states, analyze
from evidencehub.model import Actor
from evidencehub.store import init_db, transaction
from evidencehub.store import tables as t
from evidencehub.store.repo.analyses import list_analyses, put_analysis
from evidencehub.store.repo.outcomes import list_outcome_data
from evidencehub.store.session import _alembic_config, current_revision, make_engine, schema_head

RELEASE_STORE = Path(__file__).parents[2] / "data" / "stores" / "release-0.1.0-demo.db"
UPGRADE_ACTOR = "evidencehub store upgrade"
#: Tables of revision 0002 that revision 0003 leaves as they are.
KEPT = ("records", "record_versions", "record_field_sources", "record_trial_links", "trials",
        "trial_ids", "studies", "study_records", "study_trials", "pages", "evidence_labels",
        "cross_refs", "page_analyses", "claims", "claim_studies")
NUMBERS = ("n", "mean", "sd", "events", "total", "median", "q1", "q3", "minimum", "maximum",
           "timepoint_months")

# Rows a release-0.1.0 store may hold that its demo does not write: a derived SD with its note,
# one row given twice (the later one is the current value), another outcome with its unit.
EXTRA_ROWS = [
    {"study_id": 9, "position": 10, "outcome": "C-peptide", "arm": "metformin",
     "timepoint": "12 months", "timepoint_months": 12.0, "value_kind": "final", "n": 20,
     "mean": 0.4, "sd": 0.2, "unit": "nmol/L", "derivation": "sd-from-se",
     "derivation_note": "SD = SE x sqrt(n), Table 3"},
    {"study_id": 9, "position": 11, "outcome": "C-peptide", "arm": "placebo",
     "timepoint": "12 months", "timepoint_months": 12.0, "value_kind": "final", "n": 21,
     "mean": 0.3, "sd": 0.25, "unit": "nmol/L", "derivation": "reported",
     "derivation_note": None},
    {"study_id": 9, "position": 12, "outcome": "C-peptide", "arm": "placebo",
     "timepoint": "12 months", "timepoint_months": 12.0, "value_kind": "final", "n": 21,
     "mean": 0.35, "sd": 0.25, "unit": "nmol/L", "derivation": "reported",
     "derivation_note": "corrected in the erratum"},
]


# --------------------------------------------------------------------------- the release's rows


def _sqlite_rows(path: Path, table: str) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(path)) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    return [dict(r) for r in rows]


def _moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def _release(path: Path) -> dict[str, Any]:
    """What the release stored, read with plain SQL: outcome data, analyses, results, and how
    many rows every other table holds."""
    results = _sqlite_rows(path, "analysis_results")
    for result in results:
        result["result"] = json.loads(result["result"])
        result["fitted_at"] = _moment(result["fitted_at"])
    return {
        "outcome_data": _sqlite_rows(path, "outcome_data"),
        "analyses": _sqlite_rows(path, "analyses"),
        "analysis_results": results,
        "counts": {table: len(_sqlite_rows(path, table)) for table in KEPT},
    }


def _add_rows(path: Path) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        for row in EXTRA_ROWS:
            columns = ", ".join(row)
            marks = ", ".join(f":{c}" for c in row)
            connection.execute(f"INSERT INTO outcome_data ({columns}) VALUES ({marks})", row)


def _copy_to_postgresql(source: Path, engine: Engine) -> None:
    """Every row of the release's SQLite store into a PostgreSQL schema at revision 0002."""
    command.upgrade(_alembic_config(engine), "0002")
    target = sa.MetaData()
    target.reflect(engine)
    with engine.begin() as connection:
        for table in target.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = _sqlite_rows(source, table.name)
            for row in rows:
                for column in table.columns:
                    value = row.get(column.name)
                    if value is None:
                        continue
                    if isinstance(column.type, sa.JSON):
                        row[column.name] = json.loads(value)
                    elif isinstance(column.type, sa.DateTime):
                        row[column.name] = dt.datetime.fromisoformat(value)
                    elif isinstance(column.type, sa.Date):
                        row[column.name] = dt.date.fromisoformat(value)
                    elif isinstance(column.type, sa.Boolean):
                        row[column.name] = bool(value)
            if rows:
                connection.execute(table.insert(), rows)
            if "id" in table.columns and rows:
                connection.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT max(id) FROM {table.name}))"))


@dataclass
class ReleaseStore:
    """An engine on the store, and what the release stored (:func:`_release`)."""

    engine: Engine
    release: dict[str, Any]


@pytest.fixture
def release_store(db_url: str, tmp_path: Path,
                  request: pytest.FixtureRequest) -> Iterator[ReleaseStore]:
    """An engine on the release's store at revision 0002, not yet upgraded (``extra``: with
    :data:`EXTRA_ROWS` added)."""
    source = tmp_path / "release.db"
    shutil.copyfile(RELEASE_STORE, source)
    if getattr(request, "param", False):
        _add_rows(source)
    if db_url.startswith("sqlite"):
        engine = make_engine(db_url)
        shutil.copyfile(source, engine.url.database or "")
    else:
        engine = make_engine(db_url)
        _copy_to_postgresql(source, engine)
    assert current_revision(engine) == "0002"
    yield ReleaseStore(engine, _release(source))
    engine.dispose()


# --------------------------------------------------------------------------- checks


def _comparison(text: str | None) -> tuple[list[str], list[str]]:
    active, _, control = (text or "").partition(" vs ")
    return [a.strip() for a in active.split(",") if a.strip()], [control.strip()]


def _check_upgraded(engine: Engine, release: dict[str, Any]) -> None:
    assert current_revision(engine) == schema_head()
    with transaction(engine) as session:
        upgrade_actor = session.scalars(sa.select(t.Actor)
                                        .where(t.Actor.name == UPGRADE_ACTOR)).one()
        assert upgrade_actor.kind == "tool"

        # outcome data: one identity per (arm, outcome, time point, kind); each row a version
        rows = session.execute(
            sa.select(t.OutcomeData, t.OutcomeDataVersion, t.Arm.label, t.Outcome)
            .join(t.OutcomeDataVersion, t.OutcomeDataVersion.outcome_data_id == t.OutcomeData.id)
            .join(t.Arm, t.Arm.id == t.OutcomeData.arm_id)
            .join(t.Outcome, t.Outcome.id == t.OutcomeData.outcome_id)
            .order_by(t.OutcomeDataVersion.id)).all()
        assert len(rows) == len(release["outcome_data"])
        expected_version: dict[tuple[Any, ...], int] = {}
        old_rows = sorted(release["outcome_data"],
                          key=lambda r: (r["study_id"], r["position"], r["id"]))
        for old, (identity, version, arm, outcome) in zip(old_rows, rows, strict=True):
            key = (old["study_id"], old["arm"], old["outcome"], old["timepoint"] or "",
                   old["value_kind"])
            expected_version[key] = expected_version.get(key, 0) + 1
            assert (identity.study_id, arm, outcome.name, identity.timepoint,
                    identity.value_kind) == key
            assert version.version == expected_version[key]
            assert {n: getattr(version, n) for n in NUMBERS} == {n: old[n] for n in NUMBERS}
            assert outcome.unit == old["unit"]
            assert outcome.data_kind == ("dichotomous" if old["events"] is not None
                                         else "continuous")
            derived = old["derivation"] != "reported" or old["derivation_note"]
            assert version.derivations == ([{"method": old["derivation"], "fields": [],
                                             "inputs": {}, "note": old["derivation_note"]}]
                                           if derived else [])
            assert (version.se, version.ci_lb, version.ci_ub) == (None, None, None)
            assert (version.record_id, version.import_id, version.locator) == (None, None, None)
            assert version.actor_id == upgrade_actor.id and version.attributes == {}
        for identity in session.scalars(sa.select(t.OutcomeData)):
            key_rows = [v for i, v, _, _ in rows if i.id == identity.id]
            assert identity.current_version == max(v.version for v in key_rows)

        # analyses: outcome and comparison as rows, every other column as it was
        stored = {row.id: row for row in session.scalars(sa.select(t.Analysis))}
        assert set(stored) == {a["id"] for a in release["analyses"]}
        names = dict(session.execute(sa.select(t.Outcome.id, t.Outcome.name)).all())
        for old in release["analyses"]:
            row = stored[old["id"]]
            for column in ("slug", "title", "measure", "method", "test", "timepoint",
                            "value_kind"):
                assert getattr(row, column) == old[column], column
            # 0.1's subgroup was the class label, not a column to group by: it is described
            assert row.subgroup is None
            label = old["subgroup"]
            assert row.description == (old["description"] if label is None
                                       or label in (old["description"] or "")
                                       else f"{old['description'] or ''} Class: {label}.".strip())
            assert names[row.outcome_id] == old["outcome"]
            assert (row.level, row.model_rule, row.actor_id) == (95.0, None, upgrade_actor.id)
            arms = session.execute(sa.select(t.ComparisonArm.role, t.ComparisonArm.arm_label)
                                   .where(t.ComparisonArm.comparison_id == row.comparison_id)
                                   .order_by(t.ComparisonArm.position)).all()
            experimental, control = _comparison(old["comparison"])
            assert [a for r, a in arms if r == "experimental"] == experimental
            assert [a for r, a in arms if r == "control"] == control
        analyses = {a.slug: a for a in list_analyses(session)}
        assert len(analyses) == len(release["analyses"])

        # stored results: runs of schema version 0, as they were, with no inputs
        runs = session.scalars(sa.select(t.AnalysisRun).order_by(t.AnalysisRun.id)).all()
        old_results = sorted(release["analysis_results"], key=lambda r: (r["fitted_at"], r["id"]))
        assert len(runs) == len(old_results)
        for old, run in zip(old_results, runs, strict=True):
            assert (run.analysis_id, run.result, run.created_at, run.software) == (
                old["analysis_id"], old["result"], old["fitted_at"], old["software"])
            assert (run.schema_version, run.fingerprint, run.settings, run.actor_id) == (
                0, None, {}, None)
        assert session.scalars(sa.select(t.RunInput)).first() is None

        # every other table as it was
        for table in KEPT:
            count = session.scalar(sa.select(sa.func.count()).select_from(
                t.Base.metadata.tables[table]))
            assert count == release["counts"][table], table


def test_a_release_store_upgrades_without_loss(release_store: ReleaseStore) -> None:
    engine, release = release_store.engine, release_store.release
    init_db(engine)
    _check_upgraded(engine, release)


@pytest.mark.parametrize("release_store", [True], indirect=True, ids=["extra-rows"])
def test_derivations_repeated_rows_and_units_are_carried_over(
        release_store: ReleaseStore) -> None:
    engine, release = release_store.engine, release_store.release
    init_db(engine)
    _check_upgraded(engine, release)
    with transaction(engine) as session:
        cpeptide = list_outcome_data(session, "C-peptide")
    assert [(d.data.arm, d.version, d.data.mean) for d in cpeptide] == [
        ("metformin", 1, 0.4), ("placebo", 2, 0.35)]
    derivation = cpeptide[0].data.derivations[0]
    assert (derivation.method.value, derivation.note) == ("sd-from-se",
                                                          "SD = SE x sqrt(n), Table 3")


def test_carried_over_analyses_are_stale_and_their_comparisons_reused(
        release_store: ReleaseStore) -> None:
    engine = release_store.engine
    init_db(engine)
    with transaction(engine) as session:
        assert all(s.stale for s in analysis_states(session))
        analyses = list_analyses(session)
        writer = session.scalars(sa.select(t.Actor.id)).first()
        assert writer is not None
        for analysis in analyses:  # the same analysis again: the carried-over comparison
            assert put_analysis(session, analysis, actor_id=writer).value == "unchanged"
        assert len(session.scalars(sa.select(t.Comparison)).all()) == len(analyses)


def test_carried_over_analyses_refit_to_the_release_results(release_store: ReleaseStore) -> None:
    engine, release = release_store.engine, release_store.release
    init_db(engine)
    fitted = {f.slug: f.result for f in analyze(engine, actor=Actor(name="Ada"))}
    slugs = {a["id"]: a["slug"] for a in release["analyses"]}
    assert set(fitted) == set(slugs.values())
    for old in release["analysis_results"]:
        new = fitted[slugs[old["analysis_id"]]]
        old_fit = old["result"]["fit"]
        if old_fit is None:
            assert new.fit is None
            continue
        # the same numbers pooled the same way: the release's own estimate, to rounding
        assert new.fit is not None and new.fit["k"] == old_fit["k"]
        for key in ("estimate", "se", "tau2", "QE"):
            assert new.fit[key] == pytest.approx(old_fit[key], rel=1e-9, abs=1e-12), key
    with transaction(engine) as session:
        assert not any(s.stale for s in analysis_states(session))


def test_downgrade_gives_the_release_rows_back_and_upgrade_again(
        release_store: ReleaseStore) -> None:
    engine, release = release_store.engine, release_store.release
    init_db(engine)
    command.downgrade(_alembic_config(engine), "0002")
    assert current_revision(engine) == "0002"
    with engine.connect() as connection:
        def rows(table: str) -> list[dict[str, Any]]:
            found = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))
            return [dict(r) for r in found.mappings()]

        without_id = [{k: v for k, v in r.items() if k != "id"} for r in rows("outcome_data")]
        assert without_id == [{k: v for k, v in r.items() if k != "id"}
                              for r in sorted(release["outcome_data"],
                                              key=lambda r: (r["study_id"], r["position"]))]
        assert rows("analyses") == release["analyses"]
        results = rows("analysis_results")
        for result in results:
            value = result["result"]
            result["result"] = json.loads(value) if isinstance(value, str) else value
            moment = result["fitted_at"]
            result["fitted_at"] = (_moment(moment) if isinstance(moment, str)
                                   else moment.replace(tzinfo=dt.UTC))
        assert [{k: v for k, v in r.items() if k != "id"} for r in results] == [
            {k: v for k, v in r.items() if k != "id"}
            for r in sorted(release["analysis_results"], key=lambda r: (r["fitted_at"], r["id"]))]
    init_db(engine)
    _check_upgraded(engine, release)

