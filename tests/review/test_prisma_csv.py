"""The PRISMA2020 template CSV (review/prisma_csv.py).

* Structure: row by row against the package's own template (tests/data/review/
  prisma2020_template.csv, PRISMA2020 1.1.4, MIT; see tests/data/SOURCES.md).
* Content: the R package's own parser, ``PRISMA_data(read.csv(f))``, read the CSVs of the
  cases in prisma_cases.py; what it parsed is in tests/reference/prisma2020/NAME.json (made by
  generate.R there). The exporter must still write those CSVs byte for byte, and the numbers R
  read must be the flow's.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from evidencehub.review.prisma import (
    PrismaFlow,
    RecordState,
    RemovedBeforeScreening,
    Search,
    prisma_flow,
)
from evidencehub.review.prisma_csv import TEMPLATE_COLUMNS, prisma_csv
from evidencehub.vocab import ScreeningLabel, SearchKind
from tests.review.prisma_cases import CASES

HERE = Path(__file__).parent.parent
TEMPLATE = HERE / "data" / "review" / "prisma2020_template.csv"
REFERENCE = HERE / "reference" / "prisma2020"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("name", sorted(CASES))
def test_rows_follow_the_template_row_by_row(name: str) -> None:
    template = _rows(TEMPLATE.read_text(encoding="utf-8"))
    ours = _rows(prisma_csv(CASES[name].flow()))
    assert ours[0] == template[0] == list(TEMPLATE_COLUMNS)
    assert len(ours) == len(template) == 35  # the header and 34 rows
    for mine, theirs in zip(ours[1:], template[1:], strict=True):
        assert mine[:7] == theirs[:7]  # data, node, box, description, boxtext, tooltips, url
        if theirs[2] in ("prevstud", "newstud", "othstud", "identification", "screening",
                         "included"):
            assert mine[7] == theirs[7] == "0"


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_exporter_still_writes_the_files_r_read(name: str) -> None:
    expected = (REFERENCE / f"{name}.csv").read_text(encoding="utf-8")
    assert prisma_csv(CASES[name].flow()) == expected


def _count(value: str | None) -> int | None:
    """A count as scales::comma formats it ("2,270") back to a number."""
    return None if value is None else int(value.replace(",", ""))


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_prisma2020_package_reads_the_flow(name: str) -> None:
    parsed: dict[str, Any] = json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))
    flow: PrismaFlow = CASES[name].flow()
    for field in ("database_results", "register_results", "website_results",
                  "organisation_results", "citations_results", "duplicates",
                  "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
                  "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
                  "other_notretrieved_reports", "dbr_assessed", "other_assessed", "new_studies",
                  "new_reports", "total_studies", "total_reports"):
        assert _count(parsed[field]) == getattr(flow, field), field
    for absent in ("previous_studies", "previous_reports", "total_studies_ma",
                   "total_reports_ma"):
        assert parsed[absent] is None  # hides the previous-studies and meta-analysis boxes
    for field in ("database_specific_results", "register_specific_results"):
        got = [(p["reason"], _count(p["n"])) for p in parsed[field]]
        want = [(s.source, s.n) for s in getattr(flow, field)] or [("", None)]
        assert got == want, field
    got = [(p["reason"], _count(p["n"])) for p in parsed["dbr_excluded"]]
    assert got == [(r.reason.replace(",", " -").replace(";", " -"), r.n)
                   for r in flow.dbr_excluded]
    if flow.other_excluded is None:
        assert parsed["other_excluded"] == [{"reason": "", "n": None}]
        assert parsed["website_results"] is parsed["organisation_results"] is None
        assert parsed["citations_results"] is None  # the package hides the column
    else:
        got = [(p["reason"], _count(p["n"])) for p in parsed["other_excluded"]]
        assert got == [(r.reason, r.n) for r in flow.other_excluded]


def test_names_lose_commas_and_semicolons_but_nothing_else() -> None:
    text = prisma_csv(CASES["mixed"].flow())
    row = next(r for r in _rows(text) if r[0] == "dbr_excluded")
    assert row[7] == ("Wrong population - adults with type 2 diabetes, 2; Not a controlled "
                      "trial, 1; reason not recorded, 1")


def test_an_exclusion_box_without_exclusions_holds_zero_and_missing_sources_na() -> None:
    searches = [Search("PubMed", SearchKind.DATABASE, 1)]
    small = [RecordState("r1", SearchKind.DATABASE, ScreeningLabel.INCLUDE, None,
                         ScreeningLabel.INCLUDE)]
    flow = prisma_flow(searches, RemovedBeforeScreening(), small)
    n = {r[0]: r[7] for r in _rows(prisma_csv(flow))[1:]}
    assert n["dbr_excluded"] == "0"
    assert n["register_results"] == n["register_specific_results"] == "NA"
    assert n["website_results"] == n["other_excluded"] == n["other_sought_reports"] == "NA"
    assert n["database_specific_results"] == "PubMed, 1"
