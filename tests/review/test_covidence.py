"""Covidence's exports: its real CSV and RIS of ten records, and an "excluded" list made from it
(sources in ``tests/data/review/SOURCES.md``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.review.covidence import covidence_list_from_name, read_covidence
from evidencehub.review.external import CovidenceList, ExternalTool
from evidencehub.vocab import ScreeningLabel, ScreeningStage

DATA = Path(__file__).parent.parent / "data" / "review"
EXCLUDED = DATA / "covidence_synthetic_review_1234_excluded_csv_20240825102514.csv"
TA, FT = ScreeningStage.TITLE_ABSTRACT, ScreeningStage.FULL_TEXT
INCLUDE, EXCLUDE = ScreeningLabel.INCLUDE, ScreeningLabel.EXCLUDE


def test_excluded_list_gives_both_stages_and_the_reason() -> None:
    result = read_covidence(EXCLUDED, reviewer="Team")
    assert result.tool is ExternalTool.COVIDENCE and not result.rejected
    got = [(d.item.external_id, d.stage, d.label, d.reason, d.note) for d in result.decisions]
    assert got == [
        ("#1", TA, INCLUDE, None, None),
        ("#1", FT, EXCLUDE, "Wrong study design", None),
        ("#2", TA, INCLUDE, None, None),
        ("#2", FT, EXCLUDE, "Wrong outcomes", "Checked against the protocol"),
        ("#6", TA, INCLUDE, None, None),
        ("#6", FT, EXCLUDE, "Wrong patient population", None),
    ]
    assert all(d.final and d.reviewer == "Team" for d in result.decisions)
    second = result.decisions[2].item
    assert (second.study, second.labels) == ("Troiano 2024", ("Awaiting classification",))
    # The title holds another record's DOI; the record keeps its own from the DOI column.
    assert second.record.doi == "10.1038/s41598-024-65283-y"


@pytest.mark.parametrize(("outcome", "decisions"), [
    (CovidenceList.SCREEN, []),
    (CovidenceList.IRRELEVANT, [(TA, EXCLUDE)]),
    (CovidenceList.SELECT, [(TA, INCLUDE)]),
    (CovidenceList.INCLUDED, [(TA, INCLUDE), (FT, INCLUDE)]),
    (CovidenceList.EXCLUDED, [(TA, INCLUDE), (FT, EXCLUDE)]),
])
@pytest.mark.parametrize("name", ["covidence_cff_baseline.csv",
                                  "covidence_cff_baseline_endnote.ris"])
def test_each_list_stands_for_its_decisions(name: str, outcome: CovidenceList,
                                            decisions: list[tuple[ScreeningStage, ScreeningLabel]]
                                            ) -> None:
    result = read_covidence(DATA / name, reviewer="Team", covidence_list=outcome)
    assert len(result.records) == 10 and not result.rejected
    assert [(d.stage, d.label) for d in result.decisions] == decisions * 10
    assert result.n_undecided == (10 if not decisions else 0)
    first = result.records[0]
    assert (first.record.doi, first.record.year, first.record.journal) == (
        "10.1038/s41467-024-48400-3", 2024, "Nature Communications")
    assert first.external_id == ("#1" if name.endswith(".csv") else None)


def test_list_from_the_file_name(tmp_path: Path) -> None:
    assert covidence_list_from_name("review_283729_included_csv_20240320131744.csv") is (
        CovidenceList.INCLUDED)
    assert covidence_list_from_name("Review_59500_Select_RIS_20190925102202.ris") is (
        CovidenceList.SELECT)
    assert covidence_list_from_name("review_283729_20230922170037.csv") is None  # extraction
    renamed = tmp_path / "review_77_irrelevant_ris_20240101000000.ris"
    shutil.copy(DATA / "covidence_cff_baseline_endnote.ris", renamed)
    result = read_covidence(renamed, reviewer="Team")
    assert {(d.stage, d.label) for d in result.decisions} == {(TA, EXCLUDE)}


def test_a_list_must_be_known() -> None:
    with pytest.raises(InputError) as info:
        read_covidence(DATA / "covidence_cff_baseline.csv", reviewer="Team", source="cov.csv")
    assert str(info.value) == (
        "cov.csv: the file name does not say which Covidence list it was exported from "
        "(Covidence names its exports review_<id>_<list>_csv_<time>.csv); name the list: "
        "screen, irrelevant, select, included, excluded")
