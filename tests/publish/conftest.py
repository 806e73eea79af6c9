"""A snapshot of the demo hub built without a database: the corpus, its claims, its pooled
results and its labels, through the same functions the demo walk uses."""

from __future__ import annotations

import datetime as dt

import pytest

from evidencehub.data.corpus import load_corpus
from evidencehub.demo import label_page, pool_analysis
from evidencehub.grade.claims import extract_claims
from evidencehub.model import AnalysisResult
from evidencehub.publish.site import render_site
from evidencehub.publish.snapshot import HubSnapshot

FITTED_AT = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


def corpus_snapshot() -> HubSnapshot:
    corpus = load_corpus()
    studies = {s.key: s for s in corpus.studies}
    labels = {s.key: s.label for s in corpus.studies}
    results = {a.slug: pool_analysis(a, corpus.outcomes, labels) for a in corpus.analyses}
    claims = {p.page.slug: extract_claims(p.page) for p in corpus.pages}
    pages = tuple(
        p.page.model_copy(
            update={
                "label": label_page(
                    p.page, claims[p.page.slug], studies, results, source=p.label_source or ""
                )
            }
        )
        for p in corpus.pages
    )
    stored = {
        k: AnalysisResult(analysis_slug=k, result=v, fitted_at=FITTED_AT, software="test")
        for k, v in results.items()
    }
    # Sorted as evidencehub.publish.snapshot.load_snapshot sorts what it reads from the store.
    return HubSnapshot(
        records=tuple(sorted(corpus.records, key=lambda r: r.key)),
        trials=tuple(sorted(corpus.trials, key=lambda t: t.registry_id)),
        studies=tuple(sorted(corpus.studies, key=lambda s: s.key)),
        pages=tuple(sorted(pages, key=lambda p: p.slug)),
        claims=claims,
        analyses=tuple(sorted(corpus.analyses, key=lambda a: a.slug)),
        results=stored,
    )


@pytest.fixture(scope="session")
def demo_snapshot() -> HubSnapshot:
    return corpus_snapshot()


@pytest.fixture(scope="session")
def demo_site_files(demo_snapshot: HubSnapshot) -> dict[str, bytes]:
    return render_site(demo_snapshot)
