"""What one import event did to each record it returned: the importer's bookkeeping.

For each item it reads, the importer notes the stored record the item landed in (by key) and
what happened to it (:class:`~evidencehub.model.ImportOutcome`), and the pairs of records it
kept apart as possible duplicates; :meth:`EventLog.store` stores the event when it ends. A stored record's key can change during an import (a record
without identifiers takes the DOI of a later version of it: ``title:…`` becomes ``doi:…``), so
:meth:`EventLog.rename` carries what was noted under the old key over to the new one; when the
event ends, every key names a stored record and
:func:`~evidencehub.store.repo.imports.record_event` stores them.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from evidencehub.ingest.import_report import ImportReport
from evidencehub.model import Actor, ImportEvent, ImportKind, ImportOutcome
from evidencehub.store.repo._common import utc_now
from evidencehub.store.repo.duplicates import add_candidates
from evidencehub.store.repo.imports import record_event

__all__ = ["EventLog"]


class EventLog:
    """The records, counts and candidate pairs of one import event (one file or one query).

    ``outcomes`` maps the key of each stored record the event returned to the strongest thing
    it did to it (:meth:`~evidencehub.model.ImportOutcome.stronger`); ``counts`` counts the items read by what happened to each (trials too);
    ``candidates`` holds ``[key, other key, reason, score]`` pairs kept apart for a person.
    It starts with the event, and notes the time and the import ``report``'s counts so far.
    """

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.started_at = utc_now()
        self._read_before = report.read
        self._rejected_before = len(report.rejected)
        self.outcomes: dict[str, ImportOutcome] = {}
        self.counts: Counter[ImportOutcome] = Counter()
        self.candidates: list[tuple[str, str, str, float | None]] = []
        self._pairs_of: dict[str, list[int]] = {}

    def note(self, key: str, outcome: ImportOutcome) -> None:
        """An item read landed in the record ``key``, with ``outcome``."""
        self.counts[outcome] += 1
        self.outcomes[key] = outcome.stronger(self.outcomes.get(key))

    def count(self, outcome: ImportOutcome) -> None:
        """An item read that is not a record (a trial) had ``outcome``."""
        self.counts[outcome] += 1

    def candidate(self, key: str, other: str, reason: str, score: float | None) -> None:
        """The records ``key`` and ``other`` may be one work (for a person to decide)."""
        self._pairs_of.setdefault(key, []).append(len(self.candidates))
        self._pairs_of.setdefault(other, []).append(len(self.candidates))
        self.candidates.append((key, other, reason, score))

    def rename(self, old: str, new: str) -> None:
        """The stored record known as ``old`` is now known as ``new``."""
        if old == new:
            return
        if old in self.outcomes:
            self.outcomes[new] = self.outcomes.pop(old).stronger(self.outcomes.get(new))
        for position in self._pairs_of.pop(old, ()):
            key, other, reason, score = self.candidates[position]
            self.candidates[position] = (
                new if key == old else key, new if other == old else other, reason, score
            )
            self._pairs_of.setdefault(new, []).append(position)

    def store(
        self,
        session: Session,
        actor: Actor,
        *,
        kind: ImportKind,
        reader: str,
        label: str,
        sha256: str | None = None,
        query: str | None = None,
    ) -> int:
        """Store the event, ending now, with its records and candidate pairs; its id goes to the
        report's ``import_ids`` and is returned."""
        event = ImportEvent(
            kind=kind,
            reader=reader,
            label=label,
            sha256=sha256,
            query=query,
            actor=actor.name,
            started_at=self.started_at,
            finished_at=utc_now(),
            n_read=self.report.read - self._read_before,
            n_created=self.counts[ImportOutcome.CREATED],
            n_updated=self.counts[ImportOutcome.UPDATED],
            n_unchanged=self.counts[ImportOutcome.UNCHANGED],
            n_merged=self.counts[ImportOutcome.MERGED],
            n_rejected=len(self.report.rejected) - self._rejected_before,
        )
        import_id = record_event(session, event, actor, self.outcomes)
        add_candidates(session, self.candidates, import_id=import_id)
        self.report.import_ids.append(import_id)
        return import_id
