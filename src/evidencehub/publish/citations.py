"""Citation search for the editor: the studies of the library matching what an editor types.

A page cites studies (``[@key]``, :data:`evidencehub.grade.claims.CITATION_RE`), and a study
is known by its records: so a query matches a study by its key or label, or by the title, an
author's name, the year, the DOI or the PMID of any of its records. Every word of the query must
match somewhere (case-insensitive substrings, so a word typed halfway already matches); studies
matching in their key or label come first, then by label. A query is words, never syntax:
quotes, ``*``, ``OR`` or brackets are only characters to find. Pure: it reads a
:class:`~evidencehub.publish.snapshot.HubSnapshot`. The editor's autocomplete
(``static/cite_complete.js``) asks for it through ``GET /editor/cite``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from evidencehub.grade.labels import design_name
from evidencehub.model import Record, Study
from evidencehub.publish.snapshot import HubSnapshot

__all__ = ["CitationIndex", "CitationMatch", "citation_index", "find_citations"]


@dataclass(frozen=True, slots=True)
class CitationMatch:
    """A study an editor may cite, with what identifies it and the markup that cites it."""

    key: str
    label: str
    design: str
    year: int | None
    title: str | None
    authors: tuple[str, ...]
    journal: str | None
    doi: str | None
    pmid: str | None

    @property
    def markup(self) -> str:
        """The citation as the page's Markdown writes it."""
        return f"[@{self.key}]"

    def to_dict(self) -> dict[str, Any]:
        """The match as the citation route answers it (``markup`` included)."""
        return {"key": self.key, "label": self.label, "design": self.design, "year": self.year,
                "title": self.title, "authors": list(self.authors), "journal": self.journal,
                "doi": self.doi,
                "pmid": self.pmid, "markup": self.markup}


@dataclass(frozen=True, slots=True)
class _Entry:
    """A study as the search reads it: what a word may match, its name, and its answer."""

    haystack: str
    name: str
    match: CitationMatch


def _entry(snap: HubSnapshot, study: Study) -> _Entry:
    records = [snap.record_by_key[k] for k in study.record_keys if k in snap.record_by_key]
    parts = [study.key, study.label]
    for record in records:
        parts += [record.title or "", record.doi or "", record.pmid or "",
                  str(record.year or "")]
        parts += [a.display for a in record.authors]
    first: Record | None = records[0] if records else None
    return _Entry(
        haystack="\n".join(parts).lower(),
        name=f"{study.key}\n{study.label}".lower(),
        match=CitationMatch(
            key=study.key, label=study.label, design=design_name(study.design),
            year=first.year if first else None, title=first.title if first else None,
            authors=tuple(a.display for a in first.authors[:3]) if first else (),
            journal=(first.journal or first.journal_abbrev) if first else None,
            doi=first.doi if first else None, pmid=first.pmid if first else None,
        ),
    )


class CitationIndex:
    """The studies of one snapshot prepared for :meth:`find` (each study's text lower-cased
    once), so that a search while an editor types only compares strings."""

    def __init__(self, snap: HubSnapshot) -> None:
        self.snap = snap
        entries = [_entry(snap, study) for study in snap.studies]
        self._entries = tuple(sorted(entries, key=lambda entry: entry.match.label))

    def find(self, query: str, *, limit: int = 10) -> list[CitationMatch]:
        """The studies matching ``query`` (at most ``limit``); none for an empty query."""
        words = query.lower().replace("[@", " ").split()
        if not words:
            return []
        named: list[CitationMatch] = []     # matching in key or label: first, by label
        others: list[CitationMatch] = []    # then the rest, by label
        for entry in self._entries:         # in label order
            if not all(word in entry.haystack for word in words):
                continue
            if all(word in entry.name for word in words):
                named.append(entry.match)
                if len(named) == limit:
                    break
            elif len(others) < limit:
                others.append(entry.match)
        return (named + others)[:limit]


_latest: list[CitationIndex] = []
_latest_lock = threading.Lock()


def citation_index(snap: HubSnapshot) -> CitationIndex:
    """The :class:`CitationIndex` of ``snap``, kept for the newest snapshot asked about (the
    web app's published snapshot changes only when the store does)."""
    with _latest_lock:
        if _latest and _latest[0].snap is snap:
            return _latest[0]
    index = CitationIndex(snap)
    with _latest_lock:
        _latest[:] = [index]
    return index


def find_citations(snap: HubSnapshot, query: str, *, limit: int = 10) -> list[CitationMatch]:
    """The studies of ``snap`` matching ``query`` (at most ``limit``); none for an empty
    query (:meth:`CitationIndex.find` on :func:`citation_index`)."""
    return citation_index(snap).find(query, limit=limit)
