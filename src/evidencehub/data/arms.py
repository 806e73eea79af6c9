"""Read an arm-level table (one row per study arm) into studies and outcome data.

The table has metadat's column names for arm-based data (``dat.senn2013``): ``study``
(first author and year), ``ni`` (arm size), ``treatment``, ``comment`` (``change`` for a mean
change from baseline, ``raw`` for the mean value at follow-up), ``mi`` (mean) and ``sdi``
(standard deviation). The standard library's :mod:`csv` reads it: the table is small and the
checks are per cell, so a data-frame library would add nothing.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evidencehub.errors import InputError
from evidencehub.model import OutcomeData, Study, StudyDesign, ValueKind, validate

__all__ = ["ARM_COLUMNS", "ArmTable", "read_arm_table", "study_key"]

ARM_COLUMNS = ("study", "ni", "treatment", "comment", "mi", "sdi")
_VALUE_KINDS = {"change": ValueKind.CHANGE, "raw": ValueKind.FINAL}


@dataclass(frozen=True, slots=True)
class ArmTable:
    """The studies of an arm table and one :class:`OutcomeData` per arm, in file order."""

    studies: tuple[Study, ...]
    outcomes: tuple[OutcomeData, ...]


def study_key(label: str) -> str:
    """Citation key of a study label: ``"De Fronzo (1995)"`` → ``"defronzo1995"``."""
    key = re.sub(r"[^a-z0-9\-]+", "", label.lower().replace(" ", ""))
    if not key or not key[0].isalnum():
        raise ValueError(f"cannot make a citation key from study label {label!r}")
    return key


def _number(
    raw: str, *, source: str, where: str, positive: bool = False, integer: bool = False
) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"expected a number, got {raw!r}", source=source, where=where) from None
    if not math.isfinite(value):
        raise InputError(f"expected a finite number, got {raw!r}", source=source, where=where)
    if positive and value <= 0:
        raise InputError(f"expected a positive number, got {raw!r}", source=source, where=where)
    if integer and not value.is_integer():
        raise InputError(f"expected a whole number, got {raw!r}", source=source, where=where)
    return value


def read_arm_table(
    path: Path,
    *,
    outcome: str,
    design: StudyDesign,
    population: str | None = None,
    record_keys: Sequence[str] = (),
) -> ArmTable:
    """Read ``path``; every study gets ``design``, ``population`` and ``record_keys``.

    Errors name the file, the row (the header is row 1) and the column.
    """
    source = path.name
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ARM_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(
                f"missing column(s) {', '.join(repr(c) for c in missing)}; expected {', '.join(ARM_COLUMNS)}",
                source=source,
                where="header",
            )
        rows = list(reader)
    if not rows:
        raise InputError("the table has no rows", source=source)
    outcomes: list[OutcomeData] = []
    arm_sizes: dict[str, tuple[str, int]] = {}
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=2):

        def where(column: str, number: int = number) -> str:
            return f"row {number}, column '{column}'"

        label = (row["study"] or "").strip()
        if not label:
            raise InputError(
                "expected a study label, got an empty cell", source=source, where=where("study")
            )
        arm = (row["treatment"] or "").strip()
        if not arm:
            raise InputError(
                "expected a treatment name, got an empty cell",
                source=source,
                where=where("treatment"),
            )
        kind = _VALUE_KINDS.get((row["comment"] or "").strip())
        if kind is None:
            raise InputError(
                f"expected 'change' or 'raw', got {row['comment']!r}",
                source=source,
                where=where("comment"),
            )
        n = int(_number(row["ni"], source=source, where=where("ni"), positive=True, integer=True))
        mean = _number(row["mi"], source=source, where=where("mi"))
        sd = _number(row["sdi"], source=source, where=where("sdi"), positive=True)
        key = study_key(label)
        if (key, arm) in seen:
            raise InputError(
                f"study {label!r} has arm {arm!r} twice", source=source, where=f"row {number}"
            )
        seen.add((key, arm))
        previous = arm_sizes.get(key)
        arm_sizes[key] = (label, n + (previous[1] if previous else 0))
        outcomes.append(
            validate(
                OutcomeData,
                {
                    "study_key": key,
                    "outcome": outcome,
                    "arm": arm,
                    "value_kind": kind,
                    "n": n,
                    "mean": mean,
                    "sd": sd,
                },
                source=source,
                where=f"row {number}",
            )
        )
    studies = tuple(
        validate(
            Study,
            {
                "key": key,
                "label": label,
                "design": design,
                "population": population,
                "n": total,
                "record_keys": tuple(record_keys),
            },
            source=source,
            where=f"study {label!r}",
        )
        for key, (label, total) in arm_sizes.items()
    )
    return ArmTable(studies=studies, outcomes=tuple(outcomes))
