"""A CSV of study rows held as columns, with the checks that turn columns into numbers.

This is the input side of ``evidencehub meta``: one row per study (and per analysis, with
``--by``), columns named as metafor's ``escalc`` arguments plus any columns used for
subgroups, moderators or ``--by``. It follows the rules and messages of
:mod:`evidencehub.stats.table` (rows numbered from the first row after the header, empty
cells and ``NA`` missing, errors naming the row and the column) but keeps the table as
columns, so that a file of 10,000 analyses is read, checked and converted with one numpy call
per column rather than one Python call per cell:

* a regular file (ASCII, no quote characters, every row complete) is cut at commas and line
  breaks on its bytes by :mod:`evidencehub.analysis._spans`, which keeps each column as
  spans of the text and parses plain decimals in numpy (the numbers ``float()`` gives);
* another file without quote characters is split on line breaks and commas with Python's
  string methods (the same fields :mod:`csv` gives for such a file), and any other file goes
  through :mod:`csv` (RFC 4180 quoting, ``strict=True``);
* a numeric column that is not all plain decimals is converted by :func:`numpy.array` (which
  parses text as ``float()`` does); only when that fails, or gives a non-finite number, is
  the column walked cell by cell to name the first bad one.

It is pure: :func:`read_csv` takes the text, the caller opens the file.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter

import numpy as np
from numpy.typing import NDArray

from evidencehub.analysis._spans import Spans, split_plain
from evidencehub.errors import InputError
from evidencehub.stats.measures import measure_info
from evidencehub.stats.table import MISSING

__all__ = ["CsvTable", "Groups", "read_csv"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Groups:
    """The rows of a table split by the text of one column.

    Attributes
    ----------
    values : tuple of str
        The distinct values, in order of first appearance.
    codes : ndarray of int, shape (k,)
        For each row, the index of its value in ``values``; -1 for an empty cell.
    left_out : tuple of int
        Row numbers whose cell is empty (they belong to no group).
    """

    values: tuple[str, ...]
    codes: IntArray
    left_out: tuple[int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CsvTable:
    """Rows of study data as text columns.

    Attributes
    ----------
    source : str
        Where the rows came from (a file name), used in error messages.
    header : tuple of str
        Column names.
    columns : tuple of sequences of str
        The cell texts, one sequence per column, as read (text is stripped when it is used):
        tuples, or for a regular file :class:`~evidencehub.analysis._spans.Spans` of its
        text, which make a cell's text when it is asked for.
    row_numbers : ndarray of int
        The row number of each row in the source (1 = first row after the header); kept
        through :meth:`take` so that messages point at the original row.
    """

    source: str
    header: tuple[str, ...]
    columns: tuple[Sequence[str], ...]
    row_numbers: IntArray

    @property
    def k(self) -> int:
        """Number of rows."""
        return int(self.row_numbers.shape[0])

    def has(self, column: str) -> bool:
        """True if the table has a column of that name."""
        return column in self.header

    def _index(self, column: str, purpose: str) -> int:
        if column not in self.header:
            found = ", ".join(repr(c) for c in self.header)
            raise InputError(f"missing column {column!r} {purpose}; the columns are {found}",
                             source=self.source)
        return self.header.index(column)

    def text(self, column: str, purpose: str = "") -> tuple[str | None, ...]:
        """The column as stripped text, ``None`` for missing cells."""
        cells = self.columns[self._index(column, purpose)]
        if isinstance(cells, Spans):
            if cells.clean():
                return cells.cells()
            cells = cells.cells()
        return tuple(None if c in MISSING else c for c in map(str.strip, cells))

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
        cells = self.columns[self._index(column, purpose)]
        if isinstance(cells, Spans):
            parsed = cells.decimals()
            if parsed is not None:
                return parsed
            cells = cells.cells()
        try:
            out = np.array(cells, dtype=np.float64)
        except ValueError:
            return self._numbers_by_cell(column, cells, required)
        if not np.isfinite(out).all():
            return self._numbers_by_cell(column, cells, required)
        return out

    def _numbers_by_cell(self, column: str, cells: Sequence[str], required: bool) -> FloatArray:
        out = np.empty(len(cells), dtype=np.float64)
        for i, raw in enumerate(cells):
            cell = raw.strip()
            where = f"row {self.row_numbers[i]}, column {column!r}"
            if cell in MISSING:
                if required:
                    raise InputError("expected a number, got an empty cell", source=self.source,
                                     where=where)
                out[i] = math.nan
                continue
            try:
                value = float(cell)
            except ValueError:
                raise InputError(f"expected a number, got {cell!r}", source=self.source,
                                 where=where) from None
            if not math.isfinite(value):
                raise InputError(f"expected a finite number, got {cell!r}", source=self.source,
                                 where=where)
            out[i] = value
        return out

    def study(self) -> tuple[str, ...] | None:
        """Study labels from the ``study`` column (``"row N"`` for empty cells), or None."""
        if not self.has("study"):
            return None
        labels = self.text("study")
        if None not in labels:
            return labels  # type: ignore[return-value]
        return tuple(label if label is not None else f"row {n}"
                     for label, n in zip(labels, self.row_numbers.tolist(), strict=True))

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

    def take(self, rows: Sequence[int] | IntArray) -> CsvTable:
        """The rows at the given positions, keeping their original row numbers."""
        idx = np.asarray(rows, dtype=np.int64)
        columns = tuple(col.take(idx) if isinstance(col, Spans) else _pick(col, idx)
                        for col in self.columns)
        return CsvTable(self.source, self.header, columns, self.row_numbers[idx])

    def groups(self, column: str, purpose: str = "") -> Groups:
        """Split the rows by the text of ``column``, in order of first appearance."""
        cells = self.columns[self._index(column, purpose)]
        if isinstance(cells, Spans):
            runs = cells.runs() if cells.clean() else None
            if runs is not None:  # each value in one block of rows, none blank or missing
                values, codes = runs
                return Groups(values, codes, ())
            cells = cells.cells()
        raw = {c: j for j, c in enumerate(dict.fromkeys(cells))}  # in order of appearance
        raw_codes = np.fromiter(map(raw.__getitem__, cells), dtype=np.int64, count=len(cells))
        # cells that differ only by surrounding blanks are one value; empty ones none
        index: dict[str, int] = {}
        recode = np.empty(len(raw), dtype=np.int64)
        for j, cell in enumerate(raw):
            value = cell.strip()
            recode[j] = -1 if value in MISSING else index.setdefault(value, len(index))
        codes = recode[raw_codes] if raw_codes.size else raw_codes
        left_out = tuple(self.row_numbers[codes < 0].tolist())
        return Groups(tuple(index), codes, left_out)


def read_csv(text: str, *, source: str = "<stdin>") -> CsvTable:
    """Read a CSV (comma-separated, RFC 4180 quoting, header row) from its text.

    Raises
    ------
    InputError
        No header, no data rows, a header separated by semicolons or tabs, an empty or
        repeated column name, a row with a different number of cells than the header (blank
        lines are skipped), or malformed quoting (with the line where the parser stopped).
    """
    if '"' in text:
        header, flat, numbers = _quoted(text, source)
    else:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        regular = split_plain(text)
        if regular is not None:
            line, cells = regular
            return CsvTable(source, _header(line.split(","), source), tuple(cells),
                            np.arange(1, len(cells[0]) + 1, dtype=np.int64))
        header, flat, numbers = _plain(text, source)
    width = len(header)
    columns = tuple(tuple(flat[j::width]) for j in range(width))
    return CsvTable(source, header, columns, np.array(numbers, dtype=np.int64))


def _pick(cells: Sequence[str], idx: IntArray) -> tuple[str, ...]:
    """The cells at the given positions, as a tuple."""
    if idx.size == 0:
        return ()
    if idx.size == 1:
        return (cells[int(idx[0])],)
    return itemgetter(*idx.tolist())(cells)  # type: ignore[no-any-return]


def _header(row: Sequence[str], source: str) -> tuple[str, ...]:
    header = tuple(h.strip().lstrip("\ufeff").strip() for h in row)
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
    return header


def _is_blank(cells: Sequence[str]) -> bool:
    return not any(c.strip() for c in cells)


def _plain(text: str, source: str) -> tuple[tuple[str, ...], list[str], list[int]]:
    """A file without quote characters: each line is a row, each comma separates two cells
    (what :mod:`csv` reads from such a file), split in one call over the kept lines; ``text``
    has ``\\n`` line breaks."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        raise InputError(_EMPTY, source=source)
    header = _header(lines[0].split(",") if lines[0] else [], source)
    width = len(header)
    skip = set()
    for n, count in enumerate(map(str.count, lines, repeat(",")), start=0):
        if n and count != width - 1:
            cells = lines[n].split(",") if lines[n] else []
            if not _is_blank(cells):
                raise InputError(f"expected {width} cells as in the header, got {len(cells)}",
                                 source=source, where=f"row {n}")
            skip.add(n)
    # a complete row is blank only if it starts with a blank or a comma
    skip.update(n for n in range(1, len(lines))
                if not lines[n][:1].strip().strip(",") and n not in skip
                and _is_blank(lines[n].split(",")))
    numbers = [n for n in range(1, len(lines)) if n not in skip] if skip else list(
        range(1, len(lines)))
    if not numbers:
        raise InputError(_NO_ROWS, source=source)
    if skip:
        return header, ",".join(lines[n] for n in numbers).split(","), numbers
    # every line after the header is a row: split the text itself (no join of the lines)
    body = text[len(lines[0]) + 1:]
    return header, body.removesuffix("\n").replace("\n", ",").split(","), numbers


def _quoted(text: str, source: str) -> tuple[tuple[str, ...], list[str], list[int]]:
    """A file with quote characters, read by :mod:`csv`."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", source=source,
                         where=f"line {reader.line_num}") from None
    if not rows:
        raise InputError(_EMPTY, source=source)
    header = _header(rows[0], source)
    flat: list[str] = []
    numbers: list[int] = []
    for n in range(1, len(rows)):
        row = rows[n]
        if _is_blank(row):
            continue
        if len(row) != len(header):
            raise InputError(f"expected {len(header)} cells as in the header, got {len(row)}",
                             source=source, where=f"row {n}")
        flat += row
        numbers.append(n)
    if not numbers:
        raise InputError(_NO_ROWS, source=source)
    return header, flat, numbers


_EMPTY = "the file is empty; expected a header row and one row per study"
_NO_ROWS = "no data rows after the header; expected one row per study"
