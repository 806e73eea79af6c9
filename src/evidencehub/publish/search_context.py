"""Context of the search page: a reader's query and its matches, grouped by kind.

One dict, two renderings, like every page (:mod:`evidencehub.publish.context`): ``search.html``
renders it and ``/search.json`` returns it. Every match links to the hub's own page of it
(``pages/<slug>.html``, ``studies/<key>.html``, ``trials/<id>.html``); a publication that no
study of the hub reports links to its DOI or PubMed entry instead, and says so. Snippets are
lists of ``{"text", "hit"}`` fragments; the template escapes the text and marks the hits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from evidencehub.publish.context import DISCLAIMER, SITE_TITLE, page_path, study_path, trial_path
from evidencehub.store.repo.search import (
    MAX_QUERY_CHARS,
    MAX_WORDS,
    KindResults,
    SearchHit,
    SearchKind,
    SearchQuery,
)

__all__ = ["HEADINGS", "search_context", "search_path"]

#: Headings of the groups of results, in the order the page shows them.
HEADINGS = {
    SearchKind.PAGE: "Pages",
    SearchKind.STUDY: "Studies",
    SearchKind.TRIAL: "Trials",
    SearchKind.RECORD: "Publications",
}


def search_path(query: str, kind: SearchKind | None = None, page: int = 1, *,
                endpoint: str = "search") -> str:
    """Site-relative URL of a search (``search?q=…&kind=…&page=…``); ``endpoint``
    ``"search.json"`` for its JSON twin."""
    params: dict[str, str] = {"q": query}
    if kind is not None:
        params["kind"] = kind.value
    if page > 1:
        params["page"] = str(page)
    return f"{endpoint}?" + urlencode(params)


def _target(hit: SearchHit) -> dict[str, Any]:
    """Where a hit links: the hub's page of it, or (a publication no study reports) outside."""
    if hit.kind is SearchKind.PAGE:
        return {"path": page_path(hit.key), "url": None, "note": None}
    if hit.kind is SearchKind.STUDY:
        return {"path": study_path(hit.key), "url": None, "note": None}
    if hit.kind is SearchKind.TRIAL:
        return {"path": trial_path(hit.key), "url": None, "note": None}
    if hit.study_key is not None:  # every study has its page
        return {"path": study_path(hit.study_key), "url": None,
                "note": "Reported by a study in the hub"}
    if hit.doi:
        return {"path": None, "url": f"https://doi.org/{hit.doi}",
                "note": "Not in a study of the hub: the link opens the publication (doi.org)"}
    if hit.pmid:
        return {"path": None, "url": f"https://pubmed.ncbi.nlm.nih.gov/{hit.pmid}/",
                "note": "Not in a study of the hub: the link opens its PubMed entry"}
    return {"path": None, "url": None, "note": "Not in a study of the hub, and no link is known"}


def _hit(hit: SearchHit) -> dict[str, Any]:
    return {
        "kind": hit.kind.value,
        "key": hit.key,
        "title": hit.title,
        "snippet": [{"text": f.text, "hit": f.hit} for f in hit.snippet],
        **_target(hit),
    }


def search_context(
    query: SearchQuery,
    results: Sequence[KindResults],
    *,
    only: SearchKind | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """Context of the search page for ``query``: one group per kind searched, in
    :data:`HEADINGS` order. ``only`` is the kind a reader asked to page through (this is its
    page ``page``); otherwise each group shows its best hits and links to the rest."""
    groups = []
    for found in results:
        shown = len(found.hits)
        more = only is None and found.total > shown
        groups.append({
            "kind": found.kind.value,
            "heading": HEADINGS[found.kind],
            "total": found.total,
            "first": found.offset + 1 if shown else 0,
            "last": found.offset + shown,
            "hits": [_hit(h) for h in found.hits],
            "more_path": search_path(query.text, found.kind) if more else None,
            "previous_path": search_path(query.text, only, page - 1)
            if only is not None and page > 1 else None,
            "next_path": search_path(query.text, only, page + 1)
            if only is not None and found.offset + shown < found.total else None,
        })
    notice = None
    if query.truncated:
        notice = (f"Your search was too long: only its first {MAX_QUERY_CHARS} characters, "
                  f"and at most {MAX_WORDS} words, were searched.")
    elif query.text and not query.words:
        notice = "Your search has no words to look for: type words, names or registry ids."
    title = f"Search: {query.text}" if query.text else "Search"
    return {
        "kind": "search",
        "site": SITE_TITLE,
        "title": title,
        "path": "search.html",
        "json_path": search_path(query.text, only, page, endpoint="search.json")
        if query.text else "",
        "query": query.text,
        "words": list(query.words),
        "notice": notice,
        "only": only.value if only is not None else None,
        "page": page,
        "all_path": search_path(query.text) if only is not None else None,
        "total": sum(g["total"] for g in groups),
        "groups": groups,
        "disclaimer": DISCLAIMER,
    }
