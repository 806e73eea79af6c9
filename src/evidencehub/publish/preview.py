"""The editor's live preview: a page as it would be published, rendered by the public page's
own context function and template.

:func:`preview_page` puts the edited page into the published snapshot in place of the stored
one (as if it were published), derives its claims and evidence label the way a save does, and
renders the article part of the page template (``_page_article.html``, which ``page.html``
includes), so what the editor sees is what readers will get: the same footnotes, label, tags,
cross-references and related reading. Problems that would make the save fail (a citation of a
study the hub does not hold, an unknown evidence tag, an analysis that does not exist) are
returned as sentences instead of a rendering.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from evidencehub.data.pages import PageSource
from evidencehub.errors import InputError
from evidencehub.grade.claims import cited_keys, extract_claims
from evidencehub.grade.labels import label_page, pooled_keys
from evidencehub.model import Claim, Page
from evidencehub.publish.context import page_context
from evidencehub.publish.page_edits import DEFAULT_LABEL_SOURCE
from evidencehub.publish.render import environment
from evidencehub.publish.snapshot import HubSnapshot

__all__ = ["Preview", "preview_page"]


@dataclass(frozen=True, slots=True)
class Preview:
    """The rendered article (``html``, empty when there are ``problems``) and what is wrong."""

    html: str
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"html", "problems"}`` as the preview route answers."""
        return {"html": self.html, "problems": list(self.problems)}


def _claims(page: Page) -> tuple[tuple[Claim, ...], str | None]:
    """The page's claims, or the problem that stops their extraction."""
    try:
        return extract_claims(page), None
    except InputError as err:
        return (), err.problem


def _problems(snap: HubSnapshot, source: PageSource, claim_problem: str | None) -> list[str]:
    page = source.page
    problems = [] if claim_problem is None else [claim_problem]
    for key in dict.fromkeys(cited_keys(page.body)):
        if key not in snap.study_by_key:
            problems.append(f"[@{key}] cites a study the hub does not hold; pick one from "
                            "the citation search")
    for slug in page.analysis_slugs:
        if slug not in snap.analysis_by_slug:
            problems.append(f"analysis {slug!r} is not in the hub")
    return problems


def preview_context(snap: HubSnapshot, source: PageSource,
                    claims: tuple[Claim, ...]) -> dict[str, Any]:
    """The page context of ``source``, whose claims are ``claims``, as if it were published
    in ``snap`` (no problems assumed: see :func:`preview_page`)."""
    page = source.page
    pooled = pooled_keys({slug: run for slug, run in snap.runs.items()
                          if slug in page.analysis_slugs})
    label = label_page(page, claims, snap.study_by_key, pooled,
                       source=source.label_source or DEFAULT_LABEL_SOURCE)
    shown = page.model_copy(update={"label": label})
    pages = tuple(sorted([*(p for p in snap.pages if p.slug != page.slug), shown],
                         key=lambda p: p.slug))
    edited = dataclasses.replace(
        snap, pages=pages, claims={**snap.claims, page.slug: claims},
        page_statuses={s: v for s, v in snap.page_statuses.items() if s != page.slug},
    )
    return page_context(edited, page.slug)


def preview_page(snap: HubSnapshot, source: PageSource, *, plots: dict[str, str]) -> Preview:
    """Render ``source`` as its published page's article (``plots``: the forest plots).

    The HTML is byte for byte what the page will show, links included: they are relative to
    the page's own address (``pages/<slug>.html``), as on the site; the editor's script
    resolves them against it.
    """
    claims, claim_problem = _claims(source.page)
    problems = _problems(snap, source, claim_problem)
    if problems:
        return Preview("", tuple(problems))
    context = preview_context(snap, source, claims)
    root = "../" * context["path"].count("/")
    html = environment().get_template("_page_article.html").render(
        **context, root=root, plots=plots)
    return Preview(html, ())
