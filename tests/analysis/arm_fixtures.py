"""The metafor reference data sets as ``data import`` tables: one row per study × arm.

A two-group data set gives each study an ``experimental`` arm (escalc's group 1) and a
``control`` arm (group 2): events of a total for 2×2 tables (``ai`` of ``n1i``, ``ci`` of
``n2i``; ``bi``/``di`` when the totals are not given), n/mean/SD for continuous data. A
single-group data set gives each study one ``experimental`` arm: events of a total for
proportions (``xi`` of ``ni``), n/mean/SD for means (``ni``, ``mi``, ``sdi``). The ``group``
column, when there is one, is kept as an attribute of the row (for ``--subgroup group``).

Used by the tests of the analysis path (``data import`` → ``analysis add`` → ``analyze``)
against metafor; the numbers are the data sets' own, nothing is computed here but the totals
``ai + bi`` where a data set gives only the cells.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.stats.reference import load_reference, reference_names

__all__ = ["ARM_DATASETS", "OUTCOME", "write_arm_table"]

#: The outcome name every converted table uses.
OUTCOME = "reference outcome"
_FAMILY = {
    "OR": "binary", "RR": "binary", "RD": "binary",
    "MD": "continuous", "SMD": "continuous", "SMDH": "continuous", "ROM": "continuous",
    "PR": "proportion", "PLO": "proportion", "PAS": "proportion", "PFT": "proportion",
    "MN": "mean",
}
#: Every reference data set whose measure is computed from arm-level rows, with its family.
ARM_DATASETS = {
    name: _FAMILY[load_reference(name)[1]["measure"]]
    for name in reference_names() if load_reference(name)[1]["measure"] in _FAMILY
}
_COLUMNS = ("study", "arm", "outcome", "n", "mean", "sd", "events", "total", "group")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _arms(row: dict[str, Any], family: str) -> list[dict[str, Any]]:
    if family == "binary":
        n1 = row["n1i"] if row.get("n1i") is not None else row["ai"] + row["bi"]
        n2 = row["n2i"] if row.get("n2i") is not None else row["ci"] + row["di"]
        return [{"arm": "experimental", "events": row["ai"], "total": n1},
                {"arm": "control", "events": row["ci"], "total": n2}]
    if family == "continuous":
        return [{"arm": "experimental", "n": row["n1i"], "mean": row["m1i"], "sd": row["sd1i"]},
                {"arm": "control", "n": row["n2i"], "mean": row["m2i"], "sd": row["sd2i"]}]
    if family == "proportion":
        return [{"arm": "experimental", "events": row["xi"], "total": row["ni"]}]
    return [{"arm": "experimental", "n": row["ni"], "mean": row["mi"], "sd": row["sdi"]}]


def write_arm_table(name: str, path: Path) -> Path:
    """Write reference data set ``name`` to ``path`` as an arm table (module docstring)."""
    rows, _ = load_reference(name)
    family = ARM_DATASETS[name]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=_COLUMNS)
        writer.writeheader()
        for row in rows:
            for arm in _arms(row, family):
                writer.writerow({
                    "study": row["study"], "outcome": OUTCOME, "group": row.get("group") or "",
                    **{k: _number(v) if k != "arm" else v for k, v in arm.items()},
                })
    return path
