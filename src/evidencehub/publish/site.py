"""Build the static site: every page as HTML and JSON, forest plots, the stylesheet.

Layout of a built site::

    index.html / index.json           front page
    library.html / library.json       every study, publication and trial
    pages/<slug>.html / .json         articles, intervention pages, analysis pages
    studies/<key>.html / .json        one page per study
    trials/<registry id>.html / .json one page per registered trial
    plots/<analysis slug>.svg         forest plots (also inlined in the analysis page)
    plots/<analysis slug>.funnel.svg  funnel plots (also inlined)
    plots/<analysis slug>.prisma.svg  PRISMA 2020 flow of the review the analysis names
    static/style.css                  the stylesheet
    .evidencehub-site                 marker: this directory was built by evidencehub

The build is deterministic (same store, same bytes: sorted inputs, no timestamps other than
those stored with the results) and atomic: everything is written to a temporary directory
next to the target, which then replaces the target in two renames, so a reader never sees a
half-written site. A non-empty target without the marker is refused rather than replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from evidencehub.errors import ConfigError
from evidencehub.model import Actor
from evidencehub.publish.context import context_for_path, site_paths
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.snapshot import HubSnapshot, load_snapshot

__all__ = ["MARKER", "SiteReport", "build_site", "forest_svgs", "publish_site", "render_site"]

MARKER = ".evidencehub-site"
_MARKER_TEXT = "Built by evidencehub; `evidencehub build` replaces this directory.\n"


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What a build wrote: the site directory, the number of files and of HTML pages."""

    site_dir: Path
    files: int
    pages: int


def forest_svgs(snap: HubSnapshot, drawn: dict[str, str | None] | None = None) -> dict[str, str]:
    """The plots of every analysis: from its stored run (never refitted), the forest plot
    under the analysis's slug and, with enough studies, the funnel plot under
    :func:`~evidencehub.publish.analysis_context.funnel_key`; for an analysis that names a
    review, that review's PRISMA 2020 flow diagram under
    :func:`~evidencehub.publish.analysis_context.prisma_key` (drawn once per review).

    ``drawn`` keeps plots between calls (the web app redraws only what changed): it maps the
    analysis, its run and its outcome, as text, to the plots drawn from them, and a review's
    flow, as text, to its diagram.
    """
    from evidencehub.publish.analysis_context import (
        forest_svg,
        funnel_key,
        funnel_svg,
        prisma_key,
        prisma_svg,
    )

    svgs = {}
    drawn = {} if drawn is None else drawn
    for analysis in snap.analyses:
        review = snap.reviews.get(analysis.review) if analysis.review else None
        if review is not None:
            key = f"prisma|{review.flow!r}"
            diagram = drawn.get(key)
            if diagram is None:
                diagram = drawn[key] = prisma_svg(review.flow)
            svgs[prisma_key(analysis.slug)] = diagram
        run = snap.runs.get(analysis.slug)
        if run is None:
            continue
        outcome = snap.outcomes.get(analysis.outcome)
        key = f"{analysis!r}|{run.id}|{outcome!r}"
        plots: tuple[tuple[str, Callable[[], str | None]], ...] = (
            (analysis.slug, partial(forest_svg, analysis, run, outcome)),
            (funnel_key(analysis.slug), partial(funnel_svg, analysis, run)),
        )
        for name, draw in plots:
            if f"{name}|{key}" in drawn:
                svg = drawn[f"{name}|{key}"]
            else:
                svg = drawn[f"{name}|{key}"] = draw()
            if svg is not None:
                svgs[name] = svg
    return svgs


def _static_files() -> dict[str, bytes]:
    """The stylesheet and the icon. The scripts beside them are the web app's (the editor,
    citations while typing, screening by keyboard: workflows of signed-in accounts, served by
    ``evidencehub serve``); no page of the static site runs a script, so none is copied."""
    folder = resources.files("evidencehub.publish") / "static"
    return {
        f"static/{item.name}": item.read_bytes()
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.is_file() and not item.name.endswith(".js")
    }


def render_site(snap: HubSnapshot) -> dict[str, bytes]:
    """Every file of the site, path → bytes (pure apart from drawing the plots)."""
    plots = forest_svgs(snap)
    files: dict[str, bytes] = {MARKER: _MARKER_TEXT.encode()}
    for path in site_paths(snap):
        context = context_for_path(snap, path)
        files[path] = render_html(context, plots=plots).encode("utf-8")
        files[context["json_path"]] = render_json(context).encode("utf-8")
    for slug, svg in plots.items():
        files[f"plots/{slug}.svg"] = svg.encode("utf-8")
    files.update(_static_files())
    return files


def _check_replaceable(site_dir: Path) -> None:
    if site_dir.exists() and not site_dir.is_dir():
        raise ConfigError(f"{site_dir} exists and is not a directory; choose another --site")
    if site_dir.is_dir() and any(site_dir.iterdir()) and not (site_dir / MARKER).exists():
        raise ConfigError(
            f"{site_dir} is not empty and was not built by evidencehub (no {MARKER}); "
            "choose another --site or empty it"
        )


def build_site(snap: HubSnapshot, site_dir: Path) -> SiteReport:
    """Render the site and atomically replace ``site_dir`` with it."""
    site_dir = site_dir.resolve()
    _check_replaceable(site_dir)
    files = render_site(snap)
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.building-", dir=site_dir.parent))
    try:
        for path, data in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        staging.chmod(0o755)
        old = None
        if site_dir.exists():
            old = site_dir.with_name(f".{site_dir.name}.old-{os.getpid()}")
            os.replace(site_dir, old)
        os.replace(staging, site_dir)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    pages = sum(1 for p in files if p.endswith(".html"))
    return SiteReport(site_dir=site_dir, files=len(files), pages=pages)


def publish_site(engine: Engine, site_dir: Path, *, actor: Actor) -> SiteReport:
    """Record which runs each page shows (one transaction; ``page_runs``), then build the site
    from the store: what ``evidencehub build`` and the demo's publish stage run."""
    from evidencehub.store.repo import pages as pages_repo
    from evidencehub.store.repo.actors import actor_id
    from evidencehub.store.session import transaction

    snap = load_snapshot(engine)
    with transaction(engine) as session:
        writer = actor_id(session, actor)
        for page in snap.pages:
            runs = [snap.runs[slug].id for slug in page.analysis_slugs if slug in snap.runs]
            pages_repo.pin_runs(session, page.slug, [r for r in runs if r is not None],
                                actor_id=writer)
    return build_site(snap, site_dir)
