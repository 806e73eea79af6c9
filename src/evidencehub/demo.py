"""The demo walk: the whole pipeline on the bundled corpus, stage by stage, through the spine.

``evidencehub demo`` runs :func:`run_demo`; it only wires the stages, each of which is the
same code a user's own data goes through:

1. **store** — create or upgrade the database (Alembic migrations);
2. **import** — load the corpus in one transaction, recorded as an import event of the tool
   ``evidencehub demo``: records (merged into what the store holds, never overwriting it:
   :func:`import_records`), trials, studies, the arm-level HbA1c table through ``data import``
   (:func:`~evidencehub.ingest.arm_import.write_arm_data`: its own import event, versioned
   outcome data with source and locator), the analyses (``analysis add``), and the pages with
   their claims;
3. **analyse** — the analysis service fits the stale analyses and stores one run each
   (:func:`evidencehub.analysis.service.analyze`);
4. **label** — derive every page's evidence label from the studies its claims cite and the
   trials its analyses pool, and record which runs each page shows;
5. **publish** — record the runs each page shows and build the static site from the store
   (:func:`evidencehub.publish.site.publish_site`).

Each stage is one unit of work, so an interrupted demo leaves the store as it was after the
last finished stage. The demo records its imports only when they change something, so running
it again leaves the store as it was and builds the same site, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from evidencehub.config import database_url
from evidencehub.data import DEMO_DIR
from evidencehub.data.corpus import Corpus, load_corpus
from evidencehub.errors import NotFoundError
from evidencehub.grade.claims import extract_claims
from evidencehub.grade.labels import label_page, pooled_keys
from evidencehub.model import (
    Actor,
    ActorKind,
    ImportEvent,
    ImportKind,
    ImportOutcome,
    Record,
)
from evidencehub.publish.page_edits import DEFAULT_LABEL_SOURCE
from evidencehub.store.repo import analyses as analyses_repo
from evidencehub.store.repo import imports as import_events
from evidencehub.store.repo import pages as pages_repo
from evidencehub.store.repo import records as records_repo
from evidencehub.store.repo import studies as studies_repo
from evidencehub.store.repo import trials as trials_repo
from evidencehub.store.repo.actors import actor_id
from evidencehub.store.session import init_db, transaction

__all__ = ["DEMO_ACTOR", "DEMO_SOURCE", "STAGES", "DemoReport", "import_records", "label_page",
           "run_demo"]

#: Provenance written with every record the demo imports (its reader name ranks below every
#: real source, so an export of the same work always wins a field).
DEMO_SOURCE = "evidencehub-corpus:demo"
#: The tool that writes the demo.
DEMO_ACTOR = Actor(name="evidencehub demo", kind=ActorKind.TOOL)

#: (name, description) of each stage, in order; the progress display shows the descriptions.
STAGES: tuple[tuple[str, str], ...] = (
    ("store", "Create the store"),
    ("import", "Import the demo corpus"),
    ("analyse", "Run the meta-analyses"),
    ("label", "Attach evidence labels"),
    ("publish", "Build the site"),
)


@dataclass(frozen=True, slots=True)
class DemoReport:
    """What the walk did: database URL, site directory and counts per stage."""

    database_url: str
    site_dir: Path
    counts: dict[str, int]


Progress = Callable[[str, str], None]


def import_records(session: Session, records: Sequence[Record], source: str
                   ) -> list[tuple[str, ImportOutcome]]:
    """Store ``records``, merging each into the stored version of the same work.

    A stored field keeps its value unless it is empty or the corpus is its own source (a newer
    corpus updates itself): :func:`~evidencehub.ingest.dedup.merge_into` with the corpus ranked
    below every real source. So a user's PubMed import of a demo paper keeps its title, PMID and
    authors when the demo runs again. Returns ``(record key, outcome)`` per record.
    """
    from evidencehub.ingest.dedup import merge_into

    stored = records_repo.records_with_provenance(session, [r.key for r in records])
    written = []
    for record in records:
        to_store = record
        if record.key in stored:
            previous, provenance = stored[record.key]
            to_store, _conflicts = merge_into(previous, provenance, record, source)
        outcome = records_repo.upsert_record(session, to_store, source=source)
        written.append((to_store.key, ImportOutcome(outcome.value)))
    return written


def _corpus_digest(corpus: Corpus) -> str:
    """SHA-256 over the corpus files (name and bytes), the fingerprint of what was imported."""
    digest = hashlib.sha256()
    for path in sorted(p for p in corpus.root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(corpus.root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _import_corpus(engine: Engine, corpus: Corpus) -> dict[str, int]:
    from evidencehub.ingest.arm_import import write_arm_data

    started = dt.datetime.now(dt.UTC)
    claims = {source.page.slug: extract_claims(source.page) for source in corpus.pages}
    with transaction(engine) as session:
        writer = actor_id(session, DEMO_ACTOR)
        written = import_records(session, corpus.records, DEMO_SOURCE)
        changed = [o for _, o in written if o is not ImportOutcome.UNCHANGED]
        if changed:  # nothing changed: the store stays as it was (module docstring)
            counts = {f"n_{o.value}": sum(1 for _, x in written if x is o) for o in ImportOutcome}
            import_events.record_event(session, ImportEvent.model_validate({
                "kind": ImportKind.CORPUS, "reader": "evidencehub-corpus",
                "label": "bundled demo corpus", "sha256": _corpus_digest(corpus),
                "actor": DEMO_ACTOR.name, "started_at": started,
                "finished_at": dt.datetime.now(dt.UTC), "n_read": len(written), **counts,
            }), DEMO_ACTOR, dict(written))
        for trial in corpus.trials:
            trials_repo.upsert_trial(session, trial, source=DEMO_SOURCE)
        for study in corpus.studies:
            studies_repo.upsert_study(session, study)
            for record_key in study.record_keys:
                for registry_id in study.trial_ids:
                    trials_repo.link_record_trial(session, record_key, registry_id)
        if corpus.arm_table is not None:
            write_arm_data(session, corpus.arm_table, corpus.arm_rows, actor=DEMO_ACTOR,
                           record_unchanged=False)
        for analysis in corpus.analyses:
            analyses_repo.put_analysis(session, analysis, actor_id=writer)
        for source in corpus.pages:
            # Keep the label attached by an earlier run: the label stage recomputes it.
            try:
                label = pages_repo.get_page(session, source.page.slug).label
            except NotFoundError:
                label = None
            pages_repo.upsert_page(session, source.page.model_copy(update={"label": label}),
                                   actor_id=writer)
            pages_repo.put_claims(session, source.page.slug, claims[source.page.slug],
                                  actor_id=writer)
    return {
        "records": len(corpus.records),
        "trials": len(corpus.trials),
        "studies": len(corpus.studies) + len({r.data.study_key for r in corpus.arm_rows}),
        "outcome data": len(corpus.arm_rows),
        "analyses": len(corpus.analyses),
        "pages": len(corpus.pages),
        "claims": sum(len(c) for c in claims.values()),
    }


def _run_analyses(engine: Engine, analyses: int) -> dict[str, int]:
    """Fit what is stale; every analysis then has a current run (``new runs``: made now)."""
    from evidencehub.analysis.service import analyze

    fitted = analyze(engine, actor=DEMO_ACTOR)
    return {"analyses fitted": analyses, "new runs": len(fitted)}


def _attach_labels(engine: Engine, label_sources: dict[str, str]) -> dict[str, int]:
    labelled = 0
    with transaction(engine) as session:
        writer = actor_id(session, DEMO_ACTOR)
        studies = {s.key: s for s in studies_repo.list_studies(session)}
        pooled = pooled_keys(analyses_repo.latest_runs(session))
        for page in pages_repo.list_pages(session):
            claims = pages_repo.list_claims(session, page.slug)
            source = label_sources.get(page.slug) or (
                page.label.source if page.label else DEFAULT_LABEL_SOURCE
            )
            label = label_page(page, claims, studies, pooled, source=source)
            if page.label != label:
                pages_repo.upsert_page(session, page.model_copy(update={"label": label}),
                                       actor_id=writer)
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
    from evidencehub.publish.site import publish_site

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
        counts.update(_run_analyses(engine, len(corpus.analyses)))
        notify("analyse", "done")
        notify("label", "start")
        label_sources = {s.page.slug: s.label_source for s in corpus.pages if s.label_source}
        counts.update(_attach_labels(engine, label_sources))
        notify("label", "done")
        notify("publish", "start")
        report = publish_site(engine, site_dir, actor=DEMO_ACTOR)
        counts["site files"] = report.files
        notify("publish", "done")
    finally:
        engine.dispose()
    return DemoReport(database_url=url, site_dir=report.site_dir, counts=counts)
