"""Extraction sheets (review/extraction_sheet.py): written and read in one layout, derived
values with their inputs, errors naming the file and row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.model import Derivation, ExtractedValue, ValueDerivation
from evidencehub.review.extraction import DEFAULT_FORM, Entry
from evidencehub.review.extraction_sheet import read_sheet, write_sheet
from evidencehub.vocab import ExtractionBasis

_AT = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
DERIVED = Derivation(
    method=ValueDerivation.SD_FROM_SE,
    fields=("sd",),
    inputs={"se": 0.3, "n": 25.0},
    note="SD = SE x sqrt(n)",
)


def test_a_sheet_reads_back_what_was_written(tmp_path: Path) -> None:
    values = [
        ExtractedValue(
            study_key="smith2020",
            basis=ExtractionBasis.CONSENSUS,
            field="country",
            value="Côte d'Ivoire",
            locator='p. 2, "Methods"',
            actor="cy",
            recorded_at=_AT,
        ),
        ExtractedValue(
            study_key="smith2020",
            basis=ExtractionBasis.CONSENSUS,
            outcome="hba1c",
            arm="islets",
            timepoint="12 months",
            field="sd",
            value="1.5",
            locator="Table 2",
            derivation=DERIVED,
            actor="cy",
            recorded_at=_AT,
        ),
    ]
    path = tmp_path / "sheet.csv"
    assert write_sheet(path, values, DEFAULT_FORM) == 2
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # a BOM for spreadsheets
    assert read_sheet(path, DEFAULT_FORM) == [
        Entry(
            study="smith2020",
            field="country",
            value="Côte d'Ivoire",
            locator='p. 2, "Methods"',
            where="sheet.csv, row 2",
        ),
        Entry(
            study="smith2020",
            field="sd",
            value="1.5",
            outcome="hba1c",
            arm="islets",
            timepoint="12 months",
            locator="Table 2",
            derivation=DERIVED,
            where="sheet.csv, row 3",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("study,value\nsmith2020,1\n", "sheet.csv, header: missing column(s) 'field'"),
        ("study,field,value\nsmith2020,colour,red\n", "sheet.csv, row 2: unknown field 'colour'"),
        (
            "study,level,field,value\nsmith2020,study,sd,1\n",
            "sheet.csv, row 2: field 'sd' is filled per arm, not per study",
        ),
        (
            "study,field,value,derivation\nsmith2020,country,x,{oops\n",
            "sheet.csv, row 2: column 'derivation': expected the JSON of a derivation",
        ),
    ],
)
def test_bad_sheets_name_the_file_and_row(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_sheet(path, DEFAULT_FORM)
    assert str(caught.value).startswith(message)


def test_empty_values_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"
    path.write_text(
        "study,field,value\nsmith2020,country,\nsmith2020,setting,rural\n", encoding="utf-8"
    )
    assert [e.field for e in read_sheet(path, DEFAULT_FORM)] == ["setting"]
