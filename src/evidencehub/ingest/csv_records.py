"""CSV/TSV reader for bibliographic records (SYNERGY/ASReview datasets, Scopus, Embase, Rayyan,
spreadsheets), with a documented column mapping.

Each :class:`~evidencehub.model.Record` field is read from one column. By default the column is
found by name among the usual headers (:data:`DEFAULT_COLUMNS`; header matching ignores case,
surrounding spaces and the difference between spaces, ``_``, ``-`` and ``.``); a mapping
``{our_field: their_header}`` given to :class:`CsvReader` overrides it field by field, and a header
it names that the file lacks is an error. Columns nobody maps (``record_id``, ``label_included``
and other screening labels) are ignored: labels belong to a review, not to a record.

Cells: empty cells are missing values; ``authors`` is split into names by
:func:`~evidencehub.ingest._names.split_author_list` (``;``, ``and``, or commas between whole
names) and each name by :func:`~evidencehub.ingest._names.name_fields`; ``keywords`` on ``;``
(or ``,`` when there is no ``;``); integers written as floats by spreadsheet tools
(``1999.0``) are read as integers; ``year`` may be a date (``2014//``, ``2014-05-01``); ``pages_start``/``pages_end`` are joined into ``pages``;
the registry ids are those written in ``registry_ids`` (Embase's "Clinical Trial Numbers"), the
title or the abstract; ``publication_types`` takes the type column as written.

The delimiter (``,``, ``;``, tab, ``|``) is detected with :class:`csv.Sniffer` on the header line;
quoting is RFC 4180's. A cell holding a Python list literal (``['Marx, Karl', 'Lindgren, Astrid']``,
as pandas writes list columns in ASReview/rispy exports) is read as that list.
Rows are read one by one (stdlib :mod:`csv` over decoded lines), so memory stays flat; a row that
fails validation is a :class:`Rejected` naming ``row N (line L)``, where N counts data rows from 1
and L is the file line the row starts on.
"""

from __future__ import annotations

import ast
import csv
import re
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, ClassVar

from evidencehub.errors import InputError
from evidencehub.ingest._names import name_fields, split_author_list
from evidencehub.ingest._text import clean_text, iter_text_lines
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.identifiers import extract_doi, find_registry_ids
from evidencehub.model import Record, normalize_doi, validate

__all__ = ["DEFAULT_COLUMNS", "CsvReader"]

#: Our field → the headers looked for, in order (compared after :func:`_header_key`).
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "article title", "document title", "primary title", "ti", "t1"),
    "abstract": ("abstract", "ab", "n2", "notes abstract"),
    "authors": ("authors", "author", "author names", "author full names", "first authors", "au"),
    "year": ("year", "publication year", "pubyear", "py", "year published"),
    "doi": ("doi", "di", "do"),
    "pmid": ("pmid", "pubmed id", "pubmedid", "pubmed"),
    "pmcid": ("pmcid", "pmc id"),
    "journal": ("journal", "source title", "journal title", "journal name", "publication title",
                "secondary title", "so", "t2", "jo"),
    "journal_abbrev": ("journal abbrev", "abbreviated source title", "journal abbreviation", "ji", "j2"),
    "issn": ("issn", "sn"),
    "publisher": ("publisher", "pb"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page", "page range"),
    "pages_start": ("page start", "start page", "sp"),
    "pages_end": ("page end", "end page", "ep"),
    "url": ("url", "link"),
    "keywords": ("keywords", "author keywords", "kw", "de"),
    "language": ("language", "language of original document", "la"),
    "publication_types": ("type", "document type", "type of reference", "publication type"),
    "citation_count": ("cited by", "citation count", "times cited", "cited by count"),
    "registry_ids": ("clinical trial numbers", "registry ids", "trial registration"),
}
_FIELDS = set(DEFAULT_COLUMNS)
_INTEGER_FIELDS = ("year", "citation_count", "pmid")


#: How much of the header line the delimiter sniffer sees.
_SNIFF_CHARS = 4096


class _Dialect(csv.excel):
    """RFC 4180 quoting (``""`` inside quotes) with the delimiter the header line uses."""


def _dialect(header_line: str) -> type[csv.Dialect]:
    """Only the delimiter is sniffed: ``csv.Sniffer`` guesses quoting wrong on unquoted headers.

    The sniffer sees the first :data:`_SNIFF_CHARS` characters only: its quote-finding patterns
    take quadratic time on a long line, and a header's delimiter shows in its first columns.
    """
    try:
        delimiter = csv.Sniffer().sniff(header_line[:_SNIFF_CHARS], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return type("_Sniffed", (_Dialect,), {"delimiter": delimiter})


def _list_literal(value: str) -> list[str] | None:
    """``"['Marx, Karl', 'Lindgren, Astrid']"``: a Python list written into a cell by pandas
    (ASReview's and rispy's CSV exports); ``None`` for anything else."""
    if not (value.startswith("[") and value.endswith("]")):
        return None
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        # Not a literal; or nested past the parser's limits: "too many nested parentheses" is a
        # SyntaxError, and CPython's parser reports a stack overflow (a long chain of unary minus
        # signs) as a MemoryError that is about that expression, not about memory.
        return None
    if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
        return parsed
    return None


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", header.strip().lstrip("\ufeff")).strip().lower()


def _integer_text(value: str) -> str:
    """``"1999.0"`` → ``"1999"`` (spreadsheet exports); anything else unchanged."""
    match = re.fullmatch(r"(\d+)\.0+", value)
    return match.group(1) if match else value


_LIST_PUNCTUATION = re.compile(r"[()\[\],]")


def _split_commas(value: str) -> list[str]:
    """Split on the commas whose next bracket is not a closing one: ``cyst (diagnosis, surgery),
    fever`` is two items. One backward pass over the punctuation (a lookahead regex for "no
    closing bracket ahead" rescans the rest of the cell at every comma: quadratic time)."""
    cuts: list[int] = []
    inside = False  # the next bracket to the right closes
    for match in reversed(list(_LIST_PUNCTUATION.finditer(value))):
        char = match.group()
        if char in ")]":
            inside = True
        elif char in "([":
            inside = False
        elif not inside:
            cuts.append(match.start())
    parts, start = [], 0
    for cut in reversed(cuts):
        parts.append(value[start:cut])
        start = cut + 1
    parts.append(value[start:])
    return parts


def _split_list(value: str) -> list[str]:
    """Split on ``;``, else on commas outside brackets (Embase: ``cyst (diagnosis, surgery)``)."""
    parts = value.split(";") if ";" in value else _split_commas(value)
    return [part for part in (clean_text(p) for p in parts) if part]


def _year_text(value: str) -> str:
    """The year of a date-like cell (``2014//``, ``2014-05-01``, ``2014 May``), else the cell."""
    match = re.fullmatch(r"(\d{4})(?:[/\-. ].*)?", value)
    return match.group(1) if match else value


def _csv_problem(error: csv.Error) -> str:
    text = str(error)
    if "field larger than field limit" in text:
        return f"a cell longer than {csv.field_size_limit():,} characters (the CSV field-size limit)"
    return text


def _rows(reader: Any, source: str) -> Iterator[list[str]]:
    """The rows of a :func:`csv.reader` over the lines after the header; a row it cannot split
    (a cell over the field-size limit) is an :class:`InputError` naming the file line, since the
    rows after it cannot be told apart."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = 1 + reader.line_num
            raise InputError(_csv_problem(exc), source=source, where=f"line {line}") from exc
        yield row


class CsvReader:
    """Read records from CSV/TSV; ``columns`` maps our field names to the file's headers."""

    name: ClassVar[str] = "csv"
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".tsv", ".tab")

    def __init__(self, columns: Mapping[str, str] | None = None, *, author_separator: str | None = None) -> None:
        self.columns = dict(columns or {})
        self.author_separator = author_separator

    def sniff(self, head: bytes) -> bool:
        first = head.decode("utf-8", errors="replace").lstrip("\ufeff").split("\n", 1)[0]
        try:
            headers = {_header_key(h) for h in next(csv.reader([first], _dialect(first)))}
        except csv.Error:  # a lone "\r" in the line: not a header this reader can read
            return False
        return bool(headers & (set(DEFAULT_COLUMNS["title"]) | set(DEFAULT_COLUMNS["abstract"])))

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        for item, _ in self.read_with_cells(stream, source=source):
            yield item

    def read_with_cells(self, stream: BinaryIO, *, source: str) -> Iterator[tuple[Item, dict[str, str]]]:
        """Like :meth:`read`, each item with its row's cells as written, keyed by header (the
        first of two equal headers wins): for readers of other columns of the same file, such
        as the screening decisions in a screening tool's export."""
        unknown = sorted(set(self.columns) - _FIELDS)
        if unknown:
            raise InputError(f"unknown field(s) in the column mapping: {', '.join(unknown)} "
                             f"(known: {', '.join(sorted(_FIELDS))})", source=source)
        lines = iter_text_lines(stream, source=source)
        first = next(lines, None)
        if first is None or not first[1].strip():
            raise InputError("empty file or empty header line, expected a CSV header", source=source)
        dialect = _dialect(first[1])
        try:
            headers = next(csv.reader([first[1]], dialect))
        except csv.Error as exc:
            raise InputError(f"not a CSV header: {_csv_problem(exc)}", source=source, where="line 1") from exc
        positions = self._positions(headers, source)

        def physical() -> Iterator[str]:
            for _, text in lines:
                yield text + "\n"

        reader = csv.reader(physical(), dialect)
        previous_line = 1
        for row_number, row in enumerate(_rows(reader, source), start=1):
            start_line = previous_line + 1
            previous_line = 1 + reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            where = f"row {row_number} (line {start_line})"
            raw = dict(reversed(list(zip(headers, row, strict=False))))  # the first header wins
            if len(row) > len(headers) and any(cell.strip() for cell in row[len(headers):]):
                yield Rejected(source, where, f"{len(row)} cells but the header has {len(headers)} columns"), raw
                continue
            cells = {field: row[index] for field, index in positions.items() if index < len(row)}
            try:
                record = validate(Record, self._record_fields(cells), source=source, where=where)
            except InputError as exc:
                yield Rejected(source, where, exc.problem), raw
                continue
            yield Parsed(record, source, where), raw

    def _positions(self, headers: list[str], source: str) -> dict[str, int]:
        keys = [_header_key(h) for h in headers]
        positions: dict[str, int] = {}
        for field, header in self.columns.items():
            if _header_key(header) not in keys:
                raise InputError(f"the column mapping names {header!r} for {field!r}, but the header has "
                                 f"no such column (columns: {', '.join(headers)})", source=source, where="line 1")
            positions[field] = keys.index(_header_key(header))
        for field, candidates in DEFAULT_COLUMNS.items():
            if field in positions:
                continue
            for candidate in candidates:
                if candidate in keys:
                    positions[field] = keys.index(candidate)
                    break
        if "title" not in positions:
            raise InputError(
                "no title column: expected one of " + ", ".join(DEFAULT_COLUMNS["title"])
                + f" (columns: {', '.join(headers)}); name it with a column mapping {{'title': HEADER}}",
                source=source, where="line 1")
        return positions

    def _record_fields(self, cells: Mapping[str, str]) -> dict[str, Any]:
        values = {field: clean_text(value) for field, value in cells.items()}
        fields: dict[str, Any] = {k: v for k, v in values.items() if v is not None}
        for field in _INTEGER_FIELDS:
            if field in fields:
                fields[field] = _integer_text(fields[field])
        if "year" in fields:
            fields["year"] = _year_text(fields["year"])
        if "authors" in fields:
            names = _list_literal(fields["authors"]) or split_author_list(fields["authors"], self.author_separator)
            fields["authors"] = [name_fields(n) for n in names if n.strip()]
        if "keywords" in fields:
            keywords = _list_literal(fields["keywords"]) or _split_list(fields["keywords"])
            fields["keywords"] = tuple(dict.fromkeys(k for k in map(clean_text, keywords) if k))
        start, end = fields.pop("pages_start", None), fields.pop("pages_end", None)
        if start and "pages" not in fields:
            fields["pages"] = f"{start}-{end}" if end and end != start else start
        if "doi" in fields:
            try:
                fields["doi"] = normalize_doi(fields["doi"])
            except ValueError:
                fields["doi"] = extract_doi(fields["doi"]) or fields["doi"]
        if "publication_types" in fields:
            fields["publication_types"] = (fields["publication_types"],)
        texts = [fields.pop("registry_ids", None), fields.get("title"), fields.get("abstract")]
        fields["registry_ids"] = find_registry_ids("\n".join(filter(None, texts)))
        return fields
