"""Read an arm-level outcome table: one row per study × arm × outcome × time point.

Columns (``evidencehub data import``; names are a contract):

``study, arm, outcome, timepoint, n, mean, sd, events, total, median, q1, q3, min, max, se,
ci_lb, ci_ub, value_kind (change|final), source (doi:…|pmid:…), locator, design``

``study``, ``arm`` and ``outcome`` are required; every other column may be missing or empty.
Optional columns beyond the contract: ``unit`` and ``direction`` (``higher-is-better`` |
``lower-is-better``) describe the outcome; ``population`` describes a study the table
introduces; ``sd_baseline``, ``sd_final`` and ``corr`` give the
SD of a change from baseline. Any other column is kept with the row as an attribute (a drug
class, a population: what ``analysis add --subgroup COL`` groups by).

Numbers a row lacks are derived, and the derivation is kept with its inputs
(:class:`~evidencehub.model.Derivation`), never silently:

* SD from the SE of the mean, ``SD = SE √n``, or from a CI of the mean (t with n − 1 df below
  n = 60, else normal) — Cochrane Handbook v6.4 §6.5.2.2 (:mod:`evidencehub.stats.convert`);
* mean and SD from the median with quartiles and/or range — Wan et al. (2014) and Luo et al.
  (2018);
* SD of a change from baseline from the baseline and final SDs and their correlation —
  Handbook §6.5.2.8.

The standard library's :mod:`csv` reads the table (it is small and checked cell by cell); every
error names the file, the row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evidencehub.errors import InputError
from evidencehub.model import (
    Derivation,
    OutcomeData,
    ValueDerivation,
    ValueKind,
    study_key,
    validate,
)
from evidencehub.vocab import OutcomeDirection, StudyDesign

__all__ = ["ARM_DATA_COLUMNS", "ArmDataRow", "read_arm_data"]

#: The contract's columns, in order.
ARM_DATA_COLUMNS = (
    "study", "arm", "outcome", "timepoint", "n", "mean", "sd", "events", "total", "median",
    "q1", "q3", "min", "max", "se", "ci_lb", "ci_ub", "value_kind", "source", "locator",
    "design",
)
_REQUIRED = ("study", "arm", "outcome")
_EXTRA = ("unit", "direction", "population", "sd_baseline", "sd_final", "corr")
_INTEGERS = ("n", "events", "total")
_FLOATS = ("mean", "sd", "median", "q1", "q3", "min", "max", "se", "ci_lb", "ci_ub",
           "sd_baseline", "sd_final", "corr")
#: Table column → OutcomeData field, where they differ.
_FIELD = {"min": "minimum", "max": "maximum"}
_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "."})


@dataclass(frozen=True, slots=True)
class ArmDataRow:
    """One row of the table: its number in the file, the result, and what it says of its
    study (label, design, population) and outcome (unit, direction)."""

    row: int
    study_label: str
    data: OutcomeData
    design: StudyDesign | None
    population: str | None
    unit: str | None
    direction: OutcomeDirection | None


class _Row:
    """One CSV row with typed, located access to its cells."""

    def __init__(self, cells: Mapping[str, str | None], number: int, source: str) -> None:
        self.cells = cells
        self.line = number
        self.source = source

    def fail(self, column: str, problem: str) -> InputError:
        return InputError(problem, source=self.source, where=f"row {self.line}, column '{column}'")

    def text(self, column: str) -> str | None:
        value = (self.cells.get(column) or "").strip()
        return None if value.lower() in _MISSING else value

    def number(self, column: str) -> float | None:
        raw = self.text(column)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.fail(column, f"expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise self.fail(column, f"expected a finite number, got {raw!r}")
        if column in _INTEGERS and not value.is_integer():
            raise self.fail(column, f"expected a whole number, got {raw!r}")
        return value

    def choice(self, column: str, kind: type[Any], default: Any = None) -> Any:
        raw = self.text(column)
        if raw is None:
            return default
        try:
            return kind(raw)
        except ValueError:
            known = ", ".join(repr(k.value) for k in kind)
            raise self.fail(column, f"expected one of {known}, got {raw!r}") from None


def _change_inputs(row: _Row) -> dict[str, float] | None:
    """The baseline SD, final SD and correlation of a row, when it gives all three."""
    given = {name: row.number(name) for name in ("sd_baseline", "sd_final", "corr")}
    if any(value is None for value in given.values()):
        return None
    return {name: float(value) for name, value in given.items() if value is not None}


def _derive(row: _Row, values: dict[str, Any], kind: ValueKind) -> list[Derivation]:
    """Fill the mean and SD a row lacks from what it reports (module docstring), through
    :func:`evidencehub.stats.derive.derive`."""
    from evidencehub.stats.convert import SMALL_SAMPLE
    from evidencehub.stats.derive import derive

    derived: list[Derivation] = []
    n = values.get("n")

    def apply(method: ValueDerivation, numbers: dict[str, Any]) -> None:
        result = derive(method, numbers)
        values.update(result.values)
        derived.append(result.derivation)

    try:
        if values.get("mean") is None and values.get("median") is not None and n is not None:
            has_iqr = values.get("q1") is not None and values.get("q3") is not None
            has_range = values.get("minimum") is not None and values.get("maximum") is not None
            if has_iqr and has_range:
                apply(ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR_RANGE, values)
            elif has_iqr:
                apply(ValueDerivation.MEAN_SD_FROM_MEDIAN_IQR, values)
            elif has_range:
                apply(ValueDerivation.MEAN_SD_FROM_MEDIAN_RANGE, values)
        if values.get("mean") is not None and values.get("sd") is None and n is not None:
            if values.get("se") is not None:
                apply(ValueDerivation.SD_FROM_SE, values)
            elif values.get("ci_lb") is not None and values.get("ci_ub") is not None:
                apply(ValueDerivation.SD_FROM_CI_T if n < SMALL_SAMPLE
                      else ValueDerivation.SD_FROM_CI_Z, values)
            elif kind is ValueKind.CHANGE and (change := _change_inputs(row)) is not None:
                apply(ValueDerivation.SD_CHANGE_FROM_CORRELATION, change)
    except InputError as err:
        raise InputError(err.problem, source=row.source, where=f"row {row.line}") from None
    return derived


def _read_row(row: _Row, attributes: Iterable[str]) -> ArmDataRow:
    for column in _REQUIRED:
        if row.text(column) is None:
            raise row.fail(column, "expected a value, got an empty cell")
    kind = row.choice("value_kind", ValueKind, ValueKind.FINAL)
    values: dict[str, Any] = {}
    for column in ("n", "mean", "sd", "events", "total", "median", "q1", "q3", "min", "max",
                   "se", "ci_lb", "ci_ub"):
        value = row.number(column)
        if value is not None and column in _INTEGERS:
            value = int(value)
        values[_FIELD.get(column, column)] = value
    derivations = _derive(row, values, kind)
    data = validate(OutcomeData, {
        "study_key": _study_key(row),
        "outcome": row.text("outcome"), "arm": row.text("arm"),
        "timepoint": row.text("timepoint"), "value_kind": kind, **values,
        "derivations": derivations,
        "attributes": {name: v for name in attributes if (v := row.text(name)) is not None},
        "source": row.text("source"), "locator": row.text("locator"),
    }, source=row.source, where=f"row {row.line}")
    return ArmDataRow(
        row=row.line, study_label=row.text("study") or "", data=data,
        design=row.choice("design", StudyDesign), population=row.text("population"),
        unit=row.text("unit"),
        direction=row.choice("direction", OutcomeDirection),
    )


def _study_key(row: _Row) -> str:
    label = row.text("study") or ""
    try:
        return study_key(label)
    except ValueError as err:
        raise row.fail("study", str(err)) from None


def read_arm_data(path: Path) -> list[ArmDataRow]:
    """Read and check every row of ``path`` (module docstring); an empty table, a missing
    required column or a row given twice is an :class:`InputError`."""
    source = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in reader.fieldnames or ()]
            reader.fieldnames = header
            rows = list(reader)
    except FileNotFoundError:
        raise InputError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a CSV file", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", source=source) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV table ({exc})", source=source) from None
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; the columns are "
            f"{', '.join(ARM_DATA_COLUMNS)}", source=source, where="header",
        )
    if not rows:
        raise InputError("the table has no rows", source=source)
    attributes = [h for h in header if h and h not in ARM_DATA_COLUMNS and h not in _EXTRA]
    out: list[ArmDataRow] = []
    seen: dict[tuple[str, str, str, str | None, str], int] = {}
    for number, cells in enumerate(rows, start=2):
        if None in cells:
            raise InputError(f"{len(header)} columns in the header, more in this row",
                             source=source, where=f"row {number}")
        item = _read_row(_Row(cells, number, source), attributes)
        data = item.data
        identity = (data.study_key, data.arm, data.outcome, data.timepoint, data.value_kind.value)
        if identity in seen:
            raise InputError(
                f"study {item.study_label!r}, arm {data.arm!r}, outcome {data.outcome!r}"
                f"{', time point ' + repr(data.timepoint) if data.timepoint else ''} "
                f"({data.value_kind.value} values) is given twice (also row {seen[identity]})",
                source=source, where=f"row {number}",
            )
        seen[identity] = number
        out.append(item)
    return out
