"""Screening decisions from other tools: which tool made a file, and its decisions read.

:func:`read_decisions` is the one entry point: it finds the tool (:func:`detect_tool`, or the
caller names it) and hands the file to that tool's reader — :mod:`~evidencehub.review.rayyan`,
:mod:`~evidencehub.review.covidence`, :mod:`~evidencehub.review.asreview_lab` or
:mod:`~evidencehub.review.hub_files` (the hub's own exports) — which returns an
:class:`~evidencehub.review.external.ExternalImport`.

Detection reads the start of the file, content before name:

============  ==========================================================================
tool          RIS                                      CSV / TSV header
============  ==========================================================================
Rayyan        ``RAYYAN-`` notes or ``AN  - rayyan-``   ``key`` and ``notes`` with ``location``
                                                       or ``RAYYAN-`` notes
Covidence     ``NS`` tags, or a Covidence file name     a ``Covidence #`` column
ASReview LAB  ``ASReview_relevant``/``_irrelevant``/   an ``asreview_…`` or ``exported_notes…``
              ``_not_seen`` notes                      column, or ``record_id`` with a label
                                                       column ASReview reads
the hub       ``DB  - evidencehub``                    the hub's CSV columns
============  ==========================================================================
"""

from __future__ import annotations

import csv
import re
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from evidencehub.errors import InputError
from evidencehub.review._sources import header_key, is_ris
from evidencehub.review.asreview_lab import LABEL_COLUMNS, read_asreview
from evidencehub.review.covidence import covidence_list_from_name, read_covidence
from evidencehub.review.exports import CSV_RECORD_COLUMNS, RIS_DATABASE
from evidencehub.review.external import CovidenceList, ExternalImport, ExternalTool
from evidencehub.review.hub_files import read_hub_export
from evidencehub.review.rayyan import read_rayyan
from evidencehub.vocab import ScreeningStage

__all__ = ["detect_tool", "read_decisions"]

_HEAD_BYTES = 16384
_E = TypeVar("_E", bound=StrEnum)
_BINARY = {
    b"PK\x03\x04": "a ZIP archive or an Excel workbook: unzip a Rayyan export and read its "
                   "articles.csv; export CSV or RIS from Covidence and ASReview LAB",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook: export CSV or RIS instead",
    b"%PDF": "a PDF document",
}
_ASREVIEW_RIS = re.compile(rb"^N1  - ASReview_(?:relevant|irrelevant|not_seen)\b", re.MULTILINE)
_RAYYAN_RIS = re.compile(rb"^AN  - rayyan-|RAYYAN-INCLUSION:", re.MULTILINE)
_COVIDENCE_RIS = re.compile(rb"^NS  -", re.MULTILINE)
_HUB_RIS = re.compile(rb"^DB  - " + RIS_DATABASE.encode() + rb"\s*$", re.MULTILINE)


def _head(path: Path, source: str) -> bytes:
    if not path.exists():
        raise InputError("no such file", source=source)
    if path.is_dir():
        raise InputError("is a directory, expected an exported file", source=source)
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    if not head.strip():
        raise InputError("empty file, expected a screening tool's export", source=source)
    for magic, what in _BINARY.items():
        if head.startswith(magic):
            raise InputError(f"{what}, not a CSV or RIS export", source=source)
    return head


def _csv_header(head: bytes) -> list[str]:
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))  # spreadsheets' "Unicode text"
    text = head.decode("utf-16" if utf16 else "utf-8", errors="replace")
    first = text.lstrip("\ufeff").splitlines()[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return next(csv.reader([first], dialect), [])


def _detect(head: bytes, name: str) -> ExternalTool | None:
    if is_ris(head):
        if _RAYYAN_RIS.search(head):
            return ExternalTool.RAYYAN
        if _ASREVIEW_RIS.search(head):
            return ExternalTool.ASREVIEW
        if _HUB_RIS.search(head):
            return ExternalTool.EVIDENCEHUB
        if _COVIDENCE_RIS.search(head) or covidence_list_from_name(name):
            return ExternalTool.COVIDENCE
        return None
    keys = [header_key(header) for header in _csv_header(head)]
    if "covidence #" in keys:
        return ExternalTool.COVIDENCE
    if any(key.startswith(("asreview ", "exported notes")) for key in keys) or (
            "record id" in keys and any(header_key(c) in keys for c in LABEL_COLUMNS)):
        return ExternalTool.ASREVIEW
    if keys[:len(CSV_RECORD_COLUMNS)] == list(CSV_RECORD_COLUMNS):
        return ExternalTool.EVIDENCEHUB
    if {"key", "notes"} <= set(keys) and ("location" in keys or b"RAYYAN-" in head):
        return ExternalTool.RAYYAN
    return None


def _choice(kind: type[_E], value: _E | str | None, what: str, source: str) -> _E | None:
    if not value:
        return None
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(item.value for item in kind)
        raise InputError(f"unknown {what} {value!r}; known: {known}", source=source) from None


def detect_tool(path: Path, *, source: str | None = None) -> ExternalTool:
    """The tool that made an export (module docstring); :class:`InputError` if none fits."""
    source = source or str(path)
    tool = _detect(_head(path, source), path.name)
    if tool is None:
        raise InputError(
            "cannot tell which screening tool made this file (no Rayyan notes, Covidence # "
            "column, ASReview label or hub export columns); name the tool: "
            + ", ".join(item.value for item in ExternalTool), source=source)
    return tool


def read_decisions(path: Path, *, tool: ExternalTool | str | None = None,
                   reviewer: str | None = None, stage: ScreeningStage | str | None = None,
                   covidence_list: CovidenceList | str | None = None,
                   source: str | None = None) -> ExternalImport:
    """Read the screening decisions of another tool's export.

    Parameters
    ----------
    path : Path
        The exported file (CSV, TSV or RIS).
    tool : ExternalTool or str, optional
        The tool that made it; detected from the content when not given.
    reviewer : str, optional
        The name to record the decisions under, for exports that name no reviewer: needed for
        Covidence, and for ASReview LAB unless its export names its users.
    stage : ScreeningStage or str, optional
        The stage of a Rayyan or ASReview LAB export (title-abstract by default); Covidence's
        lists and the hub's exports say their stages themselves.
    covidence_list : CovidenceList or str, optional
        The Covidence list the file holds, when its name does not say.
    source : str, optional
        How messages name the file; the path by default.

    Raises
    ------
    InputError
        For a file that is not an export (naming what it is), a tool that cannot be detected,
        or arguments that do not fit the tool. Rows that cannot be read are returned in
        :attr:`ExternalImport.rejected <evidencehub.review.external.ExternalImport.rejected>`.
    """
    source = source or str(path)
    head = _head(path, source)
    chosen = _choice(ExternalTool, tool, "tool", source)
    stage = _choice(ScreeningStage, stage, "stage", source)
    outcome = _choice(CovidenceList, covidence_list, "Covidence list", source)
    chosen = chosen or _detect(head, path.name) or detect_tool(path, source=source)
    if reviewer and chosen in (ExternalTool.RAYYAN, ExternalTool.EVIDENCEHUB):
        raise InputError(f"a {chosen.value} export names the reviewer of each decision; give "
                         "no reviewer", source=source)
    if outcome is not None and chosen is not ExternalTool.COVIDENCE:
        raise InputError(f"a Covidence list was given, but this is a {chosen.value} export",
                         source=source)
    if stage is not None and chosen in (ExternalTool.COVIDENCE, ExternalTool.EVIDENCEHUB):
        raise InputError(f"a {chosen.value} export says the stage of each decision itself; "
                         "give no stage", source=source)
    if chosen is ExternalTool.RAYYAN:
        return read_rayyan(path, source=source, stage=stage or ScreeningStage.TITLE_ABSTRACT)
    if chosen is ExternalTool.ASREVIEW:
        return read_asreview(path, source=source, reviewer=reviewer,
                             stage=stage or ScreeningStage.TITLE_ABSTRACT)
    if chosen is ExternalTool.COVIDENCE:
        if not reviewer:
            raise InputError("Covidence's exports do not name the reviewers; give the name "
                             "to record the decisions under", source=source)
        return read_covidence(path, source=source, reviewer=reviewer, covidence_list=outcome)
    return read_hub_export(path, source=source)
