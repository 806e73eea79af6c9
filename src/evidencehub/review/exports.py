"""Exports of a review's records and decisions: a CSV for people and spreadsheets, RIS with the
decisions in notes, and a CSV that ASReview LAB imports with its labels.

The store hands every record of the review as a :class:`ReviewExportRow` (the record, its store
id, each reviewer's current decision per stage, the review's final decision per stage, the study
it is grouped into); the writers put them on a text stream (open it with ``encoding="utf-8",
newline=""``) and return how many records they wrote.

* :func:`write_csv` — one row per record: ``id, doi, pmid, title, authors, year, journal,
  study``, then per stage that has decisions ``<stage> final decision`` and ``<stage> final
  reason`` and, per reviewer, ``<stage> decision (<reviewer>)``, ``<stage> reason
  (<reviewer>)`` and ``<stage> note (<reviewer>)``, then ``abstract``. It starts with a UTF-8
  byte-order mark, so that spreadsheet programs read it as UTF-8.
* :func:`write_ris` — the records as RIS (``rispy``), each with ``ID`` the store id, ``DB``
  ``evidencehub``, and the decisions as ``N1`` notes ``evidencehub-decision: <JSON>`` (stage,
  reviewer, label, reason, note), ``evidencehub-final: <JSON>`` and ``evidencehub-study: <key>``,
  after the pattern ASReview LAB uses for its own notes; a PMID goes in ``AN`` with ``DP  - NLM``
  as PubMed's exports through EndNote write it.
* :func:`write_asreview_csv` — the columns ASReview LAB reads (``record_id, title, abstract,
  authors, year, doi, url, keywords``, lists joined by ``;`` as ASReview splits them, plus
  ``pmid``, which it keeps as data) and its label column ``included``: 1 for a final include
  or maybe at the stage (a maybe goes on to the next stage), 0 for exclude, empty without a
  final decision. ``included`` is the label column every ASReview release reads (LAB 1:
  ``asreview/config.py`` ``COLUMN_DEFINITIONS``; LAB 2 and 3: ``asreview/data/base.py``
  ``__alternative_column_names__``, which uses a column named ``included`` as it is).

:mod:`evidencehub.review.hub_files` reads the first two back, :mod:`evidencehub.review.asreview_lab`
the third.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TextIO

import rispy

from evidencehub.errors import InputError
from evidencehub.model import Author, Record
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = [
    "ASREVIEW_COLUMNS",
    "CSV_RECORD_COLUMNS",
    "RIS_DATABASE",
    "RIS_NOTE_PREFIXES",
    "ExportFormat",
    "FinalDecision",
    "ReviewExportRow",
    "ReviewerDecision",
    "csv_decision_column",
    "csv_final_column",
    "write_asreview_csv",
    "write_csv",
    "write_export",
    "write_ris",
]


class ExportFormat(StrEnum):
    """The formats of ``review export --format``."""

    CSV = "csv"
    RIS = "ris"
    ASREVIEW = "asreview"


@dataclass(frozen=True, slots=True)
class ReviewerDecision:
    """One reviewer's current decision on a record at one stage."""

    reviewer: str
    stage: ScreeningStage
    label: ScreeningLabel
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class FinalDecision:
    """The review's decision on a record at one stage (agreement, resolution or consensus)."""

    stage: ScreeningStage
    label: ScreeningLabel
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewExportRow:
    """One record of a review, as the exports write it.

    Attributes
    ----------
    record_id : int
        The record's id in the store.
    record : Record
        The bibliographic record.
    decisions : tuple of ReviewerDecision
        Each reviewer's current decision per stage (one per reviewer and stage).
    finals : tuple of FinalDecision
        The review's decision per stage, where there is one (one per stage).
    study : str or None
        The key of the study the record is grouped into.
    """

    record_id: int
    record: Record
    decisions: tuple[ReviewerDecision, ...] = ()
    finals: tuple[FinalDecision, ...] = ()
    study: str | None = None

    def __post_init__(self) -> None:
        pairs = [(d.reviewer, d.stage) for d in self.decisions]
        if len(set(pairs)) != len(pairs):
            raise ValueError(f"record {self.record_id}: two decisions of one reviewer at one stage")
        stages = [f.stage for f in self.finals]
        if len(set(stages)) != len(stages):
            raise ValueError(f"record {self.record_id}: two final decisions at one stage")

    def final(self, stage: ScreeningStage) -> FinalDecision | None:
        """The final decision at ``stage``, if any."""
        return next((f for f in self.finals if f.stage is stage), None)

    def decision(self, reviewer: str, stage: ScreeningStage) -> ReviewerDecision | None:
        """``reviewer``'s decision at ``stage``, if any."""
        return next((d for d in self.decisions if d.reviewer == reviewer and d.stage is stage),
                    None)


#: The record columns of :func:`write_csv`, before the decision columns (``abstract`` after).
CSV_RECORD_COLUMNS = ("id", "doi", "pmid", "title", "authors", "year", "journal", "study")
#: The columns of :func:`write_asreview_csv`.
ASREVIEW_COLUMNS = ("record_id", "title", "abstract", "authors", "year", "doi", "pmid", "url",
                    "keywords", "included")
#: ``DB`` of every record of :func:`write_ris`: where the record comes from.
RIS_DATABASE = "evidencehub"
#: The ``N1`` note prefixes of :func:`write_ris`.
RIS_NOTE_PREFIXES = {"decision": "evidencehub-decision: ", "final": "evidencehub-final: ",
                     "study": "evidencehub-study: "}
_RIS_TYPES = {"journal-article": "JOUR", "book": "BOOK", "edited-book": "EDBOOK",
              "book-chapter": "CHAP", "proceedings-article": "CONF", "dissertation": "THES",
              "report": "RPRT", "dataset": "DATA", "posted-content": "UNPB"}
_ASREVIEW_LABELS = {ScreeningLabel.INCLUDE: "1", ScreeningLabel.MAYBE: "1",
                    ScreeningLabel.EXCLUDE: "0"}


def csv_decision_column(stage: ScreeningStage, part: str, reviewer: str) -> str:
    """``"title-abstract decision (Ann)"``: a reviewer's column in :func:`write_csv`
    (``part`` is ``decision``, ``reason`` or ``note``)."""
    return f"{stage.value} {part} ({reviewer})"


def csv_final_column(stage: ScreeningStage, part: str) -> str:
    """``"full-text final reason"``: a final-decision column (``part``: decision or reason)."""
    return f"{stage.value} final {part}"


def _author(author: Author) -> str:
    if author.collective:
        return author.collective
    return f"{author.family}, {author.given}" if author.given else str(author.family)


def _line(text: str) -> str:
    """A tag value on one line (a RIS value cannot hold a line break)."""
    return " ".join(text.split())


def write_csv(rows: Sequence[ReviewExportRow], stream: TextIO) -> int:
    """Write one row per record with every reviewer's decision per stage (module docstring)."""
    stages = [s for s in ScreeningStage
              if any(r.final(s) or any(d.stage is s for d in r.decisions) for r in rows)]
    reviewers = {s: sorted({d.reviewer for r in rows for d in r.decisions if d.stage is s},
                           key=str.casefold) for s in stages}
    header = list(CSV_RECORD_COLUMNS)
    for stage in stages:
        header += [csv_final_column(stage, "decision"), csv_final_column(stage, "reason")]
        for reviewer in reviewers[stage]:
            header += [csv_decision_column(stage, part, reviewer)
                       for part in ("decision", "reason", "note")]
    header.append("abstract")
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(header)
    for row in rows:
        record = row.record
        cells: list[Any] = [row.record_id, record.doi, record.pmid, record.title,
                            "; ".join(_author(a) for a in record.authors), record.year,
                            record.journal, row.study]
        for stage in stages:
            final = row.final(stage)
            cells += [final.label.value if final else None, final.reason if final else None]
            for reviewer in reviewers[stage]:
                mine = row.decision(reviewer, stage)
                cells += [mine.label.value, mine.reason, mine.note] if mine else [None] * 3
        cells.append(record.abstract)
        writer.writerow(cells)
    return len(rows)


def _json_note(prefix: str, value: dict[str, Any]) -> str:
    return RIS_NOTE_PREFIXES[prefix] + json.dumps(
        {k: v for k, v in value.items() if v is not None}, ensure_ascii=False)


def _ris_entry(row: ReviewExportRow) -> dict[str, Any]:
    record = row.record
    ris_type = _RIS_TYPES.get(record.record_type, "GEN") if record.record_type else "JOUR"
    entry: dict[str, Any] = {
        "type_of_reference": ris_type,
        "id": str(row.record_id),
        "title": record.title,
        "authors": [_author(a) for a in record.authors],
        "year": str(record.year) if record.year else None,
        "journal_name": record.journal,
        "volume": record.volume,
        "number": record.issue,
        "doi": record.doi,
        "abstract": record.abstract,
        "keywords": list(record.keywords),
        "urls": [record.url] if record.url else [],
        "issn": record.issn,
        "publisher": record.publisher,
        "language": record.language,
        "name_of_database": RIS_DATABASE,
    }
    if record.pages:
        start, _, end = record.pages.partition("-")
        entry["start_page"], entry["end_page"] = start, end or None
    if record.pmid:
        entry["accession_number"], entry["database_provider"] = record.pmid, "NLM"
    notes = [_json_note("decision", {"stage": d.stage.value, "reviewer": d.reviewer,
                                     "label": d.label.value, "reason": d.reason, "note": d.note})
             for d in row.decisions]
    notes += [_json_note("final", {"stage": f.stage.value, "label": f.label.value,
                                   "reason": f.reason}) for f in row.finals]
    if row.study:
        notes.append(RIS_NOTE_PREFIXES["study"] + row.study)
    entry["notes"] = notes
    on_one_line = {key: [_line(v) for v in value] if isinstance(value, list) else _line(value)
                   for key, value in entry.items() if value}
    return {key: value for key, value in on_one_line.items() if value}


class _RisWriter(rispy.RisWriter):  # type: ignore[misc]  # rispy has no type hints
    """rispy's RIS writer without the ``1.``, ``2.`` … line it puts before each record."""

    def set_header(self, count: int) -> str:
        return ""


def write_ris(rows: Sequence[ReviewExportRow], stream: TextIO) -> int:
    """Write the records as RIS with every decision in ``N1`` notes (module docstring)."""
    rispy.dump([_ris_entry(row) for row in rows], stream, implementation=_RisWriter)
    return len(rows)


def write_asreview_csv(rows: Sequence[ReviewExportRow], stream: TextIO, *,
                       stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT) -> int:
    """Write a CSV that ASReview LAB imports with the review's final decisions at ``stage``
    as its labels (module docstring)."""
    writer = csv.writer(stream)
    writer.writerow(ASREVIEW_COLUMNS)
    for row in rows:
        record, final = row.record, row.final(stage)
        writer.writerow([
            row.record_id, record.title, record.abstract,
            ";".join(_author(a) for a in record.authors), record.year, record.doi,
            record.pmid, record.url, ";".join(record.keywords),
            _ASREVIEW_LABELS[final.label] if final else None,
        ])
    return len(rows)


def write_export(export_format: ExportFormat | str, rows: Sequence[ReviewExportRow],
                 stream: TextIO) -> int:
    """Write ``rows`` in ``export_format`` (``csv``, ``ris`` or ``asreview``)."""
    writers = {ExportFormat.CSV: write_csv, ExportFormat.RIS: write_ris,
               ExportFormat.ASREVIEW: write_asreview_csv}
    try:
        chosen = ExportFormat(export_format)
    except ValueError:
        known = ", ".join(f.value for f in ExportFormat)
        raise InputError(f"unknown export format {export_format!r}; known formats: {known}") from None
    return writers[chosen](rows, stream)
