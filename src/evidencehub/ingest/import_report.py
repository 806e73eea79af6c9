"""What an import did: the report of :func:`~evidencehub.ingest.importer.import_paths`.

:class:`ImportReport` counts what happened to each record read, lists rejected records, possible
duplicates for a person to decide and conflicts; :func:`write_bad_report` writes the rejected
records for ``--skip-bad --report FILE``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from evidencehub.ingest.base import Rejected
from evidencehub.store.repo._common import UpsertOutcome

__all__ = ["CandidateDuplicate", "ImportReport", "write_bad_report"]


@dataclass(frozen=True, slots=True)
class CandidateDuplicate:
    """An incoming record that may be the same work as a stored one: for a person to decide."""

    record_key: str
    other_key: str
    reason: str
    score: float | None
    source: str
    where: str


@dataclass(slots=True)
class ImportReport:
    """What one import did. Counts are per record read (a duplicate counts where it landed).

    ``import_ids`` are the stored import events (one per file, or one for a query).
    """

    paths: list[str] = field(default_factory=list)
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged_duplicates: int = 0
    batch_duplicates: int = 0
    not_stored: int = 0
    trials_created: int = 0
    trials_updated: int = 0
    trials_unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    candidates: list[CandidateDuplicate] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    report_path: str | None = None
    import_ids: list[int] = field(default_factory=list)

    def count(self, outcome: UpsertOutcome, *, trial: bool = False) -> None:
        name = f"trials_{outcome.value}" if trial else outcome.value
        setattr(self, name, getattr(self, name) + 1)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected"] = [
            {"source": r.source, "where": r.where, "problem": r.problem} for r in self.rejected
        ]
        return data

    def summary(self) -> str:
        """One paragraph for people, e.g. ``12 read: 10 new, 0 updated, 2 unchanged …``."""
        lines = [
            (
                f"{self.read} read from {len(self.paths)} file(s): {self.created} new, "
                f"{self.updated} updated, {self.unchanged} unchanged; "
                f"{self.merged_duplicates} merged into a stored record found by another "
                f"identifier or by title, {self.batch_duplicates} duplicate(s) within this import."
            )
        ]
        if self.trials_created or self.trials_updated or self.trials_unchanged:
            lines.append(
                f"Trials: {self.trials_created} new, {self.trials_updated} updated, "
                f"{self.trials_unchanged} unchanged."
            )
        if self.rejected:
            where = f"; listed in {self.report_path}" if self.report_path else ""
            lines.append(f"{len(self.rejected)} bad record(s) skipped{where}.")
        if self.candidates:
            lines.append(
                f"{len(self.candidates)} possible duplicate(s) kept apart for review "
                "(see 'evidencehub duplicates')."
            )
        if self.conflicts:
            lines.append(
                f"{len(self.conflicts)} conflict(s) left as stored, {self.not_stored} record(s) "
                "not stored (see --json)."
            )
        if self.import_ids:
            ids = ", ".join(str(i) for i in self.import_ids)
            lines.append(f"Stored as import {ids} (see 'evidencehub imports').")
        return "\n".join(lines)


def write_bad_report(path: Path, rejected: Sequence[Rejected]) -> None:
    """Write the rejected records to ``path``: JSON for ``.json``, CSV (source, where, problem) else."""
    rows = [{"source": r.source, "where": r.where, "problem": r.problem} for r in rejected]
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["source", "where", "problem"])
        writer.writeheader()
        writer.writerows(rows)
