"""A read-only snapshot of what the hub publishes, loaded from the store in one session.

Only published pages are in it (:func:`evidencehub.publish.page_status.is_public`); the status
of every other stored page is kept in ``page_statuses``, so that a link to it shows its status.

An analysis that names the systematic review its studies came from brings that review's PRISMA
2020 flow (:class:`ReviewFlow`: counts only, derived by :func:`evidencehub.review.flow.
review_flow` from the review's searches, merges, decisions and full-text marks; no record's
title, no reviewer's name).

The page contexts (:mod:`evidencehub.publish.context`) are pure functions of a
:class:`HubSnapshot`, so they are tested without a database and the static site and the web app
render the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.grade.claims import cited_keys
from evidencehub.model import (
    Analysis,
    AnalysisRun,
    Claim,
    Outcome,
    Page,
    PageStatus,
    Record,
    Study,
    Trial,
)
from evidencehub.publish.page_status import is_public
from evidencehub.review.prisma import PrismaFlow
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import grade as grade_repo
from evidencehub.store.repo import outcomes as outcomes_repo
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo import trials as trials_repo
from evidencehub.store.repo.grade import StoredRating
from evidencehub.store.session import transaction
from evidencehub.trace import Tracer

__all__ = ["HubSnapshot", "ReviewFlow", "load_snapshot"]


@dataclass(frozen=True, slots=True)
class ReviewFlow:
    """A review an analysis names: its slug, its title and its PRISMA 2020 flow."""

    slug: str
    title: str
    flow: PrismaFlow


@dataclass(frozen=True, slots=True)
class HubSnapshot:
    """Everything the publisher reads, with lookups by key built once."""

    records: tuple[Record, ...]
    trials: tuple[Trial, ...]
    studies: tuple[Study, ...]
    pages: tuple[Page, ...]
    claims: dict[str, tuple[Claim, ...]]
    analyses: tuple[Analysis, ...]
    runs: dict[str, AnalysisRun]
    outcomes: dict[str, Outcome]
    traces: dict[int, dict[str, Any]]
    ratings: dict[str, StoredRating] = field(default_factory=dict)
    #: The reviews the analyses name, with their flows, by review slug.
    reviews: dict[str, ReviewFlow] = field(default_factory=dict)
    #: The status of every stored page that is not published (not in ``pages``), by slug.
    page_statuses: dict[str, PageStatus] = field(default_factory=dict)
    record_by_key: dict[str, Record] = field(init=False)
    trial_by_id: dict[str, Trial] = field(init=False)
    study_by_key: dict[str, Study] = field(init=False)
    page_by_slug: dict[str, Page] = field(init=False)
    analysis_by_slug: dict[str, Analysis] = field(init=False)
    #: The study keys each published page cites (:func:`~evidencehub.grade.claims.cited_keys`
    #: of its body), by page slug.
    cited_by_page: dict[str, frozenset[str]] = field(init=False)

    def __post_init__(self) -> None:
        trial_ids: dict[str, Trial] = {}
        for trial in self.trials:
            for registry_id in (trial.registry_id, *trial.secondary_ids):
                trial_ids[registry_id] = trial
        lookups = {
            "record_by_key": {r.key: r for r in self.records},
            "trial_by_id": trial_ids,
            "study_by_key": {s.key: s for s in self.studies},
            "page_by_slug": {p.slug: p for p in self.pages},
            "analysis_by_slug": {a.slug: a for a in self.analyses},
            "cited_by_page": {p.slug: frozenset(cited_keys(p.body)) for p in self.pages},
        }
        for name, value in lookups.items():
            object.__setattr__(self, name, value)


def load_snapshot(engine: Engine) -> HubSnapshot:
    """Read records, trials, studies, pages with their claims, outcomes, and analyses with
    their newest runs, each run's trace, each analysis's newest GRADE rating and the flow of
    each review an analysis names, in one read-only unit of work."""
    with transaction(engine) as session:
        stored = sorted(pages_repo.list_pages(session), key=lambda p: p.slug)
        pages = tuple(p for p in stored if is_public(p.status))
        analyses = tuple(analyses_repo.list_analyses(session))
        runs = {slug: run for slug, run in analyses_repo.latest_runs(session).items()
                if run.schema_version > 0}
        tracer = Tracer(session)
        return HubSnapshot(
            records=tuple(sorted(records_repo.list_records(session), key=lambda r: r.key)),
            trials=tuple(sorted(trials_repo.list_trials(session), key=lambda t: t.registry_id)),
            studies=tuple(sorted(studies_repo.list_studies(session), key=lambda s: s.key)),
            pages=pages,
            claims={p.slug: tuple(pages_repo.list_claims(session, p.slug)) for p in pages},
            analyses=analyses,
            runs=runs,
            outcomes={o.name: o for o in outcomes_repo.list_outcomes(session)},
            traces={run.id: tracer.run(run) for run in runs.values() if run.id is not None},
            ratings=grade_repo.latest_ratings(session),
            page_statuses={p.slug: p.status for p in stored if not is_public(p.status)},
            reviews=_review_flows(session, sorted({a.review for a in analyses if a.review})),
        )


def _review_flows(session: Session, slugs: list[str]) -> dict[str, ReviewFlow]:
    """The PRISMA 2020 flow of each review named (``review_flow``, every box checked)."""
    from evidencehub.review import service
    from evidencehub.review.flow import review_flow

    out = {}
    for slug in slugs:
        state = service.load(session, slug)
        out[slug] = ReviewFlow(slug, state.review.title, review_flow(session, state))
    return out
