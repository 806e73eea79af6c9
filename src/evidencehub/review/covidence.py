"""Screening decisions in Covidence's exports (CSV and RIS).

Covidence exports one list of its review at a time, and the list is the decision: a file holds
the records Covidence keeps in that list (its "Export" page; the file is named
``review_<review id>_<list>_csv_<timestamp>.csv``, or ``…_ris_…`` for RIS). The CSV columns
are ``Title, Authors, Abstract, Published Year, Published Month, Journal, Volume, Issue, Pages,
Accession Number, DOI, Ref, Covidence #, Study, Notes, Tags``; the RIS flavours carry the same
records without ``Covidence #`` (``NS`` and ``N1`` are written empty). The lists
(:class:`~evidencehub.review.external.CovidenceList`) map onto the hub's decisions as follows:

==============  ===============================================================
list            decisions
==============  ===============================================================
``screen``      none (awaiting title and abstract screening)
``irrelevant``  title/abstract: exclude
``select``      title/abstract: include (Covidence moves Yes and Maybe votes on)
``included``    title/abstract: include; full text: include
``excluded``    title/abstract: include; full text: exclude, with the reason
==============  ===============================================================

These are the review's outcomes after Covidence's conflict resolution, not single votes
(``final`` is set), and Covidence's exports do not name the reviewers: the decisions are
recorded under the name the caller gives. A full-text exclusion reason is written into the
Notes cell as ``Exclusion reason: <reason>; ``, after or among the reviewers' notes (seen in
published Covidence exports); the other notes become the decision's note, and the Tags cell
becomes the record's labels (``;``-separated).
"""

from __future__ import annotations

import re
from pathlib import Path

from evidencehub.errors import InputError
from evidencehub.review._sources import Collector, cell, csv_rows, is_ris, ris_records
from evidencehub.review.external import (
    CovidenceList,
    ExternalDecision,
    ExternalImport,
    ExternalRecord,
    ExternalTool,
)
from evidencehub.vocab import ScreeningLabel, ScreeningStage

__all__ = ["CSV_COLUMNS", "LIST_DECISIONS", "covidence_list_from_name", "read_covidence"]

#: Our record fields → Covidence's CSV headers, where the reader's defaults do not find them.
CSV_COLUMNS = {"year": "Published Year"}
_NAME = re.compile(r"review_\d+_(" + "|".join(item.value for item in CovidenceList)
                   + r")_(?:csv|ris)_\d+", re.IGNORECASE)
_REASON = re.compile(r"^exclusion reason:\s*", re.IGNORECASE)
_TA, _FT = ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT
_INCLUDE, _EXCLUDE = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE
#: The decisions each list stands for, in stage order.
LIST_DECISIONS: dict[CovidenceList, tuple[tuple[ScreeningStage, ScreeningLabel], ...]] = {
    CovidenceList.SCREEN: (),
    CovidenceList.IRRELEVANT: ((_TA, _EXCLUDE),),
    CovidenceList.SELECT: ((_TA, _INCLUDE),),
    CovidenceList.INCLUDED: ((_TA, _INCLUDE), (_FT, _INCLUDE)),
    CovidenceList.EXCLUDED: ((_TA, _INCLUDE), (_FT, _EXCLUDE)),
}


def covidence_list_from_name(name: str) -> CovidenceList | None:
    """The list a Covidence export comes from, read from its file name; None if it does not say.

    >>> covidence_list_from_name("review_59500_irrelevant_csv_20190925102123.csv")
    <CovidenceList.IRRELEVANT: 'irrelevant'>
    """
    match = _NAME.search(name)
    return CovidenceList(match.group(1).lower()) if match else None


def _notes(text: str | None) -> tuple[str | None, str | None]:
    """``(reason, note)`` from a Notes cell: the ``Exclusion reason:`` entries and the rest."""
    reasons: list[str] = []
    notes: list[str] = []
    for entry in (text or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        if _REASON.match(entry):
            reasons.append(_REASON.sub("", entry))
        else:
            notes.append(entry)
    return "; ".join(reasons) or None, "; ".join(notes) or None


def _add(collector: Collector, found: ExternalRecord | None, notes: str | None,
         outcome: CovidenceList, reviewer: str) -> None:
    if found is None:
        return
    reason, note = _notes(notes)
    for stage, label in LIST_DECISIONS[outcome]:
        last = stage is LIST_DECISIONS[outcome][-1][0]
        collector.decisions.append(ExternalDecision(
            item=found, reviewer=reviewer, stage=stage, label=label,
            reason=reason if last and label is _EXCLUDE else None,
            note=note if last else None, final=True))


def read_covidence(path: Path, *, reviewer: str, source: str | None = None,
                   covidence_list: CovidenceList | None = None) -> ExternalImport:
    """Read the decisions of a Covidence export (CSV, or RIS when the file holds RIS records).

    Parameters
    ----------
    path : Path
        The exported file.
    reviewer : str
        The name the decisions are recorded under (Covidence's exports name no reviewer).
    source : str, optional
        How messages name the file; the path by default.
    covidence_list : CovidenceList, optional
        The list the file was exported from; by default read from the file name, and an
        :class:`~evidencehub.errors.InputError` when the name does not say.
    """
    source = source or str(path)
    outcome = covidence_list or covidence_list_from_name(path.name)
    if outcome is None:
        raise InputError(
            "the file name does not say which Covidence list it was exported from (Covidence "
            "names its exports review_<id>_<list>_csv_<time>.csv); name the list: "
            + ", ".join(item.value for item in CovidenceList), source=source)
    collector = Collector(ExternalTool.COVIDENCE, source)
    with path.open("rb") as stream:
        ris = is_ris(stream.read(8192))
    if ris:
        for item, tags in ris_records(path, source):
            found = collector.record(item)
            _add(collector, found, " ; ".join(tags.get("N1", ())), outcome, reviewer)
        return collector.result()
    for item, cells in csv_rows(path, source, CSV_COLUMNS):
        labels = tuple(t.strip() for t in (cell(cells, "Tags") or "").split(";") if t.strip())
        found = collector.record(item, external_id=cell(cells, "Covidence #"), labels=labels,
                                 study=cell(cells, "Study"))
        _add(collector, found, cell(cells, "Notes"), outcome, reviewer)
    return collector.result()
