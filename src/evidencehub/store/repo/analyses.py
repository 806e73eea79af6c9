"""Meta-analyses and their stored results.

An analysis (what to pool and how) is replaced by :func:`upsert_analysis`. Each fit is kept:
:func:`save_result` appends an :class:`~evidencehub.model.AnalysisResult` (the result's
``to_dict()``, when it was fitted, by which software), so a living hub keeps the history of
its estimates; :func:`latest_result` gives the newest.

JSON has no NaN or infinity and PostgreSQL refuses them, so non-finite numbers in a result are
stored as ``null`` — the same convention as the CLI's ``--json`` output and R's ``jsonlite``
(``NA`` → ``null``). numpy scalars and tuples become plain JSON numbers and lists. Timestamps
come back timezone-aware in UTC (a naive ``fitted_at`` is taken as UTC).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidencehub.errors import InputError, NotFoundError
from evidencehub.model import Analysis, AnalysisResult
from evidencehub.store import tables as t
from evidencehub.store.repo._common import UpsertOutcome, flush, put_row

__all__ = [
    "UpsertOutcome",
    "get_analysis",
    "latest_result",
    "list_analyses",
    "list_results",
    "save_result",
    "upsert_analysis",
]

_FIELDS = tuple(Analysis.model_fields)


def _to_analysis(row: t.Analysis) -> Analysis:
    return Analysis.model_validate({name: getattr(row, name) for name in _FIELDS})


def _analysis_row(session: Session, slug: str) -> t.Analysis:
    row = session.scalars(select(t.Analysis).where(t.Analysis.slug == slug)).first()
    if row is None:
        raise NotFoundError(f"no analysis {slug!r} in the store")
    return row


def upsert_analysis(session: Session, analysis: Analysis) -> UpsertOutcome:
    """Insert ``analysis`` or replace the stored one with the same slug."""
    columns = analysis.model_dump(mode="json")
    row = session.scalars(select(t.Analysis).where(t.Analysis.slug == analysis.slug)).first()
    what = f"analysis {analysis.slug!r}"
    _, outcome = put_row(
        session, t.Analysis, row, columns, what, lambda stored: _to_analysis(stored) == analysis
    )
    if outcome is UpsertOutcome.UPDATED:
        flush(session, what)
    return outcome


def get_analysis(session: Session, slug: str) -> Analysis:
    """Return the analysis with ``slug``; :class:`NotFoundError` if there is none."""
    return _to_analysis(_analysis_row(session, slug))


def list_analyses(session: Session) -> list[Analysis]:
    """Return every analysis, ordered by slug."""
    return [
        _to_analysis(row) for row in session.scalars(select(t.Analysis).order_by(t.Analysis.slug))
    ]


def _json_safe(value: Any, where: str) -> Any:
    """``value`` as strict JSON: non-finite numbers → ``None``, numpy scalars → Python numbers."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if hasattr(value, "tolist"):  # numpy arrays and numpy bools
        return _json_safe(value.tolist(), where)
    raise InputError(f"result{where}: cannot store a {type(value).__name__} as JSON")


def _to_result(slug: str, row: t.AnalysisResult) -> AnalysisResult:
    return AnalysisResult(
        analysis_slug=slug, result=row.result, fitted_at=row.fitted_at, software=row.software
    )


def save_result(session: Session, result: AnalysisResult) -> UpsertOutcome:
    """Store a fit of a stored analysis; saving the very same fit again writes nothing.

    "The same fit" means the same ``fitted_at``, ``software`` and result. Raises
    :class:`NotFoundError` for an unknown analysis.
    """
    analysis = _analysis_row(session, result.analysis_slug)
    data = _json_safe(result.result, "")
    same_moment = session.scalars(
        select(t.AnalysisResult).where(
            t.AnalysisResult.analysis_id == analysis.id,
            t.AnalysisResult.fitted_at == result.fitted_at,
            t.AnalysisResult.software == result.software,
        )
    )
    if any(row.result == data for row in same_moment):
        return UpsertOutcome.UNCHANGED
    session.add(
        t.AnalysisResult(
            analysis_id=analysis.id,
            result=data,
            fitted_at=result.fitted_at,
            software=result.software,
        )
    )
    flush(session, f"result of analysis {result.analysis_slug!r}")
    return UpsertOutcome.CREATED


def list_results(session: Session, slug: str) -> list[AnalysisResult]:
    """Return every stored fit of an analysis, oldest first."""
    analysis = _analysis_row(session, slug)
    rows = session.scalars(
        select(t.AnalysisResult)
        .where(t.AnalysisResult.analysis_id == analysis.id)
        .order_by(t.AnalysisResult.fitted_at, t.AnalysisResult.id)
    )
    return [_to_result(slug, row) for row in rows]


def latest_result(session: Session, slug: str) -> AnalysisResult | None:
    """Return the newest fit of an analysis (by ``fitted_at``), or ``None`` if never fitted."""
    analysis = _analysis_row(session, slug)
    row = session.scalars(
        select(t.AnalysisResult)
        .where(t.AnalysisResult.analysis_id == analysis.id)
        .order_by(t.AnalysisResult.fitted_at.desc(), t.AnalysisResult.id.desc())
        .limit(1)
    ).first()
    return None if row is None else _to_result(slug, row)
