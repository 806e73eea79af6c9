"""Identifiers: DOIs in text and URLs, PMIDs, PMCIDs, trial registry ids."""

from __future__ import annotations

import pytest

from evidencehub.ingest.identifiers import (
    extract_doi,
    find_dois,
    find_registry_ids,
    normalize_pmcid,
    normalize_pmid,
    normalize_registry_id,
    record_registry_ids,
)
from evidencehub.model import AbstractSection, Record


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1056/NEJMoa1203421", ["10.1056/nejmoa1203421"]),
        ("https://doi.org/10.1056/NEJMoa1203421", ["10.1056/nejmoa1203421"]),
        ("http://dx.doi.org/10.1006/cryo.2001.2328.", ["10.1006/cryo.2001.2328"]),
        ("doi:10.1117/1.JMI.5.2.026002;", ["10.1117/1.jmi.5.2.026002"]),
        # a closing bracket that belongs to the DOI stays, the sentence's one goes
        ("(see 10.1016/S0140-6736(17)30000-1).", ["10.1016/s0140-6736(17)30000-1"]),
        ("https://api.crossref.org/works/10.1126%2Fscience.169.3946.635", ["10.1126/science.169.3946.635"]),
        ("two: 10.1000/a, 10.1000/b and 10.1000/a again", ["10.1000/a", "10.1000/b"]),
        ("no doi here, 10.12/too-short-registrant", []),
        ("“10.1093/bioinformatics/btk021”", ["10.1093/bioinformatics/btk021"]),
    ],
)
def test_find_dois(text: str, expected: list[str]) -> None:
    assert find_dois(text) == expected


def test_extract_doi_returns_first_or_none() -> None:
    assert extract_doi("DOI: 10.3389/FPSYG.2012.00347 [doi]") == "10.3389/fpsyg.2012.00347"
    assert extract_doi("") is None
    assert extract_doi(None) is None
    assert extract_doi("S2215-0161(18)30045-1 [pii]") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("22663011", "22663011"),
        ("PMID: 0022663011", "22663011"),
        ("pmid:1", "1"),
        ("https://pubmed.ncbi.nlm.nih.gov/29171814", "29171814"),
        ("https://www.ncbi.nlm.nih.gov/pubmed/29171814/", "29171814"),
    ],
)
def test_normalize_pmid(value: str, expected: str) -> None:
    assert normalize_pmid(value) == expected


@pytest.mark.parametrize("value", ["", "0", "12a", "PMC123", "1234567890"])
def test_normalize_pmid_rejects(value: str) -> None:
    with pytest.raises(ValueError, match="not a PMID"):
        normalize_pmid(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("PMC3531190", "PMC3531190"),
        ("pmc3531190", "PMC3531190"),
        ("3531190", "PMC3531190"),
        ("PMCID: PMC3531190", "PMC3531190"),
        ("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC3531190/", "PMC3531190"),
    ],
)
def test_normalize_pmcid(value: str, expected: str) -> None:
    assert normalize_pmcid(value) == expected


def test_normalize_pmcid_rejects() -> None:
    with pytest.raises(ValueError, match="not a PMCID: 'PMCX1'"):
        normalize_pmcid("PMCX1")


def test_normalize_registry_id() -> None:
    assert normalize_registry_id("nct 01234567") == "NCT01234567"
    with pytest.raises(ValueError, match="not a trial registry id"):
        normalize_registry_id("NCT123")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ClinicalTrials.gov NCT01234567.", ("NCT01234567",)),
        ("registered (nct 01234567; UMIN000012345)", ("NCT01234567", "UMIN000012345")),
        ("jRCT2090220384 and jRCT1030190002", ("jRCT2090220384", "jRCT1030190002")),
        ("ISRCTN 12345678", ("ISRCTN12345678",)),
        ("ChiCTR-IOR-15006235, ChiCTR2000012345", ("ChiCTR-IOR-15006235", "ChiCTR2000012345")),
        ("ANZCTR ACTRN12615000123456", ("ACTRN12615000123456",)),
        ("DRKS00012345", ("DRKS00012345",)),
        ("CTRI/2017/05/008584", ("CTRI/2017/05/008584",)),
        ("IRCT2013052113406N1", ("IRCT2013052113406N1",)),
        ("KCT0001234; NTR1234", ("KCT0001234", "NTR1234")),
        ("EudraCT number: 2004-000232-28", ("2004-000232-28",)),
        ("EU CT 2023-123456-12-00", ("2023-123456-12-00",)),
        # a dashed number without 'EudraCT' before it is not taken for one
        ("call 2004-000232-28", ()),
        # too many digits: not an NCT id, and not a prefix of one either
        ("NCT012345678", ()),
        ("XNCT01234567", ()),
        ("NCT01234567 NCT01234567", ("NCT01234567",)),
        # found wherever they stand, in order, in long text, whatever the case and spacing
        ("Controlled (intra-islet) study; European data.\nEU\nCT 2023-123456-12-00, then "
         "nct01234567 after UMIN000012345", ("2023-123456-12-00", "NCT01234567", "UMIN000012345")),
        ("éNCT01234567 and Straße NCT07654321", ("NCT01234567", "NCT07654321")),  # 'ß' → 'SS'
        ("Größe: NCT01234567", ("NCT01234567",)),
        ("", ()),
        (None, ()),
    ],
)
def test_find_registry_ids(text: str | None, expected: tuple[str, ...]) -> None:
    assert find_registry_ids(text) == expected


def test_record_registry_ids_looks_everywhere() -> None:
    record = Record(
        title="Islet transplantation (NCT00000001)",
        abstract_sections=(AbstractSection(label="TRIAL REGISTRATION", text="UMIN000012345"),),
        keywords=("ISRCTN12345678",),
        registry_ids=("NCT00000002",),
    )
    assert record_registry_ids(record) == ("NCT00000002", "NCT00000001", "UMIN000012345", "ISRCTN12345678")
