"""Build the static site: every page as HTML and JSON, forest plots, the stylesheet.

Layout of a built site::

    index.html / index.json           front page
    library.html / library.json       every study, publication and trial
    pages/<slug>.html / .json         articles, intervention pages, analysis pages
    studies/<key>.html / .json        one page per study
    trials/<registry id>.html / .json one page per registered trial
    plots/<analysis slug>.svg         forest plots (also inlined in the analysis page)
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
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evidencehub.errors import ConfigError, StatsWarning
from evidencehub.model import Analysis
from evidencehub.publish.context import context_for_path, site_paths
from evidencehub.publish.render import render_html, render_json
from evidencehub.publish.snapshot import HubSnapshot

if TYPE_CHECKING:
    from evidencehub.stats import MetaResult

__all__ = ["MARKER", "SiteReport", "build_site", "fit_analysis", "forest_svgs", "render_site"]

MARKER = ".evidencehub-site"
_MARKER_TEXT = "Built by evidencehub; `evidencehub build` replaces this directory.\n"


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What a build wrote: the site directory, the number of files and of HTML pages."""

    site_dir: Path
    files: int
    pages: int


def _control(analysis: Analysis) -> str:
    """The control arm of ``"drug1, drug2 vs placebo"``."""
    return analysis.comparison.split(" vs ")[-1] if analysis.comparison else "control"


def fit_analysis(
    analysis: Analysis, rows: Sequence[Mapping[str, Any]], study: Sequence[str]
) -> MetaResult:
    """Pool the ``yi``/``vi`` of ``rows`` with the method, test and measure of ``analysis``.

    StatsWarnings are not emitted: the fit keeps them in its ``warnings``, which the stored
    result carries and the page shows. The demo stores this fit and :func:`forest_svgs` refits
    with it, so a plot always shows the stored result.
    """
    from evidencehub.stats import rma

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatsWarning)
        return rma(
            [r["yi"] for r in rows],
            [r["vi"] for r in rows],
            method=analysis.method,
            test=analysis.test,
            study=list(study),
            measure=analysis.measure,
        )


def forest_svgs(snap: HubSnapshot) -> dict[str, str]:
    """Forest plot SVG per pooled analysis, refitted from the stored study rows.

    The stored result keeps each trial's ``yi`` and ``vi``; the model is refitted with the
    stored method and test (a fraction of a millisecond) because a plot takes a result object.
    """
    from evidencehub.publish.plots import forest_plot

    svgs = {}
    for analysis in snap.analyses:
        stored = snap.results.get(analysis.slug)
        if stored is None or not stored.result.get("fit"):
            continue
        rows = [r for r in stored.result["contrasts"] if r["pooled"]]
        labels = [
            snap.study_by_key[r["study_key"]].label
            if r["study_key"] in snap.study_by_key
            else r["study_key"]
            for r in rows
        ]
        fit = fit_analysis(analysis, rows, labels)
        svg = forest_plot(
            fit,
            xlabel=f"Mean difference in {analysis.outcome} (active − {_control(analysis)})",
            width=9.0,
            fmt="svg",
        )
        assert isinstance(svg, bytes)
        text = svg.decode("utf-8")
        # Inline in HTML: drop the XML declaration and DOCTYPE before the <svg> element.
        svgs[analysis.slug] = text[text.index("<svg") :]
    return svgs


def _static_files() -> dict[str, bytes]:
    folder = resources.files("evidencehub.publish") / "static"
    return {
        f"static/{item.name}": item.read_bytes()
        for item in sorted(folder.iterdir(), key=lambda i: i.name)
        if item.is_file()
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
