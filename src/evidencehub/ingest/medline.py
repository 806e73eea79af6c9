"""MEDLINE tagged text: PubMed's "MEDLINE" / ``.nbib`` download and PMC's MEDLINE export.

The format is NLM's (field list in "MEDLINE/PubMed Data Element (Field) Descriptions",
https://www.nlm.nih.gov/bsd/mms/medlineelements.html): one field per line as a tag of up to four
letters padded to four columns, ``"- "``, and the value (``"TI  - A title"``); a value that goes on
is continued on lines indented by six spaces; records are separated by blank lines. PMC's export
starts each record with a ``PMC`` line and may carry an empty ``AB  - `` beside an ``OAB`` note.

The file is read line by line (:func:`~evidencehub.ingest._text.iter_text_lines`: UTF-8 with or
without BOM, Latin-1 fallback, CRLF), one record in memory at a time. Conventions shared with
:mod:`evidencehub.ingest.pubmed_xml`: MeSH headings as written in ``MH`` (``Brain
Ischemia/diagnostic imaging/*surgery``), grants as written in ``GR``, ``published`` from a full
``DP`` date else the electronic date ``DEP``, ``retracted`` from the publication type "Retracted
Publication" or a ``RIN`` (retraction in) field, links from the comment/correction fields
(``RIN``, ``EIN``, ``CIN``…), registry ids from ``SI`` (``ClinicalTrials.gov/NCT01245062``) and
from the title and abstract. Labels of a structured abstract (``BACKGROUND: … METHODS: …``) are
recovered into ``abstract_sections``; NLM writes them in capitals followed by a colon.

An author starts at ``FAU`` (or at an ``AU`` with no ``FAU`` before it); ``AD`` and ``AUID``
belong to the author above them, and an ``AD`` before any author (older records) to the first
author. Collective authors (``CN``) follow the personal authors.

A record without a PMID or title, or whose fields do not validate, is yielded as
:class:`~evidencehub.ingest.base.Rejected` naming the record and its first line; an empty file or
one that does not start like MEDLINE text raises :class:`~evidencehub.errors.InputError`.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar

from evidencehub.errors import InputError
from evidencehub.ingest._text import clean_text, iter_text_lines, open_binary
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.identifiers import find_registry_ids
from evidencehub.model import AbstractSection, Author, Record, RecordLink, validate

__all__ = ["MedlineReader"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_YEAR = re.compile(r"\b(1[6-9]\d\d|20\d\d|2100)\b")
_FULL_DATE = re.compile(r"^(\d{4}) ([A-Za-z]{3})[a-z]* (\d{1,2})\b")
_ID_TYPE = re.compile(r"[a-z-]+")
_ORCID = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dX])", re.IGNORECASE)
_PMID_IN_CITATION = re.compile(r"PMID:\s*(\d+)")
_ISSN = re.compile(r"^(\d{4}-\d{3}[\dXx])")
# A structured-abstract label: capitals (with spaces, commas, ampersands…) and a colon.
_LABEL = re.compile(r"(?:^|(?<=[.!?)\]] ))([A-Z][A-Z0-9 ,&/()\-]{2,60}):\s")
# Comment/correction fields → RecordLink.kind (same kinds as the XML reader).
_LINK_TAGS = {
    "CIN": "comment-in",
    "CON": "comment-on",
    "EIN": "erratum-in",
    "EFR": "erratum-for",
    "RIN": "retracted-in",
    "ROF": "retraction-of",
    "PRIN": "partially-retracted-in",
    "PROF": "partial-retraction-of",
    "ECI": "expression-of-concern-in",
    "ECF": "expression-of-concern-for",
    "RPI": "republished-in",
    "RPF": "republished-from",
    "CRI": "corrected-and-republished-in",
    "CRF": "corrected-and-republished-from",
    "UIN": "update-in",
    "UOF": "update-of",
    "SPIN": "summary-for-patients-in",
    "ORI": "original-report-in",
}
_RETRACTED_TYPE = "Retracted Publication"


def _tag_line(line: str) -> tuple[str, str] | None:
    """``("TI", "value")`` for a field line (``"TI  - value"``, ``"PMID- 1"``, ``"AB  -"``), else None."""
    if len(line) >= 5 and line[4] == "-" and (len(line) == 5 or line[5] == " "):
        tag = line[:4].rstrip()
        if tag and tag.isalnum() and tag.isupper() and " " not in tag:
            return tag, line[6:]
    return None


def _typed_id(value: str) -> tuple[str, str] | None:
    r"""``"10.1000/x [doi]"`` → ``("10.1000/x", "doi")``; None without a ``[type]`` at the end.

    Found from the last ``[``: a pattern such as ``^(.*?)\s*\[…\]$`` would rescan a run of
    spaces from each of its characters (quadratic time).
    """
    start = value.rfind("[")
    if start < 0 or not value.endswith("]") or not _ID_TYPE.fullmatch(value, start + 1, len(value) - 1):
        return None
    return value[:start].rstrip(), value[start + 1 : -1]


def _date(value: str | None) -> dt.date | None:
    """``2006 Mar 1`` (DP) or ``20060110`` (DEP) → a date; partial dates → None."""
    if not value:
        return None
    try:
        if value.isdigit() and len(value) == 8:
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        match = _FULL_DATE.match(value)
        if match:
            month = _MONTHS.get(match.group(2).lower())
            return dt.date(int(match.group(1)), month or 0, int(match.group(3)))
    except ValueError:
        return None
    return None


def _sections(abstract: str) -> tuple[dict[str, Any], ...]:
    """Split ``LABEL: text LABEL: text`` into sections when the abstract starts with a label."""
    matches = list(_LABEL.finditer(abstract))
    if not matches or matches[0].start() != 0:
        return ()
    sections = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(abstract)
        text = abstract[match.end() : end].strip()
        if text:
            sections.append({"label": match.group(1).strip(), "text": text})
    return tuple(sections)


class _RecordBuilder:
    """Collects the fields of one MEDLINE record, tag by tag, into :class:`Record` fields."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}
        self.authors: list[dict[str, Any]] = []
        self.pending_affiliations: list[str] = []
        self.collectives: list[str] = []
        self.current: dict[str, Any] | None = None
        self.current_has_au = False

    def add(self, tag: str, value: str) -> None:
        value = clean_text(value) or ""
        if tag == "FAU":
            self._start_author(value)
            self.current_has_au = False
        elif tag == "AU":
            if self.current is None or self.current_has_au:
                self._start_author(value, initials=True)
            self.current_has_au = True
        elif tag == "CN":
            if value:
                self.collectives.append(value)
        elif tag == "AD":
            if value:
                if self.current is None:
                    self.pending_affiliations.append(value)
                else:
                    self.current.setdefault("affiliations", []).append(value)
        elif tag == "AUID":
            match = _ORCID.search(value) if "ORCID" in value.upper() else None
            if match and self.current is not None:
                self.current["orcid"] = "-".join(match.groups()).upper()
        else:
            self.fields.setdefault(tag, []).append(value)

    def _start_author(self, name: str, *, initials: bool = False) -> None:
        if "," in name:
            family, given = (part.strip() for part in name.split(",", 1))
        elif initials and " " in name:  # "Brinjikji W": family name, then initials
            family, given = name.rsplit(" ", 1)
        else:
            family, given = name, ""
        author: dict[str, Any] = {"family": family} if family else {"collective": name}
        if given:
            author["given"] = given
        if not self.authors and self.pending_affiliations:
            author["affiliations"] = list(self.pending_affiliations)
        self.authors.append(author)
        self.current = author

    def first(self, tag: str) -> str | None:
        values = self.fields.get(tag)
        return next((v for v in values if v), None) if values else None

    def record_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"pmid": self.first("PMID")}
        book_title = self.first("BTI")
        title = self.first("TI") or self.first("TT")
        fields["title"] = title or book_title
        fields["record_type"] = ("book-chapter" if title else "book") if book_title else "journal-article"
        if book_title and title:
            fields["journal"] = book_title
        else:
            fields["journal"] = self.first("JT")
        fields["journal_abbrev"] = self.first("TA")
        issn = self.first("IS")
        match = _ISSN.match(issn) if issn else None
        fields["issn"] = match.group(1).upper() if match else None
        fields["publisher"] = self.first("PB")
        abstract = self.first("AB")
        fields["abstract"] = abstract
        fields["abstract_sections"] = _sections(abstract) if abstract else ()
        authors = [dict(a) for a in self.authors]
        for author in authors:
            if "affiliations" in author:
                author["affiliations"] = tuple(author["affiliations"])
        authors.extend({"collective": name} for name in self.collectives)
        fields["authors"] = tuple(authors)
        date = self.first("DP")
        year = _YEAR.search(date) if date else None
        fields["year"] = int(year.group(1)) if year else None
        fields["published"] = _date(date) or _date(self.first("DEP"))
        if fields["year"] is None and fields["published"] is not None:
            fields["year"] = fields["published"].year
        fields["volume"] = self.first("VI")
        fields["issue"] = self.first("IP")
        fields["pages"] = self.first("PG")
        ids: dict[str, str] = {}
        for value in self.fields.get("LID", []) + self.fields.get("AID", []):
            typed = _typed_id(value)
            if typed:
                ids.setdefault(typed[1], typed[0])
        fields["doi"] = ids.get("doi")
        fields["pii"] = ids.get("pii")
        fields["pmcid"] = self.first("PMC")
        fields["publication_types"] = tuple(v for v in self.fields.get("PT", []) if v)
        fields["mesh_terms"] = tuple(v for v in self.fields.get("MH", []) if v)
        fields["keywords"] = tuple(v for v in self.fields.get("OT", []) if v)
        fields["grants"] = tuple(dict.fromkeys(v for v in self.fields.get("GR", []) if v))
        fields["language"] = self.first("LA")
        links = []
        for tag, kind in _LINK_TAGS.items():
            for value in self.fields.get(tag, []):
                pmid = _PMID_IN_CITATION.search(value)
                target = f"pmid:{pmid.group(1)}" if pmid else value
                if target:
                    links.append({"kind": kind, "target": target})
        fields["links"] = tuple(links)
        registry_ids: list[str] = []
        for value in self.fields.get("SI", []):
            registry_ids.extend(find_registry_ids(value))
        registry_ids.extend(find_registry_ids(fields["title"]))
        registry_ids.extend(find_registry_ids(abstract))
        fields["registry_ids"] = tuple(dict.fromkeys(registry_ids))
        fields["retracted"] = _RETRACTED_TYPE in fields["publication_types"] or bool(
            self.fields.get("RIN")
        )
        if fields["pmid"]:
            fields["url"] = f"https://pubmed.ncbi.nlm.nih.gov/{fields['pmid']}/"
        return fields


def _build_record(fields: dict[str, Any], *, source: str, where: str) -> Record:
    data = {key: value for key, value in fields.items() if value is not None}
    try:
        data["authors"] = tuple(Author.model_validate(a) for a in data.get("authors", ()))
        data["abstract_sections"] = tuple(
            AbstractSection.model_validate(s) for s in data.get("abstract_sections", ())
        )
        data["links"] = tuple(RecordLink.model_validate(link) for link in data.get("links", ()))
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(str(exc).splitlines()[0], source=source, where=where) from exc
    return validate(Record, data, source=source, where=where)


class MedlineReader:
    """Reader for MEDLINE tagged text (``.nbib``, ``.txt``), streamed line by line."""

    name: ClassVar[str] = "medline"
    suffixes: ClassVar[tuple[str, ...]] = (".nbib", ".medline")

    def sniff(self, head: bytes) -> bool:
        """True when the first field line is ``PMID-`` (PubMed) or ``PMC - `` (PMC export)."""
        for raw in head.lstrip(b"\xef\xbb\xbf").splitlines():
            if raw.strip():
                return raw.startswith((b"PMID- ", b"PMC - "))
        return False

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        """Yield one :class:`Parsed` or :class:`Rejected` per record (blank-line separated)."""
        count = 0
        builder: _RecordBuilder | None = None
        start_line = 0
        last_tag: str | None = None
        last_value: list[str] = []
        problem: str | None = None
        seen_content = False

        def finish() -> Item:
            nonlocal count
            count += 1
            if last_tag is not None:
                assert builder is not None
                builder.add(last_tag, " ".join(last_value))
            assert builder is not None
            fields = builder.record_fields()
            pmid = fields.get("pmid")
            where = f"MEDLINE record #{count}" + (f" (PMID {pmid})" if pmid else "") + f", line {start_line}"
            if problem:
                return Rejected(source, where, problem)
            if not pmid:
                return Rejected(source, where, "no PMID field")
            if not fields.get("title"):
                return Rejected(source, where, "no title (TI, TT or BTI field)")
            try:
                return Parsed(_build_record(fields, source=source, where=where), source, where)
            except InputError as exc:
                return Rejected(source, where, exc.problem)

        binary = open_binary(stream, source=source)
        head = binary.peek(4096)[:4096]
        if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise InputError("binary data, expected MEDLINE text (PMID- …)", source=source)
        for number, line in iter_text_lines(binary, source=source):
            if not line.strip():
                if builder is not None:
                    yield finish()
                    builder, last_tag, last_value, problem = None, None, [], None
                continue
            tagged = _tag_line(line)
            if not seen_content:
                seen_content = True
                if tagged is None:
                    raise InputError(
                        f"not MEDLINE text: expected a field line such as 'PMID- 12345678', got {line[:60]!r}",
                        source=source,
                        where=f"line {number}",
                    )
            if tagged is not None:
                tag, value = tagged
                if builder is not None and tag == "PMID" and "PMID" in builder.fields:
                    # Two records with no blank line between them.
                    yield finish()
                    builder, last_tag, last_value, problem = None, None, [], None
                if builder is None:
                    builder, start_line = _RecordBuilder(), number
                elif last_tag is not None:
                    builder.add(last_tag, " ".join(last_value))
                last_tag, last_value = tag, [value.strip()]
            elif line[0] in " \t" and last_tag is not None:
                last_value.append(line.strip())
            elif problem is None:
                problem = (
                    f"line {number}: expected 'TAG - value' or a continuation indented by six "
                    f"spaces, got {line[:60]!r}"
                )
                if builder is None:
                    builder, start_line = _RecordBuilder(), number
        if builder is not None:
            yield finish()
        if not seen_content:
            raise InputError("empty file, expected MEDLINE text (PMID- …)", source=source)
