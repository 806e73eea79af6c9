"""Deduplication: which records are the same work, and how their fields are merged.

Pure functions and one in-memory index; no I/O. The rules (justified with measured precision
and recall in ``docs/import.md``):

1. **Identifiers first.** Two records that share a DOI, a PMID or a PMCID are the same work.
   Two records whose DOIs differ, or whose PMIDs differ, are different works (a preprint and
   its journal version are separate records), whatever their titles say.
2. **Then title, year and first author.** Titles are compared as :func:`title_key` strings
   (markup and accents removed, case folded, punctuation dropped) with rapidfuzz's
   ``token_sort_ratio`` (0–100; the normalised Indel similarity of the sorted word lists, so
   a moved subtitle or a reordered phrase costs little). A pair is **the same** when the score
   reaches :attr:`Thresholds.certain`, the years are at most :attr:`Thresholds.year_window`
   apart (epub vs print year) and the first authors' family names agree; it is a **candidate**
   for a person to decide when the score reaches :attr:`Thresholds.candidate` but some of that
   evidence is missing or the title is too short to be distinctive; otherwise different.
3. **Merging** takes each field from the most trusted source that has it
   (:data:`BIBLIOGRAPHIC_PRIORITY`; :data:`METRICS_PRIORITY` for citation counts and open-access
   status, where OpenAlex is the source of record), unions the registry ids and links, and
   records which source gave which field.

The duplicate index blocks comparisons by identifier presence and year, so a PubMed baseline
(every record with its own PMID) costs one dictionary lookup per record, not a quadratic scan.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process

from evidencehub.ingest.identifiers import record_registry_ids
from evidencehub.model import Record

__all__ = [
    "BIBLIOGRAPHIC_PRIORITY",
    "DEFAULT_THRESHOLDS",
    "METRICS_FIELDS",
    "METRICS_PRIORITY",
    "DuplicateIndex",
    "Match",
    "MergedRecord",
    "Thresholds",
    "Verdict",
    "author_key",
    "candidate_pairs",
    "compare",
    "merge_into",
    "merge_records",
    "source_kind",
    "title_key",
    "title_score",
]

#: Source (reader name) order for bibliographic fields: curated indexes first, then
#: publisher metadata, then aggregators, then whatever a person exported from a reference tool.
BIBLIOGRAPHIC_PRIORITY: tuple[str, ...] = (
    "pubmed-xml",
    "medline",
    "crossref",
    "openalex",
    "ris",
    "bibtex",
    "csv",
)
#: Source order for citation counts, percentiles and open-access status.
METRICS_PRIORITY: tuple[str, ...] = ("openalex", "crossref", *BIBLIOGRAPHIC_PRIORITY)
METRICS_FIELDS = frozenset({"citation_count", "citation_percentile", "open_access"})
_UNION_FIELDS = frozenset({"registry_ids", "links"})
_IDENTIFIERS = ("doi", "pmid", "pmcid")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on the 0–100 title score (see ``docs/import.md`` for the choice)."""

    certain: float = 93.0
    candidate: float = 80.0
    year_window: int = 1
    #: Titles whose key is shorter than this ("Editorial", "Reply") are never certain matches.
    min_title_chars: int = 25


DEFAULT_THRESHOLDS = Thresholds()


class Verdict(StrEnum):
    SAME = "same"
    CANDIDATE = "candidate"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on a pair, why (``doi``, ``pmid``, ``pmcid``, ``title``…), and the title score."""

    verdict: Verdict
    reason: str
    score: float | None = None


_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "τ": "tau", "ω": "omega",
}  # fmt: skip
_TAG = re.compile(r"<[^>]{0,200}>")
_NON_WORD = re.compile(r"[\W_]+")


_GREEK_TABLE = str.maketrans(_GREEK)


def _fold(text: str) -> str:
    """Case-fold, spell out common Greek letters and drop accents (NFKD, combining marks)."""
    text = text.casefold()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_GREEK_TABLE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def title_key(title: str) -> str:
    """The comparison form of a title: no markup, entities, accents, case or punctuation.

    >>> title_key("<i>In vivo</i> β-cell &amp; Islet   Function: A Review.")
    'in vivo beta cell islet function a review'
    """
    text = html.unescape(_TAG.sub(" ", title))
    return _NON_WORD.sub(" ", _fold(text)).strip()


def title_score(a: str, b: str) -> float:
    """rapidfuzz ``token_sort_ratio`` of the two :func:`title_key` forms (0–100)."""
    return float(fuzz.token_sort_ratio(title_key(a), title_key(b)))


def author_key(record: Record) -> str | None:
    """The first author's family name, folded to letters only; None without a personal author."""
    for author in record.authors[:1]:
        if author.family:
            return _NON_WORD.sub("", _fold(author.family)) or None
    return None


def _authors_agree(a: str, b: str) -> bool:
    """Family names agree when equal, or one ends the other (``vanderberg`` / ``berg``)."""
    return a == b or a.endswith(b) or b.endswith(a)


def _ids(record: Record) -> tuple[str | None, str | None, str | None]:
    return record.doi, record.pmid, record.pmcid


def _identifier_match(
    a: tuple[str | None, ...], b: tuple[str | None, ...]
) -> Match | None:
    """Rule 1 on ``(doi, pmid, pmcid)`` tuples: a shared id, a conflicting DOI/PMID, or None."""
    for name, left, right in zip(_IDENTIFIERS, a, b, strict=True):
        if left and left == right:
            return Match(Verdict.SAME, name)
    for name, left, right in zip(_IDENTIFIERS[:2], a, b, strict=False):
        if left and right and left != right:
            return Match(Verdict.DIFFERENT, f"{name}-conflict")
    return None


def _fuzzy_verdict(
    score: float,
    years: tuple[int | None, int | None],
    authors: tuple[str | None, str | None],
    key_length: int,
    thresholds: Thresholds,
) -> Match:
    if score < thresholds.candidate:
        return Match(Verdict.DIFFERENT, "title", score)
    (year_a, year_b), (author_a, author_b) = years, authors
    if year_a is not None and year_b is not None and abs(year_a - year_b) > thresholds.year_window:
        return Match(Verdict.DIFFERENT, "year", score)
    authors_known = author_a is not None and author_b is not None
    if authors_known and not _authors_agree(author_a, author_b):  # type: ignore[arg-type]
        if score < thresholds.certain:
            return Match(Verdict.DIFFERENT, "first-author", score)
        return Match(Verdict.CANDIDATE, "first-author", score)
    complete = authors_known and year_a is not None and year_b is not None
    if score >= thresholds.certain and complete and key_length >= thresholds.min_title_chars:
        return Match(Verdict.SAME, "title", score)
    return Match(Verdict.CANDIDATE, "title", score)


def compare(a: Record, b: Record, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> Match:
    """Decide whether ``a`` and ``b`` are the same work (rules in the module docstring)."""
    by_id = _identifier_match(_ids(a), _ids(b))
    if by_id is not None:
        return by_id
    key_a, key_b = title_key(a.title), title_key(b.title)
    score = float(fuzz.token_sort_ratio(key_a, key_b))
    return _fuzzy_verdict(
        score,
        (a.year, b.year),
        (author_key(a), author_key(b)),
        min(len(key_a), len(key_b)),
        thresholds,
    )


# --------------------------------------------------------------------------- the index

K = TypeVar("K")


@dataclass(slots=True)
class _Entry(Generic[K]):
    """What matching needs of a record (ids, title key, year, first author): a few hundred
    bytes, however long the abstracts and author lists of a baseline file are."""

    key: K
    ids: tuple[str | None, str | None, str | None]
    year: int | None
    title_key: str
    author: str | None


class DuplicateIndex(Generic[K]):
    """Records seen so far, looked up by identifier and then by fuzzy title within a year window.

    ``K`` is whatever the caller uses to name an entry (a position in a batch, a store key).
    :meth:`find` returns the best match: a certain one if any, else the best candidate.
    """

    def __init__(self, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self._by_id: dict[tuple[str, str], _Entry[K]] = {}
        # (has DOI, has PMID) -> year -> entries; only buckets that cannot conflict are searched.
        self._blocks: dict[tuple[bool, bool], dict[int | None, list[_Entry[K]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._entries: dict[K, _Entry[K]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def identifier_keys(self, record: Record) -> list[K]:
        """The distinct entries that share a DOI, a PMID or a PMCID with ``record``, in that order."""
        keys: list[K] = []
        for name in _IDENTIFIERS:
            value = getattr(record, name)
            entry = self._by_id.get((name, value)) if value else None
            if entry is not None and entry.key not in keys:
                keys.append(entry.key)
        return keys

    def compare_to(self, key: K, record: Record) -> Match:
        """:func:`compare` between the entry ``key`` and ``record``."""
        entry = self._entries[key]
        by_id = _identifier_match(entry.ids, _ids(record))
        if by_id is not None:
            return by_id
        query = title_key(record.title)
        return _fuzzy_verdict(
            float(fuzz.token_sort_ratio(entry.title_key, query)),
            (entry.year, record.year),
            (entry.author, author_key(record)),
            min(len(entry.title_key), len(query)),
            self.thresholds,
        )

    def add(self, key: K, record: Record) -> None:
        """Add (or replace) the entry ``key``."""
        if key in self._entries:
            self.remove(key)
        entry = _Entry(key, _ids(record), record.year, title_key(record.title), author_key(record))
        self._entries[key] = entry
        for name, value in zip(_IDENTIFIERS, entry.ids, strict=True):
            if value:
                self._by_id[(name, value)] = entry
        self._blocks[(bool(record.doi), bool(record.pmid))][record.year].append(entry)

    def remove(self, key: K) -> None:
        entry = self._entries.pop(key)
        for name, value in zip(_IDENTIFIERS, entry.ids, strict=True):
            if value and self._by_id.get((name, value)) is entry:
                del self._by_id[(name, value)]
        doi, pmid, _ = entry.ids
        self._blocks[(bool(doi), bool(pmid))][entry.year].remove(entry)

    def _fuzzy_pool(self, record: Record) -> Iterable[_Entry[K]]:
        window = self.thresholds.year_window
        for (has_doi, has_pmid), by_year in self._blocks.items():
            if (has_doi and record.doi) or (has_pmid and record.pmid):
                continue  # a different DOI or PMID: never the same work
            if record.year is None:
                for entries in by_year.values():
                    yield from entries
                continue
            for year in (*range(record.year - window, record.year + window + 1), None):
                yield from by_year.get(year, ())

    def find(self, record: Record) -> tuple[K, Match] | None:
        """Return ``(key, match)`` for the best SAME or CANDIDATE entry, or None."""
        for name in _IDENTIFIERS:
            value = getattr(record, name)
            entry = self._by_id.get((name, value)) if value else None
            if entry is not None:
                return entry.key, Match(Verdict.SAME, name)
        pool = list(self._fuzzy_pool(record))
        if not pool:
            return None
        query = title_key(record.title)
        hits = process.extract(
            query,
            [entry.title_key for entry in pool],
            scorer=fuzz.token_sort_ratio,
            score_cutoff=self.thresholds.candidate,
            limit=10,
        )
        best: tuple[K, Match] | None = None
        for _, score, position in hits:
            entry = pool[position]
            match = _fuzzy_verdict(
                float(score),
                (record.year, entry.year),
                (author_key(record), entry.author),
                min(len(query), len(entry.title_key)),
                self.thresholds,
            )
            if match.verdict is Verdict.SAME:
                return entry.key, match
            if match.verdict is Verdict.CANDIDATE and best is None:
                best = (entry.key, match)
        return best


def candidate_pairs(
    keyed_records: Iterable[tuple[str, Record]], thresholds: Thresholds = DEFAULT_THRESHOLDS
) -> list[tuple[str, str, Match]]:
    """Pairs among ``(key, record)`` that look like one work: ``(earlier key, later key, match)``.

    Each record is compared with those before it (its best match only), as an import would. A
    ``SAME`` verdict here means the store holds one work twice (e.g. a title-only record and its
    PubMed version), a ``CANDIDATE`` one that a person should decide.
    """
    index: DuplicateIndex[str] = DuplicateIndex(thresholds)
    pairs: list[tuple[str, str, Match]] = []
    for key, record in keyed_records:
        found = index.find(record)
        if found is not None:
            pairs.append((found[0], key, found[1]))
        index.add(key, record)
    return pairs


# --------------------------------------------------------------------------- merging


@dataclass(frozen=True, slots=True)
class MergedRecord:
    """A record merged from several sources, and which source gave each field."""

    record: Record
    provenance: dict[str, str] = field(default_factory=dict)


def source_kind(source: str) -> str:
    """The reader name in a source label: ``"pubmed-xml:baseline.xml.gz"`` → ``"pubmed-xml"``."""
    return source.split(":", 1)[0]


def _rank(source: str, order: Sequence[str]) -> int:
    kind = source_kind(source)
    return order.index(kind) if kind in order else len(order)


#: Each record field's declared default (read once: ``Record.model_fields`` is a computed property).
_DEFAULTS: dict[str, Any] = {name: info.default for name, info in Record.model_fields.items()}


def _is_empty(name: str, value: Any) -> bool:
    """A field at its declared default (None, empty, ``False``) carries no information."""
    return value is None or value == "" or value == () or value == _DEFAULTS[name]


def merge_records(parts: Sequence[tuple[Record, str]]) -> MergedRecord:
    """Merge records of one work given as ``(record, source)`` pairs (``source`` a reader name).

    Each field comes from the highest-priority source that has a value; registry ids (including
    those found in any text of any part) and links are the union over all parts.
    """
    if not parts:
        raise ValueError("merge_records needs at least one record")
    values: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for name in _DEFAULTS:
        if name in _UNION_FIELDS:
            continue
        order = METRICS_PRIORITY if name in METRICS_FIELDS else BIBLIOGRAPHIC_PRIORITY
        ranked = sorted(parts, key=lambda part: _rank(part[1], order))  # stable: ties keep order
        for record, source in ranked:
            value = getattr(record, name)
            if not _is_empty(name, value):
                values[name] = value
                provenance[name] = source
                break
    registry_ids: dict[str, None] = {}
    links: dict[Any, None] = {}
    for record, source in parts:
        found = record_registry_ids(record)
        if found:
            provenance.setdefault("registry_ids", source)
        registry_ids.update(dict.fromkeys(found))
        if record.links:
            provenance.setdefault("links", source)
        links.update(dict.fromkeys(record.links))
    values["registry_ids"] = tuple(registry_ids)
    values["links"] = tuple(links)
    return MergedRecord(Record.model_validate(values), provenance)


def merge_into(
    stored: Record,
    stored_sources: Mapping[str, str],
    incoming: Record,
    source: str,
    *,
    incoming_wins_ties: bool = True,
    scan_incoming: bool = True,
) -> tuple[Record, list[str]]:
    """Merge ``incoming`` (from ``source``) into ``stored``, whose fields came from ``stored_sources``.

    Sources are labels whose reader name comes before a colon (``"crossref:works.json"``). A
    field takes the incoming value when the stored one is empty or the incoming source ranks as
    high or higher (so a newer export from the same source updates the record) — or strictly
    higher with ``incoming_wins_ties=False``, which the importer uses for a second copy of a work
    within one import, so that the first copy wins and re-importing is a no-op; registry ids and
    links are unions. Identifiers are never overwritten: when both records have a DOI, PMID or
    PMCID and they differ, the stored one stays and the conflict is returned for a person.
    ``scan_incoming=False`` says that ``incoming.registry_ids`` already holds the ids written in
    its text (:func:`~.identifiers.record_registry_ids`, as the importer sets them), so the text
    is not searched again.
    """
    values: dict[str, Any] = {}
    conflicts: list[str] = []
    for name in _DEFAULTS:
        old, new = getattr(stored, name), getattr(incoming, name)
        if name in _UNION_FIELDS:
            extra = record_registry_ids(incoming) if name == "registry_ids" and scan_incoming else new
            values[name] = tuple(dict.fromkeys((*old, *extra)))
        elif _is_empty(name, new) or old == new:
            values[name] = old
        elif _is_empty(name, old):
            values[name] = new
        elif name in _IDENTIFIERS:
            values[name] = old
            conflicts.append(f"{name} {old} (stored) vs {new} ({source})")
        else:
            order = METRICS_PRIORITY if name in METRICS_FIELDS else BIBLIOGRAPHIC_PRIORITY
            previous = stored_sources.get(name, "")
            new_rank, old_rank = _rank(source, order), _rank(previous, order)
            wins = new_rank < old_rank or (incoming_wins_ties and new_rank == old_rank)
            values[name] = new if wins else old
    return Record.model_validate(values), conflicts
