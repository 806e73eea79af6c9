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
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from evidencehub.analysis.pooling import Pooled
    from evidencehub.analysis.settings import PoolSettings

__all__ = ["SOFTWARE", "AnalysisState", "Fitted", "analysis_states", "analyze", "fit_rows"]

#: The software named on every run.
SOFTWARE = f"evidencehub {__version__}"


# --------------------------------------------------------------------------- fitting (pure)


def _escalc(analysis: Analysis, rows: Sequence[AnalysisRow], labels: Sequence[str]) -> Any:
    from evidencehub.stats import escalc

    columns = {name: [row.inputs[name] for row in rows] for name in rows[0].inputs}
    return escalc(analysis.measure.value, study=list(labels), **columns)  # type: ignore[arg-type]


def _settings(analysis: Analysis) -> PoolSettings:
    from evidencehub.analysis.settings import PoolSettings

    return PoolSettings(analysis.measure, method=analysis.method.value, test=analysis.test.value,
                        level=analysis.level, model_rule=None if analysis.model_rule is None
                        else analysis.model_rule.value)


def _pool(analysis: Analysis, rows: Sequence[AnalysisRow], labels: Sequence[str]) -> Pooled:
    """Fit the pooled rows with the pooling core (:func:`evidencehub.analysis.pooling.pool`)."""
    from evidencehub.analysis.pooling import pool

    columns = {name: [row.inputs[name] for row in rows] for name in rows[0].inputs}
    groups = [r.subgroup for r in rows] if analysis.subgroup is not None else None
    if groups is not None and all(group is None for group in groups):
        raise InputError(f"analysis {analysis.slug!r}: no pooled row has a value in the "
                         f"column {analysis.subgroup!r} given with --subgroup")
    try:
        return pool(columns, list(labels), _settings(analysis), subgroup=groups,
                    subgroup_name=analysis.subgroup or "group")
    except InputError as err:
        raise InputError(f"analysis {analysis.slug!r}: {err.problem}") from None


def _stored_fit(analysis: Analysis, pooled: Pooled) -> tuple[dict[str, Any], str]:
    """The fit as a run stores it — a complete record for inverse-variance fits, so that plots
    need no refit — and the method it used (the model rule may have chosen it)."""
    from evidencehub.stats import MetaResult

    if isinstance(pooled.fit, MetaResult):
        return pooled.fit.to_record(), pooled.fit.method
    fit = {**pooled.to_dict(), "level": analysis.level}
    fit.pop("notes", None)
    return fit, analysis.method.value


def _batchable(state: AnalysisState) -> bool:
    """Whether an analysis can be fitted with others in one vectorised call: an inverse-variance
    model without subgroups, on at least two pooled rows."""
    a = state.analysis
    return (a.subgroup is None and a.method.is_tau2_estimator
            and sum(r.pooled for r in state.rows) >= 2)


def _pool_together(states: Sequence[AnalysisState]) -> dict[str, Pooled]:
    """Fit the batchable analyses with :func:`~evidencehub.analysis.batch.pool_batch`, one call
    per set of settings and input columns; an analysis whose batch fails is left to be fitted
    alone (so its error names it)."""
    from evidencehub.analysis.batch import pool_batch

    by_settings: dict[tuple[Any, ...], list[AnalysisState]] = defaultdict(list)
    for state in states:
        if _batchable(state):
            a = state.analysis
            columns = tuple(next(r for r in state.rows if r.pooled).inputs)
            by_settings[(a.measure, a.method, a.test, a.level, a.model_rule, columns)].append(
                state)
    out: dict[str, Pooled] = {}
    for (*_, columns), group in by_settings.items():
        inputs: dict[str, list[float]] = {c: [] for c in columns}
        labels: list[str] = []
        codes: list[int] = []
        for code, state in enumerate(group):
            for row in state.rows:
                if row.pooled:
                    for c in columns:
                        inputs[c].append(row.inputs[c])
                    labels.append(state.labels.get(row.study_key, row.study_key))
                    codes.append(code)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StatsWarning)  # kept on each fit, as notes
                batch = pool_batch(inputs, labels, codes, [s.analysis.slug for s in group],
                                   _settings(group[0].analysis))
        except InputError:
            continue
        out.update(zip((s.analysis.slug for s in group), batch.pooled(), strict=True))
    return out


def fit_rows(analysis: Analysis, rows: Sequence[AnalysisRow], labels: dict[str, str],
             pooled_fit: Pooled | None = None) -> RunResult:
    """Fit ``analysis`` on its rows (pure: no store); every row gets its effect size and CI,
    the pooled rows their weights. ``pooled_fit`` is the fit of the pooled rows when it was
    made already (in a batch)."""
    from evidencehub.stats.distributions import norm_isf

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
            result = pooled_fit or _pool(analysis, [rows[i] for i in pooled],
                                         [names[i] for i in pooled])
            fit, method = _stored_fit(analysis, result)
            decision = None if result.rule is None else result.rule.to_dict()
            subgroups = None if result.subgroups is None else result.subgroups.to_dict()
            if pooled_fit is not None:
                notes += [*pooled_fit.notes, *getattr(pooled_fit.fit, "warnings", ())]
            weights = dict(zip(pooled, [float(w) for w in result.weights], strict=True))
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
    z = float(norm_isf((1 - analysis.level / 100) / 2))
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
    all_labels = studies_repo.study_labels(session)
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
        together = _pool_together(todo)
        now = dt.datetime.now(dt.UTC)
        results: list[RunResult] = []
        runs: list[AnalysisRun] = []
        for number, state in enumerate(todo, start=1):
            result = fit_rows(state.analysis, state.rows, state.labels,
                              together.get(state.analysis.slug))
            results.append(result)
            runs.append(AnalysisRun(
                analysis_slug=state.analysis.slug, schema_version=SCHEMA_VERSION,
                fingerprint=state.fingerprint, settings=settings_of(state.analysis),
                result=result.to_dict(), inputs=tuple(p for r in state.rows for p in r.data),
                software=SOFTWARE, created_at=now,
            ))
            if progress is not None:
                progress(number, len(todo))
        run_ids = analyses_repo.add_runs(session, runs, actor_id=actor_id(session, actor)
                                         ) if runs else []
        done = {r.analysis: (i, r) for i, r in zip(run_ids, results, strict=True)}
        for state in states:
            slug = state.analysis.slug
            if slug in done:
                fitted.append(Fitted(slug, done[slug][0], done[slug][1], "fitted"))
            elif slugs is not None and state.latest is not None and state.latest.id is not None:
                fitted.append(Fitted(slug, state.latest.id,
                                     RunResult.from_dict(state.latest.result), "current"))
    return fitted
