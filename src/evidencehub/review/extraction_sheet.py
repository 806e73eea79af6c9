"""Extraction sheets: one reviewer's (or the consensus's) values as a CSV, read and written in
the same layout.

One row per value, in the form's order (study characteristics, then each outcome, time point
and arm)::

    study,level,outcome,arm,timepoint,field,value,locator,derivation
    smith2020,study,,,,country,Canada,p. 2,
    smith2020,arm,hba1c,islets,12 months,mean,7.1,Table 2,
    smith2020,arm,hba1c,islets,12 months,sd,1.52,Table 2,"{""method"": ""sd-from-se"", …}"

``study``, ``field`` and ``value`` are required columns; ``level`` is written for people (a
reader checks it against the form when given); ``outcome``, ``arm`` and ``timepoint`` name an
arm-level value; ``derivation`` is empty for a reported number, else how it was derived as JSON
(method, the fields it produced, its inputs, the method's note), so a derived value comes back
with its inputs. A long layout (one value a row) rather than a wide one keeps every value's
locator and derivation beside it and needs no column per outcome, arm and time point; a
spreadsheet's filter on ``study`` or ``field`` gives the wide views.

Written as UTF-8 with a byte-order mark (spreadsheets then read accents right); read with or
without one. A row with an empty ``value`` is skipped (``extract set FIELD=`` clears an entry).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from evidencehub.errors import InputError
from evidencehub.model import Derivation, ExtractedValue, ExtractionField
from evidencehub.review.extraction import Entry, field_of
from evidencehub.vocab import ExtractionLevel

__all__ = ["SHEET_COLUMNS", "read_sheet", "write_sheet"]

#: The columns of a sheet, in order.
SHEET_COLUMNS = ("study", "level", "outcome", "arm", "timepoint", "field", "value", "locator",
                 "derivation")  # fmt: skip
_REQUIRED = ("study", "field", "value")


def _cell(cells: dict[str, str | None], column: str) -> str | None:
    return (cells.get(column) or "").strip() or None


def _derivation(text: str | None, source: str, where: str) -> Derivation | None:
    if text is None:
        return None
    try:
        return Derivation.model_validate(json.loads(text))
    except (json.JSONDecodeError, ValidationError) as err:
        problem = err.msg if isinstance(err, json.JSONDecodeError) else err.errors()[0]["msg"]
        raise InputError(f"column 'derivation': expected the JSON of a derivation ({problem})",
                         source=source, where=where) from None


def read_sheet(path: Path, form: Sequence[ExtractionField]) -> list[Entry]:
    """The values of the sheet at ``path`` (module docstring), each naming its row; a missing
    column, an unknown field or a level that contradicts the form is an :class:`InputError`
    naming the file and row. Values are checked against their fields by the service."""
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
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                         source=source) from None
    except csv.Error as exc:
        raise InputError(f"not a readable CSV table ({exc})", source=source) from None
    missing = [c for c in _REQUIRED if c not in header]
    if missing:
        raise InputError(f"missing column(s) {', '.join(repr(c) for c in missing)}; a sheet's "
                         f"columns are {', '.join(SHEET_COLUMNS)}", source=source, where="header")
    entries = []
    for number, cells in enumerate(rows, start=2):
        where = f"row {number}"
        value = _cell(cells, "value")
        if value is None:
            continue
        key = _cell(cells, "field") or ""
        try:
            spec = field_of(form, key)
        except InputError as err:
            raise InputError(err.problem, source=source, where=where) from None
        level = _cell(cells, "level")
        if level is not None and level != spec.level.value:
            raise InputError(f"field {key!r} is filled per {spec.level.value}, not per {level}",
                             source=source, where=where)
        entries.append(Entry(
            study=_cell(cells, "study") or "", field=key, value=value,
            outcome=_cell(cells, "outcome"), arm=_cell(cells, "arm"),
            timepoint=_cell(cells, "timepoint"), locator=_cell(cells, "locator"),
            derivation=_derivation(_cell(cells, "derivation"), source, where),
            where=f"{source}, {where}",
        ))  # fmt: skip
    return entries


def write_sheet(path: Path, values: Sequence[ExtractedValue],
                form: Sequence[ExtractionField]) -> int:
    """Write ``values`` (one reviewer's newest, or the consensus, in the order to write) as a
    sheet at ``path``; return how many rows were written."""
    levels = {f.key: f.level for f in form}
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_COLUMNS)
        for value in values:
            level = levels.get(value.field, ExtractionLevel.ARM if value.arm else
                               ExtractionLevel.STUDY)
            derivation = (None if value.derivation is None
                          else json.dumps(value.derivation.model_dump(mode="json"),
                                          ensure_ascii=False))
            writer.writerow([value.study_key, level.value, value.outcome or "", value.arm or "",
                             value.timepoint or "", value.field, value.value or "",
                             value.locator or "", derivation or ""])
    return len(values)
