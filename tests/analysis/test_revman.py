"""RevMan 5's CSV layout of an analysis (analysis/revman.py), against the header and row shapes
of a RevMan 5 export (meta's inst/extdata/Fleiss93_CR.csv, as meta::read.rm5 reads it)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from evidencehub.analysis.contrasts import AnalysisRow
from evidencehub.analysis.revman import REVMAN_COLUMNS, revman_table, write_revman
from evidencehub.errors import InputError
from evidencehub.model import Analysis, Comparison
from evidencehub.vocab import Measure, Method

#: Fleiss93_CR.csv's first 16 columns, as RevMan 5 names them.
FLEISS_COLUMNS = (
    "Comparison Number",
    "Outcome Number",
    "Subgroup Number",
    "Name",
    "Data Type",
    "Statistical Method",
    "Effect Measure",
    "Analysis Model",
    "Events 1",
    "Mean 1",
    "SD 1",
    "Total 1",
    "Events 2",
    "Mean 2",
    "SD 2",
    "Total 2",
)


def _row(study: str, subgroup: str | None = None, **inputs: float) -> AnalysisRow:
    return AnalysisRow(
        study, "aspirin", "placebo", "final", inputs, ((1, 1), (2, 1)), subgroup, True, None
    )


def _analysis(measure: Measure, method: Method, subgroup: str | None = None) -> Analysis:
    return Analysis(
        slug="death",
        title="Death",
        outcome="death",
        measure=measure,
        method=method,
        comparison=Comparison(experimental=("aspirin",), control=("placebo",)),
        subgroup=subgroup,
    )


def test_dichotomous_rows_as_revman_writes_them(tmp_path: Path) -> None:
    # MRC-1 and CDP of Fleiss (1993), as in the RevMan 5 export
    rows = [
        _row("mrc1", ai=49, n1i=615, ci=67, n2i=624),
        _row("cdp", ai=44, n1i=758, ci=64, n2i=771),
    ]
    table = revman_table(_analysis(Measure.OR, Method.MH), rows, {"mrc1": "MRC-1", "cdp": "CDP"})
    assert tuple(table[0][:16]) == FLEISS_COLUMNS and tuple(table[0]) == REVMAN_COLUMNS
    assert {len(r) for r in table} == {len(REVMAN_COLUMNS)}
    assert table[1][:4] == ["1", "0", "0", "aspirin vs placebo"]
    assert table[2][:8] == ["1", "1", "0", "Death", "DIC", "MH", "OR", "Fixed"]
    assert table[2][16:] == ["aspirin", "placebo"]
    assert table[3][3:16] == ["MRC-1", "", "", "", "", "49", "", "", "615", "67", "", "", "624"]
    path = tmp_path / "death.csv"
    write_revman(path, table)
    with path.open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == table


def test_subgroups_and_random_effects() -> None:
    rows = [
        _row("a", "T1D", m1i=7.1, sd1i=1.5, n1i=25, m2i=8, sd2i=1.4, n2i=24),
        _row("b", "T2D", m1i=7.5, sd1i=1.2, n1i=30, m2i=8.1, sd2i=1.3, n2i=31),
    ]
    table = revman_table(_analysis(Measure.SMD, Method.REML, subgroup="type"), rows, {})
    assert table[2][4:8] == ["CON", "IV", "SMD", "Random"]
    assert [r[:4] for r in table[3:]] == [
        ["1", "1", "1", "T1D"],
        ["1", "1", "1", "a"],
        ["1", "1", "2", "T2D"],
        ["1", "1", "2", "b"],
    ]
    assert table[4][9:16] == ["7.1", "1.5", "25", "", "8", "1.4", "24"]


def test_measures_revman_does_not_hold_are_refused() -> None:
    with pytest.raises(InputError, match=r"RevMan 5 holds dichotomous .* not ROM$"):
        revman_table(_analysis(Measure.ROM, Method.REML), [], {})
