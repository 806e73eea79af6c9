"""CHECKS.csv: structured numbers for ``evidencehub audit --table``, one statement per row.

Columns, each optional: ``id, estimate, ci_lb, ci_ub, p, ratio, mean, sd, n, items, events,
total, percent, t, F, df1, df2, r, chi2, z``. Numbers keep their printed text, so ``0.030``
and ``0.03`` round differently; ``p`` may carry a relation (``<0.001``); ``percent`` may end
in ``%``; ``ratio`` is yes/no/true/false/1/0; ``n``, ``items``, ``events`` and ``total`` are
whole numbers. A row gives at most one test statistic (``t``, ``F``, ``r``, ``chi2``, ``z``)
with its df in ``df1`` (and ``df2`` for F). Column names are matched without regard to case.

Rows are numbered as in a spreadsheet's data area (``row 1`` is the first row after the
header); empty cells and ``NA`` are missing; blank lines are skipped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evidencehub.errors import InputError
from evidencehub.grade.audit.checks import check
from evidencehub.grade.audit.findings import AuditReport, Finding
from evidencehub.grade.audit.reported import Printed, Reported, TestStatistic

__all__ = ["COLUMNS", "audit_table", "read_checks"]

#: The columns of a CHECKS.csv, in the order of the contract.
COLUMNS = ("id", "estimate", "ci_lb", "ci_ub", "p", "ratio", "mean", "sd", "n", "items",
           "events", "total", "percent", "t", "F", "df1", "df2", "r", "chi2", "z")
_STATISTICS: tuple[TestStatistic, ...] = ("t", "F", "r", "chi2", "z")
_NUMBERS = ("estimate", "ci_lb", "ci_ub", "p", "mean", "sd", "percent", "df1", "df2")
_COUNTS = ("n", "items", "events", "total")
_BOOLEANS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
_MISSING = ("", "NA")
_BY_LOWER = {name.lower(): name for name in COLUMNS}


def read_checks(path: str | Path) -> list[Reported]:
    """Read a CHECKS.csv into one :class:`Reported` per data row.

    Parameters
    ----------
    path : str or Path
        The CSV file (UTF-8, optionally with a byte-order mark; comma-separated).

    Returns
    -------
    list of Reported
        With ``id`` from the ``id`` column and ``quote`` the row as ``col=value`` pairs.

    Raises
    ------
    InputError
        The file cannot be read, is empty or has no data rows, a column is unknown or
        repeated, a row has more cells than the header, or a cell is not what its column
        needs (the message names the row and the column).
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"cannot read the file: {reason}", source=source) from None
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise InputError(f"not a valid CSV: {exc}", source=source) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InputError("the file is empty; expected a header row with columns such as "
                         "estimate, ci_lb, ci_ub, p", source=source)
    header = _header(rows[0], source)
    statements = []
    for number, row in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise InputError(f"expected at most {len(header)} cells as in the header, got "
                             f"{len(row)}", source=source, where=f"row {number}")
        cells = {name: cell.strip() for name, cell in zip(header, row, strict=False)
                 if cell.strip() not in _MISSING}
        statements.append(_statement(cells, number, source))
    if not statements:
        raise InputError("no data rows after the header; expected one statement per row",
                         source=source)
    return statements


def _header(names: Sequence[str], source: str) -> tuple[str, ...]:
    header: list[str] = []
    for j, raw in enumerate(names, start=1):
        name = raw.strip()
        if not name:
            raise InputError(f"column {j} of the header has no name", source=source)
        known = _BY_LOWER.get(name.lower())
        if known is None:
            raise InputError(f"unknown column {name!r}; the columns are {', '.join(COLUMNS)}",
                             source=source)
        if known in header:
            raise InputError(f"column {name!r} appears more than once in the header",
                             source=source)
        header.append(known)
    return tuple(header)


def _statement(cells: dict[str, str], number: int, source: str) -> Reported:
    def where(column: str) -> str:
        return f"row {number}, column {column!r}"

    def printed(column: str) -> Printed:
        text = cells[column]
        if column == "percent":
            text = text.removesuffix("%")
        try:
            return Printed.parse(text)
        except InputError as exc:
            raise InputError(exc.problem, source=source, where=where(column)) from None

    fields: dict[str, Any] = {name: printed(name) for name in _NUMBERS if name in cells}
    for name in _COUNTS:
        if name in cells:
            count = printed(name)
            value = count.value
            if count.relation != "=" or not value.is_integer():
                raise InputError(f"expected a whole number, got {cells[name]!r}", source=source,
                                 where=where(name))
            fields[name] = int(value)
    if "ratio" in cells:
        flag = _BOOLEANS.get(cells["ratio"].lower())
        if flag is None:
            raise InputError(f"expected yes, no, true, false, 1 or 0, got {cells['ratio']!r}",
                             source=source, where=where("ratio"))
        fields["ratio"] = flag
    statistics = [name for name in _STATISTICS if name in cells]
    if len(statistics) > 1:
        raise InputError(f"give one test statistic per row, got {' and '.join(statistics)}",
                         source=source, where=f"row {number}")
    if statistics:
        fields["statistic"] = statistics[0]
        fields["value"] = printed(statistics[0])
    quote = ", ".join(f"{name}={text}" for name, text in cells.items())
    return Reported(quote=quote, id=cells.get("id"), **fields)


def audit_table(rows: Sequence[Reported], *, source: str | None = None) -> AuditReport:
    """Check every row of a CHECKS.csv: ``{"checked": rows, "findings": [...]}``."""
    findings: list[Finding] = []
    for row in rows:
        findings.extend(check(row))
    return AuditReport(checked=len(rows), findings=tuple(findings), source=source)
