"""The PRISMA section of analysis pages (publish/analysis_context.py ``prisma_context``,
``prisma_svg``; publish/site.py; templates/_analysis.html and _prisma_flow.html): an analysis
that names the review its studies came from shows that review's flow — the diagram as a plot
file and the same counts in words — and readers see counts only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evidencehub.analysis.service import analysis_states
from evidencehub.publish import prisma_plot
from evidencehub.publish.analysis_context import prisma_svg
from evidencehub.publish.context import context_for_path
from evidencehub.publish.site import build_site, forest_svgs, render_site
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot
from evidencehub.review import service
from evidencehub.review.flow import review_flow
from evidencehub.store.repo.records import records_by_id
from evidencehub.store.repo.reviews import review_study_keys
from evidencehub.store.session import make_engine, transaction
from tests.publish.prisma_hub import ANALYSIS, OTHERS, PAGE, REVIEWER, SLUG, STUDIES

PLOT = f"plots/{ANALYSIS}.prisma.svg"


@pytest.fixture(scope="module")
def prisma_snapshot(prisma_store: str) -> HubSnapshot:
    engine = make_engine(prisma_store)
    try:
        return load_snapshot(engine)
    finally:
        engine.dispose()


def _analyses(snap: HubSnapshot) -> dict[str, dict[str, object]]:
    return {a["slug"]: a for a in context_for_path(snap, PAGE)["analyses"]}


def test_the_review_included_the_analysis_studies_and_the_analysis_stays_current(
        prisma_store: str) -> None:
    engine = make_engine(prisma_store)
    try:
        with transaction(engine) as session:
            state = service.load(session, SLUG)
            assert sorted(review_study_keys(session, state.id)) == list(STUDIES)
            (analysis,) = analysis_states(session, [ANALYSIS])
    finally:
        engine.dispose()
    assert analysis.analysis.review == SLUG
    assert sorted(r.study_key for r in analysis.rows if r.pooled) == list(STUDIES)
    assert not analysis.stale  # naming a review is not a setting of the fit


def test_the_context_has_the_flow_of_the_review(prisma_store: str,
                                                prisma_snapshot: HubSnapshot) -> None:
    engine = make_engine(prisma_store)
    try:
        with transaction(engine) as session:
            flow = review_flow(session, service.load(session, SLUG))
    finally:
        engine.dispose()
    analyses = _analyses(prisma_snapshot)
    section = analyses[ANALYSIS]["prisma"]
    assert section == {
        "review": SLUG, "review_title": "Metformin for type 2 diabetes", "plot": PLOT,
        "plot_key": f"{ANALYSIS}.prisma", "in_progress": False, "counts": flow.to_dict(),
        "sections": [s.to_dict() for s in flow.sections()],
    }
    counts = section["counts"]  # the scenario of tests/publish/prisma_hub.py
    assert (counts["database_results"], counts["duplicates"], counts["records_screened"],
            counts["records_excluded"], counts["dbr_sought_reports"], counts["dbr_assessed"],
            counts["new_studies"], counts["new_reports"]) == (8, 0, 8, 3, 5, 5, 4, 4)
    assert counts["dbr_excluded"] == [{"criterion_id": "S1", "reason": "Not a randomised trial",
                                       "n": 1}]
    assert all(a["prisma"] is None for slug, a in analyses.items() if slug != ANALYSIS)


def test_an_analysis_without_a_review_has_no_prisma_section(
        demo_snapshot: HubSnapshot, demo_site_files: dict[str, bytes]) -> None:
    assert all(a.review is None for a in demo_snapshot.analyses)
    assert all(a["prisma"] is None for a in _analyses(demo_snapshot).values())
    assert not [p for p in demo_site_files if p.endswith(".prisma.svg")]
    assert b"analysis-prisma" not in demo_site_files[PAGE]


def test_the_static_site_writes_the_diagram_and_the_page_shows_it_in_words(
        prisma_snapshot: HubSnapshot, tmp_path: Path) -> None:
    build_site(prisma_snapshot, tmp_path / "site")
    svg = (tmp_path / "site" / PLOT).read_text(encoding="utf-8")
    assert svg == prisma_svg(prisma_snapshot.reviews[SLUG].flow)
    assert svg.startswith("<svg") and 'id="records_screened"' in svg
    html = (tmp_path / "site" / PAGE).read_text(encoding="utf-8")
    assert html.count('class="analysis-prisma"') == 1
    assert f'<img src="../{PLOT}"' in html
    words = re.search(r'<dl class="prisma-words">.*?</dl>', html, re.S)
    assert words is not None
    for line in ("records screened 8, excluded 3", "reports sought 5, not retrieved 0",
                 "reports assessed 5, excluded 1: Not a randomised trial (1)",
                 "studies 4, reports of included studies 4"):
        assert f"<li>{line}</li>" in words.group(0)


def test_readers_see_counts_never_record_titles_or_reviewers(
        prisma_store: str, prisma_snapshot: HubSnapshot) -> None:
    files = render_site(prisma_snapshot)
    engine = make_engine(prisma_store)
    try:
        with transaction(engine) as session:
            ids = list(service.load(session, SLUG).records)
            titles = [r.title for r in records_by_id(session, ids).values()]
    finally:
        engine.dispose()
    assert len(titles) == len(STUDIES) + len(OTHERS)
    shown = [files[PAGE], files[PAGE.replace(".html", ".json")], files[PLOT]]
    for text in shown:
        assert not [t for t in titles if t.encode() in text]
        assert f'"{REVIEWER}"'.encode() not in text and b'"members"' not in text


def test_a_review_named_by_two_analyses_is_drawn_once(prisma_snapshot: HubSnapshot,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    other = next(a for a in prisma_snapshot.analyses if a.slug != ANALYSIS)
    analyses = tuple(a.model_copy(update={"review": SLUG}) if a.slug == other.slug else a
                     for a in prisma_snapshot.analyses)
    snap = replace(prisma_snapshot, analyses=analyses)
    calls: list[object] = []
    draw = prisma_plot.prisma_plot
    monkeypatch.setattr(prisma_plot, "prisma_plot", lambda *a, **k: calls.append(a) or draw(*a, **k))
    plots = forest_svgs(snap)
    assert len(calls) == 1
    assert plots[f"{ANALYSIS}.prisma"] == plots[f"{other.slug}.prisma"]
