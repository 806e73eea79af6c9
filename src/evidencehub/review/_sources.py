"""What the readers of screening tools' exports share: reading the records of a CSV or RIS
export with the hub's own readers (each with the row's cells or the record's tags, where the
tools write their decisions), finding a column whatever its spelling, and gathering what was
read into an :class:`~evidencehub.review.external.ExternalImport`."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

from evidencehub.ingest.base import Item, Parsed, Rejected
from evidencehub.ingest.csv_records import CsvReader
from evidencehub.ingest.ris import RisReader
from evidencehub.model import Record
from evidencehub.review.external import (
    ExternalDecision,
    ExternalImport,
    ExternalRecord,
    ExternalTool,
)

__all__ = ["Collector", "cell", "csv_rows", "header_key", "is_ris", "ris_records"]

_RIS_START = re.compile(rb"^(?:\xef\xbb\xbf)?TY  - ", re.MULTILINE)


def header_key(header: str) -> str:
    """A header compared without case, surrounding spaces or the difference between spaces,
    ``_``, ``-`` and ``.`` (``"Covidence #"``, ``"covidence_#"``)."""
    return re.sub(r"[\s_\-.]+", " ", header.strip().lstrip("\ufeff")).strip().lower()


def cell(cells: Mapping[str, str], *names: str) -> str | None:
    """The first non-empty cell of the named columns (compared by :func:`header_key`)."""
    keyed = {header_key(header): value for header, value in reversed(list(cells.items()))}
    for name in names:
        value = keyed.get(header_key(name))
        if value is not None and value.strip():
            return value.strip()
    return None


def is_ris(head: bytes) -> bool:
    """True when the first bytes of a file hold a RIS record start (``TY  - ``)."""
    return _RIS_START.search(head) is not None


def csv_rows(path: Path, source: str, columns: Mapping[str, str] | None = None,
             ) -> Iterator[tuple[Item, dict[str, str]]]:
    """Each row of a CSV/TSV export: the record read by :class:`CsvReader` (``columns`` maps
    its fields to this tool's headers) and the row's cells."""
    with path.open("rb") as stream:
        yield from CsvReader(columns).read_with_cells(stream, source=source)


def ris_records(path: Path, source: str) -> Iterator[tuple[Item, dict[str, tuple[str, ...]]]]:
    """Each record of a RIS export: the record read by :class:`RisReader` and its tags."""
    with path.open("rb") as stream:
        yield from RisReader().read_with_tags(stream, source=source)


class Collector:
    """Gathers the records, decisions and rejections of one export, in file order."""

    def __init__(self, tool: ExternalTool, source: str) -> None:
        self.tool = tool
        self.source = source
        self.records: list[ExternalRecord] = []
        self.decisions: list[ExternalDecision] = []
        self.rejected: list[Rejected] = []

    def record(self, item: Item, *, external_id: str | None = None,
               labels: tuple[str, ...] = (), study: str | None = None) -> ExternalRecord | None:
        """Keep a record read from the file; a rejected one is kept as such and gives None."""
        if not isinstance(item, Parsed):
            self.rejected.append(item)
            return None
        record = cast(Record, item.item)  # the CSV and RIS readers make records, never trials
        found = ExternalRecord(record=record, where=item.where, external_id=external_id,
                               labels=labels, study=study)
        self.records.append(found)
        return found

    def reject(self, where: str, problem: str) -> None:
        """A row or record whose decisions cannot be read: kept with where and what."""
        self.rejected.append(Rejected(self.source, where, problem))

    def result(self) -> ExternalImport:
        return ExternalImport(tool=self.tool, source=self.source, records=tuple(self.records),
                              decisions=tuple(self.decisions), rejected=tuple(self.rejected))
