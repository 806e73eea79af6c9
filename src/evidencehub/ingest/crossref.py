"""Crossref REST API works JSON reader (``/works/{doi}``, ``/works?query…``, ``/prefixes/…/works``).

Accepted shapes: a response envelope with ``message-type: work`` (one work) or ``work-list``
(``message.items``), a bare work object, or a JSON array of works. Field mapping (Crossref's
REST API documentation, "Work" schema):

=========================  ======================================================================
Crossref                   Record
=========================  ======================================================================
``DOI``                    ``doi``
``title`` + ``subtitle``   ``title`` (first of each, HTML/MathML flattened, joined by ": ")
``abstract`` (JATS)        ``abstract``; ``<jats:sec>`` with ``<jats:title>`` → ``abstract_sections``
``author``                 ``authors`` (``family``/``given``, ``name`` → collective, ``ORCID``
                           as the bare id, ``affiliation[].name``)
``container-title``        ``journal``; ``short-container-title`` → ``journal_abbrev``
``ISSN``                   ``issn`` (the first one)
``volume``/``issue``/``page``  same
``published``, else ``issued``; ``published-print``/``published-online`` as a fallback
                           ``year`` from the first date part; ``published`` when the date is
                           complete (year, month and day)
``type``, ``publisher``    ``record_type``, ``publisher``
``is-referenced-by-count`` ``citation_count``
``language``               ``language``
``resource.primary.URL``   ``url`` (else ``URL``)
``clinical-trial-number``  ``registry_ids`` (plus ids written in the title or abstract)
``update-to``              this work updates another: ``retraction-of``, ``erratum-for``,
                           ``update-of`` links; a retraction that names the work itself (how
                           Elsevier marks "RETRACTED:" articles) sets ``retracted``
``updated-by``             the work was updated: ``retracted-in`` (and ``retracted``),
                           ``erratum-in``, ``updated-in``
``relation``               one link per relation, kind as Crossref names it (``is-preprint-of``…)
=========================  ======================================================================

``license`` and full-text ``link`` entries are not kept: a licence URL does not say which
open-access route (gold, hybrid, bronze) applies, which is what ``open_access`` records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, ClassVar

from lxml import etree

from evidencehub.errors import InputError
from evidencehub.ingest._json import convert_items, load_json, looks_like_json, unwrap_items
from evidencehub.ingest._text import clean_text, element_text, strip_markup
from evidencehub.ingest.base import Item
from evidencehub.ingest.identifiers import find_registry_ids
from evidencehub.model import Record

__all__ = ["CrossrefReader", "jats_abstract"]

_WHAT = "Crossref works JSON (a 'work' or 'work-list' message, a work, or a list of works)"
# Prefixes Crossref uses in abstracts, declared so lxml can parse the fragment.
_NAMESPACES = (
    'xmlns:jats="http://www.ncbi.nlm.nih.gov/JATS1" xmlns:mml="http://www.w3.org/1998/Math/MathML" '
    'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:ali="http://www.niso.org/schemas/ali/1.0/"'
)
_UPDATE_TO = {"retraction": "retraction-of", "correction": "erratum-for", "erratum": "erratum-for",
              "corrigendum": "erratum-for", "expression_of_concern": "expression-of-concern-for"}
_UPDATED_BY = {"retraction": "retracted-in", "correction": "erratum-in", "erratum": "erratum-in",
               "corrigendum": "erratum-in", "expression_of_concern": "expression-of-concern-in"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def jats_abstract(markup: str) -> tuple[str | None, list[dict[str, str]]]:
    """Return ``(plain text, sections)`` of a Crossref JATS abstract.

    A leading ``<jats:title>Abstract</jats:title>`` is a heading, not text. Sections
    (``<jats:sec>`` with a title) become ``{"label", "text"}`` dicts and the plain text joins
    them as ``"LABEL: text"``; otherwise paragraphs are joined with a space.
    """
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(f"<abstract {_NAMESPACES}>{markup}</abstract>".encode(), parser)
    if root is None:
        return strip_markup(markup), []
    sections: list[dict[str, str]] = []
    for sec in root.iter():
        if _local(sec) != "sec":
            continue
        title = next((c for c in sec if _local(c) == "title"), None)
        body = " ".join(filter(None, (element_text(c) for c in sec if _local(c) == "p")))
        if body:
            label = element_text(title)
            sections.append({"label": label, "text": body} if label else {"text": body})
    if sections:
        text = " ".join(f"{s['label']}: {s['text']}" if "label" in s else s["text"] for s in sections)
        return text, sections
    paragraphs = [element_text(p) for p in root.iter() if _local(p) == "p"]
    if not paragraphs:
        return element_text(root), []
    return clean_text(" ".join(p for p in paragraphs if p)), []


def _date(value: Any) -> tuple[int | None, dt.date | None]:
    """``{"date-parts": [[2015, 11, 19]]}`` → ``(2015, date(2015, 11, 19))``; partial dates give no date."""
    try:
        parts = [int(p) for p in value["date-parts"][0] if p is not None]
    except (TypeError, KeyError, IndexError, ValueError, OverflowError):  # OverflowError: int(1e999)
        return None, None
    if not parts:
        return None, None
    if len(parts) >= 3:
        try:
            return parts[0], dt.date(parts[0], parts[1], parts[2])
        except (ValueError, OverflowError):  # out of range; OverflowError past a C long
            return parts[0], None
    return parts[0], None


def _orcid(value: str | None) -> str | None:
    return value.rstrip("/").rsplit("/", 1)[-1] if value else None


def _author(author: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if author.get("family"):
        fields["family"] = clean_text(author["family"])
        if author.get("given"):
            fields["given"] = clean_text(author["given"])
    elif author.get("name"):
        fields["collective"] = clean_text(author["name"])
    elif author.get("given"):  # a mononym deposited as given name only
        fields["family"] = clean_text(author["given"])
    if author.get("ORCID"):
        fields["orcid"] = _orcid(author["ORCID"])
    names = [clean_text(a.get("name")) for a in author.get("affiliation") or [] if isinstance(a, Mapping)]
    fields["affiliations"] = tuple(n for n in names if n)
    return fields


def _first(values: Any) -> str | None:
    if isinstance(values, list):
        return next((strip_markup(v) for v in values if isinstance(v, str) and v.strip()), None)
    return strip_markup(values) if isinstance(values, str) else None


def _links(work: Mapping[str, Any], own_doi: str) -> tuple[list[dict[str, str]], bool]:
    links: list[dict[str, str]] = []
    retracted = False
    for update in work.get("update-to") or []:
        kind, target = str(update.get("type", "")).lower(), str(update.get("DOI", "")).lower()
        if kind == "retraction" and (not target or target == own_doi):
            retracted = True
        elif target:
            links.append({"kind": _UPDATE_TO.get(kind, "update-of"), "target": f"doi:{target}"})
    for update in work.get("updated-by") or []:
        kind, target = str(update.get("type", "")).lower(), str(update.get("DOI", "")).lower()
        retracted = retracted or kind == "retraction"
        if target and target != own_doi:
            links.append({"kind": _UPDATED_BY.get(kind, "updated-in"), "target": f"doi:{target}"})
    for relation, targets in (work.get("relation") or {}).items():
        for target in targets if isinstance(targets, list) else []:
            id_type, value = str(target.get("id-type", "")).lower(), str(target.get("id", ""))
            if value:
                links.append({"kind": relation, "target": f"{id_type}:{value}" if id_type else value})
    return links, retracted


def work_fields(work: Mapping[str, Any]) -> dict[str, Any]:
    """Map one Crossref work object onto :class:`Record` fields (``None`` for absent ones)."""
    doi = str(work.get("DOI") or "").strip().lower()
    title, subtitle = _first(work.get("title")), _first(work.get("subtitle"))
    if title and subtitle and subtitle.lower() not in title.lower():
        title = f"{title}: {subtitle}"
    abstract, sections = jats_abstract(work["abstract"]) if work.get("abstract") else (None, [])
    year, published = None, None
    for key in ("published", "issued", "published-print", "published-online"):
        year, published = _date(work.get(key))
        if year:
            break
    links, retracted = _links(work, doi)
    trials = [t.get("clinical-trial-number", "") for t in work.get("clinical-trial-number") or []
              if isinstance(t, Mapping)]
    url = (work.get("resource") or {}).get("primary", {}).get("URL") or work.get("URL")
    return {
        "doi": doi or None,
        "title": title,
        "abstract": abstract,
        "abstract_sections": sections,
        "authors": [_author(a) for a in work.get("author") or [] if isinstance(a, Mapping)],
        "journal": _first(work.get("container-title")),
        "journal_abbrev": _first(work.get("short-container-title")),
        "issn": _first(work.get("ISSN")),
        "publisher": clean_text(work.get("publisher")),
        "record_type": work.get("type"),
        "year": year,
        "published": published,
        "volume": clean_text(work.get("volume")),
        "issue": clean_text(work.get("issue")),
        "pages": clean_text(work.get("page")),
        "url": url,
        "links": links,
        "language": work.get("language"),
        "citation_count": work.get("is-referenced-by-count"),
        "registry_ids": find_registry_ids("\n".join(filter(None, [*trials, title, abstract]))),
        "retracted": retracted,
    }


def _is_work(data: Mapping[str, Any]) -> bool:
    return "DOI" in data


def _doi_label(work: Mapping[str, Any]) -> str | None:
    doi = work.get("DOI")
    return f"DOI {doi}" if doi else None


def _works(data: Any, source: str) -> Iterator[tuple[int, Any]]:
    if isinstance(data, Mapping) and "message-type" in data:
        kind, message = data.get("message-type"), data.get("message")
        if kind == "work" and isinstance(message, Mapping):
            yield 1, message
            return
        if kind == "work-list" and isinstance(message, Mapping) and isinstance(message.get("items"), list):
            yield from enumerate(message["items"], start=1)
            return
        raise InputError(f"expected {_WHAT}, got a '{kind}' message", source=source)
    if isinstance(data, Mapping) and isinstance(data.get("message"), Mapping):
        data = data["message"]
    yield from unwrap_items(data, source=source, what=_WHAT, envelope_keys=("items",), is_item=_is_work)


class CrossrefReader:
    """Read Crossref works JSON into records (see the module docstring for the mapping)."""

    name: ClassVar[str] = "crossref"
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def sniff(self, head: bytes) -> bool:
        text = looks_like_json(head)
        if text is None:
            return False
        return '"message-type"' in text or ('"DOI"' in text and (
            '"container-title"' in text or '"is-referenced-by-count"' in text or '"reference-count"' in text))

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        data = load_json(stream, source=source, what=_WHAT)
        yield from convert_items(_works(data, source), source=source, model=Record,
                                 to_fields=work_fields, item_id=_doi_label)
