"""Meta-analyses, their comparisons, and their runs.

An analysis (what to pool and how) is stored by :func:`put_analysis`; its outcome must be
stored, its comparison is recorded once per distinct set of arm labels (``comparisons``,
``comparison_arms``: structured rows, never text to parse), and the review it names (the one
its studies came from) must be stored; :func:`link_review` sets or clears that review alone.
Each fit is an immutable run (:func:`add_run`): its typed result, the (outcome-data id,
version) pairs it pooled, its fingerprint, software, actor and time. Runs are never changed or deleted; :func:`latest_run`
gives the newest.

JSON has no NaN or infinity and PostgreSQL refuses them, so non-finite numbers in a result are
stored as ``null``, as in the CLI's ``--json`` output and R's ``jsonlite``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic_core import PydanticSerializationError, from_json, to_json
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Analysis, AnalysisRun, Comparison
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, table_of, utc_now
from evidencehub.store.repo.actors import actor_names
from evidencehub.vocab import ArmRole

__all__ = [
    "UpsertOutcome",
    "add_run",
    "add_runs",
    "analysis_ids",
    "comparison_id",
    "get_analysis",
    "get_run",
    "latest_run",
    "latest_runs",
    "link_review",
    "list_analyses",
    "list_runs",
    "put_analysis",
    "runs_using",
]

_SETTINGS = ("title", "measure", "method", "test", "level", "model_rule", "subgroup",
             "timepoint", "value_kind", "description")


# --------------------------------------------------------------------------- comparisons


def comparison_id(session: Session, comparison: Comparison, *, actor_id: int) -> int:
    """The id of ``comparison``, recorded with its arm rows on first use."""
    row = session.scalars(select(t.Comparison).where(t.Comparison.key == comparison.key)).first()
    if row is not None:
        return row.id
    row = t.Comparison(key=comparison.key, actor_id=actor_id, created_at=utc_now())
    session.add(row)
    flush(session, f"comparison {comparison.label!r}")
    for role, labels in ((ArmRole.EXPERIMENTAL, comparison.experimental),
                         (ArmRole.CONTROL, comparison.control)):
        for position, label in enumerate(labels):
            session.add(t.ComparisonArm(comparison_id=row.id, role=role.value, arm_label=label,
                                        position=position))
    flush(session, f"comparison {comparison.label!r}")
    return row.id


def _comparisons(session: Session, ids: set[int]) -> dict[int, Comparison]:
    sides: dict[int, dict[str, list[str]]] = {i: {"experimental": [], "control": []} for i in ids}
    rows = session.execute(
        select(t.ComparisonArm).where(t.ComparisonArm.comparison_id.in_(ids))
        .order_by(t.ComparisonArm.comparison_id, t.ComparisonArm.role, t.ComparisonArm.position)
    ).scalars()
    for row in rows:
        sides[row.comparison_id][row.role].append(row.arm_label)
    return {i: Comparison(experimental=tuple(s["experimental"]), control=tuple(s["control"]))
            for i, s in sides.items()}


# --------------------------------------------------------------------------- analyses


def _to_analyses(session: Session, rows: list[t.Analysis]) -> list[Analysis]:
    comparisons = _comparisons(session, {r.comparison_id for r in rows})
    outcomes = dict(session.execute(
        select(t.Outcome.id, t.Outcome.name).where(t.Outcome.id.in_({r.outcome_id for r in rows}))
    ).all())
    linked = {r.review_id for r in rows if r.review_id is not None}
    reviews = dict(session.execute(
        select(t.Review.id, t.Review.slug).where(t.Review.id.in_(linked))
    ).all()) if linked else {}
    return [
        Analysis.model_validate({
            "slug": row.slug, "outcome": outcomes[row.outcome_id],
            "comparison": comparisons[row.comparison_id],
            **{name: getattr(row, name) for name in _SETTINGS},
            "review": None if row.review_id is None else reviews[row.review_id],
        })
        for row in rows
    ]


def _review_id(session: Session, analysis: str, review: str | None) -> int | None:
    """The id of the review an analysis names (None for none); an unknown one is refused."""
    if review is None:
        return None
    found = session.scalar(select(t.Review.id).where(t.Review.slug == review))
    if found is None:
        raise NotFoundError(f"analysis {analysis!r}: no review {review!r} in the store "
                            "(see 'evidencehub review list')")
    return found


def _analysis_row(session: Session, slug: str) -> t.Analysis:
    row = session.scalars(select(t.Analysis).where(t.Analysis.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no analysis {slug!r} in the store")
    return row


def put_analysis(session: Session, analysis: Analysis, *, actor_id: int) -> UpsertOutcome:
    """Store ``analysis`` or change the stored one with the same slug (its runs are kept: a
    changed setting changes the fingerprint, so the analysis becomes stale)."""
    outcome = session.scalars(select(t.Outcome).where(t.Outcome.name == analysis.outcome)).first()
    if outcome is None:
        known = ", ".join(repr(n) for n in session.scalars(select(t.Outcome.name)
                                                           .order_by(t.Outcome.name)))
        raise InputError(f"analysis {analysis.slug!r}: no outcome {analysis.outcome!r} in the "
                         f"store (known: {known or 'none yet; run evidencehub data import'})")
    columns: dict[str, Any] = {
        "outcome_id": outcome.id,
        "comparison_id": comparison_id(session, analysis.comparison, actor_id=actor_id),
        "review_id": _review_id(session, analysis.slug, analysis.review),
        **analysis.model_dump(mode="json", include=set(_SETTINGS)),
    }
    row = session.scalars(select(t.Analysis).where(t.Analysis.slug == analysis.slug)).first()
    if row is None:
        session.add(t.Analysis(slug=analysis.slug, **columns, actor_id=actor_id,
                               updated_at=utc_now()))
        flush(session, f"analysis {analysis.slug!r}")
        return UpsertOutcome.CREATED
    if all(getattr(row, name) == value for name, value in columns.items()):
        return UpsertOutcome.UNCHANGED
    for name, value in columns.items():
        setattr(row, name, value)
    row.actor_id = actor_id
    row.updated_at = utc_now()
    flush(session, f"analysis {analysis.slug!r}")
    return UpsertOutcome.UPDATED


def link_review(session: Session, slug: str, review: str | None, *,
                actor_id: int) -> UpsertOutcome:
    """Name ``review`` (a review's slug; None: no review) as the one the studies of analysis
    ``slug`` came from, recording the actor and the time; nothing else of the analysis
    changes, and its runs stay current (the review is not a setting of the fit)."""
    row = _analysis_row(session, slug)
    review_id = _review_id(session, slug, review)
    if row.review_id == review_id:
        return UpsertOutcome.UNCHANGED
    row.review_id = review_id
    row.actor_id = actor_id
    row.updated_at = utc_now()
    flush(session, f"analysis {slug!r}")
    return UpsertOutcome.UPDATED


def get_analysis(session: Session, slug: str) -> Analysis:
    """The analysis with ``slug``; :class:`NotFoundError` if there is none."""
    return _to_analyses(session, [_analysis_row(session, slug)])[0]


def list_analyses(session: Session, slugs: Iterable[str] | None = None) -> list[Analysis]:
    """Every analysis (or those with ``slugs``, each of which must exist), ordered by slug."""
    statement = select(t.Analysis).order_by(t.Analysis.slug)
    wanted = None if slugs is None else list(dict.fromkeys(slugs))
    if wanted is not None:
        statement = statement.where(t.Analysis.slug.in_(wanted))
    rows = list(session.scalars(statement))
    if wanted is not None and len(rows) != len(wanted):
        found = {r.slug for r in rows}
        missing = next(s for s in wanted if s not in found)
        raise NotFoundError(f"no analysis {missing!r} in the store")
    return _to_analyses(session, rows)


def analysis_ids(session: Session) -> dict[str, int]:
    """Analysis ids by slug."""
    return dict(session.execute(select(t.Analysis.slug, t.Analysis.id)).all())


# --------------------------------------------------------------------------- runs


def _json_safe(value: Any, where: str) -> Any:
    """``value`` as strict JSON: non-finite numbers → ``None``, numpy scalars and arrays →
    Python numbers and lists (one pass of pydantic-core's encoder and decoder, in C)."""
    def fallback(item: Any) -> Any:
        if hasattr(item, "tolist"):  # numpy arrays, scalars and bools
            return item.tolist()
        raise TypeError(type(item).__name__)

    try:
        return from_json(to_json(value, inf_nan_mode="null", fallback=fallback))
    except PydanticSerializationError as err:
        kind = str(err).rpartition("TypeError: ")[2] or "value"
        raise InputError(f"result{where}: cannot store a {kind} as JSON") from None


def add_runs(session: Session, runs: Sequence[AnalysisRun], *, actor_id: int) -> list[int]:
    """Store runs of stored analyses with the outcome-data versions each pooled; their ids, in
    order. Two statements however many runs (a multi-row insert of the runs, returning their
    ids, and one of their inputs)."""
    ids = analysis_ids(session)
    missing = [r.analysis_slug for r in runs if r.analysis_slug not in ids]
    if missing:
        raise NotFoundError(f"no analysis {missing[0]!r} in the store")
    table = table_of(t.AnalysisRun)
    rows = [{
        "analysis_id": ids[run.analysis_slug], "schema_version": run.schema_version,
        "fingerprint": run.fingerprint, "settings": _json_safe(run.settings, ".settings"),
        "result": _json_safe(run.result, ""), "software": run.software, "actor_id": actor_id,
        "created_at": run.created_at,
    } for run in runs]
    run_ids = [int(i) for i in session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]
    inputs = [{"run_id": run_id, "outcome_data_id": data_id, "version": version}
              for run_id, run in zip(run_ids, runs, strict=True)
              for data_id, version in run.inputs]
    if inputs:
        session.execute(insert(table_of(t.RunInput)), inputs)
    return run_ids


def add_run(session: Session, run: AnalysisRun, *, actor_id: int) -> int:
    """Store one run of a stored analysis with the outcome-data versions it pooled; its id."""
    (run_id,) = add_runs(session, [run], actor_id=actor_id)
    return run_id


def _to_runs(session: Session, rows: list[tuple[str, t.AnalysisRun]]) -> list[AnalysisRun]:
    ids = [row.id for _, row in rows]
    inputs: dict[int, list[tuple[int, int]]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        for run_id, data_id, version in session.execute(
            select(t.RunInput.run_id, t.RunInput.outcome_data_id, t.RunInput.version)
            .where(t.RunInput.run_id.in_(ids[start:start + 500]))
            .order_by(t.RunInput.run_id, t.RunInput.outcome_data_id)
        ):
            inputs[run_id].append((data_id, version))
    actors = actor_names(session, {row.actor_id for _, row in rows if row.actor_id is not None})
    return [
        AnalysisRun(
            id=row.id, analysis_slug=slug, schema_version=row.schema_version,
            fingerprint=row.fingerprint, settings=row.settings, result=row.result,
            inputs=tuple(inputs[row.id]), software=row.software,
            actor=None if row.actor_id is None else actors[row.actor_id],
            created_at=row.created_at,
        )
        for slug, row in rows
    ]


def _runs(session: Session) -> Any:
    return select(t.Analysis.slug, t.AnalysisRun).join(
        t.Analysis, t.Analysis.id == t.AnalysisRun.analysis_id)


def get_run(session: Session, run_id: int) -> AnalysisRun:
    """The run with ``run_id``; :class:`NotFoundError` if there is none."""
    rows = [tuple(r) for r in session.execute(_runs(session).where(t.AnalysisRun.id == run_id))]
    if not rows:
        raise NotFoundError(f"no run {run_id} in the store")
    return _to_runs(session, rows)[0]


def list_runs(session: Session, slug: str) -> list[AnalysisRun]:
    """Every run of an analysis, oldest first."""
    analysis = _analysis_row(session, slug)
    rows = session.execute(_runs(session).where(t.AnalysisRun.analysis_id == analysis.id)
                           .order_by(t.AnalysisRun.id)).all()
    return _to_runs(session, [tuple(r) for r in rows])


def latest_runs(session: Session, slugs: Iterable[str] | None = None) -> dict[str, AnalysisRun]:
    """The newest run of each analysis (of ``slugs``, or all) that has one, by slug."""
    newest = select(func.max(t.AnalysisRun.id)).group_by(t.AnalysisRun.analysis_id)
    statement = _runs(session).where(t.AnalysisRun.id.in_(newest))
    if slugs is not None:
        statement = statement.where(t.Analysis.slug.in_(list(slugs)))
    rows = [tuple(r) for r in session.execute(statement.order_by(t.Analysis.slug))]
    return {run.analysis_slug: run for run in _to_runs(session, rows)}


def latest_run(session: Session, slug: str) -> AnalysisRun | None:
    """The newest run of an analysis, or ``None`` if it was never run."""
    _analysis_row(session, slug)
    return latest_runs(session, [slug]).get(slug)


def runs_using(session: Session, data_id: int) -> list[int]:
    """Ids of the runs that pooled any version of an outcome-data row."""
    return list(session.scalars(select(t.RunInput.run_id)
                                .where(t.RunInput.outcome_data_id == data_id)
                                .order_by(t.RunInput.run_id)))
