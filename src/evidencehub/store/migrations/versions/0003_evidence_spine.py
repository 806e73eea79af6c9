"""The evidence spine: actors, imports as data, outcomes, arms, comparisons, versioned outcome
data, and analyses whose fits are immutable runs.

New tables: ``actors``; ``import_events`` and ``import_records`` (each import and the records it
returned); ``duplicate_candidates`` and ``duplicate_decisions``; ``outcomes``; ``arms``;
``outcome_data`` (now the stable identity of a row) with ``outcome_data_versions`` (its
numbers, append-only); ``comparisons`` with ``comparison_arms``; ``analysis_runs`` with
``run_inputs``. ``analyses`` names its outcome and comparison by id and gains ``level``,
``model_rule``, ``actor_id`` and ``updated_at``; ``analysis_results`` is gone. Claims keep their
ids and gain a version, a writer and ``claim_versions`` (earlier wordings) and
``claim_analyses`` (analyses they quote); pages gain a writer and ``page_runs`` (the runs a page
showed when it was last published).

Nothing stored is lost on upgrade. Every outcome-data row becomes an identity with version 1
(its derivation kept), on an arm and an outcome created from the row's names; an analysis's
outcome becomes an outcome row and its comparison text (``"a, b vs c"``, the last place such
text is parsed) a comparison; every stored result becomes a run of schema version 0 with no
fingerprint (history, always stale, so ``analyze`` refits it). Release 0.1's ``subgroup`` of an
analysis was its class label, not a variable to group by: it moves into the description. These writes are made by the
actor ``evidencehub store upgrade`` (a tool).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.JSON()
UPGRADE_ACTOR = "evidencehub store upgrade"
_BINARY_MEASURES = frozenset({"OR", "RR", "RD", "PETO", "PR", "PLO", "PAS", "PFT"})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _fk(column: str, table: str, source: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_{source}_{column}_{table}"),
        ondelete="CASCADE" if cascade else None,
    )


def _create_tables() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actors")),
        sa.UniqueConstraint("name", name=op.f("uq_actors_name")),
    )
    op.create_table(
        "import_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reader", sa.String(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        *(sa.Column(f"n_{name}", sa.Integer(), nullable=False)
          for name in ("read", "created", "updated", "unchanged", "merged", "rejected")),
        _fk("actor_id", "actors", "import_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_events")),
    )
    op.create_index(op.f("ix_import_events_sha256"), "import_events", ["sha256"])
    op.create_table(
        "import_records",
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        _fk("import_id", "import_events", "import_records", cascade=True),
        _fk("record_id", "records", "import_records", cascade=True),
        sa.PrimaryKeyConstraint("import_id", "record_id", name=op.f("pk_import_records")),
    )
    op.create_index(op.f("ix_import_records_record_id"), "import_records", ["record_id"])
    op.create_table(
        "duplicate_candidates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a_id", sa.Integer(), nullable=False),
        sa.Column("record_b_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        _fk("record_a_id", "records", "duplicate_candidates", cascade=True),
        _fk("record_b_id", "records", "duplicate_candidates", cascade=True),
        _fk("import_id", "import_events", "duplicate_candidates"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_candidates")),
        sa.UniqueConstraint("record_a_id", "record_b_id",
                            name=op.f("uq_duplicate_candidates_record_a_id")),
    )
    op.create_index(op.f("ix_duplicate_candidates_record_b_id"), "duplicate_candidates",
                    ["record_b_id"])
    op.create_index(op.f("ix_duplicate_candidates_import_id"), "duplicate_candidates",
                    ["import_id"])
    op.create_table(
        "duplicate_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_a_id", sa.Integer(), nullable=False),
        sa.Column("record_b_id", sa.Integer(), nullable=False),
        sa.Column("record_a_key", sa.String(), nullable=False),
        sa.Column("record_b_key", sa.String(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        _fk("record_a_id", "records", "duplicate_decisions", cascade=True),
        _fk("record_b_id", "records", "duplicate_decisions", cascade=True),
        _fk("actor_id", "actors", "duplicate_decisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_decisions")),
    )
    op.create_index(op.f("ix_duplicate_decisions_record_a_id"), "duplicate_decisions",
                    ["record_a_id"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("data_kind", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("direction", sa.String(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("actor_id", "actors", "outcomes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("name", name=op.f("uq_outcomes_name")),
    )
    op.create_table(
        "arms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("intervention", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("study_id", "studies", "arms", cascade=True),
        _fk("actor_id", "actors", "arms"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arms")),
        sa.UniqueConstraint("study_id", "label", name=op.f("uq_arms_study_id")),
    )
    op.create_index(op.f("ix_arms_study_id"), "arms", ["study_id"])
    op.create_table(
        "comparisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("actor_id", "actors", "comparisons"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparisons")),
        sa.UniqueConstraint("key", name=op.f("uq_comparisons_key")),
    )
    op.create_table(
        "comparison_arms",
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("arm_label", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("comparison_id", "comparisons", "comparison_arms", cascade=True),
        sa.PrimaryKeyConstraint("comparison_id", "role", "arm_label",
                                name=op.f("pk_comparison_arms")),
    )


def _create_outcome_data_tables() -> None:
    op.create_table(
        "outcome_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("arm_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("timepoint", sa.String(), nullable=False),
        sa.Column("value_kind", sa.String(), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        _fk("study_id", "studies", "outcome_data", cascade=True),
        _fk("arm_id", "arms", "outcome_data", cascade=True),
        _fk("outcome_id", "outcomes", "outcome_data"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_data")),
        sa.UniqueConstraint("arm_id", "outcome_id", "timepoint", "value_kind",
                            name=op.f("uq_outcome_data_arm_id")),
    )
    op.create_index(op.f("ix_outcome_data_study_id"), "outcome_data", ["study_id"])
    op.create_index(op.f("ix_outcome_data_outcome_id"), "outcome_data", ["outcome_id"])
    op.create_table(
        "outcome_data_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_data_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("timepoint_months", sa.Float(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("sd", sa.Float(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True)
          for name in ("median", "q1", "q3", "minimum", "maximum", "se", "ci_lb", "ci_ub")),
        sa.Column("derivations", _JSON, nullable=False),
        sa.Column("attributes", _JSON, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("locator", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        _fk("outcome_data_id", "outcome_data", "outcome_data_versions", cascade=True),
        _fk("record_id", "records", "outcome_data_versions"),
        _fk("import_id", "import_events", "outcome_data_versions"),
        _fk("actor_id", "actors", "outcome_data_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_data_versions")),
        sa.UniqueConstraint("outcome_data_id", "version",
                            name=op.f("uq_outcome_data_versions_outcome_data_id")),
    )
    for column in ("outcome_data_id", "record_id", "import_id"):
        op.create_index(op.f(f"ix_outcome_data_versions_{column}"), "outcome_data_versions",
                        [column])


def _create_run_tables() -> None:
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=True),
        sa.Column("settings", _JSON, nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("software", sa.String(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("analysis_id", "analyses", "analysis_runs", cascade=True),
        _fk("actor_id", "actors", "analysis_runs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_runs")),
    )
    op.create_index(op.f("ix_analysis_runs_analysis_id"), "analysis_runs", ["analysis_id"])
    op.create_table(
        "run_inputs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("outcome_data_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("run_id", "analysis_runs", "run_inputs", cascade=True),
        _fk("outcome_data_id", "outcome_data", "run_inputs"),
        sa.PrimaryKeyConstraint("run_id", "outcome_data_id", name=op.f("pk_run_inputs")),
    )
    op.create_index(op.f("ix_run_inputs_outcome_data_id"), "run_inputs", ["outcome_data_id"])


def _publishing_upgrade() -> None:
    """Claims keep their ids and gain a version, a writer and a history; pages a writer; new
    ``claim_analyses`` and ``page_runs``."""
    with op.batch_alter_table("claims") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    op.execute(sa.text("UPDATE claims SET version = 1"))
    # Recreated on SQLite with AUTOINCREMENT, so that a deleted claim's id is never reused.
    with op.batch_alter_table("claims", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.alter_column("version", nullable=False)
        batch.create_foreign_key(op.f("fk_claims_actor_id_actors"), "actors", ["actor_id"], ["id"])
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_pages_actor_id_actors"), "actors", ["actor_id"], ["id"])
    op.create_table(
        "claim_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", _JSON, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=False),
        _fk("claim_id", "claims", "claim_versions", cascade=True),
        _fk("actor_id", "actors", "claim_versions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_versions")),
        sa.UniqueConstraint("claim_id", "version", name=op.f("uq_claim_versions_claim_id")),
    )
    op.create_index(op.f("ix_claim_versions_claim_id"), "claim_versions", ["claim_id"])
    op.create_table(
        "claim_analyses",
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        _fk("claim_id", "claims", "claim_analyses", cascade=True),
        _fk("analysis_id", "analyses", "claim_analyses", cascade=True),
        sa.PrimaryKeyConstraint("claim_id", "analysis_id", name=op.f("pk_claim_analyses")),
    )
    op.create_index(op.f("ix_claim_analyses_analysis_id"), "claim_analyses", ["analysis_id"])
    op.create_table(
        "page_runs",
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("pinned_at", sa.DateTime(), nullable=False),
        _fk("page_id", "pages", "page_runs", cascade=True),
        _fk("run_id", "analysis_runs", "page_runs", cascade=True),
        _fk("actor_id", "actors", "page_runs"),
        sa.PrimaryKeyConstraint("page_id", "run_id", name=op.f("pk_page_runs")),
    )
    op.create_index(op.f("ix_page_runs_run_id"), "page_runs", ["run_id"])


def _publishing_downgrade() -> None:
    op.drop_table("page_runs")
    op.drop_table("claim_analyses")
    op.drop_table("claim_versions")
    with op.batch_alter_table("pages") as batch:
        batch.drop_constraint(op.f("fk_pages_actor_id_actors"), type_="foreignkey")
        batch.drop_column("actor_id")
        batch.drop_column("updated_at")
    with op.batch_alter_table("claims") as batch:
        batch.drop_constraint(op.f("fk_claims_actor_id_actors"), type_="foreignkey")
        batch.drop_column("version")
        batch.drop_column("actor_id")
        batch.drop_column("updated_at")


# --------------------------------------------------------------------------- data carried over


class _Ids:
    """Find-or-create the actor, outcomes, arms and comparisons of the carried-over rows
    (the actor only when something is carried over: a new store starts with no rows)."""

    def __init__(self, connection: sa.Connection, now: dt.datetime) -> None:
        self.connection = connection
        self.now = now
        self._actor: int | None = None
        self.outcomes: dict[str, int] = {}
        self.arms: dict[tuple[int, str], int] = {}
        self.comparisons: dict[str, int] = {}

    @property
    def actor(self) -> int:
        if self._actor is None:
            self._actor = self._insert(
                "actors", name=UPGRADE_ACTOR, kind="tool", email=None, created_at=self.now
            )
        return self._actor

    def _insert(self, table: str, **values: Any) -> int:
        columns = ", ".join(values)
        params = ", ".join(f":{name}" for name in values)
        result = self.connection.execute(
            sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values
        )
        return int(result.scalar_one())

    def outcome(self, name: str, data_kind: str, unit: str | None = None) -> int:
        if name not in self.outcomes:
            self.outcomes[name] = self._insert(
                "outcomes", name=name, data_kind=data_kind, unit=unit, direction=None,
                description=None, actor_id=self.actor, created_at=self.now,
            )
        return self.outcomes[name]

    def arm(self, study_id: int, label: str) -> int:
        if (study_id, label) not in self.arms:
            self.arms[(study_id, label)] = self._insert(
                "arms", study_id=study_id, label=label, n=None, intervention=None,
                actor_id=self.actor, created_at=self.now,
            )
        return self.arms[(study_id, label)]

    def comparison(self, text: str | None) -> int:
        active, _, control = (text or "").partition(" vs ")
        sides = {
            "experimental": [a.strip() for a in active.split(",") if a.strip()],
            "control": [control.strip()] if control.strip() else [],
        }
        # the canonical key of evidencehub.model.Comparison: each side's labels sorted
        key = ",".join(sorted(sides["experimental"])) + "|" + ",".join(sorted(sides["control"]))
        if key not in self.comparisons:
            comparison_id = self._insert(
                "comparisons", key=key, actor_id=self.actor, created_at=self.now
            )
            for role, labels in sides.items():
                for position, label in enumerate(labels):
                    self.connection.execute(
                        sa.text("INSERT INTO comparison_arms (comparison_id, role, arm_label, "
                                "position) VALUES (:c, :r, :a, :p)"),
                        {"c": comparison_id, "r": role, "a": label, "p": position},
                    )
            self.comparisons[key] = comparison_id
        return self.comparisons[key]


_NUMBERS = ("n", "mean", "sd", "events", "total", "median", "q1", "q3", "minimum", "maximum")


def _carry_outcome_data(ids: _Ids, rows: Sequence[sa.RowMapping]) -> None:
    identities: dict[tuple[int, int, str, str], tuple[int, int]] = {}
    for row in rows:
        kind = "dichotomous" if row["events"] is not None else "continuous"
        outcome_id = ids.outcome(row["outcome"], kind, row["unit"])
        arm_id = ids.arm(row["study_id"], row["arm"])
        identity = (arm_id, outcome_id, row["timepoint"] or "", row["value_kind"])
        if identity in identities:
            data_id, version = identities[identity]
            version += 1
            ids.connection.execute(
                sa.text("UPDATE outcome_data SET current_version = :v WHERE id = :id"),
                {"v": version, "id": data_id},
            )
        else:
            data_id, version = ids._insert(
                "outcome_data", study_id=row["study_id"], arm_id=arm_id, outcome_id=outcome_id,
                timepoint=identity[2], value_kind=row["value_kind"], current_version=1,
            ), 1
        identities[identity] = (data_id, version)
        derivations = []
        if row["derivation"] != "reported" or row["derivation_note"]:
            derivations.append({"method": row["derivation"], "fields": [], "inputs": {},
                                "note": row["derivation_note"]})
        ids.connection.execute(
            sa.insert(sa.table("outcome_data_versions", *(
                sa.column(c) for c in (
                    "outcome_data_id", "version", "timepoint_months", *_NUMBERS, "se", "ci_lb",
                    "ci_ub", "derivations", "attributes", "record_id", "locator", "import_id",
                    "actor_id", "recorded_at")
            ))).values(
                outcome_data_id=data_id, version=version, timepoint_months=row["timepoint_months"],
                **{name: row[name] for name in _NUMBERS}, se=None, ci_lb=None, ci_ub=None,
                derivations=sa.bindparam("d", derivations, type_=_JSON),
                attributes=sa.bindparam("a", {}, type_=_JSON), record_id=None, locator=None,
                import_id=None, actor_id=ids.actor, recorded_at=ids.now,
            )
        )


def upgrade() -> None:
    """Create the spine's tables and carry every stored row over (module docstring)."""
    connection = op.get_bind()
    now = _now()
    _create_tables()
    old_rows = connection.execute(
        sa.text("SELECT * FROM outcome_data ORDER BY study_id, position, id")
    ).mappings().all()
    op.drop_table("outcome_data")
    _create_outcome_data_tables()
    ids = _Ids(connection, now)
    _carry_outcome_data(ids, old_rows)

    results = connection.execute(
        sa.text("SELECT analysis_id, result, fitted_at, software FROM analysis_results "
                "ORDER BY fitted_at, id")
    ).mappings().all()
    op.drop_table("analysis_results")
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("outcome_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("comparison_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("level", sa.Float(), nullable=True))
        batch.add_column(sa.Column("model_rule", sa.String(), nullable=True))
        batch.add_column(sa.Column("actor_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    # Release 0.1 had no subgroup variables (arm rows had no columns to group by); its
    # ``subgroup`` held the analysis's class label, which now goes to the description.
    for analysis in connection.execute(
        sa.text("SELECT id, subgroup, description FROM analyses WHERE subgroup IS NOT NULL")
    ).mappings():
        text = analysis["description"] or ""
        if analysis["subgroup"] not in text:
            text = f"{text} Class: {analysis['subgroup']}.".strip()
        connection.execute(sa.text("UPDATE analyses SET subgroup = NULL, description = :d "
                                   "WHERE id = :id"), {"d": text, "id": analysis["id"]})
    for analysis in connection.execute(
        sa.text("SELECT id, outcome, comparison, measure FROM analyses ORDER BY id")
    ).mappings():
        kind = "dichotomous" if analysis["measure"] in _BINARY_MEASURES else "continuous"
        connection.execute(
            sa.text("UPDATE analyses SET outcome_id = :o, comparison_id = :c, level = 95, "
                    "actor_id = :a, updated_at = :t WHERE id = :id"),
            {"o": ids.outcome(analysis["outcome"], kind),
             "c": ids.comparison(analysis["comparison"]), "a": ids.actor, "t": now,
             "id": analysis["id"]},
        )
    with op.batch_alter_table("analyses") as batch:
        batch.drop_column("outcome")
        batch.drop_column("comparison")
        for column in ("outcome_id", "comparison_id", "level", "actor_id", "updated_at"):
            batch.alter_column(column, nullable=False)
        batch.create_foreign_key(op.f("fk_analyses_outcome_id_outcomes"), "outcomes",
                                 ["outcome_id"], ["id"])
        batch.create_foreign_key(op.f("fk_analyses_comparison_id_comparisons"), "comparisons",
                                 ["comparison_id"], ["id"])
        batch.create_foreign_key(op.f("fk_analyses_actor_id_actors"), "actors",
                                 ["actor_id"], ["id"])
        batch.create_index(op.f("ix_analyses_outcome_id"), ["outcome_id"])
        batch.create_index(op.f("ix_analyses_comparison_id"), ["comparison_id"])

    _create_run_tables()
    _publishing_upgrade()
    runs = sa.table("analysis_runs", *(sa.column(c) for c in (
        "analysis_id", "schema_version", "fingerprint", "settings", "result", "software",
        "actor_id", "created_at")))
    for result in results:
        stored = result["result"]
        connection.execute(sa.insert(runs).values(
            analysis_id=result["analysis_id"], schema_version=0, fingerprint=None,
            settings=sa.bindparam("s", {}, type_=_JSON),
            result=sa.bindparam("r", _json_value(stored),
                                type_=_JSON),
            software=result["software"], actor_id=None, created_at=result["fitted_at"],
        ))


def _json_value(stored: Any) -> Any:
    """A JSON column read through ``sa.text``: SQLite hands back the text, PostgreSQL the value."""
    return json.loads(stored) if isinstance(stored, str) else stored


def downgrade() -> None:
    """Back to revision 0002: current versions become plain rows again; history is dropped."""
    connection = op.get_bind()
    runs = connection.execute(
        sa.text("SELECT analysis_id, result, software, created_at FROM analysis_runs "
                "ORDER BY id")
    ).mappings().all()
    _publishing_downgrade()
    op.drop_table("run_inputs")
    op.drop_table("analysis_runs")
    with op.batch_alter_table("analyses") as batch:
        batch.add_column(sa.Column("outcome", sa.String(), nullable=True))
        batch.add_column(sa.Column("comparison", sa.String(), nullable=True))
    analyses = connection.execute(sa.text(
        "SELECT a.id, o.name, a.comparison_id FROM analyses a "
        "JOIN outcomes o ON o.id = a.outcome_id"
    )).mappings().all()
    for analysis in analyses:
        arms = connection.execute(sa.text(
            "SELECT role, arm_label FROM comparison_arms WHERE comparison_id = :c "
            "ORDER BY role DESC, position"), {"c": analysis["comparison_id"]}).all()
        active = ", ".join(label for role, label in arms if role == "experimental")
        control = ", ".join(label for role, label in arms if role == "control")
        connection.execute(
            sa.text("UPDATE analyses SET outcome = :o, comparison = :c WHERE id = :id"),
            {"o": analysis["name"], "c": f"{active} vs {control}" if control else None,
             "id": analysis["id"]},
        )
    for analysis in connection.execute(sa.text(
        "SELECT id, description FROM analyses WHERE description LIKE '%Class: %.'"
    )).mappings():  # the class label back where release 0.1 kept it (see upgrade)
        text, _, label = analysis["description"].rpartition("Class: ")
        connection.execute(sa.text("UPDATE analyses SET subgroup = :s, description = :d "
                                   "WHERE id = :id"),
                           {"s": label.removesuffix("."), "d": text.strip() or None,
                            "id": analysis["id"]})
    with op.batch_alter_table("analyses") as batch:
        batch.drop_index(op.f("ix_analyses_outcome_id"))
        batch.drop_index(op.f("ix_analyses_comparison_id"))
        batch.drop_constraint(op.f("fk_analyses_outcome_id_outcomes"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_analyses_comparison_id_comparisons"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_analyses_actor_id_actors"), type_="foreignkey")
        for column in ("outcome_id", "comparison_id", "level", "model_rule", "actor_id",
                       "updated_at"):
            batch.drop_column(column)
        batch.alter_column("outcome", nullable=False)
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("analysis_id", sa.Integer(), nullable=False),
        sa.Column("result", _JSON, nullable=False),
        sa.Column("fitted_at", sa.DateTime(), nullable=False),
        sa.Column("software", sa.String(), nullable=False),
        _fk("analysis_id", "analyses", "analysis_results", cascade=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_results")),
    )
    op.create_index(op.f("ix_analysis_results_analysis_id"), "analysis_results", ["analysis_id"])
    results = sa.table("analysis_results", *(sa.column(c) for c in (
        "analysis_id", "result", "fitted_at", "software")))
    for run in runs:
        stored = run["result"]
        connection.execute(sa.insert(results).values(
            analysis_id=run["analysis_id"],
            result=sa.bindparam("r", _json_value(stored),
                                type_=_JSON),
            fitted_at=run["created_at"], software=run["software"],
        ))

    rows = connection.execute(sa.text(
        "SELECT d.study_id, a.label AS arm, o.name AS outcome, o.unit, d.timepoint, d.value_kind, "
        "v.* FROM outcome_data d JOIN arms a ON a.id = d.arm_id "
        "JOIN outcomes o ON o.id = d.outcome_id JOIN outcome_data_versions v "
        "ON v.outcome_data_id = d.id AND v.version = d.current_version ORDER BY d.id"
    )).mappings().all()
    for table in ("outcome_data_versions", "outcome_data", "comparison_arms", "comparisons",
                  "arms", "outcomes", "duplicate_decisions", "duplicate_candidates",
                  "import_records", "import_events", "actors"):
        op.drop_table(table)
    op.create_table(
        "outcome_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("arm", sa.String(), nullable=False),
        sa.Column("timepoint", sa.String(), nullable=True),
        sa.Column("timepoint_months", sa.Float(), nullable=True),
        sa.Column("value_kind", sa.String(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("mean", sa.Float(), nullable=True),
        sa.Column("sd", sa.Float(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Float(), nullable=True)
          for name in ("median", "q1", "q3", "minimum", "maximum")),
        sa.Column("unit", sa.String(), nullable=True),
        sa.Column("derivation", sa.String(), nullable=False),
        sa.Column("derivation_note", sa.Text(), nullable=True),
        _fk("study_id", "studies", "outcome_data", cascade=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_data")),
    )
    op.create_index(op.f("ix_outcome_data_outcome"), "outcome_data", ["outcome"])
    op.create_index(op.f("ix_outcome_data_study_id"), "outcome_data", ["study_id"])
    old_rows = sa.table("outcome_data", *(sa.column(c) for c in (
        "study_id", "position", "outcome", "arm", "timepoint", "timepoint_months", "value_kind",
        *_NUMBERS, "unit", "derivation", "derivation_note")))
    positions: dict[int, int] = {}
    for row in rows:
        position = positions.get(row["study_id"], 0)
        positions[row["study_id"]] = position + 1
        derivations = _json_value(row["derivations"])
        first = derivations[0] if derivations else {}
        connection.execute(sa.insert(old_rows).values(
            study_id=row["study_id"], position=position, outcome=row["outcome"], arm=row["arm"],
            timepoint=row["timepoint"] or None, timepoint_months=row["timepoint_months"],
            value_kind=row["value_kind"], **{name: row[name] for name in _NUMBERS},
            unit=row["unit"], derivation=first.get("method", "reported"),
            derivation_note=first.get("note"),
        ))
