"""BibTeX and BibLaTeX reader (JabRef, Zotero/Better BibTeX, Crossref content negotiation, biber).

Parsing is bibtexparser v2's: its splitter finds the blocks, and its middlewares resolve
``@string`` macros (case-insensitively), remove the enclosing braces or quotes and lower-case
field names (``TITLE`` = ``title``). On top of that this module does what bibtexparser leaves
to the caller:

* **LaTeX to Unicode** with pylatexenc's ``LatexNodes2Text`` (the decoder bibtexparser's own
  ``LatexDecodingMiddleware`` wraps), field by field: ``{\\"O}zge`` → ``Özge``, ``--`` → ``–``
  (en dashes in page ranges become ``-``); math (``$\\alpha$``) is kept verbatim.
* **Names** are split with bibtexparser's BibTeX name rules (``split_multiple_persons_names``,
  ``parse_single_name_into_parts``: "von Last, Jr, First" forms) *before* decoding, because
  the braces matter: a name that is one brace group (``{World Health Organization}``) is a
  collective author, never "Organization, World Health".
* **crossref** (BibTeX/BibLaTeX): a child entry inherits every field it lacks from its parent;
  the parent's ``title`` becomes the child's ``booktitle`` (BibLaTeX's inheritance rule for
  ``in*`` entries, biblatex manual §B.2), never its title. ``@set`` and ``@xdata`` entries only
  group or feed other entries, so they produce no record.
* **BibLaTeX fields**: ``journaltitle`` (journal), ``date`` (``2009-03``, ``1984/1986``: the year
  is its first four digits; a full ``YYYY-MM-DD`` is also the publication date), ``langid``,
  ``eprint`` with ``eprinttype = pubmed``.

bibtexparser parses a whole string, so a file is read whole (BibTeX files are small next to
PubMed dumps). Blocks bibtexparser could not parse become :class:`Rejected` items naming the
line; entry types are case-insensitive (``@ARTICLE`` = ``@Article``).

**Citation keys** mean nothing to the hub, so an entry without one (Citavi writes
``@Article{,`` when the key field is empty) or with a key an earlier entry already used is still
read: it gets a synthetic key (never a crossref target; a crossref to a repeated key reaches its
first entry, as in BibTeX) and its ``where`` says which case it was. Only a repeated ``@string``
name is rejected.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, BinaryIO, ClassVar

from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares import (
    NormalizeFieldKeys,
    RemoveEnclosingMiddleware,
    ResolveStringReferencesMiddleware,
)
from bibtexparser.middlewares.names import (
    parse_single_name_into_parts,
    split_multiple_persons_names,
)
from bibtexparser.model import DuplicateBlockKeyBlock, Entry, ParsingFailedBlock
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from evidencehub.errors import InputError
from evidencehub.ingest._text import clean_text, decode_bytes
from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.identifiers import extract_doi, find_registry_ids
from evidencehub.model import Record, normalize_doi, validate

__all__ = ["MAX_ENTRY_CHARS", "BibtexReader"]

#: The most characters the fields of one entry may hold together (as written, LaTeX included,
#: with the fields a crossref child inherits). Decoding LaTeX costs 5-20 µs a character, and
#: more than linear time within one field (pylatexenc), so a larger entry is rejected rather
#: than taking many seconds; real entries (an abstract, an author list of a few thousand names)
#: stay well below it.
MAX_ENTRY_CHARS = 100_000


def _decoder() -> LatexNodes2Text:
    """pylatexenc's decoder, taught macros it would drop: logos (``\\TeX``), biblatex's ``\\hyphen``."""
    context = get_default_latex_context_db()
    context.add_context_category("evidencehub-logos", prepend=True, macros=[
        MacroTextSpec(name, simplify_repl=name) for name in ("TeX", "LaTeX", "BibTeX", "LaTeXe")
    ] + [MacroTextSpec("url", simplify_repl="%s"), MacroTextSpec("hyphen", simplify_repl="-")])
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_DECODER = _decoder()

# bibtexparser's splitter logs every block it cannot parse; each is a Rejected item here, which
# the import reports. Without a handler of its own, Python's last-resort handler would print those
# log lines on stderr next to the hub's one error line. A NullHandler stops that and still lets
# records propagate to handlers an application configures on the root logger.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())

# BibTeX/BibLaTeX entry types → Crossref work types.
_RECORD_TYPES = {
    "article": "journal-article", "book": "book", "mvbook": "book", "inbook": "book-chapter",
    "bookinbook": "book-chapter", "incollection": "book-chapter", "collection": "edited-book",
    "inproceedings": "proceedings-article", "conference": "proceedings-article",
    "proceedings": "proceedings", "phdthesis": "dissertation", "mastersthesis": "dissertation",
    "thesis": "dissertation", "techreport": "report", "report": "report", "dataset": "dataset",
    "online": "posted-content", "unpublished": "posted-content",
}
_GROUPING_TYPES = {"set", "xdata"}
# Fields a child never inherits through crossref (they identify the parent or steer biber).
_NOT_INHERITED = {"crossref", "entryset", "ids", "label", "shorthand", "sortkey", "presort",
                  "title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle",
                  "indexsorttitle", "doi", "url", "eprint", "eprinttype", "pmid", "abstract"}
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@lru_cache(maxsize=256)  # a crossref parent's fields are decoded once, not once per child
def _latex(value: str | None) -> str | None:
    """LaTeX markup → Unicode text (NFC: JabRef writes "ü" decomposed), whitespace cleaned.

    pylatexenc parses braces and environments recursively: markup nested deeper than Python's
    recursion limit allows (hundreds of ``{`` levels, never seen in a real export) is an
    :class:`InputError` for the entry rather than the decoder's ``RecursionError``.
    """
    if value is None:
        return None
    try:
        text = _DECODER.latex_to_text(value)
    except RecursionError as exc:
        raise InputError("LaTeX markup nested too deeply to decode (braces or environments "
                         "hundreds of levels deep)") from exc
    return clean_text(unicodedata.normalize("NFC", text))


def _authors(raw: str | None) -> list[dict[str, str]]:
    authors: list[dict[str, str]] = []
    for name in split_multiple_persons_names(raw or ""):
        name = name.strip()
        if name.lower() == "others":  # "and others" = et al.
            continue
        if name.startswith("{") and name.endswith("}") and _one_group(name):
            authors.append({"collective": _latex(name[1:-1]) or name})
            continue
        parts = parse_single_name_into_parts(name, strict=False)
        family = _latex(" ".join(parts.von + parts.last))
        given = _latex(" ".join(parts.first + parts.jr))
        fields = {"family": family} if family else {"collective": _latex(name) or name}
        if family and given:
            fields["given"] = given
        authors.append(fields)
    return authors


def _one_group(name: str) -> bool:
    """True when ``name`` is a single ``{…}`` group (its first brace closes at the very end)."""
    depth = 0
    for index, char in enumerate(name):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return index == len(name) - 1
    return False


def _doi(value: str | None) -> str | None:
    """The DOI as written when it is one (SICI DOIs hold ``<``), else one found in a URL."""
    if not value:
        return None
    try:
        return normalize_doi(value)
    except ValueError:
        return extract_doi(value) or value.strip()  # an invalid value is reported by validation


def _fields(entry: Entry) -> dict[str, str]:
    return {field.key: str(field.value) for field in entry.fields}


def _inherit(fields: dict[str, str], parent: dict[str, str]) -> dict[str, str]:
    merged = dict(fields)
    for key, value in parent.items():
        if key not in _NOT_INHERITED:
            merged.setdefault(key, value)
    if "title" in parent:
        merged.setdefault("booktitle", parent["title"])
    return merged


def _record_fields(entry_type: str, fields: dict[str, str]) -> dict[str, Any]:
    """Map one entry's (raw, LaTeX-encoded) fields onto :class:`Record` fields."""
    title = _latex(fields.get("title"))
    subtitle = _latex(fields.get("subtitle"))
    if title and subtitle:
        title = f"{title}: {subtitle}"
    abstract = _latex(fields.get("abstract"))
    note = _latex(fields.get("note"))
    keywords = [k for k in (clean_text(p) for p in re.split(r"[;,]", _latex(fields.get("keywords")) or "")) if k]
    date = (fields.get("date") or "").strip()
    full_date = _FULL_DATE.match(date)
    year = _YEAR.search(fields.get("year") or date)
    pages = _latex(fields.get("pages"))
    eprint_type = (fields.get("eprinttype") or "").lower()
    pmid = fields.get("pmid") or (fields.get("eprint") if eprint_type == "pubmed" else None)
    doi = fields.get("doi")
    return {
        "title": title,
        "abstract": abstract,
        "authors": _authors(fields.get("author")),
        "journal": _latex(fields.get("journaltitle") or fields.get("journal") or fields.get("booktitle")),
        "journal_abbrev": _latex(fields.get("shortjournal")),
        "issn": _latex(fields.get("issn")),
        "publisher": _latex(fields.get("publisher")),
        "record_type": _RECORD_TYPES.get(entry_type, "other"),
        "publication_types": (entry_type,),
        "year": int(year.group(1)) if year else None,
        "published": "-".join(full_date.groups()) if full_date else None,
        "volume": _latex(fields.get("volume")),
        # "number" is an issue only in periodicals; elsewhere it is a report or patent number.
        "issue": _latex(fields.get("issue") or (fields.get("number") if entry_type == "article" else None)),
        "pages": re.sub(r"\s*[\u2013\u2014-]+\s*", "-", pages) if pages else None,
        "doi": _doi(doi),
        "pmid": pmid.strip() if pmid else None,
        "pmcid": fields.get("pmcid"),
        "url": fields.get("url"),
        "keywords": tuple(dict.fromkeys(keywords)),
        "language": _latex(fields.get("langid") or fields.get("language")),
        "registry_ids": find_registry_ids("\n".join(filter(None, [title, abstract, note, *keywords]))),
    }


def _keyed(split: Library) -> tuple[Library, dict[str, str]]:
    """``split`` (bibtexparser's blocks, before any middleware) with every entry keyed uniquely.

    An entry with an empty key, or with the key of an earlier entry (bibtexparser set it aside in
    a :class:`DuplicateBlockKeyBlock`), gets a synthetic key that no BibTeX key can equal (it
    holds a NUL); the returned dict maps each synthetic key to the ``where`` to report.
    """
    blocks = []
    wheres: dict[str, str] = {}
    for block in split.blocks:
        line = (block.start_line or 0) + 1
        entry = block.ignore_error_block if isinstance(block, DuplicateBlockKeyBlock) else block
        if isinstance(entry, Entry) and (entry is not block or not entry.key.strip()):
            key = entry.key.strip()
            synthetic = f"\0{len(wheres)}"
            wheres[synthetic] = (f"entry '{key}' (line {line}; key used by an earlier entry)" if key
                                 else f"entry without a key (line {line})")
            entry.key = synthetic
            block = entry
        blocks.append(block)
    return Library(blocks, fail_on_duplicate_key=False), wheres


def _problem(block: ParsingFailedBlock) -> str:
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    return "not valid BibTeX: " + " ".join(reason.split())


class BibtexReader:
    """Read BibTeX/BibLaTeX files (see the module docstring for what is read where)."""

    name: ClassVar[str] = "bibtex"
    suffixes: ClassVar[tuple[str, ...]] = (".bib", ".bibtex")

    def sniff(self, head: bytes) -> bool:
        text = head.decode("utf-8", errors="replace")
        # [^\S\n]: whitespace within the line. "^\s*" would rescan every following blank line from
        # each line start: quadratic in a head of empty lines.
        return re.search(r"^[^\S\n]*@\s*[A-Za-z]+\s*[{(]", text, re.MULTILINE) is not None

    def read(self, stream: BinaryIO, *, source: str) -> Iterator[Item]:
        data = stream.read()
        if not data.strip():
            raise InputError("empty file, expected BibTeX entries (@article{…})", source=source)
        text = decode_bytes(data, source=source)
        library, wheres = _keyed(parse_string(text, parse_stack=[]))
        for middleware in (ResolveStringReferencesMiddleware(), RemoveEnclosingMiddleware(),
                           NormalizeFieldKeys()):
            library = middleware.transform(library=library)
        if not library.entries and not library.failed_blocks:
            raise InputError("not BibTeX: no @entry{…} found", source=source)
        yield from self._items(library, wheres, source)

    def _items(self, library: Library, wheres: dict[str, str], source: str) -> Iterator[Item]:
        by_key = {entry.key.lower(): entry for entry in library.entries if entry.key not in wheres}
        for block in library.blocks:
            line = (block.start_line or 0) + 1
            if isinstance(block, DuplicateBlockKeyBlock):  # only @string blocks are left as these
                yield Rejected(source, f"@string '{block.key}' (line {line})",
                               "@string name defined twice")
            elif isinstance(block, ParsingFailedBlock):
                yield Rejected(source, f"block at line {line}", _problem(block))
            elif isinstance(block, Entry):
                entry_type = block.entry_type.lower()
                if entry_type in _GROUPING_TYPES:
                    continue
                where = wheres.get(block.key, f"entry '{block.key}' (line {line})")
                yield self._convert(block, entry_type, by_key, source, where)

    @staticmethod
    def _convert(entry: Entry, entry_type: str, by_key: dict[str, Entry], source: str, where: str) -> Item:
        fields = _fields(entry)
        parent_key = fields.get("crossref", "").strip().lower()
        if parent_key:
            parent = by_key.get(parent_key)
            if parent is None:
                return Rejected(source, where, f"crossref to an entry not in this file: {fields['crossref']!r}")
            fields = _inherit(fields, _fields(parent))
        size = sum(map(len, fields.values()))
        if size > MAX_ENTRY_CHARS:
            longest = max(fields, key=lambda key: len(fields[key]))
            return Rejected(source, where, f"the entry's fields hold {size:,} characters (the longest, "
                                           f"'{longest}', {len(fields[longest]):,}); the limit is "
                                           f"{MAX_ENTRY_CHARS:,}")
        try:
            values = {k: v for k, v in _record_fields(entry_type, fields).items() if v is not None}
            record = validate(Record, values, source=source, where=where)
        except InputError as exc:
            return Rejected(source, where, exc.problem)
        return Parsed(record, source, where)
