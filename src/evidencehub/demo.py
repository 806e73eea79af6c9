"""The demo walk: the whole pipeline on the bundled corpus, stage by stage.

``evidencehub demo`` runs :func:`run_demo`:

1. **store** — create or upgrade the database (Alembic migrations);
2. **import** — load the corpus (records, trials, studies, arm-level outcome data, analysis
   specifications, pages and the claims extracted from their bodies) in one transaction;
3. **analyse** — pool each analysis from the outcome data *read back from the store*
   (:func:`pool_analysis`) and store the results, in one transaction;
4. **label** — derive every page's evidence label from the studies its claims cite (and, for
   analysis pages, the trials pooled) and store it, in one transaction;
5. **publish** — build the static site from the store (:func:`evidencehub.publish.site.build_site`).

Each stage is one unit of work, so an interrupted demo leaves the store as it was after the
last finished stage, never half-written. Every write is an upsert and a result is stored again
only when its numbers changed, so running the demo twice leaves the same store and the same site.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as scipy_stats
from sqlalchemy import Engine

from evidencehub import __version__
from evidencehub.config import database_url
from evidencehub.data import DEMO_DIR
from evidencehub.data.contrasts import arm_contrasts
from evidencehub.data.corpus import Corpus, load_corpus
from evidencehub.errors import NotFoundError
from evidencehub.grade.claims import extract_claims
from evidencehub.grade.labels import label_for_claims
from evidencehub.model import (
    Analysis,
    AnalysisResult,
    Claim,
    EvidenceLabel,
    OutcomeData,
    Page,
    PageKind,
    Study,
    finite_json,
)
from evidencehub.publish.site import build_site, fit_analysis
from evidencehub.publish.snapshot import load_snapshot
from evidencehub.stats import escalc
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo import trials as trials_repo
from evidencehub.store.session import init_db, transaction

__all__ = [
    "DEMO_SOURCE",
    "STAGES",
    "DemoReport",
    "label_page",
    "pool_analysis",
    "run_demo",
    "same_result",
]

#: Provenance written with every record the demo imports.
DEMO_SOURCE = "evidencehub demo corpus"
SOFTWARE = f"evidencehub {__version__}"

#: (name, description) of each stage, in order; the progress display shows the descriptions.
STAGES: tuple[tuple[str, str], ...] = (
    ("store", "Create the store"),
    ("import", "Import the demo corpus"),
    ("analyse", "Run the meta-analyses"),
    ("label", "Attach evidence labels"),
    ("publish", "Build the site"),
)


# --------------------------------------------------------------------------- pure steps


def pool_analysis(
    analysis: Analysis, outcomes: Sequence[OutcomeData], labels: dict[str, str]
) -> dict[str, Any]:
    """Contrast the arms of ``analysis`` and pool those of its value kind; return the result.

    Every contrast gets escalc's MD (``yi``, ``vi``, metafor's ``escalc(measure="MD")``) and a
    normal 95% CI. Contrasts whose values are of the analysis's kind (change from baseline) are
    pooled with ``rma`` when there are at least two; the others are kept with a note saying why
    they were not pooled. ``labels`` maps study keys to display labels (the forest plot's).
    """
    contrasts = arm_contrasts(outcomes, analysis.comparison or "", outcome=analysis.outcome)
    rows: list[dict[str, Any]] = []
    if contrasts:
        effects = escalc(
            analysis.measure,
            m1i=[c.m1i for c in contrasts],
            sd1i=[c.sd1i for c in contrasts],
            n1i=[c.n1i for c in contrasts],
            m2i=[c.m2i for c in contrasts],
            sd2i=[c.sd2i for c in contrasts],
            n2i=[c.n2i for c in contrasts],
            study=[labels.get(c.study_key, c.study_key) for c in contrasts],
        )
        z = float(scipy_stats.norm.ppf(0.975))
        for c, yi, vi in zip(contrasts, effects.yi, effects.vi, strict=True):
            half = z * float(np.sqrt(vi))
            rows.append(
                {
                    "study_key": c.study_key,
                    "arm": c.arm,
                    "control": c.control,
                    "value_kind": c.value_kind.value,
                    "n1i": c.n1i,
                    "m1i": c.m1i,
                    "sd1i": c.sd1i,
                    "n2i": c.n2i,
                    "m2i": c.m2i,
                    "sd2i": c.sd2i,
                    "yi": float(yi),
                    "vi": float(vi),
                    "ci_lb": float(yi) - half,
                    "ci_ub": float(yi) + half,
                    "pooled": False,
                    "weight": None,
                    "note": None,
                }
            )
    kind = analysis.value_kind.value if analysis.value_kind else None
    eligible = [r for r in rows if kind is None or r["value_kind"] == kind]
    for row in rows:
        if row not in eligible:
            row["note"] = f"{row['value_kind']} value; not pooled with {kind} scores"
    fit: dict[str, Any] | None = None
    reason = None
    if len(eligible) >= 2:
        # Edge cases (tau^2 truncated at 0…) are kept in fit["warnings"] and shown on the page.
        meta = fit_analysis(
            analysis, eligible, [labels.get(r["study_key"], r["study_key"]) for r in eligible]
        )
        fit = meta.to_dict()
        for row, weight in zip(eligible, meta.weights, strict=True):
            row["pooled"] = True
            row["weight"] = float(weight)
    else:
        what = f"{kind} " if kind else ""
        names = ", ".join(labels.get(r["study_key"], r["study_key"]) for r in eligible)
        reason = (
            f"only one {what}comparison ({names}); a single trial is shown, not pooled"
            if eligible
            else f"no {what}comparisons in the data"
        )
        for row in eligible:
            row["note"] = "single trial; not pooled"
    result: dict[str, Any] = finite_json(
        {"analysis": analysis.slug, "fit": fit, "contrasts": rows, "not_pooled_reason": reason}
    )
    return result


def same_result(stored: Any, fresh: Any, *, rel_tol: float = 1e-10) -> bool:
    """Whether a refit equals a stored result: same structure and text, numbers within
    ``rel_tol`` (floating-point sums and iterations may differ in the last bits from one
    process to the next, far below any digit the pages show)."""
    if isinstance(stored, dict) and isinstance(fresh, dict):
        return stored.keys() == fresh.keys() and all(
            same_result(stored[k], fresh[k], rel_tol=rel_tol) for k in stored
        )
    if isinstance(stored, list) and isinstance(fresh, list):
        return len(stored) == len(fresh) and all(
            same_result(a, b, rel_tol=rel_tol) for a, b in zip(stored, fresh, strict=True)
        )
    if isinstance(stored, (int, float)) and isinstance(fresh, (int, float)):
        if isinstance(stored, bool) or isinstance(fresh, bool):
            return stored is fresh
        return math.isclose(stored, fresh, rel_tol=rel_tol, abs_tol=1e-300)
    return bool(stored == fresh)


def label_page(
    page: Page,
    claims: Sequence[Claim],
    studies: dict[str, Study],
    results: dict[str, dict[str, Any]],
    *,
    source: str,
) -> EvidenceLabel:
    """A page's evidence label: its claims' studies, plus for an analysis page the trials it
    pools (and the pooled kind when at least one analysis was fitted)."""
    pooled_keys = [
        row["study_key"]
        for slug in page.analysis_slugs
        for row in results.get(slug, {}).get("contrasts", [])
        if row["pooled"] and row["study_key"] in studies
    ]
    fitted = any(results.get(slug, {}).get("fit") for slug in page.analysis_slugs)
    return label_for_claims(
        claims,
        studies,
        pooled=page.kind is PageKind.ANALYSIS and fitted,
        extra_studies=[studies[k] for k in dict.fromkeys(pooled_keys)],
        source=source,
    )


# --------------------------------------------------------------------------- the walk


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the walk did: database URL, site directory and counts per stage."""

    database_url: str
    site_dir: Path
    counts: dict[str, int]


Progress = Callable[[str, str], None]


def _import_corpus(engine: Engine, corpus: Corpus) -> dict[str, int]:
    claims = {source.page.slug: extract_claims(source.page) for source in corpus.pages}
    outcomes_by_study: dict[str, list[OutcomeData]] = {}
    for outcome in corpus.outcomes:
        outcomes_by_study.setdefault(outcome.study_key, []).append(outcome)
    with transaction(engine) as session:
        for record in corpus.records:
            records_repo.upsert_record(session, record, source=DEMO_SOURCE)
        for trial in corpus.trials:
            trials_repo.upsert_trial(session, trial, source=DEMO_SOURCE)
        for study in corpus.studies:
            studies_repo.upsert_study(session, study)
            studies_repo.replace_outcomes(session, study.key, outcomes_by_study.get(study.key, []))
            for record_key in study.record_keys:
                for registry_id in study.trial_ids:
                    trials_repo.link_record_trial(session, record_key, registry_id)
        for analysis in corpus.analyses:
            analyses_repo.upsert_analysis(session, analysis)
        for source in corpus.pages:
            # Keep the label attached by an earlier run: the label stage recomputes it.
            try:
                label = pages_repo.get_page(session, source.page.slug).label
            except NotFoundError:
                label = None
            pages_repo.upsert_page(session, source.page.model_copy(update={"label": label}))
            pages_repo.replace_claims(session, source.page.slug, claims[source.page.slug])
    return {
        "records": len(corpus.records),
        "trials": len(corpus.trials),
        "studies": len(corpus.studies),
        "outcomes": len(corpus.outcomes),
        "analyses": len(corpus.analyses),
        "pages": len(corpus.pages),
        "claims": sum(len(c) for c in claims.values()),
    }


def _run_analyses(engine: Engine) -> dict[str, int]:
    fitted = 0
    with transaction(engine) as session:
        labels = {s.key: s.label for s in studies_repo.list_studies(session)}
        outcomes = studies_repo.list_outcomes(session)
        for analysis in analyses_repo.list_analyses(session):
            result = pool_analysis(analysis, outcomes, labels)
            previous = analyses_repo.latest_result(session, analysis.slug)
            if previous is None or not same_result(previous.result, result):
                analyses_repo.save_result(
                    session,
                    AnalysisResult(
                        analysis_slug=analysis.slug,
                        result=result,
                        fitted_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
                        software=SOFTWARE,
                    ),
                )
            fitted += result["fit"] is not None
    return {"analyses fitted": fitted}


def _attach_labels(engine: Engine, label_sources: dict[str, str]) -> dict[str, int]:
    labelled = 0
    with transaction(engine) as session:
        studies = {s.key: s for s in studies_repo.list_studies(session)}
        results = {}
        for analysis in analyses_repo.list_analyses(session):
            stored = analyses_repo.latest_result(session, analysis.slug)
            if stored is not None:
                results[analysis.slug] = stored.result
        for page in pages_repo.list_pages(session):
            claims = pages_repo.list_claims(session, page.slug)
            source = label_sources.get(page.slug) or (
                page.label.source if page.label else "PubMed-indexed literature"
            )
            label = label_page(page, claims, studies, results, source=source)
            if page.label != label:
                pages_repo.upsert_page(session, page.model_copy(update={"label": label}))
            labelled += 1
    return {"pages labelled": labelled}


def run_demo(
    database: str | None,
    site_dir: Path,
    *,
    corpus_dir: Path = DEMO_DIR,
    progress: Progress | None = None,
) -> DemoReport:
    """Walk the pipeline on the corpus in ``corpus_dir``.

    ``database`` is a path or URL (``None``: the configured default, see
    :func:`evidencehub.config.database_url`). ``progress(stage, event)`` is called with
    ``"start"`` and ``"done"`` for each stage of :data:`STAGES`.
    """
    notify = progress or (lambda stage, message: None)
    url = database_url(database)
    counts: dict[str, int] = {}

    notify("store", "start")
    engine = init_db(url)
    try:
        notify("store", "done")
        notify("import", "start")
        corpus = load_corpus(corpus_dir)
        counts.update(_import_corpus(engine, corpus))
        notify("import", "done")
        notify("analyse", "start")
        counts.update(_run_analyses(engine))
        notify("analyse", "done")
        notify("label", "start")
        label_sources = {s.page.slug: s.label_source for s in corpus.pages if s.label_source}
        counts.update(_attach_labels(engine, label_sources))
        notify("label", "done")
        notify("publish", "start")
        report = build_site(load_snapshot(engine), site_dir)
        counts["site files"] = report.files
        notify("publish", "done")
    finally:
        engine.dispose()
    return DemoReport(database_url=url, site_dir=report.site_dir, counts=counts)
