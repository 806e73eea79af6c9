"""OpenAlex works JSON reader (``/works/W…``, ``/works?filter=…`` pages, SYNERGY ``works.zip`` dumps).

Accepted shapes: one work object, a JSON array of works, or the API's list envelope
``{"meta": …, "results": [...]}``. Both schemas are read: the 2023 one (``host_venue``,
``concepts``) and the 2024 one (``primary_location.source``, ``keywords``, ``topics``,
``type_crossref``, ``citation_normalized_percentile``). Mapping (OpenAlex API documentation,
"Work object"):

====================================  ==========================================================
OpenAlex                              Record
====================================  ==========================================================
``doi``, ``ids.doi``                  ``doi``
``ids.pmid``, ``ids.pmcid``           ``pmid``, ``pmcid`` (from their URLs)
``title`` (else ``display_name``)     ``title``, HTML/MathML flattened
``abstract_inverted_index``           ``abstract``: each word placed at its positions, joined
``authorships[].author.display_name`` ``authors``: family name = last word with its particles
                                      (``van``, ``de``…), given names = the rest; ``orcid``
                                      as the bare id; ``institutions[].display_name`` (else
                                      ``raw_affiliation_strings``) → ``affiliations``
``primary_location.source`` (2024),   ``journal``, ``issn`` (``issn_l``), ``publisher``
``host_venue`` (2023)                 (``host_organization_name`` / ``publisher``)
``publication_year``/``_date``        ``year``, ``published``
``biblio``                            ``volume``, ``issue``, ``pages`` (first-last)
``type_crossref`` (else ``type``)     ``record_type`` (2024's ``article`` → ``journal-article``,
                                      ``preprint`` → ``posted-content``); ``type`` also kept in
                                      ``publication_types``
``open_access.oa_status``             ``open_access``
``cited_by_count``                    ``citation_count``
``citation_normalized_percentile``    ``citation_percentile`` = ``value`` × 100 (OpenAlex gives a
                                      fraction); else ``cited_by_percentile_year.min`` (the
                                      lower, conservative end of the year's percentile band)
``mesh``                              ``mesh_terms``: ``Descriptor`` or ``Descriptor/qualifier``
``keywords``; ``concepts`` (score     ``keywords`` (concepts only when a work has no keywords;
≥ 0.5, level ≥ 1)                     level-0 concepts such as "Medicine" say nothing)
``language``, ``is_retracted``        ``language``, ``retracted``
``primary_location.landing_page_url`` ``url``
====================================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, ClassVar

from evidencehub.ingest._json import convert_items, load_json, looks_like_json, unwrap_items
from evidencehub.ingest._names import display_name_fields
from evidencehub.ingest._text import clean_text, strip_markup
from evidencehub.ingest.base import Item
from evidencehub.ingest.identifiers import find_registry_ids, normalize_pmcid, normalize_pmid
from evidencehub.model import OpenAccess, Record

__all__ = ["OpenAlexReader", "abstract_from_inverted_index"]

_WHAT = "OpenAlex works JSON (a work, a list of works, or a {\"results\": [...]} page)"
_TYPES = {"article": "journal-article", "preprint": "posted-content", "review": "journal-article",
          "letter": "journal-article", "editorial": "journal-article", "erratum": "journal-article"}
_CONCEPT_MIN_SCORE = 0.5


def abstract_from_inverted_index(index: Mapping[str, Any] | None) -> str | None:
    """Rebuild an abstract from OpenAlex's ``{word: [positions]}`` form.

    >>> abstract_from_inverted_index({"Islets": [0], "survive": [1, 3], "and": [2]})
    'Islets survive and survive'
    """
    if not index:
        return None
    placed: dict[int, str] = {}
    for word, positions in index.items():
        for position in positions or []:
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                raise ValueError(f"abstract_inverted_index: the position {position!r} of {word!r} "
                                 "is not a whole number >= 0")
            placed[position] = word
    return clean_text(" ".join(placed[p] for p in sorted(placed)))


def _id(value: Any, normalize: Any) -> str | None:
    if not value:
        return None
    try:
        return str(normalize(str(value)))
    except ValueError:
        return str(value)  # kept as written, so that validation reports it


def _orcid(value: str | None) -> str | None:
    return value.rstrip("/").rsplit("/", 1)[-1] if value else None


def _author(authorship: Mapping[str, Any]) -> dict[str, Any] | None:
    author = authorship.get("author") or {}
    name = clean_text(author.get("display_name") or authorship.get("raw_author_name"))
    if not name:
        return None
    fields: dict[str, Any] = dict(display_name_fields(name))
    if author.get("orcid"):
        fields["orcid"] = _orcid(author["orcid"])
    institutions = [clean_text(i.get("display_name")) for i in authorship.get("institutions") or []
                    if isinstance(i, Mapping)]
    raw = authorship.get("raw_affiliation_strings") or (
        [authorship["raw_affiliation_string"]] if authorship.get("raw_affiliation_string") else [])
    affiliations = [a for a in institutions if a] or [a for a in map(clean_text, raw) if a]
    fields["affiliations"] = tuple(dict.fromkeys(affiliations))
    return fields


def _venue(work: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """``(journal, issn, publisher)`` from the 2024 ``primary_location.source`` or 2023 ``host_venue``."""
    source = (work.get("primary_location") or {}).get("source") or {}
    host = work.get("host_venue") or {}
    journal = clean_text(source.get("display_name") or host.get("display_name"))
    issn = source.get("issn_l") or host.get("issn_l") or next(iter(source.get("issn") or host.get("issn") or []), None)
    publisher = clean_text(source.get("host_organization_name") or host.get("publisher"))
    return journal, issn, publisher


def _percentile(work: Mapping[str, Any]) -> float | None:
    normalized = work.get("citation_normalized_percentile")
    if isinstance(normalized, Mapping) and normalized.get("value") is not None:
        return round(float(normalized["value"]) * 100, 4)
    band = work.get("cited_by_percentile_year")
    if isinstance(band, Mapping) and band.get("min") is not None:
        return float(band["min"])
    return None


def _mesh(work: Mapping[str, Any]) -> tuple[str, ...]:
    terms: list[str] = []
    for heading in work.get("mesh") or []:
        descriptor, qualifier = heading.get("descriptor_name"), heading.get("qualifier_name")
        if descriptor:
            terms.append(f"{descriptor}/{qualifier}" if qualifier else descriptor)
    return tuple(dict.fromkeys(terms))


def _keywords(work: Mapping[str, Any]) -> tuple[str, ...]:
    words = [k if isinstance(k, str) else k.get("display_name") or k.get("keyword")
             for k in work.get("keywords") or []]
    if not words:
        words = [c.get("display_name") for c in work.get("concepts") or []
                 if float(c.get("score") or 0) >= _CONCEPT_MIN_SCORE and int(c.get("level") or 0) >= 1]
    return tuple(dict.fromkeys(w for w in map(clean_text, words) if w))


def work_fields(work: Mapping[str, Any]) -> dict[str, Any]:
    """Map one OpenAlex work onto :class:`Record` fields (``None`` for absent ones)."""
    ids = work.get("ids") or {}
    title = strip_markup(work.get("title") or work.get("display_name"))
    abstract = abstract_from_inverted_index(work.get("abstract_inverted_index"))
    journal, issn, publisher = _venue(work)
    biblio = work.get("biblio") or {}
    first, last = clean_text(biblio.get("first_page")), clean_text(biblio.get("last_page"))
    oa_status = (work.get("open_access") or {}).get("oa_status")
    kind = work.get("type")
    return {
        "doi": work.get("doi") or ids.get("doi"),
        "pmid": _id(ids.get("pmid"), normalize_pmid),
        "pmcid": _id(ids.get("pmcid"), normalize_pmcid),
        "title": title,
        "abstract": abstract,
        "authors": [a for a in map(_author, work.get("authorships") or []) if a],
        "journal": journal,
        "issn": issn,
        "publisher": publisher,
        "record_type": work.get("type_crossref") or _TYPES.get(kind or "", kind),
        "publication_types": (kind,) if kind else (),
        "year": work.get("publication_year"),
        "published": work.get("publication_date"),
        "volume": clean_text(biblio.get("volume")),
        "issue": clean_text(biblio.get("issue")),
        "pages": f"{first}-{last}" if first and last and last != first else first,
        "url": (work.get("primary_location") or {}).get("landing_page_url"),
        "keywords": _keywords(work),
        "mesh_terms": _mesh(work),
        "language": work.get("language"),
        "open_access": oa_status if oa_status in set(OpenAccess) else None,
        "citation_count": work.get("cited_by_count"),
        "citation_percentile": _percentile(work),
        "registry_ids": find_registry_ids("\n".join(filter(None, [title, abstract]))),
        "retracted": bool(work.get("is_retracted")),
    }


def _is_work(data: Mapping[str, Any]) -> bool:
    return "openalex.org/W" in str(data.get("id", "")) or "authorships" in data


def _work_id(work: Mapping[str, Any]) -> str:
    return str(work.get("id") or "").rsplit("/", 1)[-1]


class OpenAlexReader:
    """Read OpenAlex works JSON into records (see the module docstring for the mapping)."""

    name: ClassVar[str] = "openalex"
    suffixes: ClassVar[tuple[str, ...]] = (".json",)

    def sniff(self, head: bytes) -> bool:
        text = looks_like_json(head)
        return text is not None and ("openalex.org/W" in text or '"abstract_inverted_index"' in text)

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        data = load_json(stream, source=source, what=_WHAT)
        works = unwrap_items(data, source=source, what=_WHAT, envelope_keys=("results",),
                             is_item=_is_work)
        yield from convert_items(works, source=source, model=Record, to_fields=work_fields,
                                 item_id=_work_id)
