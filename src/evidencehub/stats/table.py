"""A table of studies with columns named as metafor's ``escalc`` arguments.

This is the input side of ``evidencehub meta``: a CSV with one row per study and columns
``study, ai, bi, ci, di, n1i, n2i, m1i, m2i, sd1i, sd2i, xi, ni, mi, sdi, ri, yi, vi, sei``
(plus any columns used for subgroups, moderators or ``--by``) becomes number arrays for
:func:`~evidencehub.stats.escalc`, with errors that name the row and column of a bad cell.

It is pure: :func:`read_table` takes an already opened text stream, :func:`table_from_rows`
rows already parsed; the caller opens files. CSV parsing is the standard library's
:mod:`csv` (RFC 4180 quoting); this module only adds the checks and the conversion.

Rows are numbered as people count them in a spreadsheet's data area: ``row 1`` is the first
row after the header. Empty cells and ``NA`` are missing values.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from evidencehub.errors import InputError
from evidencehub.stats.measures import measure_info

__all__ = ["ESCALC_COLUMNS", "MISSING", "StudyTable", "read_table", "table_from_rows"]

FloatArray = NDArray[np.float64]

#: Input columns understood by :func:`~evidencehub.stats.escalc`, spelled as in metafor.
ESCALC_COLUMNS = ("ai", "bi", "ci", "di", "n1i", "n2i", "m1i", "m2i", "sd1i", "sd2i", "xi",
                  "ni", "mi", "sdi", "ri", "yi", "vi", "sei")
#: Cell texts read as a missing value.
MISSING = ("", "NA")


@dataclass(frozen=True, slots=True)
class StudyTable:
    """Rows of study data as text, with the checks that turn columns into numbers.

    Attributes
    ----------
    source : str
        Where the rows came from (a file name), used in error messages.
    header : tuple of str
        Column names.
    cells : tuple of tuple of str
        The cell texts, one tuple per row (stripped of surrounding blanks).
    row_numbers : tuple of int
        The row number of each row in the source (1 = first row after the header); kept
        through :meth:`subset` so messages point at the original row.
    """

    source: str
    header: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    row_numbers: tuple[int, ...]

    @property
    def k(self) -> int:
        """Number of rows."""
        return len(self.cells)

    def has(self, column: str) -> bool:
        """True if the table has a column of that name."""
        return column in self.header

    def _index(self, column: str, purpose: str) -> int:
        if column not in self.header:
            found = ", ".join(repr(c) for c in self.header)
            raise InputError(f"missing column {column!r} {purpose}; the columns are {found}",
                             source=self.source)
        return self.header.index(column)

    def _where(self, row: int, column: str) -> str:
        return f"row {self.row_numbers[row]}, column {column!r}"

    def text(self, column: str, purpose: str = "") -> tuple[str | None, ...]:
        """The column as text, ``None`` for missing cells."""
        j = self._index(column, purpose)
        return tuple(None if r[j] in MISSING else r[j] for r in self.cells)

    def numbers(self, column: str, *, required: bool = True, purpose: str = "") -> FloatArray:
        """The column as floats.

        Parameters
        ----------
        column : str
            Column name.
        required : bool
            If true, a missing cell is an error; otherwise it becomes NaN.
        purpose : str
            Why the column is needed, for the message when it is absent ("needed for
            measure OR").

        Raises
        ------
        InputError
            The column is absent, a cell is not a number (or infinite), or a required cell
            is empty; the message names the row and the column.
        """
        j = self._index(column, purpose)
        out = np.empty(self.k, dtype=np.float64)
        for i, row in enumerate(self.cells):
            cell = row[j]
            if cell in MISSING:
                if required:
                    raise InputError("expected a number, got an empty cell", source=self.source,
                                     where=self._where(i, column))
                out[i] = math.nan
                continue
            try:
                value = float(cell)
            except ValueError:
                raise InputError(f"expected a number, got {cell!r}", source=self.source,
                                 where=self._where(i, column)) from None
            if not math.isfinite(value):
                raise InputError(f"expected a finite number, got {cell!r}", source=self.source,
                                 where=self._where(i, column))
            out[i] = value
        return out

    def study(self) -> tuple[str, ...] | None:
        """Study labels from the ``study`` column (``"row N"`` for empty cells), or None."""
        if not self.has("study"):
            return None
        labels = self.text("study")
        return tuple(label if label is not None else f"row {n}"
                     for label, n in zip(labels, self.row_numbers, strict=True))

    def effect_inputs(self, measure: str) -> dict[str, FloatArray]:
        """The ``escalc`` arguments that ``measure`` needs, as complete float columns.

        For each required input the first of its alternatives present in the table is used
        (for OR: ``bi``, else ``n1i``); optional inputs are added when present.

        Raises
        ------
        InputError
            A required column is absent (the message lists the columns the measure reads
            and the ones found), or a cell is empty or not a number.
        """
        info = measure_info(measure)
        purpose = f"needed for measure {info.measure.value}"
        chosen: list[str] = []
        for alternatives in info.required:
            present = [c for c in alternatives if self.has(c)]
            if not present:
                wanted = " or ".join(repr(c) for c in alternatives)
                needs = ", ".join("/".join(a) for a in info.required)
                found = ", ".join(repr(c) for c in self.header)
                raise InputError(
                    f"missing column {wanted} {purpose} (it reads {needs}); the columns are "
                    f"{found}", source=self.source)
            chosen.append(present[0])
        chosen += [c for c in info.optional if self.has(c) and c not in chosen]
        return {c: self.numbers(c, purpose=purpose) for c in chosen}

    def subset(self, rows: Iterable[int]) -> StudyTable:
        """The rows at the given positions, keeping their original row numbers."""
        idx = list(rows)
        return StudyTable(self.source, self.header, tuple(self.cells[i] for i in idx),
                          tuple(self.row_numbers[i] for i in idx))

    def split(self, column: str, purpose: str = "") -> tuple[list[tuple[str, StudyTable]],
                                                             tuple[int, ...]]:
        """Split the rows by the text of ``column``, in order of first appearance.

        Returns
        -------
        parts : list of (value, StudyTable)
        left_out : tuple of int
            Row numbers whose cell is empty (they belong to no part).
        """
        values = self.text(column, purpose)
        order: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            if v is not None:
                order.setdefault(v, []).append(i)
        left_out = tuple(self.row_numbers[i] for i, v in enumerate(values) if v is None)
        return [(v, self.subset(idx)) for v, idx in order.items()], left_out


def table_from_rows(rows: Sequence[Sequence[str]], *, source: str) -> StudyTable:
    """Build a :class:`StudyTable` from parsed rows, the first being the header.

    Raises
    ------
    InputError
        No header, no data rows, a header separated by semicolons or tabs, an empty or
        repeated column name, or a row with a different number of cells than the header
        (blank lines are skipped).
    """
    if not rows:
        raise InputError("the file is empty; expected a header row and one row per study",
                         source=source)
    header = tuple(h.strip().lstrip("\ufeff").strip() for h in rows[0])
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs")):
            if sep in header[0]:
                raise InputError(f"the header is separated by {name}; expected commas "
                                 "(save the file as comma-separated CSV)", source=source)
    for j, name in enumerate(header):
        if not name:
            raise InputError(f"column {j + 1} of the header has no name", source=source)
        if name in header[:j]:
            raise InputError(f"column {name!r} appears more than once in the header",
                             source=source)
    cells: list[tuple[str, ...]] = []
    numbers: list[int] = []
    for n, row in enumerate(rows[1:], start=1):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"expected {len(header)} cells as in the header, got {len(row)}",
                             source=source, where=f"row {n}")
        cells.append(tuple(c.strip() for c in row))
        numbers.append(n)
    if not cells:
        raise InputError("no data rows after the header; expected one row per study",
                         source=source)
    return StudyTable(source, header, tuple(cells), tuple(numbers))


def read_table(stream: TextIO, *, source: str = "<stdin>") -> StudyTable:
    """Read a CSV (comma-separated, RFC 4180 quoting, header row) from an open text stream.

    Raises
    ------
    InputError
        Malformed CSV (with the line where the parser stopped) or any problem listed in
        :func:`table_from_rows`.
    """
    reader = csv.reader(stream, strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", source=source,
                         where=f"line {reader.line_num}") from None
    return table_from_rows(rows, source=source)
