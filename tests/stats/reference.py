"""Loader for the metafor reference fixtures (``tests/reference/metafor*/``).

Test modules import it as ``from tests.stats.reference import load_reference`` (a plain module,
not a fixture, because parametrisation needs the names at collection time).

* ``load_reference(name) -> (rows, ref)``: ``rows`` are the CSV rows as dicts (numbers as
  ``float``, empty cells as ``None``, ``study`` and ``group`` as text), ``ref`` the parsed
  JSON. ``name`` is looked up in ``tests/reference/metafor/`` and then in
  ``tests/reference/metafor_extra/`` (same format, added by the reference generator).
* ``reference_csv(name)``: the path of a data set's CSV file (for running the CLI on it).
* ``reference_names()``: every data set name, shipped ones first, in manifest order (then
  any ``NAME.json`` + ``NAME.csv`` pair not listed in a manifest).
* ``TOL``, ``assert_close``: the named tolerances of the comparisons with metafor, and the
  check ``|ours - ref| <= rtol |ref| + atol`` they are used with.
* ``effect_sizes(name)``: escalc (or the GEN columns) of a data set with default options.
* ``reference_blocks(block)``: ``(name, key)`` pairs for every key of a JSON block
  (``"fits"``, ``"fits_tight"``...) over all data sets.
"""

from __future__ import annotations

import csv
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from evidencehub.stats import EffectSizes, escalc
from evidencehub.stats.measures import measure_info

REFERENCE_DIRS = (
    Path(__file__).parent.parent / "reference" / "metafor",
    Path(__file__).parent.parent / "reference" / "metafor_extra",
)
TEXT_COLUMNS = ("study", "group")


def _cell(column: str, value: str) -> Any:
    if value == "":
        return None
    if column in TEXT_COLUMNS:
        return value
    return float(value)


def reference_csv(name: str) -> Path:
    """The CSV file of reference data set ``name`` (its JSON results lie beside it)."""
    for folder in REFERENCE_DIRS:
        csv_path = folder / f"{name}.csv"
        if csv_path.exists():
            return csv_path
    raise FileNotFoundError(f"no reference data set named {name!r} in {REFERENCE_DIRS}")


@cache
def _load(name: str) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    csv_path = reference_csv(name)
    with csv_path.open(newline="", encoding="utf-8") as fh:
        rows = tuple(
            {col: _cell(col, val) for col, val in row.items()} for row in csv.DictReader(fh)
        )
    ref = json.loads(csv_path.with_suffix(".json").read_text(encoding="utf-8"))
    return rows, ref


def load_reference(name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The CSV rows and the JSON results of reference data set ``name`` (fresh copies)."""
    rows, ref = _load(name)
    return [dict(r) for r in rows], json.loads(json.dumps(ref))


def reference_names() -> list[str]:
    """All reference data set names (``manifest.csv`` order, shipped folder first)."""
    names: list[str] = []
    for folder in REFERENCE_DIRS:
        manifest = folder / "manifest.csv"
        if manifest.exists():
            with manifest.open(newline="", encoding="utf-8") as fh:
                names += [row["name"] for row in csv.DictReader(fh) if row["name"] not in names]
        # data sets not (yet) in a manifest: any NAME.json with its NAME.csv
        names += sorted(p.stem for p in folder.glob("*.json")
                        if p.with_suffix(".csv").exists() and p.stem not in names)
    return names


def reference_blocks(block: str) -> list[tuple[str, str]]:
    """``(name, key)`` for every key of JSON block ``block`` in every data set that has it."""
    pairs = []
    for name in reference_names():
        _, ref = _load(name)
        pairs += [(name, key) for key in ref.get(block, {}) if key != "control"]
    return pairs


TOL = {
    "closed_form": 1e-8,
    "iterative": 1e-6,
    "metafor_default": 1e-7,
    "metafor_default_pm": 2e-3,
    "qprofile_default_abs": 1e-4,
}
ATOL = 1e-12
BOUNDARY_ATOL = 1e-9
"""Absolute tolerance for tau^2 and I^2 at the boundary 0: metafor's iterations stop a hair
above 0 (e.g. tau^2 = 1e-13, I^2 = 6e-11 %) where the exact solution is 0."""
BOUNDARY_FIELDS = ("tau2", "I2")


def effect_sizes(name: str) -> EffectSizes:
    """escalc (or the GEN columns) for reference data set ``name``, with default options."""
    rows, ref = load_reference(name)
    study = [r["study"] for r in rows]
    info = measure_info(ref["measure"])
    columns = {c: [r[c] for r in rows] for c in info.columns if c in rows[0]}
    return escalc(ref["measure"], study=study, **columns)


def assert_close(ours: Any, ref: Any, rtol: float, what: str) -> None:
    """``|ours - ref| <= rtol |ref| + atol``, atol = ATOL (BOUNDARY_ATOL for tau^2 and I^2)."""
    if ref is None:
        assert ours is None or (isinstance(ours, float) and math.isnan(ours)), what
        return
    assert ours is not None, f"{what}: got None, metafor {ref}"
    ours_a, ref_a = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    atol = BOUNDARY_ATOL if what.split()[-1] in BOUNDARY_FIELDS else ATOL
    assert np.all(np.abs(ours_a - ref_a) <= rtol * np.abs(ref_a) + atol), (
        f"{what}: ours {ours}, metafor {ref}"
    )
