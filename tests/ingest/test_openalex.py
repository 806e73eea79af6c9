"""OpenAlex works JSON reader on real works (SYNERGY Donners_2021 dumps, 2023 schema), on the 2024
schema, and on malformed input. Expected values were read off the JSON files themselves."""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.openalex import OpenAlexReader, abstract_from_inverted_index
from evidencehub.model import Author, OpenAccess, Record

DATA = Path(__file__).parent.parent / "data" / "openalex_json"
WHAT = 'OpenAlex works JSON (a work, a list of works, or a {"results": [...]} page)'


def read(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(OpenAlexReader().read(stream, source=name))


def read_bytes(data: bytes) -> list[Parsed | Rejected]:
    return list(OpenAlexReader().read(io.BytesIO(data), source="x.json"))


def records(items: list[Parsed | Rejected]) -> list[Record]:
    assert all(isinstance(i, Parsed) for i in items), [str(i) for i in items if isinstance(i, Rejected)]
    return [i.item for i in items]  # type: ignore[misc]


def test_first_work_field_by_field() -> None:
    items = read("openalex_works_Donners_2021_0_25.json")
    assert items[0].where == "item 1 (W2734287351)"  # type: ignore[union-attr]
    found = records(items)
    assert len(found) == 25
    first = found[0]
    assert (first.doi, first.pmid, first.pmcid) == ("10.1056/nejmoa1703068", "29171814", None)
    assert first.title == "Emicizumab Prophylaxis in Hemophilia A with Inhibitors"
    assert (first.journal, first.issn, first.publisher) == (
        "The New England Journal of Medicine", "0028-4793", "Massachusetts Medical Society")
    assert (first.year, first.published) == (2017, dt.date(2017, 7, 10))
    assert (first.volume, first.issue, first.pages) == ("377", "9", "809-818")
    assert first.record_type == "journal-article"
    assert first.open_access is OpenAccess.CLOSED and first.citation_count == 623
    assert len(first.authors) == 15
    assert first.authors[0] == Author(family="Oldenburg", given="Johannes", orcid="0000-0002-1585-4100",
                                      affiliations=("University Hospital Bonn",))
    assert first.authors[-1].family == "Shima" and first.authors[-1].given == "Midori"
    assert first.abstract is not None
    assert first.abstract.startswith("Emicizumab (ACE910) bridges activated factor IX and factor X")
    assert first.abstract.endswith("HAVEN 1 ClinicalTrials.gov number, NCT02622321 .).")
    assert first.registry_ids == ("NCT02622321",)  # found in the rebuilt abstract
    assert first.mesh_terms[:2] == ("Antibodies, Bispecific/therapeutic use",
                                    "Antibodies, Monoclonal, Humanized/therapeutic use")
    assert first.keywords == ("Internal medicine", "Adverse effect", "Confidence interval", "Clinical endpoint")


@pytest.mark.parametrize(
    ("name", "no_abstract", "oa", "with_pmcid"),
    [
        ("openalex_works_Donners_2021_0_25.json", 4, {"bronze": 12, "closed": 11, "hybrid": 2}, 3),
        ("openalex_works_Donners_2021_100_125.json", 6,
         {"bronze": 11, "closed": 7, "gold": 3, None: 2, "green": 1, "hybrid": 1}, 2),
    ],
)
def test_counts_over_each_file(name: str, no_abstract: int, oa: dict[str | None, int], with_pmcid: int) -> None:
    found = records(read(name))
    assert sum(r.abstract is None for r in found) == no_abstract  # abstract_inverted_index: null
    assert collections.Counter(r.open_access.value if r.open_access else None for r in found) == oa
    assert sum(r.pmcid is not None for r in found) == with_pmcid


def test_names_with_particles_and_initials() -> None:
    first = records(read("openalex_works_Donners_2021_100_125.json"))[0]
    assert first.authors[0] == Author(  # "I. E. M. Den Uijl"
        family="Den Uijl", given="I. E. M.",
        affiliations=("van Creveldkliniek, Department of Haematology, UMC Utrecht, The Netherlands",))
    assert first.title == "Clinical severity of haemophilia A: does the classification of the 1950s still stand?"
    assert first.authors[-1].family == "Fischer" and len(first.authors) == 7


def test_abstract_rebuilt_in_word_order() -> None:
    index = {"Stem-cell": [0], "derived": [1], "islets": [2, 5], "restore": [3], "insulin;": [4]}
    assert abstract_from_inverted_index(index) == "Stem-cell derived islets restore insulin; islets"
    assert abstract_from_inverted_index(None) is None


WORK_2024: dict[str, Any] = {
    "id": "https://openalex.org/W4000000001",
    "doi": "https://doi.org/10.5555/ISLETS.2024",
    "title": "Islet <i>replacement</i> in type 1 diabetes",
    "display_name": "Islet replacement in type 1 diabetes",
    "publication_year": 2024,
    "publication_date": "2024-06-20",
    "ids": {"openalex": "https://openalex.org/W4000000001", "doi": "https://doi.org/10.5555/islets.2024",
            "pmid": "https://pubmed.ncbi.nlm.nih.gov/38900001", "pmcid": "https://www.ncbi.nlm.nih.gov/pmc/articles/11200001"},
    "language": "en",
    "primary_location": {"landing_page_url": "https://doi.org/10.5555/islets.2024",
                         "source": {"display_name": "Cell Stem Cell", "issn_l": "1934-5909",
                                    "issn": ["1934-5909", "1875-9777"], "host_organization_name": "Elsevier BV"}},
    "type": "article",
    "type_crossref": "journal-article",
    "open_access": {"is_oa": True, "oa_status": "hybrid"},
    "authorships": [
        {"author": {"display_name": "Ludwig van Beethoven", "orcid": "https://orcid.org/0000-0001-2345-6789"},
         "institutions": [], "raw_author_name": "L. van Beethoven", "raw_affiliation_strings": ["Bonn, Germany"]},
    ],
    "cited_by_count": 12,
    "citation_normalized_percentile": {"value": 0.987, "is_in_top_1_percent": False},
    "cited_by_percentile_year": {"min": 97, "max": 98},
    "biblio": {"volume": "31", "issue": "6", "first_page": "e100", "last_page": None},
    "is_retracted": True,
    "keywords": [{"id": "https://openalex.org/keywords/islet", "display_name": "Islet transplantation", "score": 0.6}],
    "concepts": [{"display_name": "Medicine", "level": 0, "score": 0.9}],
    "abstract_inverted_index": {"Registered": [0], "as": [1], "UMIN000033564.": [2]},
}


def test_2024_schema_in_a_results_page() -> None:
    page = {"meta": {"count": 1, "page": 1, "per_page": 25}, "results": [WORK_2024]}
    (record,) = records(read_bytes(json.dumps(page).encode()))
    assert (record.doi, record.pmid, record.pmcid) == ("10.5555/islets.2024", "38900001", "PMC11200001")
    assert record.title == "Islet replacement in type 1 diabetes"
    assert (record.journal, record.issn, record.publisher) == ("Cell Stem Cell", "1934-5909", "Elsevier BV")
    assert record.record_type == "journal-article" and record.publication_types == ("article",)
    assert record.authors == (Author(family="van Beethoven", given="Ludwig", orcid="0000-0001-2345-6789",
                                     affiliations=("Bonn, Germany",)),)
    assert record.citation_percentile == pytest.approx(98.7)
    assert record.open_access is OpenAccess.HYBRID and record.retracted is True
    assert record.keywords == ("Islet transplantation",) and record.pages == "e100"
    assert record.registry_ids == ("UMIN000033564",)


def test_percentile_from_the_year_band_when_no_normalized_percentile() -> None:
    work = {k: v for k, v in WORK_2024.items() if k != "citation_normalized_percentile"}
    (record,) = records(read_bytes(json.dumps(work).encode()))
    assert record.citation_percentile == 97.0


def test_invalid_work_is_rejected_with_its_id() -> None:
    bad = dict(WORK_2024, title=None, display_name=None)
    items = read_bytes(json.dumps([WORK_2024, bad, 7]).encode())
    assert isinstance(items[0], Parsed)
    assert str(items[1]) == "x.json, item 2 (W4000000001): field 'title': Field required"
    assert str(items[2]) == "x.json, item 3: expected a work object, got a JSON int"


def test_value_of_the_wrong_type_is_rejected() -> None:
    (item,) = read_bytes(json.dumps(dict(WORK_2024, biblio="p. 12")).encode())
    assert str(item) == (
        "x.json, item 1 (W4000000001): unexpected value in the work: 'str' object has no attribute 'get'")


def test_sniff() -> None:
    reader = OpenAlexReader()
    assert reader.sniff((DATA / "openalex_works_Donners_2021_0_25.json").read_bytes()[:8192])
    assert not reader.sniff(b'{"message-type": "work", "message": {"DOI": "10.5555/x"}}')
    assert not reader.sniff(b"@article{x,}")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.json: empty file, expected " + WHAT),
        (b"\x00\x01binary", "x.json: binary data (NUL bytes), expected " + WHAT),
        (b'[{"id": "https://openalex.org/W1", "title": "x"', "x.json, line 1, column 48: not valid JSON "
                                                              "(Expecting ',' delimiter), expected " + WHAT),
        (b'{"meta": {"count": 0}}', "x.json: expected " + WHAT + ", got an object with keys meta"),
        (b'"W123"', "x.json: expected " + WHAT + ", got a JSON str"),
        (b"\xff\xfe{}", "x.json: not UTF-8 text (byte 0xff at offset 0), expected " + WHAT),
    ],
)
def test_unreadable_sources(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_bytes(data)
    assert str(info.value) == message
