"""The editor's page form, to and from a :class:`~evidencehub.data.pages.PageSource`.

The form has one field per front-matter field of a page file (:mod:`evidencehub.data.pages`),
plus the body. List fields are one item per line: ``takeaways``, ``analysis_slugs``, and
``cross_refs``, each line a slug optionally followed by ``: `` and a note (a cross-reference
keeps the status it had for that slug). The status is not a form field: it changes through
the workflow's own route (:mod:`evidencehub.publish.page_status`). Parsing happens once, here,
with the page model's own validation; a bad field is an :class:`InputError` naming it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from evidencehub.data.pages import PageSource
from evidencehub.errors import InputError
from evidencehub.model import CrossRef, Page, PageKind, PageStatus, validate

__all__ = ["EDITABLE_KINDS", "FormValues", "form_values", "source_from_form"]

#: The kinds of page the editor writes.
EDITABLE_KINDS = (PageKind.ARTICLE, PageKind.INTERVENTION, PageKind.ANALYSIS)

FormValues = dict[str, str]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _cross_refs(text: str, previous: Mapping[str, CrossRef]) -> list[dict[str, Any]]:
    refs = []
    for line in _lines(text):
        slug, _, note = line.partition(":")
        slug, note = slug.strip(), note.strip()
        kept = previous.get(slug)
        refs.append({"slug": slug, "note": note or None,
                     "status": kept.status if kept is not None else None})
    return refs


def source_from_form(form: Mapping[str, str], *, slug: str | None = None,
                     status: PageStatus = PageStatus.DRAFT,
                     previous: Page | None = None) -> PageSource:
    """The page the form describes (``slug`` fixed for an existing page, else the form's).

    ``status`` is the page's current status (a new page: the form's ``status`` if it is stub
    or draft); ``previous`` the stored page, whose cross-reference statuses are kept.
    """
    def field(name: str) -> str:
        return (form.get(name) or "").replace("\r\n", "\n").strip()

    kind = field("kind")
    if kind not in {k.value for k in EDITABLE_KINDS}:
        raise InputError(f"kind must be one of {', '.join(k.value for k in EDITABLE_KINDS)}",
                         where="field 'kind'")
    as_of: dt.date | None = None
    if field("as_of"):
        try:
            as_of = dt.date.fromisoformat(field("as_of"))
        except ValueError:
            raise InputError(f"expected a date as YYYY-MM-DD, got {field('as_of')!r}",
                             where="field 'as_of'") from None
    if previous is None and field("status") in (PageStatus.STUB.value, PageStatus.DRAFT.value):
        status = PageStatus(field("status"))
    old_refs = {ref.slug: ref for ref in previous.cross_refs} if previous else {}
    data: dict[str, Any] = {
        "slug": slug or field("slug"),
        "kind": kind,
        "title": field("title"),
        "dek": field("dek") or None,
        "status": status,
        "category": field("category") or None,
        "as_of": as_of,
        "body": field("body"),
        "takeaways": tuple(_lines(field("takeaways"))),
        "analysis_slugs": tuple(_lines(field("analysis_slugs"))),
        "cross_refs": tuple(_cross_refs(field("cross_refs"), old_refs)),
    }
    if not data["title"]:
        raise InputError("a page needs a title", where="field 'title'")
    page = validate(Page, data, where="the page form")
    return PageSource(page=page, label_source=field("label_source") or None)


def form_values(source: PageSource | None) -> FormValues:
    """The form's fields filled from ``source`` (empty for a new page)."""
    if source is None:
        return {"slug": "", "kind": PageKind.ARTICLE.value, "title": "", "dek": "",
                "category": "", "as_of": "", "label_source": "", "takeaways": "",
                "analysis_slugs": "", "cross_refs": "", "body": "", "status": "draft"}
    page = source.page
    return {
        "slug": page.slug,
        "kind": page.kind.value,
        "title": page.title,
        "dek": page.dek or "",
        "category": page.category or "",
        "as_of": page.as_of.isoformat() if page.as_of else "",
        "label_source": source.label_source or "",
        "takeaways": "\n".join(page.takeaways),
        "analysis_slugs": "\n".join(page.analysis_slugs),
        "cross_refs": "\n".join(f"{ref.slug}: {ref.note}" if ref.note else ref.slug
                                for ref in page.cross_refs),
        "body": page.body,
        "status": page.status.value,
    }
