"""Rendering page bodies: footnote numbers and back-references, tags, wiki links."""

from __future__ import annotations

import pytest

from evidencehub.errors import InputError
from evidencehub.publish.markup import LinkTarget, render_body, slugify


def links(slug: str) -> LinkTarget:
    if slug == "known":
        return LinkTarget(href="known.html", title="A known page", status="draft")
    return LinkTarget(href=None, title=slug, status="implicit-stub")


def test_citations_become_numbered_links_with_backrefs() -> None:
    body = "First [@a]. Second [@b; @a].\n\nThird [@a].\n"
    out = render_body(body, footnote_numbers={"a": 1, "b": 2}, link_for=links)
    assert '<a id="cite-1-1" class="fn-ref" href="#fn-1" aria-label="Footnote 1">1</a>' in out.html
    assert '<a id="cite-2-1" class="fn-ref" href="#fn-2"' in out.html
    assert out.backrefs == {1: ("cite-1-1", "cite-1-2", "cite-1-3"), 2: ("cite-2-1",)}


def test_tags_become_badges_with_explanations() -> None:
    out = render_body("Claim. {long-term-unknown}\n", footnote_numbers={}, link_for=links)
    assert 'class="tag tag-long-term-unknown" title="Follow-up is too short' in out.html
    with pytest.raises(InputError, match="unknown evidence tag"):
        render_body("Claim. {bogus-tag}\n", footnote_numbers={}, link_for=links)


def test_wiki_links_resolve_or_show_status() -> None:
    out = render_body("See [[known]] and [[missing-page]].\n", footnote_numbers={}, link_for=links)
    assert '<a class="xref" href="known.html">A known page</a>' in out.html
    assert (
        '<span class="xref xref-missing">missing-page <span class="status">implicit-stub</span></span>'
        in out.html
    )


def test_raw_html_is_escaped_and_tables_render() -> None:
    body = "<script>alert(1)</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    out = render_body(body, footnote_numbers={}, link_for=links)
    assert "<script>" not in out.html
    assert "<table>" in out.html and "<td>2</td>" in out.html


def test_headings_get_unique_ids_and_make_the_toc() -> None:
    out = render_body("## Risks\n\n### Risks\n\n## Risks\n", footnote_numbers={}, link_for=links)
    assert [h["id"] for h in out.toc] == ["risks", "risks-2", "risks-3"]
    assert [h["level"] for h in out.toc] == [2, 3, 2]
    assert '<h2 id="risks">' in out.html


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Limitations and gaps", "limitations-and-gaps"),
        ("2. Parkinson's disease", "2-parkinson-s-disease"),
        ("…", "section"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_registry_ids_of_known_trials_become_links() -> None:
    known = {
        "NCT04802733": "../trials/NCT04802733.html",
        "jRCT2090220384": "../trials/UMIN000033564.html",
    }
    body = "Phase 1 (NCT04802733), also jRCT2090220384; NCT99999999 is unknown. `NCT04802733` in code.\n"
    out = render_body(body, footnote_numbers={}, link_for=links, trial_href=known.get)
    assert (
        '(<a class="trial-id" href="../trials/NCT04802733.html">NCT04802733</a>), also ' in out.html
    )
    assert (
        '<a class="trial-id" href="../trials/UMIN000033564.html">jRCT2090220384</a>; NCT99999999 is unknown.'
        in out.html
    )
    assert "<code>NCT04802733</code>" in out.html
