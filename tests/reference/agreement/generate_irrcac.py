"""Reference values of Gwet's AC1 and the Brennan-Prediger coefficient (= PABAK) from irrCAC.

Run by hand, never by CI, in a virtual environment of its own, because irrCAC 0.4.4 pins
scipy == 1.12.0 (and so numpy < 2), which the hub's own dependencies cannot share::

    python3 -m venv /tmp/irrcac-venv
    /tmp/irrcac-venv/bin/pip install irrCAC==0.4.4      # scipy 1.12.0, numpy 1.26.4, pandas 2.3
    /tmp/irrcac-venv/bin/python tests/reference/agreement/generate_irrcac.py \\
        tests/data/review/barrett2024_snhl_dual_screening.csv tests/reference/agreement/irrcac.json

It does not import evidencehub: it cross-tabulates the two reviewers of the real dual-screening
data itself, adds the published example tables and 80 random tables (numpy RandomState 20261206;
2 to 4 categories, cells 0 to 40, at least two records), and writes for each table the
``irrCAC.table.CAC(...).gwet()`` and ``.bp()`` results at 12 digits: ``ac1``, ``ac1_se``,
``ac1_ci_lb``, ``ac1_ci_ub``, ``pa`` and ``pabak`` (NaN written as null).
"""

from __future__ import annotations

import csv
import json
import sys
import warnings

import numpy as np
import pandas as pd
from irrCAC.table import CAC

LABELS = ["include", "exclude", "maybe"]
BINARY = ["include or maybe", "exclude"]


def _cross(pairs: list[tuple[str, str]], cats: list[str]) -> list[list[int]]:
    table = [[0] * len(cats) for _ in cats]
    for a, b in pairs:
        table[cats.index(a)][cats.index(b)] += 1
    return table


def _binary(label: str) -> str:
    return BINARY[1] if label == "exclude" else BINARY[0]


def _real(path: str) -> dict[str, list[list[int]]]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {}
    for stage in ("title_abstract", "full_text"):
        pairs = [(r[f"lb_{stage}"], r[f"ld_{stage}"]) for r in rows if r[f"lb_{stage}"]]
        out[f"barrett2024_{stage}_labels"] = _cross(pairs, LABELS)
        out[f"barrett2024_{stage}_binary"] = _cross(
            [(_binary(a), _binary(b)) for a, b in pairs], BINARY)
    return out


def _num(x: object) -> float | None:
    value = float(np.squeeze(np.asarray(x, dtype=float)))
    return None if np.isnan(value) else value


def _reference(table: list[list[int]]) -> dict[str, object]:
    names = [f"c{i}" for i in range(len(table))]
    frame = pd.DataFrame(np.asarray(table), index=names, columns=names)
    with warnings.catch_warnings():  # z and p divide by a zero SE on degenerate tables
        warnings.simplefilter("ignore")
        gwet = CAC(frame, digits=12).gwet()["est"]
        bp = CAC(frame, digits=12).bp()["est"]
    lb, ub = gwet["confidence_interval"]
    return {"table": table, "ac1": _num(gwet["coefficient_value"]), "ac1_se": _num(gwet["se"]),
            "ac1_ci_lb": _num(lb), "ac1_ci_ub": _num(ub), "pa": _num(gwet["pa"]),
            "pabak": _num(bp["coefficient_value"])}


def main(data: str, out: str) -> None:
    tables = _real(data)
    tables["fleiss_paik2003_statpsych"] = [[31, 12], [4, 58]]
    tables["sas_proc_freq_3x3"] = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    tables["gwet2014_abstractors"] = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    rng = np.random.RandomState(20261206)
    k = 0
    while k < 80:
        q = int(rng.randint(2, 5))
        table = rng.randint(0, 41, size=(q, q))
        table[rng.rand(q, q) < 0.25] = 0  # some empty cells, rows and columns
        if table.sum() < 2:
            continue
        tables[f"random_{k:02d}"] = table.tolist()
        k += 1
    result = {name: _reference(t) for name, t in tables.items()}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
