"""Which record of a review each record of an imported export is.

An export's records are the review's records as another tool saw them: the same works, with
the tool's own spelling of titles, authors and identifiers. They are matched the way the importer
matches duplicates (:class:`evidencehub.ingest.dedup.DuplicateIndex`; rules and thresholds in
``docs/import.md``): a shared DOI, PMID or PMCID is the same work, conflicting DOIs or PMIDs are
different works, otherwise the title, year and first author decide. A ``candidate`` match is
reported, not taken: a person confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from evidencehub.ingest.dedup import DEFAULT_THRESHOLDS, DuplicateIndex, Thresholds
from evidencehub.model import Record
from evidencehub.review.external import ExternalRecord

__all__ = ["RecordMatch", "match_records"]


@dataclass(frozen=True, slots=True)
class RecordMatch:
    """The review record an imported record is, if any.

    Attributes
    ----------
    item : ExternalRecord
        The imported record.
    record_id : int or None
        The store id of the review's record it is (``same``) or may be (``candidate``).
    verdict : str
        ``same``, ``candidate`` or ``none`` (:class:`evidencehub.ingest.dedup.Verdict`, with
        ``none`` for no match at all).
    reason : str or None
        What decided: ``doi``, ``pmid``, ``pmcid``, ``title``, ``first-author``.
    score : float or None
        The title similarity (0–100) when titles were compared.
    """

    item: ExternalRecord
    record_id: int | None
    verdict: str
    reason: str | None = None
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.item.where, "key": self.item.record.key,
                "record_id": self.record_id, "verdict": self.verdict, "reason": self.reason,
                "score": self.score}


def match_records(items: Sequence[ExternalRecord], review: Iterable[tuple[int, Record]],
                  thresholds: Thresholds = DEFAULT_THRESHOLDS) -> tuple[RecordMatch, ...]:
    """Match each imported record to the review's records (``(store id, record)`` pairs).

    >>> review = [(7, Record(title="Islets from stem cells", doi="10.1000/a1"))]
    >>> item = ExternalRecord(Record(title="Islets from stem cells.", doi="10.1000/A1"), "row 1")
    >>> match_records([item], review)[0].record_id
    7
    """
    index: DuplicateIndex[int] = DuplicateIndex(thresholds)
    for record_id, record in review:
        index.add(record_id, record)
    matches = []
    for item in items:
        found = index.find(item.record)
        if found is None:
            matches.append(RecordMatch(item, None, "none"))
            continue
        record_id, match = found
        matches.append(RecordMatch(item, record_id, match.verdict.value, match.reason, match.score))
    return tuple(matches)
