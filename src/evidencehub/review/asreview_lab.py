"""Screening decisions in ASReview LAB's dataset exports (CSV, TSV and RIS).

ASReview LAB exports the dataset a project was made from with the labels added (checked
against the ASReview LAB source, ``asreview/webapp/_api/projects.py`` ``api_export_dataset``
of 3.0 and ``asreview/data/base.py`` ``to_dataframe`` of 1.6, and against files the LAB itself
wrote; see ``tests/data/review/SOURCES.md``):

* **LAB 2 and 3**, CSV/TSV: the input's columns after an unnamed first column (the record id),
  then ``asreview_label`` (1 relevant, 0 irrelevant, empty not seen), ``asreview_time``
  (``YYYY-MM-DD HH:MM:SS``, UTC), ``asreview_note``, ``asreview_tag_<group>_<tag>`` (1 or 0),
  and, on servers with accounts, ``asreview_user_name``;
* **LAB 1**, CSV: ``record_id``, the input's columns, the label in the input's label column
  (``included`` unless the input named it otherwise), ``asreview_ranking``,
  ``asreview_prior`` and the notes in ``exported_notes_<n>`` (one per export round);
* **RIS** (both): the label as an ``N1`` note ``ASReview_relevant``, ``ASReview_irrelevant`` or
  ``ASReview_not_seen``; LAB 3 adds ``N1`` notes ``asreview_<column>: <JSON value>``.

The label column is found as ASReview finds it: ``asreview_label`` first, then the names ASReview
reads as labels (``included``, ``label``, ``final_included``, ``label_included``,
``included_label``, ``included_final``, ``included_flag``, ``include``, in LAB 1's order). A label
is 1 or 0 (``1.0``/``0.0`` from spreadsheets, ``yes``/``no`` and ``y``/``n`` as ASReview accepts);
empty and ``-1`` (LAB 0.x's "not seen") are no decision. ASReview LAB screens titles and
abstracts, so the stage is title/abstract unless the caller says; the reviewer is the export's
``asreview_user_name`` when it has one, else the name the caller gives.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from evidencehub.errors import InputError
from evidencehub.ingest.base import Item, Parsed
from evidencehub.model import Record
from evidencehub.review._sources import (
    Collector,
    cell,
    csv_rows,
    header_key,
    is_ris,
    ris_records,
)
from evidencehub.review.external import ExternalDecision, ExternalImport, ExternalTool
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["LABEL_COLUMNS", "RIS_LABELS", "read_asreview"]

#: Columns ASReview reads a label from, in the order it looks for them.
LABEL_COLUMNS = ("asreview_label", "final_included", "label", "label_included", "included_label",
                 "included_final", "included", "included_flag", "include")
#: ASReview's ``N1`` notes in RIS exports.
RIS_LABELS = {
    "ASReview_relevant": ScreeningLabel.INCLUDE,
    "ASReview_irrelevant": ScreeningLabel.EXCLUDE,
    "ASReview_not_seen": None,
}
_VALUES = {"1": ScreeningLabel.INCLUDE, "1.0": ScreeningLabel.INCLUDE, "yes": ScreeningLabel.INCLUDE,
           "y": ScreeningLabel.INCLUDE, "0": ScreeningLabel.EXCLUDE, "0.0": ScreeningLabel.EXCLUDE,
           "no": ScreeningLabel.EXCLUDE, "n": ScreeningLabel.EXCLUDE, "-1": None, "-1.0": None}
_NOTES_ROUND = re.compile(r"^exported notes (\d+)$")
_TAG = re.compile(r"^asreview tag (.+)$")
_JSON_NOTE = re.compile(r"^(asreview_[a-z_]+): (.*)$", re.DOTALL)
_MEDLINE = ("nlm", "pubmed", "medline")


def _label(value: str | None) -> tuple[bool, ScreeningLabel | None]:
    """``(understood, label)`` for a label cell."""
    if value is None or not value.strip():
        return True, None
    text = value.strip().lower()
    return (text in _VALUES), _VALUES.get(text)


def _time(value: str | None) -> dt.datetime | None:
    """LAB 3's ``asreview_time``: ``YYYY-MM-DD HH:MM:SS`` in UTC; ValueError if malformed."""
    if not value:
        return None
    return dt.datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)


class _Reader:
    def __init__(self, collector: Collector, reviewer: str | None, stage: ScreeningStage) -> None:
        self.collector = collector
        self.reviewer = reviewer
        self.stage = stage

    def add(self, item: Item, *, label: ScreeningLabel | None, external_id: str | None,
            user: str | None, note: str | None, time: str | None, tags: tuple[str, ...]) -> None:
        try:
            decided_at = _time(time)
        except ValueError:
            self.collector.reject(item.where, f"asreview_time {time!r} is not YYYY-MM-DD HH:MM:SS")
            return
        found = self.collector.record(item, external_id=external_id, labels=tags)
        if found is None or label is None:
            return
        reviewer = user or self.reviewer
        if not reviewer:
            raise InputError("ASReview's export does not say who labelled the records; give "
                             "the reviewer", source=self.collector.source, where=item.where)
        self.collector.decisions.append(ExternalDecision(
            item=found, reviewer=reviewer, stage=self.stage, label=label, note=note,
            decided_at=decided_at))

    def csv(self, path: Path) -> None:
        label_column: str | None = None
        for item, cells in csv_rows(path, self.collector.source):
            if label_column is None:
                label_column = self._label_column(list(cells))
            understood, label = _label(cells.get(label_column))
            if not understood:
                self.collector.reject(item.where, f"column {label_column!r}: expected 1, 0 or "
                                      f"empty, got {cells[label_column]!r}")
                continue
            keyed = {header_key(header): value for header, value in cells.items()}
            rounds = sorted((int(m.group(1)), value) for header, value in keyed.items()
                            if (m := _NOTES_ROUND.match(header)) and value.strip())
            tags = tuple(m.group(1).replace(" ", "_") for header, value in keyed.items()
                         if (m := _TAG.match(header)) and value.strip() in ("1", "1.0"))
            external_id = cell(cells, "record_id") or (cells.get("") or "").strip() or None
            self.add(self._with_pmid(item, cells), label=label, external_id=external_id,
                     user=cell(cells, "asreview_user_name"),
                     note=cell(cells, "asreview_note") or (rounds[-1][1].strip() if rounds else None),
                     time=cell(cells, "asreview_time"), tags=tags)

    def _label_column(self, headers: list[str]) -> str:
        keys = {header_key(header): header for header in reversed(headers)}
        for name in LABEL_COLUMNS:
            if header_key(name) in keys:
                return keys[header_key(name)]
        raise InputError("no label column: ASReview writes its labels in one of "
                         + ", ".join(LABEL_COLUMNS), source=self.collector.source, where="line 1")

    @staticmethod
    def _with_pmid(item: Item, cells: dict[str, str]) -> Item:
        """ASReview keeps RIS tags as rispy names: a PubMed record's PMID is its
        ``accession_number`` when ``database_provider`` or ``name_of_database`` names NLM."""
        accession = cell(cells, "accession_number") or ""
        provider = (cell(cells, "database_provider", "name_of_database") or "").lower()
        if (not isinstance(item, Parsed) or not isinstance(item.item, Record) or item.item.pmid
                or not accession.isdigit() or not any(name in provider for name in _MEDLINE)):
            return item
        record = item.item.model_copy(update={"pmid": str(int(accession))})
        return Parsed(record, item.source, item.where)

    def ris(self, path: Path) -> None:
        for item, tags in ris_records(path, self.collector.source):
            label: ScreeningLabel | None = None
            values: dict[str, str] = {}
            for note in tags.get("N1", ()):
                note = note.strip()
                if note in RIS_LABELS:
                    label = RIS_LABELS[note]
                elif match := _JSON_NOTE.match(note):
                    try:
                        value = json.loads(match.group(2))
                    except json.JSONDecodeError:
                        continue
                    values[match.group(1)] = "" if value is None else str(value)
            self.add(item, label=label, external_id=values.get("asreview_group_id"),
                     user=values.get("asreview_user_name") or None,
                     note=values.get("asreview_note") or None,
                     time=values.get("asreview_time") or None, tags=())


def read_asreview(path: Path, *, reviewer: str | None = None, source: str | None = None,
                  stage: ScreeningStage = ScreeningStage.TITLE_ABSTRACT) -> ExternalImport:
    """Read the labels of an ASReview LAB dataset export (CSV, TSV, or RIS).

    Parameters
    ----------
    path : Path
        The exported file.
    reviewer : str, optional
        Who labelled the records; needed unless the export names its users.
    source : str, optional
        How messages name the file; the path by default.
    stage : ScreeningStage
        The stage the labels are for.
    """
    source = source or str(path)
    reader = _Reader(Collector(ExternalTool.ASREVIEW, source), reviewer, stage)
    with path.open("rb") as stream:
        ris = is_ris(stream.read(8192))
    if ris:
        reader.ris(path)
    else:
        reader.csv(path)
    return reader.collector.result()
