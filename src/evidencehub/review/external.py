"""Screening decisions read from another tool's export: what the readers of
:mod:`evidencehub.review.interop` return.

A screening tool's export is a list of records, each with the decisions taken on it. Read, it
becomes an :class:`ExternalImport`: every record the file holds (:class:`ExternalRecord`: the
bibliographic :class:`~evidencehub.model.Record` read by the hub's own CSV or RIS reader, the
tool's id for it, where it was in the file), every decision on them (:class:`ExternalDecision`:
which record, who, at which stage, include/exclude/maybe, the reason and the note), and the rows
or records that could not be read (:class:`~evidencehub.ingest.base.Rejected`, as the importer
reports them). The store matches each record to a record of the review by its identifiers and
title (:mod:`evidencehub.ingest.dedup`) and records each decision as an imported one
(:attr:`evidencehub.vocab.DecisionBasis.IMPORTED`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from evidencehub.ingest.base import Rejected
from evidencehub.model import Record
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = [
    "CovidenceList",
    "ExternalDecision",
    "ExternalImport",
    "ExternalRecord",
    "ExternalTool",
]


class ExternalTool(StrEnum):
    """The tools whose exports the hub reads decisions from (``evidencehub``: the hub's own
    CSV and RIS exports, so a review moves from one hub to another)."""

    RAYYAN = "rayyan"
    COVIDENCE = "covidence"
    ASREVIEW = "asreview"
    EVIDENCEHUB = "evidencehub"


class CovidenceList(StrEnum):
    """The Covidence list a file was exported from, as Covidence names it in the file name
    (``review_<id>_<list>_csv_<timestamp>.csv``).

    ``screen``: awaiting title and abstract screening; ``irrelevant``: excluded on title and
    abstract; ``select``: through title and abstract screening, awaiting full-text review;
    ``included`` and ``excluded``: included or excluded on the full text.
    """

    SCREEN = "screen"
    IRRELEVANT = "irrelevant"
    SELECT = "select"
    INCLUDED = "included"
    EXCLUDED = "excluded"


@dataclass(frozen=True, slots=True)
class ExternalRecord:
    """One record of an export.

    Attributes
    ----------
    record : Record
        The bibliographic record, read from the row or RIS record by the hub's own reader.
    where : str
        Where it is in the file (``"row 3 (line 4)"``, ``"record 2 (line 31)"``).
    external_id : str or None
        The tool's id for it: Rayyan's ``key`` (``rayyan-14431``), the ``Covidence #``
        (``#12``), ASReview's record id, or the hub's store id in its own exports.
    labels : tuple of str
        The tool's labels or tags on the record (Rayyan labels, Covidence tags, ASReview tags).
    study : str or None
        The study the tool groups the record into (Covidence's ``Study``, the hub's study key).
    """

    record: Record
    where: str
    external_id: str | None = None
    labels: tuple[str, ...] = ()
    study: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.record.key,
            "title": self.record.title,
            "doi": self.record.doi,
            "pmid": self.record.pmid,
            "year": self.record.year,
            "where": self.where,
            "external_id": self.external_id,
            "labels": list(self.labels),
            "study": self.study,
        }


@dataclass(frozen=True, slots=True)
class ExternalDecision:
    """One decision on one record, as the export states it.

    Attributes
    ----------
    item : ExternalRecord
        The record decided on.
    reviewer : str
        Who decided: the name the tool gives (Rayyan names each reviewer), or the name given
        to the reader for tools that do not (Covidence, and ASReview unless it names its users).
    stage : ScreeningStage
        The screening stage.
    label : ScreeningLabel
        Include, exclude or maybe.
    reason : str or None
        The exclusion reason as the tool writes it (several joined by ``"; "``).
    note : str or None
        The reviewer's note.
    decided_at : datetime or None
        When, if the tool says (ASReview LAB 3: UTC).
    final : bool
        True when the export gives the review's outcome at this stage rather than one
        screener's vote (Covidence's lists hold records after conflicts are resolved).
    """

    item: ExternalRecord
    reviewer: str
    stage: ScreeningStage
    label: ScreeningLabel
    reason: str | None = None
    note: str | None = None
    decided_at: dt.datetime | None = None
    final: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.item.to_dict(),
            "reviewer": self.reviewer,
            "stage": self.stage.value,
            "label": self.label.value,
            "reason": self.reason,
            "note": self.note,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "final": self.final,
        }


@dataclass(frozen=True, slots=True)
class ExternalImport:
    """Everything read from one export.

    Attributes
    ----------
    tool : ExternalTool
        The tool that wrote the file.
    source : str
        The file, as messages name it.
    records : tuple of ExternalRecord
        Every record read, decided on or not, in file order.
    decisions : tuple of ExternalDecision
        Every decision, in file order.
    rejected : tuple of Rejected
        Rows or records that could not be read (no title, a decision the reader does not
        know…), each naming where it is and what is wrong.
    """

    tool: ExternalTool
    source: str
    records: tuple[ExternalRecord, ...] = ()
    decisions: tuple[ExternalDecision, ...] = ()
    rejected: tuple[Rejected, ...] = ()

    @property
    def n_undecided(self) -> int:
        """Records the export holds without any decision on them."""
        decided = {id(decision.item) for decision in self.decisions}
        return sum(1 for item in self.records if id(item) not in decided)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": self.tool.value,
            "source": self.source,
            "n_records": len(self.records),
            "n_decisions": len(self.decisions),
            "n_undecided": self.n_undecided,
            "decisions": [decision.to_dict() for decision in self.decisions],
            "rejected": [str(item) for item in self.rejected],
        }

    def summary(self) -> str:
        """One line for people: ``"rayyan export a.csv: 10 records, 6 decisions, 4 undecided"``."""
        text = (f"{self.tool.value} export {self.source}: {len(self.records)} records, "
                f"{len(self.decisions)} decisions, {self.n_undecided} undecided")
        return text + (f", {len(self.rejected)} unreadable" if self.rejected else "")
