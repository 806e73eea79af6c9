"""Tests for evidencehub.model: identifiers, validation and its messages."""

from __future__ import annotations

import datetime as dt

import pytest

from evidencehub.errors import InputError
from evidencehub.model import (
    Author,
    Claim,
    EvidenceTag,
    OutcomeData,
    Record,
    Registry,
    StudyDesign,
    Trial,
    finite_json,
    normalize_doi,
    parse_registry_id,
    validate,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.1016/j.cell.2006.07.024", "10.1016/j.cell.2006.07.024"),
        ("https://doi.org/10.1016/J.CELL.2006.07.024", "10.1016/j.cell.2006.07.024"),
        ("http://dx.doi.org/10.1056/NEJMoa1608368", "10.1056/nejmoa1608368"),
        ("doi: 10.1126/science.1151526.", "10.1126/science.1151526"),
        ("info:doi/10.1101/gad.173922.111", "10.1101/gad.173922.111"),
    ],
)
def test_normalize_doi(raw: str, expected: str) -> None:
    assert normalize_doi(raw) == expected


@pytest.mark.parametrize("raw", ["", "10.1/x", "not a doi", "https://example.org/10.1016"])
def test_normalize_doi_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="not a DOI"):
        normalize_doi(raw)


@pytest.mark.parametrize(
    ("raw", "registry", "canonical"),
    [
        ("NCT04339764", Registry.NCT, "NCT04339764"),
        ("nct04802733", Registry.NCT, "NCT04802733"),
        ("UMIN000033564", Registry.UMIN, "UMIN000033564"),
        ("jRCT2090220384", Registry.JRCT, "jRCT2090220384"),
        ("JRCT2090220384", Registry.JRCT, "jRCT2090220384"),
        ("jRCTs031180001", Registry.JRCT, "jRCTs031180001"),
        ("ISRCTN12345678", Registry.ISRCTN, "ISRCTN12345678"),
        ("ChiCTR2000029953", Registry.CHICTR, "ChiCTR2000029953"),
        ("ChiCTR-IOR-17011990", Registry.CHICTR, "ChiCTR-IOR-17011990"),
        ("EudraCT 2004-000232-28", Registry.EUDRACT, "2004-000232-28"),
        ("2004-000232-28", Registry.EUDRACT, "2004-000232-28"),
        ("ACTRN12615000503538", Registry.ACTRN, "ACTRN12615000503538"),
        ("DRKS00012345", Registry.DRKS, "DRKS00012345"),
        ("CTRI/2020/05/025256", Registry.CTRI, "CTRI/2020/05/025256"),
    ],
)
def test_parse_registry_id(raw: str, registry: Registry, canonical: str) -> None:
    assert parse_registry_id(raw) == (registry, canonical)


@pytest.mark.parametrize("raw", ["NCT123", "UMIN12", "12345", "jRCT20902203841234"])
def test_parse_registry_id_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="not a trial registry id"):
        parse_registry_id(raw)


def test_record_normalises_identifiers() -> None:
    record = Record(
        title="Induction of pluripotent stem cells",
        doi="https://doi.org/10.1016/J.CELL.2006.07.024",
        pmid="16904174",
        pmcid="pmc123",
        registry_ids=("nct04339764", "NCT04339764", "UMIN000033564"),
    )
    assert record.doi == "10.1016/j.cell.2006.07.024"
    assert record.pmcid == "PMC123"
    assert record.registry_ids == ("NCT04339764", "UMIN000033564")
    assert record.key == "doi:10.1016/j.cell.2006.07.024"


def test_record_key_falls_back() -> None:
    assert Record(title="T", pmid="123").key == "pmid:123"
    assert Record(title="T", pmcid="PMC9").key == "pmcid:PMC9"
    assert Record(title="Beta cells: a review!").key == "title:beta-cells-a-review"


def test_record_is_frozen_and_strict() -> None:
    record = Record(title="T")
    with pytest.raises(Exception, match="frozen"):
        record.title = "U"  # type: ignore[misc]
    with pytest.raises(InputError, match="field 'colour': Extra inputs are not permitted"):
        validate(Record, {"title": "T", "colour": "red"})


def test_validate_names_source_place_and_fields() -> None:
    with pytest.raises(InputError) as info:
        validate(Record, {"title": "x", "pmid": "abc", "year": 3000}, source="a.csv", where="row 3")
    message = str(info.value)
    assert message.startswith("a.csv, row 3: ")
    assert "field 'pmid': a PMID is digits only, got 'abc'" in message
    assert "field 'year': Input should be less than or equal to 2100, got 3000" in message
    assert info.value.source == "a.csv" and info.value.where == "row 3"


def test_author_needs_a_name_and_displays_initials() -> None:
    assert Author(family="Takahashi", given="Kazutoshi").display == "Takahashi K"
    assert Author(family="Yu", given="Junying").display == "Yu J"
    assert Author(collective="METRIC Study Group").display == "METRIC Study Group"
    with pytest.raises(ValueError, match="family name or a collective"):
        Author(given="Shinya")


def test_trial_canonicalises_and_checks_dates() -> None:
    trial = Trial(
        registry_id="jrct2090220384",
        secondary_ids=("UMIN000033564", "jRCT2090220384"),
        title="iPSC-derived dopaminergic progenitors for Parkinson's disease",
        start_date=dt.date(2018, 8, 1),
    )
    assert trial.registry is Registry.JRCT
    assert trial.registry_id == "jRCT2090220384"
    assert trial.secondary_ids == ("UMIN000033564",)
    with pytest.raises(ValueError, match="completion date 2017-01-01 is before start date"):
        Trial(
            registry_id="NCT04802733",
            title="t",
            start_date=dt.date(2021, 1, 1),
            completion_date=dt.date(2017, 1, 1),
        )
    with pytest.raises(ValueError, match="registry UMIN does not match"):
        Trial(registry_id="NCT04802733", registry=Registry.UMIN, title="t")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"events": 5, "total": 3}, "events (5) exceed total (3)"),
        ({"events": 5}, "needs both 'events' and 'total'"),
        ({"mean": 1.0, "n": 10}, "a mean needs 'sd' and 'n'"),
        ({"mean": 1.0, "sd": -1.0, "n": 10}, "greater than or equal to 0"),
        ({"median": 5.0, "q1": 6.0, "q3": 9.0, "n": 10}, "median 5.0 is not between q1 6.0 and q3 9.0"),
        ({"median": 5.0, "q1": 4.0, "n": 10}, "quartiles come in pairs"),
        ({"median": 5.0, "n": 10}, "a median needs quartiles or a range"),
        ({}, "no result"),
    ],
)
def test_outcome_data_rejects_impossible_numbers(data: dict[str, object], problem: str) -> None:
    base = {"study_key": "senn", "outcome": "HbA1c", "arm": "placebo"}
    with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        validate(OutcomeData, base | data, source="outcomes.csv", where="row 2")


def test_outcome_data_accepts_each_family() -> None:
    base = {"study_key": "s", "outcome": "HbA1c", "arm": "a"}
    assert OutcomeData(**base, mean=-1.2, sd=1.1, n=218, value_kind="change").value_kind == "change"
    assert OutcomeData(**base, events=3, total=15).events == 3
    assert OutcomeData(**base, median=7.1, q1=6.5, q3=7.9, n=40).median == 7.1
    assert OutcomeData(**base, median=7.1, minimum=5.0, maximum=9.0, n=40).maximum == 9.0


def test_unsourced_claims_must_say_so() -> None:
    with pytest.raises(ValueError, match="must carry the 'unsourced' tag"):
        Claim(page_slug="p", text="Manufacturing costs are prohibitive.")
    claim = Claim(page_slug="p", text="Costs are high.", tags=(EvidenceTag.UNSOURCED,))
    assert claim.tags == (EvidenceTag.UNSOURCED,)


def test_study_design_order() -> None:
    assert StudyDesign.IN_VITRO.rank < StudyDesign.ANIMAL.rank < StudyDesign.RANDOMISED_CONTROLLED.rank
    assert not StudyDesign.ANIMAL.in_humans
    assert StudyDesign.CASE_SERIES.in_humans


def test_finite_json_nulls_nan_and_infinities_at_any_depth() -> None:
    data = {"a": float("nan"), "b": [1.5, float("inf"), ("x", -float("inf"))], "c": None, "d": 2}
    assert finite_json(data) == {"a": None, "b": [1.5, None, ["x", None]], "c": None, "d": 2}
