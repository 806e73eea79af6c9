"""Loader for the metafor reference fixtures (``tests/reference/metafor*/``).

Test modules import it directly (``from conftest import load_reference, reference_names``)
because parametrisation needs the names at collection time. Other test folders have a
``conftest.py`` too, and pytest imports every one of them under the module name
``conftest``; :func:`pytest_make_collect_report` therefore points ``sys.modules["conftest"]``
at this file while a test module of this folder is being imported, and restores it after.

* ``load_reference(name) -> (rows, ref)``: ``rows`` are the CSV rows as dicts (numbers as
  ``float``, empty cells as ``None``, ``study`` and ``group`` as text), ``ref`` the parsed
  JSON. ``name`` is looked up in ``tests/reference/metafor/`` and then in
  ``tests/reference/metafor_extra/`` (same format, added by the reference generator).
* ``reference_names()``: every data set name, shipped ones first, in manifest order (then
  any ``NAME.json`` + ``NAME.csv`` pair not listed in a manifest).
* ``reference_blocks(block)``: ``(name, key)`` pairs for every key of a JSON block
  (``"fits"``, ``"fits_tight"``...) over all data sets.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Generator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

REFERENCE_DIRS = (
    Path(__file__).parent.parent / "reference" / "metafor",
    Path(__file__).parent.parent / "reference" / "metafor_extra",
)
TEXT_COLUMNS = ("study", "group")
HERE = Path(__file__).parent
_THIS_MODULE = sys.modules[__name__]


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """Make ``import conftest`` mean this file while this folder's test modules are imported."""
    if not (isinstance(collector, pytest.Module) and collector.path.parent == HERE):
        return (yield)
    previous = sys.modules.get("conftest")
    sys.modules["conftest"] = _THIS_MODULE
    try:
        return (yield)
    finally:
        if previous is not None:
            sys.modules["conftest"] = previous


def _cell(column: str, value: str) -> Any:
    if value == "":
        return None
    if column in TEXT_COLUMNS:
        return value
    return float(value)


@cache
def _load(name: str) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    for folder in REFERENCE_DIRS:
        csv_path = folder / f"{name}.csv"
        if csv_path.exists():
            with csv_path.open(newline="", encoding="utf-8") as fh:
                rows = tuple(
                    {col: _cell(col, val) for col, val in row.items()} for row in csv.DictReader(fh)
                )
            ref = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
            return rows, ref
    raise FileNotFoundError(f"no reference data set named {name!r} in {REFERENCE_DIRS}")


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
