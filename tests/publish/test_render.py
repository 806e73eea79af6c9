"""Number formats and template rendering."""

from __future__ import annotations

import math

import pytest

from evidencehub.publish.context import page_context
from evidencehub.publish.render import fmt_num, fmt_phase, fmt_pval, render_html
from evidencehub.publish.snapshot import HubSnapshot


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (-1.1312391, 2, "−1.13"),
        (0.2, 3, "0.200"),
        (-0.0001, 2, "0.00"),
        (90.8177, 1, "90.8"),
        (None, 2, "—"),
        (math.nan, 2, "—"),
        (4, 0, "4"),
    ],
)
def test_fmt_num(value: float | None, digits: int, text: str) -> None:
    assert fmt_num(value, digits) == text


@pytest.mark.parametrize(
    ("value", "text"), [(3.7e-9, "<0.0001"), (0.13191, "0.1319"), (1.0, "1.0000"), (None, "—")]
)
def test_fmt_pval(value: float | None, text: str) -> None:
    assert fmt_pval(value) == text


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("PHASE1", "Phase 1"),
        ("PHASE1/PHASE2", "Phase 1/2"),
        ("EARLY_PHASE1", "Early phase 1"),
        ("NA", "Not applicable"),
        (None, ""),
    ],
)
def test_fmt_phase(code: str | None, text: str) -> None:
    assert fmt_phase(code) == text


def test_page_links_climb_to_the_site_root(demo_snapshot: HubSnapshot) -> None:
    html = render_html(page_context(demo_snapshot, "ipsc-derived-cell-therapy"))
    assert '<link rel="stylesheet" href="../static/style.css">' in html
    assert 'href="../studies/mandai2017.html"' in html
    assert '<li id="fn-5" value="5">' in html
    assert '<a href="#cite-5-3" aria-label="Back to citation 3 of footnote 5">' in html
    served = render_html(page_context(demo_snapshot, "ipsc-derived-cell-therapy"), root="/")
    assert '<link rel="stylesheet" href="/static/style.css">' in served


def test_text_is_escaped(demo_snapshot: HubSnapshot) -> None:
    ctx = page_context(demo_snapshot, "stem-cell-derived-insulin")
    ctx["page"] = {**ctx["page"], "dek": "<b>bold</b> & more"}
    html = render_html(ctx)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in html
