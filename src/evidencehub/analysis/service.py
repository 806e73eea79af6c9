"""The one analysis service: stored rows → effect sizes → fit → stored run.

The command line (``analyze``), the demo, the site and the web app all go through here, so an
analysis is pooled one way whoever asks. The statistics stay in :mod:`evidencehub.stats`
(pure); this module reads the store, builds each analysis's rows
(:func:`~evidencehub.analysis.contrasts.analysis_rows`), decides which analyses are stale by
their fingerprints (:func:`~evidencehub.analysis.run.fingerprint`), fits them
(:func:`fit_rows`) and stores one immutable run per fit, all in one unit of work.

Pooling follows the analysis's settings through the same core as ``evidencehub meta``
(:func:`evidencehub.analysis.pooling.pool`): metafor's ``rma`` for the inverse-variance methods
(EE and the τ² estimators, z or Knapp-Hartung test), ``rma.mh`` for Mantel-Haenszel (OR, RR,
RD), ``rma.peto`` for Peto's odds ratio, and the model rule ``i2-q``
(:mod:`evidencehub.analysis.rule`), whose decision is stored with the run.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from evidencehub import __version__
from evidencehub.analysis.contrasts import AnalysisRow, analysis_rows
from evidencehub.analysis.run import SCHEMA_VERSION, RunResult, RunRow, fingerprint, settings_of
from evidencehub.errors import InputError, StatsWarning
from evidencehub.model import Actor, Analysis, AnalysisRun, StoredOutcomeData, finite_json
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.session import transaction

__all__ = ["SOFTWARE", "AnalysisState", "Fitted", "analysis_states", "analyze", "fit_rows"]

#: The software named on every run.
SOFTWARE = f"evidencehub {__version__}"


# --------------------------------------------------------------------------- fitting (pure)


def _escalc(analysis: Analysis, rows: Sequence[AnalysisRow], labels: Sequence[str]) -> Any:
    from evidencehub.stats import escalc

    columns = {name: [row.inputs[name] for row in rows] for name in rows[0].inputs}
    return escalc(analysis.measure.value, study=list(labels), **columns)


def _pool(analysis: Analysis, rows: Sequence[AnalysisRow], labels: Sequence[str]
          ) -> tuple[dict[str, Any], list[float | None], dict[str, Any] | None,
                     dict[str, Any] | None, str]:
    """Fit the pooled rows with the pooling core (:func:`evidencehub.analysis.pooling.pool`):
    the fit as stored (a complete record for inverse-variance fits, so plots need no refit),
    percent weights, the model rule's decision, the subgroup analysis, and the method used."""
    from evidencehub.analysis.pooling import pool
    from evidencehub.analysis.settings import PoolSettings
    from evidencehub.stats import MetaResult

    columns = {name: [row.inputs[name] for row in rows] for name in rows[0].inputs}
    groups = [r.subgroup for r in rows] if analysis.subgroup is not None else None
    if groups is not None and all(group is None for group in groups):
        raise InputError(f"analysis {analysis.slug!r}: no pooled row has a value in the "
                         f"column {analysis.subgroup!r} given with --subgroup")
    try:
        settings = PoolSettings(analysis.measure, method=analysis.method.value,
                                test=analysis.test.value, level=analysis.level,
                                model_rule=None if analysis.model_rule is None
                                else analysis.model_rule.value)
        pooled = pool(columns, list(labels), settings, subgroup=groups,
                      subgroup_name=analysis.subgroup or "group")
    except InputError as err:
        raise InputError(f"analysis {analysis.slug!r}: {err.problem}") from None
    if isinstance(pooled.fit, MetaResult):
        fit, method = pooled.fit.to_record(), pooled.fit.method
    else:
        fit, method = {**pooled.to_dict(), "level": analysis.level}, analysis.method.value
        fit.pop("notes", None)
    return (fit, [float(w) for w in pooled.weights],
            None if pooled.rule is None else pooled.rule.to_dict(),
            None if pooled.subgroups is None else pooled.subgroups.to_dict(), method)


def fit_rows(analysis: Analysis, rows: Sequence[AnalysisRow], labels: dict[str, str]
             ) -> RunResult:
    """Fit ``analysis`` on its rows (pure: no store); every row gets its effect size and CI,
    the pooled rows their weights."""
    from scipy import stats as scipy_stats

    names = [labels.get(r.study_key, r.study_key) for r in rows]
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        effects = _escalc(analysis, rows, names) if rows else None
        pooled = [i for i, r in enumerate(rows) if r.pooled]
        fit = decision = subgroups = None
        weights: dict[int, float | None] = {}
        method = analysis.method.value
        reason = None
        if len(pooled) >= 2:
            fit, pooled_weights, decision, subgroups, method = _pool(
                analysis, [rows[i] for i in pooled], [names[i] for i in pooled])
            weights = dict(zip(pooled, pooled_weights, strict=True))
        elif pooled:
            kind = f"{analysis.value_kind.value} " if analysis.value_kind else ""
            reason = (f"only one {kind}comparison ({names[pooled[0]]}); a single study is "
                      "shown, not pooled")
        else:
            reason = "no study has rows for this comparison" if not rows else (
                "no rows of the analysis's kind of value")
    notes += list(dict.fromkeys(str(w.message) for w in caught))
    if effects is not None:
        notes = list(dict.fromkeys([*effects.notes, *notes]))
    z = float(scipy_stats.norm.isf((1 - analysis.level / 100) / 2))
    run_rows = []
    for i, row in enumerate(rows):
        yi = vi = lb = ub = None
        if effects is not None:
            y, v = float(effects.yi[i]), float(effects.vi[i])
            if y == y and v == v:  # not NaN
                yi, vi = y, v
                half = z * v**0.5
                lb, ub = y - half, y + half
        in_fit = i in weights
        note = row.note
        if not in_fit and row.pooled:
            note = "single study; not pooled" if pooled else note
        run_rows.append(RunRow(
            study_key=row.study_key, study_label=names[i], experimental=row.experimental,
            control=row.control, value_kind=row.value_kind, inputs=row.inputs, data=row.data,
            subgroup=row.subgroup, yi=yi, vi=vi, ci_lb=lb, ci_ub=ub, weight=weights.get(i),
            pooled=in_fit, note=note,
        ))
    return RunResult(
        analysis=analysis.slug, measure=analysis.measure.value, method=method,
        test=analysis.test.value, level=analysis.level,
        fit=None if fit is None else finite_json(fit), model_rule=decision,
        subgroups=None if subgroups is None else finite_json(subgroups), rows=tuple(run_rows),
        not_pooled_reason=reason, notes=tuple(notes),
    )


# --------------------------------------------------------------------------- the store


@dataclass(frozen=True, slots=True)
class AnalysisState:
    """An analysis, its newest run, and whether that run is stale.

    ``fingerprint`` is the one the analysis has now; ``stale`` is true when it never ran or its
    newest run's fingerprint differs (new or changed outcome data, changed settings or study
    labels, or a run from an older schema).
    """

    analysis: Analysis
    latest: AnalysisRun | None
    rows: tuple[AnalysisRow, ...]
    labels: dict[str, str]
    fingerprint: str

    @property
    def stale(self) -> bool:
        return self.latest is None or self.latest.fingerprint != self.fingerprint


@dataclass(frozen=True, slots=True)
class Fitted:
    """What ``analyze`` did with one analysis: refitted (``fitted``) or found current."""

    slug: str
    run_id: int
    result: RunResult
    status: str  # "fitted" or "current"

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``meta`` for the pooled fit, with ``slug``, ``run_id`` and
        ``status`` first; analyses with nothing pooled give ``k`` and ``not_pooled_reason``."""
        head: dict[str, Any] = {"slug": self.slug, "run_id": self.run_id, "status": self.status}
        if self.result.fit is not None:
            body = dict(self.result.fit)
        else:
            body = {"k": 0, "measure": self.result.measure,
                    "not_pooled_reason": self.result.not_pooled_reason}
        if self.result.model_rule is not None:
            body["model_rule"] = self.result.model_rule
        if self.result.subgroups is not None:
            body["subgroup"] = self.result.subgroups
        body["notes"] = list(self.result.notes)
        return {**head, **body}


def analysis_states(session: Any, slugs: Sequence[str] | None = None) -> list[AnalysisState]:
    """Every analysis (or those named) with its rows, newest run and current fingerprint."""
    analyses = analyses_repo.list_analyses(session, slugs)
    latest = analyses_repo.latest_runs(session, [a.slug for a in analyses])
    by_outcome: dict[str, list[StoredOutcomeData]] = defaultdict(list)
    for item in outcomes_repo.list_outcome_data(session):
        by_outcome[item.data.outcome].append(item)
    all_labels = {s.key: s.label for s in studies_repo.list_studies(session)}
    states = []
    for analysis in analyses:
        rows = tuple(analysis_rows(analysis, by_outcome.get(analysis.outcome, [])))
        labels = {r.study_key: all_labels[r.study_key] for r in rows}
        inputs = [pair for r in rows for pair in r.data]
        states.append(AnalysisState(analysis, latest.get(analysis.slug), rows, labels,
                                    fingerprint(settings_of(analysis), inputs, labels)))
    return states


def analyze(
    engine: Engine,
    slugs: Sequence[str] | None = None,
    *,
    everything: bool = False,
    actor: Actor,
    progress: Callable[[int, int], None] | None = None,
) -> list[Fitted]:
    """Fit the stale analyses (of ``slugs``, or all; every one with ``everything``) and store
    one run each, in one transaction.

    Returns one :class:`Fitted` per analysis fitted, and — when ``slugs`` are named — one with
    status ``current`` for each named analysis whose newest run is up to date.
    """
    fitted = []
    with transaction(engine) as session:
        states = analysis_states(session, slugs)
        todo = [s for s in states if everything or s.stale]
        writer = actor_id(session, actor) if todo else None
        now = dt.datetime.now(dt.UTC)
        for number, state in enumerate(states, start=1):
            if state in todo:
                assert writer is not None
                result = fit_rows(state.analysis, state.rows, state.labels)
                run = AnalysisRun(
                    analysis_slug=state.analysis.slug, schema_version=SCHEMA_VERSION,
                    fingerprint=state.fingerprint, settings=settings_of(state.analysis),
                    result=result.to_dict(), inputs=tuple(p for r in state.rows for p in r.data),
                    software=SOFTWARE, created_at=now,
                )
                run_id = analyses_repo.add_run(session, run, actor_id=writer)
                fitted.append(Fitted(state.analysis.slug, run_id, result, "fitted"))
            elif slugs is not None and state.latest is not None and state.latest.id is not None:
                fitted.append(Fitted(state.analysis.slug, state.latest.id,
                                     RunResult.from_dict(state.latest.result), "current"))
            if progress is not None:
                progress(number, len(states))
    return fitted
