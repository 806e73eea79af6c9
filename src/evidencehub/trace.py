"""Where a published number comes from, followed by ids down to the import that brought it.

:func:`trace` resolves a target — ``page:SLUG``, ``claim:ID``, ``analysis:SLUG`` or
``run:ID`` — to one plain dict, the chain

    page → claims → runs (those the page showed when last published; each with the GRADE
    ratings that judged it) → rows → outcome-data versions (id, version, numbers, how each was
    obtained, locator, actor, the ``data import`` that brought them) → study → records (DOI,
    PMID, title) → import events (file and SHA-256 or query, who, when), and the systematic
    reviews that screened each record (the searches that returned it, and at each stage its
    outcome with the decisions behind it, shown once the record is no longer awaiting votes,
    so that a trace never breaks a review's blinding)

Every link is an id read from the store (run inputs, version rows, study records, import
records), never a name matched again. ``evidencehub trace TARGET --json`` prints it and the
site renders one page of it per run ("where these numbers come from").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from evidencehub.analysis.run import RunResult
from evidencehub.counts import is_count
from evidencehub.errors import InputError
from evidencehub.model import OUTCOME_NUMBERS, AnalysisRun, Claim, ImportEvent, StoredOutcomeData
from evidencehub.review import service as review_service
from evidencehub.review.screening import Standing
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import grade as grade_repo
from evidencehub.store.repo import imports as import_events
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import reviews as reviews_repo
from evidencehub.store.repo import studies as studies_repo

__all__ = ["TARGET_KINDS", "Tracer", "trace"]

#: The kinds of target, as written before the colon.
TARGET_KINDS = ("page", "claim", "analysis", "run")


def _event(event: ImportEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")


class Tracer:
    """Follows ids through one session, reading each record, study and event once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._records: dict[str, dict[str, Any]] = {}
        self._studies: dict[str, dict[str, Any]] = {}
        self._events: dict[int, dict[str, Any]] = {}
        self._reviews: dict[str, review_service.ReviewState] = {}

    def record(self, key: str) -> dict[str, Any]:
        """A record with the import events that returned it."""
        if key not in self._records:
            record = records_repo.get_record(self.session, key)
            self._records[key] = {
                "key": record.key, "doi": record.doi, "pmid": record.pmid,
                "title": record.title, "year": record.year,
                "imports": [_event(e) for e in import_events.events_of_record(self.session, key)],
                "reviews": self._screening(records_repo.record_ids(self.session, [key])[key]),
            }
        return self._records[key]

    def _screening(self, record_id: int) -> list[dict[str, Any]]:
        """How each review that holds the record found and judged it."""
        found = []
        for slug in reviews_repo.reviews_of_record(self.session, record_id):
            if slug not in self._reviews:
                self._reviews[slug] = review_service.load(self.session, slug)
            state = self._reviews[slug]
            searches = state.records.get(record_id, [])
            stages = []
            for stage in state.review.stages:
                standing = state.standing(record_id, stage)
                shown = standing.standing is not Standing.AWAITING
                stages.append({
                    "stage": stage.value, "standing": standing.standing.value,
                    "outcome": standing.outcome.value if standing.outcome else None,
                    "reason": standing.reason,
                    "decisions": [review_service.decision_json(d) for d in state.decisions
                                  if shown and d.record_id == record_id and d.stage is stage],
                })
            found.append({
                "review": slug, "title": state.review.title,
                "searches": [s.model_dump(mode="json") for s in state.searches
                             if s.id in searches],
                "stages": stages,
            })
        return found

    def study(self, key: str) -> dict[str, Any]:
        """A study with its records."""
        if key not in self._studies:
            study = studies_repo.get_study(self.session, key)
            self._studies[key] = {
                "key": study.key, "label": study.label, "design": study.design.value,
                "records": [self.record(k) for k in study.record_keys],
            }
        return self._studies[key]

    def event(self, event_id: int | None) -> dict[str, Any] | None:
        if event_id is None:
            return None
        if event_id not in self._events:
            self._events[event_id] = _event(import_events.get_event(self.session, event_id))
        return self._events[event_id]

    def outcome_data(self, item: StoredOutcomeData) -> dict[str, Any]:
        """One outcome-data version: its numbers, provenance, writer and data import."""
        data = item.data
        return {
            "id": item.id, "version": item.version, "study_key": data.study_key,
            "arm": data.arm, "outcome": data.outcome, "timepoint": data.timepoint,
            "value_kind": data.value_kind.value,
            "values": {n: getattr(data, n) for n in OUTCOME_NUMBERS if getattr(data, n) is not None},
            "derivations": [d.model_dump(mode="json") for d in data.derivations],
            "locator": data.locator, "actor": item.actor,
            "recorded_at": item.recorded_at.isoformat(),
            "data_import": self.event(item.import_id),
            "source": None if data.source is None else self.record(data.source),
        }

    def run(self, run: AnalysisRun) -> dict[str, Any]:
        """A run with each of its rows traced to outcome data, study and records."""
        out: dict[str, Any] = {
            "id": run.id, "analysis": run.analysis_slug, "schema_version": run.schema_version,
            "fingerprint": run.fingerprint, "software": run.software, "actor": run.actor,
            "created_at": run.created_at.isoformat(), "rows": [],
        }
        if run.schema_version == 0:
            out["note"] = ("carried over from a store of release 0.1: its inputs were not "
                           "recorded; run `evidencehub analyze` for a traceable run")
            return out
        out["ratings"] = [
            {"id": r.id, "certainty": r.certainty, "rater": r.rater,
             "recorded_at": r.recorded_at.isoformat(), "stale": r.stale}
            for r in grade_repo.rating_history(self.session, run.analysis_slug)
            if r.run_id == run.id]
        result = RunResult.from_dict(run.result)
        fit = result.fit or {}
        out["result"] = {k: fit.get(k) for k in ("k", "measure", "method", "estimate", "se",
                                                 "ci_lb", "ci_ub", "pval", "tau2", "I2")}
        out["result"]["level"] = result.level
        out["not_pooled_reason"] = result.not_pooled_reason
        versions = iter(outcomes_repo.outcome_data_versions(
            self.session, [pair for row in result.rows for pair in row.data]))
        for row in result.rows:
            out["rows"].append({
                "study": self.study(row.study_key), "experimental": row.experimental,
                "control": row.control, "value_kind": row.value_kind, "yi": row.yi,
                "vi": row.vi, "ci_lb": row.ci_lb, "ci_ub": row.ci_ub, "weight": row.weight,
                "pooled": row.pooled, "note": row.note,
                "outcome_data": [self.outcome_data(next(versions)) for _ in row.data],
            })
        return out

    def analysis(self, slug: str, run: AnalysisRun | None = None) -> dict[str, Any]:
        """An analysis and a run of it: ``run``, else its newest."""
        analysis = analyses_repo.get_analysis(self.session, slug)
        run = run or analyses_repo.latest_run(self.session, slug)
        return {"slug": slug, "title": analysis.title,
                "settings": analysis.model_dump(mode="json",
                                                exclude={"slug", "title", "review"}),
                "review": analysis.review,
                "run": None if run is None else self.run(run)}

    def _shown_runs(self, page_slug: str) -> dict[str, AnalysisRun]:
        """The runs a page showed when it was last published, by analysis slug."""
        runs = [analyses_repo.get_run(self.session, i)
                for i in pages_repo.pinned_runs(self.session, page_slug)]
        return {run.analysis_slug: run for run in runs}

    def claim(self, claim: Claim, shown: dict[str, AnalysisRun] | None = None) -> dict[str, Any]:
        """A claim, the studies it cites and the analyses it quotes (with the runs its page
        shows, else their newest)."""
        shown = self._shown_runs(claim.page_slug) if shown is None else shown
        return {
            "id": claim.id, "page": claim.page_slug, "text": claim.text,
            "tags": [tag.value for tag in claim.tags],
            "history": [{"version": v, "text": text}
                        for v, text in pages_repo.claim_history(self.session, claim.id or 0)],
            "studies": [self.study(k) for k in claim.study_keys],
            "analyses": [self.analysis(a, shown.get(a)) for a in claim.analysis_slugs],
        }

    def page(self, slug: str) -> dict[str, Any]:
        """A page, its claims, and the runs it shows."""
        page = pages_repo.get_page(self.session, slug)
        shown = self._shown_runs(slug)
        return {
            "slug": page.slug, "title": page.title, "kind": page.kind.value,
            "claims": [self.claim(c, shown) for c in pages_repo.list_claims(self.session, slug)],
            "analyses": [self.analysis(a, shown.get(a)) for a in page.analysis_slugs],
        }


def trace(session: Session, target: str) -> dict[str, Any]:
    """The chain of ``target`` (module docstring); :class:`InputError` for a malformed
    target, :class:`~evidencehub.errors.NotFoundError` for one the store does not hold."""
    kind, sep, value = target.partition(":")
    if not sep or kind not in TARGET_KINDS or not value:
        raise InputError(f"a target looks like {', '.join(k + ':…' for k in TARGET_KINDS)}; "
                         f"got {target!r}")
    tracer = Tracer(session)
    if kind == "page":
        return {"target": target, "page": tracer.page(value)}
    if kind == "analysis":
        return {"target": target, "analysis": tracer.analysis(value)}
    if not is_count(value):
        raise InputError(f"a {kind} id is a number; got {value!r}")
    if kind == "run":
        return {"target": target, "run": tracer.run(analyses_repo.get_run(session, int(value)))}
    return {"target": target, "claim": tracer.claim(pages_repo.get_claim(session, int(value)))}
