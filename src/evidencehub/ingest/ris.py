"""RIS reader (Scopus, Web of Science, Embase/Ovid, PubMed via EndNote, Zotero, ProQuest, Rayyan).

RIS (Research Information Systems; the tag list is the one rispy documents, after the 2011
RefMan specification) is a line format: ``TY  - JOUR`` opens a record, ``XX  - value`` lines
carry tags, ``ER  -`` closes it, and lines without a tag continue the previous tag.

Parsing a record's tags is left to :class:`rispy.RisParser`. The file itself is cut into records
here, for three reasons rispy cannot serve: ``rispy.load`` returns a list of the whole file (no
streaming); it silently drops a record whose ``ER`` line is missing and a first record preceded
by a byte-order mark; and it keeps no line numbers, which every error message needs. So lines
are read one at a time from the binary stream (:func:`evidencehub.ingest._text.iter_text_lines`:
UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252/Latin-1 for the old tools that
still write it; CRLF and CR endings), gathered between ``TY`` and ``ER`` and handed to rispy per
record.

Flavours differ in which tag holds what; every alternative seen in real exports is read:

=============  =======================================================================
field          tags (first one present wins)
=============  =======================================================================
title          ``TI``, ``T1``, ``CT``; ``BT`` for books; else the short title ``ST``
authors        ``AU``, ``A1`` ("Family, Given" or "Family AB" or a collective name)
abstract       ``AB``, ``N2``
journal        ``JF``, ``JO``, ``T2``, ``JA``; abbreviation ``J2``, ``JA``, ``JI``, ``J9``, ``J1``
pages          ``SP``-``EP`` (values without a digit, Ovid's "No-Specified", are dropped), else
               ``C7`` (Scopus article number)
year / date    ``PY``, ``Y1``, ``DA``, ``Y2`` (``2014``, ``2014//``, ``2014/05/12/``, ``2014 May``)
DOI            ``DO``, else a ``doi.org`` link in ``UR``/``L2``/``L3``/``LK``/``M3``/``N1``
PMID           ``PM``; ``AN`` when ``DB``/``DP`` names MEDLINE, PubMed or NLM; ``C2`` from Scopus
ISSN           first ISSN-shaped value of ``SN`` (``0306-4530``, ``03064530 (ISSN)``)
type           ``TY`` mapped to Crossref's work types; ``TY`` and ``M3`` kept as publication types
=============  =======================================================================

Registry ids written in the title, abstract, notes (``N1``) or keywords go to ``registry_ids``.
A record whose lines look like tags but are malformed (``TI -x``, ``AU - x``) is rejected with
their line numbers instead of being silently merged into the previous tag, as rispy would do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

import rispy

from evidencehub.errors import InputError
from evidencehub.ingest._names import inverted_name_fields
from evidencehub.ingest._text import clean_text, iter_text_lines
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.identifiers import extract_doi, find_registry_ids
from evidencehub.model import Record, validate

__all__ = ["RisReader"]

_TAG_LINE = re.compile(r"^[A-Z][A-Z0-9]  -(?: |$)")
# A line that looks like a tag but does not have RIS's exact "XX  - " layout.
_BROKEN_TAG = re.compile(r"^[A-Z][A-Z0-9](?: *-(?: |$)| +-\S)")
_END = re.compile(r"^ER  -\s*$")
_START = re.compile(r"^TY  - ?")

# rispy reads these as lists; any other tag keeps its first value, continuation lines appended.
_LIST_TAGS = ["A1", "A2", "A3", "A4", "AU", "AD", "KW", "UR", "L1", "L2", "L3", "L4", "N1", "SN",
              "DO", "M3", "LK", "C1"]

# RIS reference types → Crossref work types (https://api.crossref.org/types).
_RECORD_TYPES = {
    "JOUR": "journal-article", "JFULL": "journal-article", "EJOUR": "journal-article",
    "MGZN": "journal-article", "NEWS": "journal-article", "ABST": "journal-article",
    "INPR": "journal-article", "JOURNAL ARTICLE": "journal-article",
    "BOOK": "book", "EBOOK": "book", "EDBOOK": "edited-book", "CHAP": "book-chapter",
    "ECHAP": "book-chapter", "CONF": "proceedings-article", "CPAPER": "proceedings-article",
    "THES": "dissertation", "RPRT": "report", "DATA": "dataset", "STAND": "standard",
    "ELEC": "posted-content", "UNPB": "posted-content", "GEN": "other",
}
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")
_YEAR = re.compile(r"(?<!\d)(1[6-9]\d\d|20\d\d|2100)(?!\d)")
_FULL_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})")


class _TagsAsKeys(dict[str, str]):
    """rispy mapping that keeps the raw tag as the key, so flavours can be told apart."""

    def __missing__(self, key: str) -> str:
        return key


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return [value] if isinstance(value, str) and value.strip() else []


def _first(tags: dict[str, Any], *names: str) -> str | None:
    for name in names:
        values = _as_list(tags.get(name))
        if values:
            return clean_text(values[0])
    return None


def _published(value: str | None) -> dt.date | None:
    if not value:
        return None
    match = _FULL_DATE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _year(*values: str | None) -> int | None:
    for value in values:
        match = _YEAR.search(value or "")
        if match:
            return int(match.group(1))
    return None


def _pmid(tags: dict[str, Any]) -> str | None:
    explicit = _first(tags, "PM")
    if explicit:
        return explicit
    database = " ".join(_as_list(tags.get("DB")) + _as_list(tags.get("DP"))).lower()
    accession = _first(tags, "AN")
    if accession and accession.isdigit() and any(db in database for db in ("medline", "pubmed", "nlm")):
        return accession
    scopus_pubmed = _first(tags, "C2")  # Scopus writes the PubMed ID in C2
    if "scopus" in database and scopus_pubmed and scopus_pubmed.isdigit():
        return scopus_pubmed
    return None


def _doi(tags: dict[str, Any]) -> str | None:
    given = _as_list(tags.get("DO"))
    if given:
        # A DO value that holds no DOI goes to validation as written, to be reported.
        return extract_doi(given[0]) or given[0]
    for tag in ("UR", "L2", "L3", "LK", "M3", "N1"):
        for value in _as_list(tags.get(tag)):
            if "doi" in value.lower():
                doi = extract_doi(value)
                if doi:
                    return doi
    return None


def _record_fields(tags: dict[str, Any]) -> dict[str, Any]:
    """Map one rispy record (raw tags as keys) onto :class:`Record` fields."""
    ris_type = _first(tags, "TY") or ""
    title = (_first(tags, "TI", "T1", "CT")
             or (_first(tags, "BT") if ris_type in ("BOOK", "EBOOK") else None)
             or _first(tags, "ST"))
    abstract = _first(tags, "AB", "N2")
    notes = _as_list(tags.get("N1"))
    keywords: list[str] = []
    for value in _as_list(tags.get("KW")):
        keywords.extend(filter(None, (clean_text(part) for part in value.split(";"))))
    # Ovid writes "No-Specified" when it has no pages; Scopus gives article numbers in C7.
    start, end = (v if v and re.search(r"\d", v) else None for v in (_first(tags, "SP"), _first(tags, "EP")))
    pages = (f"{start}-{end}" if start and end and end != start else start) or _first(tags, "C7")
    issn_match = _ISSN.search(" ".join(_as_list(tags.get("SN"))))
    urls = [u for u in _as_list(tags.get("UR")) + _as_list(tags.get("L2")) if u.startswith("http")]
    types = [t for t in [ris_type, *_as_list(tags.get("M3"))] if t]
    return {
        "title": title,
        "abstract": abstract,
        "authors": [inverted_name_fields(a) for a in _as_list(tags.get("AU")) + _as_list(tags.get("A1"))],
        "journal": _first(tags, "JF", "JO", "T2", "JA"),
        "journal_abbrev": _first(tags, "J2", "JA", "JI", "J9", "J1"),
        "issn": f"{issn_match.group(1)}-{issn_match.group(2).upper()}" if issn_match else None,
        "publisher": _first(tags, "PB"),
        "record_type": _RECORD_TYPES.get(ris_type.upper(), "other") if ris_type else None,
        "publication_types": tuple(dict.fromkeys(types)),
        "year": _year(_first(tags, "PY"), _first(tags, "Y1"), _first(tags, "DA"), _first(tags, "Y2")),
        "published": next(filter(None, (_published(_first(tags, t)) for t in ("DA", "Y1", "PY"))), None),
        "volume": _first(tags, "VL", "VO"),
        "issue": _first(tags, "IS"),
        "pages": pages,
        "doi": _doi(tags),
        "pmid": _pmid(tags),
        "url": urls[0] if urls else None,
        "keywords": tuple(dict.fromkeys(keywords)),
        "language": _first(tags, "LA"),
        "registry_ids": find_registry_ids("\n".join(filter(None, [title, abstract, *notes, *keywords]))),
    }


class RisReader:
    """Read RIS exports record by record (see the module docstring for the tag mapping)."""

    name: ClassVar[str] = "ris"
    suffixes: ClassVar[tuple[str, ...]] = (".ris",)

    def sniff(self, head: bytes) -> bool:
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        return any(_START.match(line) for line in text.splitlines()[:20])

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        for item, _ in self.read_with_tags(stream, source=source):
            yield item

    def read_with_tags(self, stream: BinaryIO, *, source: str) -> Iterator[tuple[Item, dict[str, tuple[str, ...]]]]:
        """Like :meth:`read`, each item with its record's tags as written (``{"N1": ("…", …)}``;
        empty for a record whose tags could not be parsed): for readers of other tags of the
        same file, such as the screening decisions a screening tool writes in ``N1``."""
        parser = rispy.RisParser(mapping=_TagsAsKeys(), list_tags=_LIST_TAGS,
                                 delimiter_tags_mapping={}, enforce_list_tags=True)
        seen_start = False
        seen_line = False
        number = 0
        lines: list[tuple[int, str]] = []
        for line_no, text in iter_text_lines(stream, source=source):
            seen_line = True
            if _START.match(text):
                seen_start = True
                if lines:
                    yield self._rejected(source, number, lines,
                                         f"no 'ER  -' line before the next record at line {line_no}"), {}
                number += 1
                lines = [(line_no, text)]
            elif lines:
                if _END.match(text):
                    lines.append((line_no, text))
                    yield self._convert(parser, source, number, lines)
                    lines = []
                else:
                    lines.append((line_no, text))
        if lines:
            yield self._rejected(source, number, lines, "the file ends before this record's 'ER  -' line"), {}
        if not seen_line:
            raise InputError("empty file, expected RIS records ('TY  - ' lines)", source=source)
        if not seen_start:
            raise InputError("not RIS: no record start ('TY  - ' line) found", source=source)

    @staticmethod
    def _where(number: int, lines: list[tuple[int, str]]) -> str:
        return f"record {number} (line {lines[0][0]})"

    def _rejected(self, source: str, number: int, lines: list[tuple[int, str]], problem: str) -> Rejected:
        return Rejected(source, self._where(number, lines), problem)

    def _convert(self, parser: rispy.RisParser, source: str, number: int,
                 lines: list[tuple[int, str]]) -> tuple[Item, dict[str, tuple[str, ...]]]:
        where = self._where(number, lines)
        broken = [(n, t) for n, t in lines[1:-1] if not _TAG_LINE.match(t) and _BROKEN_TAG.match(t)]
        if broken:
            shown = "; ".join(f"line {n}: {t[:40]!r}" for n, t in broken[:5])
            return Rejected(source, where, f"malformed tag (RIS needs 'XX  - value'): {shown}"), {}
        # Blank lines carry nothing, and rispy cannot continue a tag before the first one.
        body = [t for _, t in lines[1:-1] if t.strip()]
        while body and not _TAG_LINE.match(body[0]):
            body.pop(0)
        parsed = parser.parse_lines(iter([lines[0][1], *body, lines[-1][1]]))
        tags: dict[str, Any] = parsed[0] if parsed else {}
        written = {tag: tuple(_as_list(value)) for tag, value in tags.items()}
        try:
            fields = {k: v for k, v in _record_fields(tags).items() if v is not None}
            record = validate(Record, fields, source=source, where=where)
        except InputError as exc:
            return Rejected(source, where, exc.problem), written
        return Parsed(record, source, where), written
