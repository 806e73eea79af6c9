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

from dataclasses import dataclass
from typing import Any

from evidencehub.grade.labels import design_name
from evidencehub.model import Record, Study
from evidencehub.publish.snapshot import HubSnapshot

__all__ = ["CitationMatch", "find_citations"]


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


def _haystack(study: Study, records: list[Record]) -> str:
    parts = [study.key, study.label]
    for record in records:
        parts += [record.title or "", record.doi or "", record.pmid or "",
                  str(record.year or "")]
        parts += [a.display for a in record.authors]
    return " ".join(parts).lower()


def find_citations(snap: HubSnapshot, query: str, *, limit: int = 10) -> list[CitationMatch]:
    """The studies matching ``query`` (at most ``limit``); none for an empty query."""
    words = query.lower().replace("[@", " ").split()
    if not words:
        return []
    found: list[tuple[bool, str, CitationMatch]] = []
    for study in snap.studies:
        records = [snap.record_by_key[k] for k in study.record_keys if k in snap.record_by_key]
        haystack = _haystack(study, records)
        if not all(word in haystack for word in words):
            continue
        first = records[0] if records else None
        in_name = all(word in f"{study.key} {study.label}".lower() for word in words)
        found.append((not in_name, study.label, CitationMatch(
            key=study.key, label=study.label, design=design_name(study.design),
            year=first.year if first else None, title=first.title if first else None,
            authors=tuple(a.display for a in first.authors[:3]) if first else (),
            journal=(first.journal or first.journal_abbrev) if first else None,
            doi=first.doi if first else None, pmid=first.pmid if first else None,
        )))
    found.sort(key=lambda item: (item[0], item[1]))
    return [match for _, _, match in found[:limit]]
