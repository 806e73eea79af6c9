"""The store's tables: SQLAlchemy 2 typed declarative mappings of :mod:`evidencehub.model`.

Portable types only, so one schema serves SQLite and PostgreSQL: lists and nested values
(authors, keywords, MeSH terms, result dicts) are :data:`JSONValue` columns, timestamps are
:class:`UTCDateTime` (stored as UTC, read back timezone-aware).

Tables, grouped as the pipeline uses them:

* actors and imports: ``actors`` (people and tools; every write names one), ``import_events``
  (each import, fetch or data import: file and SHA-256 or query, who, when, counts) and
  ``import_records`` (every record it returned), ``duplicate_candidates`` (pairs an import
  kept apart for a person) and ``duplicate_decisions`` (a person's verdict on a pair);
* literature: ``records`` (one row per work, unique DOI / PMID / PMCID when present),
  ``record_versions`` (each earlier version of a record, with when and from which source it
  came), ``record_field_sources`` (per-field provenance: which source gave the current value),
  ``record_trial_links`` (a record mentions a trial, by registry id);
* trials: ``trials`` (one row per primary registry id) and ``trial_ids`` (every id a trial is
  known by, primary and secondary, for lookups by any of them);
* evidence: ``studies``, ``study_records``, ``study_trials`` (by registry id), ``arms``,
  ``outcomes``, ``outcome_data`` (stable identities) and ``outcome_data_versions`` (their
  numbers, append-only, each with its source record, locator, actor and import);
* analyses: ``comparisons`` and ``comparison_arms`` (experimental against control arm labels),
  ``analyses``, ``analysis_runs`` (immutable fits: typed result, fingerprint, software, actor)
  and ``run_inputs`` (the outcome-data versions a run pooled);
* systematic reviews: ``reviews`` with ``review_criteria`` (eligibility criteria; exclusion
  reasons name them) and ``review_members`` (reviewers and their roles); ``review_searches``
  (what was searched where, when, how many returned) with ``review_search_imports`` (the imports
  that brought a search's records) and ``review_search_records`` (the records each search
  returned: the review's records are their union); ``screening_decisions`` (append-only:
  every decision, resolution, consensus, import and undo); ``full_texts`` (append-only retrieval
  status of a report); ``review_rankings`` (the latest priority order per reviewer and stage, a
  cache a retrain replaces); ``review_studies`` (the studies a review includes);
* appraisal: ``extraction_fields`` (a review's extraction form) and ``extraction_values``
  (append-only: each reviewer's entries and the consensus, with locators and derivations);
  ``rob_assessments`` (RoB 2 and ROBINS-I, per reviewer and consensus); ``grade_flags``
  (reviewers' indirectness and dose-response judgements) and ``grade_ratings`` (a certainty per
  analysis run, rule proposals beside overrides); ``tag_decisions`` (rule proposals of a
  claim's tags beside the editor's choice);
* publishing: ``pages``, ``evidence_labels`` (one per page), ``cross_refs``, ``page_analyses``,
  ``page_runs`` (the runs a page showed when it was last published), ``claims`` (stable ids)
  with ``claim_versions``, ``claim_studies`` and ``claim_analyses``;
* the web application: ``users`` (accounts: name, role, argon2id hash, and the actor their
  writes are signed with), ``web_sessions`` (signed-in sessions by the SHA-256 of their token,
  with their CSRF token and expiry) and ``page_versions`` (append-only: each saved text of a
  page, its status, who saved it and when).

Links by registry id carry no foreign key on purpose: a record or study may cite a trial that is
not (yet) imported, and the link resolves as soon as it is. The SQLite full-text index
(``records_fts``) and the PostgreSQL GIN index live only in the migration, because they are
dialect-specific (queried in :mod:`evidencehub.store.repo._fulltext`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Actor",
    "Analysis",
    "AnalysisRun",
    "Arm",
    "Base",
    "Claim",
    "ClaimAnalysis",
    "ClaimStudy",
    "ClaimVersion",
    "Comparison",
    "ComparisonArm",
    "CrossRef",
    "DuplicateCandidate",
    "DuplicateDecision",
    "EvidenceLabel",
    "FullText",
    "ImportEvent",
    "ImportRecord",
    "JSONValue",
    "NAMING_CONVENTION",
    "Outcome",
    "OutcomeData",
    "OutcomeDataVersion",
    "Page",
    "PageAnalysis",
    "PageRun",
    "Record",
    "RecordFieldSource",
    "RecordTrialLink",
    "RecordVersion",
    "Review",
    "ReviewCriterion",
    "ReviewMember",
    "ReviewRanking",
    "ReviewSearch",
    "ReviewSearchImport",
    "ReviewSearchRecord",
    "ReviewStudy",
    "RunInput",
    "ScreeningDecision",
    "Study",
    "StudyRecord",
    "StudyTrial",
    "Trial",
    "TrialId",
    "UTCDateTime",
    "metadata",
]

#: Constraint names that are stable across databases (Alembic needs names to alter them).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: A JSON document, ``json`` on PostgreSQL too rather than ``jsonb``: ``jsonb`` reorders the
#: keys of objects, and a stored result must read back in the order its ``to_dict()`` gave
#: (the JSON contract's key order). Nothing queries inside these documents.
JSONValue = JSON()


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC) on every database.

    SQLite has no time zones and drops them silently; normalising to UTC on the way in makes
    values from both databases compare equal. A naive value given to the store is taken as UTC.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Declarative base bound to :data:`metadata`."""

    metadata = metadata
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONValue,
        list[Any]: JSONValue,
        dt.datetime: UTCDateTime,
    }


# --------------------------------------------------------------------------- actors and imports


class Actor(Base):
    """A person or a tool that writes to the store; every write names one."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[dt.datetime]


class ImportEvent(Base):
    """One ``import``, ``fetch``, ``data import`` or corpus load: what, by whom, when, counts.

    ``kind`` is ``file``, ``query``, ``data`` or ``corpus``; ``reader`` the format or source
    read (``pubmed-xml``, ``pubmed``, ``arm-table``); ``label`` the file name or the query as
    given. A file has its ``sha256``; a query its text and ``source``. The records an import
    returned are ``import_records``.
    """

    __tablename__ = "import_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String)
    reader: Mapped[str] = mapped_column(String)
    label: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String, index=True)
    query: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime]
    n_read: Mapped[int] = mapped_column(Integer)
    n_created: Mapped[int] = mapped_column(Integer)
    n_updated: Mapped[int] = mapped_column(Integer)
    n_unchanged: Mapped[int] = mapped_column(Integer)
    n_merged: Mapped[int] = mapped_column(Integer)
    n_rejected: Mapped[int] = mapped_column(Integer)


class ImportRecord(Base):
    """A record an import returned, and what the import did to it (created, updated…)."""

    __tablename__ = "import_records"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("import_events.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    outcome: Mapped[str] = mapped_column(String)


class DuplicateCandidate(Base):
    """Two stored records that may be one work, found by an import, for a person to decide.

    ``record_a_id < record_b_id``; the pair is pending while it has no ``duplicate_decisions``.
    """

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("record_a_id", "record_b_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    record_b_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String)
    score: Mapped[float | None] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_events.id"), index=True)
    found_at: Mapped[dt.datetime]


class DuplicateDecision(Base):
    """A person's decision on a pair of records: ``same`` or ``different`` (append-only).

    ``record_a_key`` and ``record_b_key`` are the two records' keys when it was decided. A
    ``same`` decision merges the second record into the first, so afterwards both ids name the
    kept record and only the keys say which two were merged.
    """

    __tablename__ = "duplicate_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_a_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), index=True
    )
    record_b_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    record_a_key: Mapped[str] = mapped_column(String)
    record_b_key: Mapped[str] = mapped_column(String)
    verdict: Mapped[str] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    decided_at: Mapped[dt.datetime]


# --------------------------------------------------------------------------- literature


class Record(Base):
    """A bibliographic record; columns mirror :class:`evidencehub.model.Record` field by field.

    ``key`` is the record's current identity key (``doi:…``, else ``pmid:…``…); ``source`` and
    ``updated_at`` say which import wrote the current version and when.
    """

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    doi: Mapped[str | None] = mapped_column(String, unique=True)
    pmid: Mapped[str | None] = mapped_column(String, unique=True)
    pmcid: Mapped[str | None] = mapped_column(String, unique=True)
    pii: Mapped[str | None] = mapped_column(String)
    title: Mapped[str] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    abstract_sections: Mapped[list[Any]]
    authors: Mapped[list[Any]]
    journal: Mapped[str | None] = mapped_column(String)
    journal_abbrev: Mapped[str | None] = mapped_column(String)
    issn: Mapped[str | None] = mapped_column(String)
    publisher: Mapped[str | None] = mapped_column(String)
    record_type: Mapped[str | None] = mapped_column(String)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    published: Mapped[dt.date | None] = mapped_column(Date)
    volume: Mapped[str | None] = mapped_column(String)
    issue: Mapped[str | None] = mapped_column(String)
    pages: Mapped[str | None] = mapped_column(String)
    url: Mapped[str | None] = mapped_column(Text)
    publication_types: Mapped[list[Any]]
    grants: Mapped[list[Any]]
    links: Mapped[list[Any]]
    keywords: Mapped[list[Any]]
    mesh_terms: Mapped[list[Any]]
    language: Mapped[str | None] = mapped_column(String)
    open_access: Mapped[str | None] = mapped_column(String)
    citation_count: Mapped[int | None] = mapped_column(Integer)
    citation_percentile: Mapped[float | None] = mapped_column(Float)
    registry_ids: Mapped[list[Any]]
    retracted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    source: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class RecordVersion(Base):
    """An earlier version of a record: its full data, who wrote it, when, and what replaced it."""

    __tablename__ = "record_versions"
    __table_args__ = (UniqueConstraint("record_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String)
    recorded_at: Mapped[dt.datetime]
    superseded_at: Mapped[dt.datetime]
    superseded_by: Mapped[str] = mapped_column(String)


class RecordFieldSource(Base):
    """Provenance: the source that gave a record's current value of one field.

    Only fields changed after the record was created have a row; the others came from the
    source that created it (see :mod:`evidencehub.store.repo.records`).
    """

    __tablename__ = "record_field_sources"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String, primary_key=True)
    source: Mapped[str] = mapped_column(String)
    recorded_at: Mapped[dt.datetime]


class RecordTrialLink(Base):
    """A record that reports or mentions a trial, by the trial's canonical registry id."""

    __tablename__ = "record_trial_links"

    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True
    )
    registry_id: Mapped[str] = mapped_column(String, primary_key=True, index=True)


# --------------------------------------------------------------------------- trials


class Trial(Base):
    """A registered trial; columns mirror :class:`evidencehub.model.Trial`."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_id: Mapped[str] = mapped_column(String, unique=True)
    # Named ``registry`` in SQL; ``registry`` itself is reserved by declarative mapping.
    registry_name: Mapped[str] = mapped_column("registry", String)
    secondary_ids: Mapped[list[Any]]
    title: Mapped[str] = mapped_column(Text)
    phase: Mapped[str | None] = mapped_column(String)
    status: Mapped[str | None] = mapped_column(String)
    enrollment: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[list[Any]]
    interventions: Mapped[list[Any]]
    sponsor: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    has_results: Mapped[bool | None] = mapped_column(Boolean)
    study_type: Mapped[str | None] = mapped_column(String)
    summary: Mapped[str | None] = mapped_column(Text)
    arms: Mapped[list[Any]]
    locations: Mapped[list[Any]]
    last_updated: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String)
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class TrialId(Base):
    """Every registry id a trial is known by (its primary id and each secondary id)."""

    __tablename__ = "trial_ids"

    trial_id: Mapped[int] = mapped_column(
        ForeignKey("trials.id", ondelete="CASCADE"), primary_key=True
    )
    registry_id: Mapped[str] = mapped_column(String, primary_key=True, index=True)
    is_primary: Mapped[bool] = mapped_column(Boolean)


# --------------------------------------------------------------------------- studies and outcomes


class Study(Base):
    """The unit of evidence; columns mirror :class:`evidencehub.model.Study`."""

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    label: Mapped[str] = mapped_column(Text)
    design: Mapped[str] = mapped_column(String)
    species: Mapped[str | None] = mapped_column(String)
    model: Mapped[str | None] = mapped_column(Text)
    population: Mapped[str | None] = mapped_column(Text)
    n: Mapped[int | None] = mapped_column(Integer)
    follow_up: Mapped[str | None] = mapped_column(String)
    phase: Mapped[str | None] = mapped_column(String)
    cell_source: Mapped[str | None] = mapped_column(Text)
    encapsulation: Mapped[str | None] = mapped_column(Text)
    immunosuppression: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)


class StudyRecord(Base):
    """A record reporting a study; ``position`` keeps the order of ``Study.record_keys``."""

    __tablename__ = "study_records"

    study_id: Mapped[int] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class StudyTrial(Base):
    """A trial a study belongs to, by canonical registry id (see the module docstring)."""

    __tablename__ = "study_trials"

    study_id: Mapped[int] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
    )
    registry_id: Mapped[str] = mapped_column(String, primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class Arm(Base):
    """An arm of a study: its label (the treatment as the study names it), size and details."""

    __tablename__ = "arms"
    __table_args__ = (UniqueConstraint("study_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String)
    n: Mapped[int | None] = mapped_column(Integer)
    intervention: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]


class Outcome(Base):
    """An outcome measured across studies (HbA1c, insulin independence…)."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    data_kind: Mapped[str] = mapped_column(String)
    unit: Mapped[str | None] = mapped_column(String)
    direction: Mapped[str | None] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]


class OutcomeData(Base):
    """The identity of one arm's result for one outcome, time point and kind of value.

    The numbers live in ``outcome_data_versions``: a change is a new version, never an update,
    so a run can name exactly the (id, version) pairs it pooled. ``timepoint`` is ``""`` when
    the study reports one time only (so that the unique constraint holds on every database).
    """

    __tablename__ = "outcome_data"
    __table_args__ = (UniqueConstraint("arm_id", "outcome_id", "timepoint", "value_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    arm_id: Mapped[int] = mapped_column(ForeignKey("arms.id", ondelete="CASCADE"))
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    timepoint: Mapped[str] = mapped_column(String)
    value_kind: Mapped[str] = mapped_column(String)
    current_version: Mapped[int] = mapped_column(Integer)


class OutcomeDataVersion(Base):
    """One version of an outcome-data row: its numbers, where they came from and who wrote them.

    ``derivations`` says how each number that was not reported was obtained (the conversion and
    its inputs); ``record_id`` is the source record and ``locator`` where in it (page, table,
    figure or quoted text); ``import_id`` the ``data import`` that brought the version, if any.
    """

    __tablename__ = "outcome_data_versions"
    __table_args__ = (UniqueConstraint("outcome_data_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_data_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_data.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    timepoint_months: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    sd: Mapped[float | None] = mapped_column(Float)
    events: Mapped[int | None] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    median: Mapped[float | None] = mapped_column(Float)
    q1: Mapped[float | None] = mapped_column(Float)
    q3: Mapped[float | None] = mapped_column(Float)
    minimum: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    se: Mapped[float | None] = mapped_column(Float)
    ci_lb: Mapped[float | None] = mapped_column(Float)
    ci_ub: Mapped[float | None] = mapped_column(Float)
    derivations: Mapped[list[Any]]
    attributes: Mapped[dict[str, Any]]
    record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), index=True)
    locator: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_events.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


# --------------------------------------------------------------------------- analyses


class Comparison(Base):
    """Experimental arms against control arms, matched by arm label in every study.

    ``key`` is the canonical form of its arm rows (``comparison_arms``), so one comparison is
    stored once however many analyses use it.
    """

    __tablename__ = "comparisons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]


class ComparisonArm(Base):
    """An arm label on one side (``role``: experimental or control) of a comparison."""

    __tablename__ = "comparison_arms"

    comparison_id: Mapped[int] = mapped_column(
        ForeignKey("comparisons.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String, primary_key=True)
    arm_label: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Analysis(Base):
    """A meta-analysis specification: outcome, comparison, measure and model settings, and the
    review its studies came from."""

    __tablename__ = "analyses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String, unique=True)
    title: Mapped[str] = mapped_column(Text)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcomes.id"), index=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"), index=True)
    measure: Mapped[str] = mapped_column(String)
    method: Mapped[str] = mapped_column(String)
    test: Mapped[str] = mapped_column(String)
    level: Mapped[float] = mapped_column(Float)
    model_rule: Mapped[str | None] = mapped_column(String)
    subgroup: Mapped[str | None] = mapped_column(String)
    timepoint: Mapped[str | None] = mapped_column(String)
    value_kind: Mapped[str | None] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    #: The systematic review its studies came from (its PRISMA flow is shown with it); not a
    #: setting of the fit, so changing it never makes the analysis stale.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    updated_at: Mapped[dt.datetime]


class AnalysisRun(Base):
    """One fit of an analysis, never changed: the typed result, its inputs and its fingerprint.

    ``result`` is the run's ``to_dict()`` at ``schema_version``; ``fingerprint`` hashes the
    settings and the (outcome-data id, version) pairs, so an analysis is stale exactly when
    the fingerprint it would have now differs from its newest run's. Runs carried over from
    the stores of release 0.1 (revision 0002 and before) have schema version 0 and no
    fingerprint: they are kept as history and always stale.
    """

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    schema_version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str | None] = mapped_column(String)
    settings: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    software: Mapped[str] = mapped_column(String)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]


class RunInput(Base):
    """An outcome-data version a run pooled."""

    __tablename__ = "run_inputs"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), primary_key=True
    )
    outcome_data_id: Mapped[int] = mapped_column(
        ForeignKey("outcome_data.id"), primary_key=True, index=True
    )
    version: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------------- systematic reviews


class Review(Base):
    """A systematic review: its question (PICO), how many screeners a record needs, blinding."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String, unique=True)
    title: Mapped[str] = mapped_column(Text)
    question: Mapped[dict[str, Any]]
    stages: Mapped[list[Any]]
    screeners: Mapped[int] = mapped_column(Integer)
    blinded: Mapped[bool] = mapped_column(Boolean)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class ReviewCriterion(Base):
    """An eligibility criterion of a review; ``code`` is the id exclusion reasons give."""

    __tablename__ = "review_criteria"
    __table_args__ = (UniqueConstraint("review_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)


class ReviewMember(Base):
    """A reviewer of a review and their role (screener, resolver or lead)."""

    __tablename__ = "review_members"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String)
    added_at: Mapped[dt.datetime]


class ReviewSearch(Base):
    """One search of a review: the source searched and its kind (database, register, other),
    the query, the date it was run, and how many records it returned (``n_returned``; those an
    importer could not read are ``n_rejected``)."""

    __tablename__ = "review_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    method: Mapped[str | None] = mapped_column(String)
    query: Mapped[str | None] = mapped_column(Text)
    run_on: Mapped[dt.date | None] = mapped_column(Date)
    n_returned: Mapped[int] = mapped_column(Integer)
    n_rejected: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class ReviewSearchImport(Base):
    """An import event that brought records of a search into the store."""

    __tablename__ = "review_search_imports"

    search_id: Mapped[int] = mapped_column(
        ForeignKey("review_searches.id", ondelete="CASCADE"), primary_key=True
    )
    import_id: Mapped[int] = mapped_column(ForeignKey("import_events.id"), primary_key=True)


class ReviewSearchRecord(Base):
    """A record a search returned. A merge of two records leaves one row, so the review's
    duplicates are counted from the importer's merges and people's duplicate decisions."""

    __tablename__ = "review_search_records"

    search_id: Mapped[int] = mapped_column(
        ForeignKey("review_searches.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(
        ForeignKey("records.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ScreeningDecision(Base):
    """A decision on a record at one stage of a review, append-only.

    ``basis`` says how it came about (``screening``, ``resolution``, ``consensus``,
    ``imported``, ``undo``); an ``undo`` has no label and names the decision it withdraws in
    ``undoes_id``. ``reason`` is a criterion code of the review.
    """

    __tablename__ = "screening_decisions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String)
    label: Mapped[str | None] = mapped_column(String)
    basis: Mapped[str] = mapped_column(String)
    reason: Mapped[str | None] = mapped_column(String)
    note: Mapped[str | None] = mapped_column(Text)
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("screening_decisions.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    decided_at: Mapped[dt.datetime]


class FullText(Base):
    """Where a report's full text stands in a review (append-only: the newest row holds)."""

    __tablename__ = "full_texts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String)
    link: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class ReviewRanking(Base):
    """The latest priority order of a review's records for one reviewer and stage: a cache of
    the prioritisation model, replaced by each retrain, never a source of decisions.

    ``trained_on`` fingerprints the records and labels the model learnt from (``n_labelled`` of
    them; ``trained`` is false while no classifier could be fitted), so a stale order is known.
    """

    __tablename__ = "review_rankings"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String, primary_key=True)
    model: Mapped[str] = mapped_column(String)
    trained: Mapped[bool] = mapped_column(Boolean)
    n_labelled: Mapped[int] = mapped_column(Integer)
    trained_on: Mapped[str] = mapped_column(String)
    record_ids: Mapped[list[Any]]
    ranked_at: Mapped[dt.datetime]


class ReviewStudy(Base):
    """A study a review includes (its reports are the study's records)."""

    __tablename__ = "review_studies"

    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), primary_key=True
    )
    study_id: Mapped[int] = mapped_column(
        ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    added_at: Mapped[dt.datetime]


# --------------------------------------------------------------------------- appraisal


class ExtractionField(Base):
    """A field of a review's extraction form: a study characteristic (``level`` ``study``) or a
    number per arm, outcome and time point (``level`` ``arm``)."""

    __tablename__ = "extraction_fields"
    __table_args__ = (UniqueConstraint("review_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String)
    label: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String)
    kind: Mapped[str] = mapped_column(String)
    choices: Mapped[list[Any] | None]
    unit: Mapped[str | None] = mapped_column(String)
    position: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    created_at: Mapped[dt.datetime]


class ExtractionValue(Base):
    """One extracted value, append-only: the newest row per reviewer, study and item holds.

    ``basis`` is ``extraction`` (a reviewer's own entry), ``consensus`` (the agreed value) or
    ``imported`` (from a sheet); ``value`` ``None`` clears an earlier entry. Arm-level items name
    ``outcome``, ``arm`` and ``timepoint``. ``derivation`` holds how a derived number was
    obtained (method, inputs); ``outcome_data_id`` the outcome-data row a consensus wrote.
    """

    __tablename__ = "extraction_values"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    basis: Mapped[str] = mapped_column(String)
    outcome: Mapped[str | None] = mapped_column(String)
    arm: Mapped[str | None] = mapped_column(String)
    timepoint: Mapped[str | None] = mapped_column(String)
    field: Mapped[str] = mapped_column(String)
    value: Mapped[str | None] = mapped_column(Text)
    locator: Mapped[str | None] = mapped_column(Text)
    derivation: Mapped[dict[str, Any] | None]
    outcome_data_id: Mapped[int | None] = mapped_column(ForeignKey("outcome_data.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class RobAssessment(Base):
    """A risk-of-bias assessment of one study's outcome (RoB 2 or ROBINS-I), append-only.

    ``basis`` is ``assessment`` (one reviewer's) or ``consensus``; ``payload`` the typed
    assessment's ``to_dict()`` (answers, proposed and chosen judgements, override reasons);
    ``overall`` its overall judgement, for queries and plots.
    """

    __tablename__ = "rob_assessments"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"),
                                                  index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String)
    tool: Mapped[str] = mapped_column(String)
    basis: Mapped[str] = mapped_column(String)
    overall: Mapped[str] = mapped_column(String)
    payload: Mapped[dict[str, Any]]
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class GradeFlag(Base):
    """A reviewer's judgement GRADE cannot read from the data (indirectness of a study's
    population, intervention, comparator or outcome; a dose-response gradient), append-only:
    the newest row per analysis, study and flag holds, ``present`` false withdraws it."""

    __tablename__ = "grade_flags"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"),
                                             index=True)
    study_id: Mapped[int | None] = mapped_column(ForeignKey("studies.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String)
    present: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class GradeRating(Base):
    """A GRADE certainty rating of one analysis run, append-only.

    ``payload`` is the typed rating's ``to_dict()`` (each domain's rule proposal beside any
    override and its reason); a rating whose ``run_id`` is not the analysis's newest run is
    due for re-review.
    """

    __tablename__ = "grade_ratings"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[int] = mapped_column(ForeignKey("analyses.id", ondelete="CASCADE"),
                                             index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("analysis_runs.id"))
    certainty: Mapped[str] = mapped_column(String)
    payload: Mapped[dict[str, Any]]
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


class TagDecision(Base):
    """A rule's tag proposal for a claim beside the editor's choice, append-only."""

    __tablename__ = "tag_decisions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    tag: Mapped[str] = mapped_column(String)
    proposed: Mapped[bool] = mapped_column(Boolean)
    chosen: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[Any]]
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]


# --------------------------------------------------------------------------- publishing


class Page(Base):
    """A published page; mirrors :class:`evidencehub.model.Page` (label and links in own tables)."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String, unique=True)
    kind: Mapped[str] = mapped_column(String, index=True)
    title: Mapped[str] = mapped_column(Text)
    dek: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String)
    category: Mapped[str | None] = mapped_column(String)
    body: Mapped[str] = mapped_column(Text)
    takeaways: Mapped[list[Any]]
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    updated_at: Mapped[dt.datetime | None]


class EvidenceLabel(Base):
    """A page's evidence label (at most one per page)."""

    __tablename__ = "evidence_labels"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    kinds: Mapped[list[Any]]
    source: Mapped[str] = mapped_column(String)
    certainty: Mapped[str | None] = mapped_column(String)
    rationale: Mapped[str | None] = mapped_column(Text)


class CrossRef(Base):
    """A link from a page to another page slug, which may not exist yet (a stub)."""

    __tablename__ = "cross_refs"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_slug: Mapped[str] = mapped_column(String, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String)


class PageAnalysis(Base):
    """An analysis shown on a page, by slug (the page may be written before the analysis)."""

    __tablename__ = "page_analyses"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_slug: Mapped[str] = mapped_column(String, index=True)


class Claim(Base):
    """A sentence a page asserts, with its evidence tags; its citations are ``claim_studies``
    and ``claim_analyses``. The id is stable: an edit that rewords the claim updates the row
    (``version`` + 1) and keeps the wording it replaces in ``claim_versions``."""

    __tablename__ = "claims"
    # AUTOINCREMENT on SQLite: the id of a deleted claim is never given to another one (an id
    # cited from outside must keep naming the claim it named); PostgreSQL never reuses them.
    __table_args__ = (UniqueConstraint("page_id", "position"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    updated_at: Mapped[dt.datetime | None]


class ClaimVersion(Base):
    """An earlier wording of a claim: its text and tags, who wrote it and until when."""

    __tablename__ = "claim_versions"
    __table_args__ = (UniqueConstraint("claim_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[Any]]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    superseded_at: Mapped[dt.datetime]


class ClaimAnalysis(Base):
    """An analysis whose results a claim quotes; ``position`` keeps their order."""

    __tablename__ = "claim_analyses"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer)


class PageRun(Base):
    """A run a page shows: recorded when the page is published, so a page's numbers can be
    traced to the exact fit they came from even after newer runs."""

    __tablename__ = "page_runs"

    page_id: Mapped[int] = mapped_column(
        ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True
    )
    run_id: Mapped[int] = mapped_column(
        ForeignKey("analysis_runs.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    pinned_at: Mapped[dt.datetime]


class ClaimStudy(Base):
    """A study cited by a claim; ``position`` keeps the order of ``Claim.study_keys``."""

    __tablename__ = "claim_studies"

    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True
    )
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


# --------------------------------------------------------------------------- web application


class User(Base):
    """An account of the web application: its role, its password's hash (argon2id), and the
    actor its writes are signed with (one actor per account)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)
    role: Mapped[str] = mapped_column(String)
    password_hash: Mapped[str] = mapped_column(String)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), unique=True)
    created_at: Mapped[dt.datetime]


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its cookie's token (the token itself is never
    stored), the account, the CSRF token its forms carry, and when it expires."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class PageVersion(Base):
    """A saved state of a page (its front matter and body as ``content``), append-only:
    version 1 is the first save, and the history of a page is the list of its versions."""

    __tablename__ = "page_versions"
    __table_args__ = (UniqueConstraint("page_id", "version"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    recorded_at: Mapped[dt.datetime]
