"""Tests for the MEDLINE tagged-text reader on real PubMed and PMC exports, field by field.

Expected values were read off the sample files (``tests/data/medline``, sources in
``tests/data/SOURCES.md``); the short texts built here are hand-written edge cases and say so.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.medline import MedlineReader
from evidencehub.model import AbstractSection, Author, Record, RecordLink

DATA = Path(__file__).parent.parent / "data" / "medline"
READER = MedlineReader()


def read_bytes(data: bytes, source: str = "test.nbib") -> list[Parsed | Rejected]:
    return list(READER.read(io.BytesIO(data), source=source))


def records(name: str) -> list[Record]:
    with (DATA / name).open("rb") as stream:
        items = list(READER.read(stream, source=name))
    assert all(isinstance(item, Parsed) for item in items), items
    return [item.item for item in items]  # type: ignore[union-attr,misc]


def test_nbib_single_every_field() -> None:
    (record,) = records("nbib_single.nbib")
    assert record.pmid == "28754806"
    assert record.doi == "10.1136/neurintsurg-2017-013179"
    assert record.pii == "neurintsurg-2017-013179"
    assert record.title == (
        "Impact of balloon guide catheter on technical and clinical outcomes: a systematic review and meta-analysis."
    )
    assert record.abstract == (
        "BACKGROUND AND PURPOSE: Flow arrest with balloon guide catheters (BGCs) is becoming increasingly "
        "recognized as critical to optimizing patient outcomes for mechanical thrombectomy. And I could go on..."
    )
    assert record.abstract_sections == (
        AbstractSection(
            label="BACKGROUND AND PURPOSE",
            text="Flow arrest with balloon guide catheters (BGCs) is becoming increasingly recognized as "
            "critical to optimizing patient outcomes for mechanical thrombectomy. And I could go on...",
        ),
    )
    assert record.authors == (
        Author(
            family="Brinjikji",
            given="Waleed",
            affiliations=(
                "Department of Radiology, Mayo Clinic, Rochester, Minnesota, USA.",
                "Department of Neurosurgery, Mayo Clinic, Rochester, Minnesota, USA.",
                "Department of Neuroradiology, Toronto Western Hospital, University of Toronto, Toronto, Ontario, Canada.",
            ),
        ),
        Author(
            family="Pereira",
            given="Vitor M",
            affiliations=(
                "Department of Neuroradiology, Toronto Western Hospital, University of Toronto, Toronto, Ontario, Canada.",
            ),
        ),
        Author(
            family="Kallmes",
            given="David F",
            affiliations=(
                "Department of Radiology, Mayo Clinic, Rochester, Minnesota, USA.",
                "Department of Neurosurgery, Mayo Clinic, Rochester, Minnesota, USA.",
            ),
        ),
    )
    assert record.journal == "Journal of neurointerventional surgery"
    assert record.journal_abbrev == "J Neurointerv Surg"
    assert record.issn == "1759-8486"  # first IS line, "(Electronic)" dropped
    assert (record.volume, record.issue, record.pages) == ("10", "4", "335-339")
    assert record.year == 2018  # DP 2018 Apr
    assert record.published == dt.date(2017, 7, 28)  # DEP, as DP has no day
    assert record.language == "eng"
    assert record.publication_types == ("Journal Article", "Meta-Analysis", "Review", "Systematic Review")
    assert record.mesh_terms == ("Aged", "Brain Ischemia/diagnostic imaging/*surgery", "Clinical Trials as Topic/methods")
    assert record.keywords == ("mechanical thrombectomy", "stroke")
    assert record.retracted is False and record.links == () and record.registry_ids == ()
    assert record.url == "https://pubmed.ncbi.nlm.nih.gov/28754806/"


def test_biopython_result2_four_records_old_style_affiliation_and_mid_record_pmc() -> None:
    found = records("biopython_pubmed_result2.txt")
    assert [r.pmid for r in found] == ["16403221", "16377612", "14871861", "14630660"]
    first = found[0]
    assert first.pmcid == "PMC1373603"  # a PMC line after the MeSH headings
    assert first.doi == "10.1186/1471-2105-7-10" and first.pii == "1471-2105-7-10"
    assert first.title == "A high level interface to SCOP and ASTRAL implemented in python."
    assert [s.label for s in first.abstract_sections] == ["BACKGROUND", "RESULTS", "CONCLUSION"]
    assert first.abstract_sections[2].text == (
        "The modules make the analysis and generation of datasets for use in structural genomics easier "
        "and more principled."
    )
    # AD before the authors (older records) belongs to the first author.
    assert first.authors[0].family == "Casbon" and first.authors[0].affiliations[0].startswith(
        "Bioinformatics, Institute of Cell and Molecular Science"
    )
    assert [a.display for a in first.authors] == ["Casbon JA", "Crooks GE", "Saqi MAS"]
    assert first.year == 2006 and first.published == dt.date(2006, 1, 10)  # DP 2006, DEP 20060110
    assert first.pages == "10" and first.volume == "7" and first.issue is None
    assert first.mesh_terms[:3] == ("*Database Management Systems", "*Databases, Protein", "Information Storage and Retrieval/*methods")
    second = found[1]
    assert second.published == dt.date(2006, 3, 1)  # DP 2006 Mar 1
    assert second.title == "GenomeDiagram: a python package for the visualization of large-scale genomic data."
    assert [s.label for s in second.abstract_sections] == ["SUMMARY", "AVAILABILITY", "SUPPLEMENTARY INFORMATION"]
    assert found[3].abstract_sections == ()  # an unstructured abstract
    assert found[3].abstract is not None and found[3].abstract.startswith("The biopython project provides")
    assert found[3].mesh_terms[3] == "Information Storage and Retrieval/*methods/*standards"


def test_biopython_result1_and_result3_continued_mesh_heading() -> None:
    (one,) = records("biopython_pubmed_result1.txt")
    assert one.pmid == "12230038"
    assert one.authors == (
        Author(family="Mangalam", given="Harry", affiliations=("tacg Informatics, Irvine, CA 92612, USA. hjm@tacgi.com",)),
    )
    assert one.mesh_terms[0] == "*Computational Biology"
    (three,) = records("biopython_pubmed_result3.txt")
    assert three.pmid == "23039619"
    assert three.doi == "10.1118/1.4748329"
    assert "High-Intensity Focused Ultrasound Ablation/adverse effects/instrumentation/*methods" in three.mesh_terms
    assert [s.label for s in three.abstract_sections] == ["PURPOSE", "METHODS", "RESULTS", "CONCLUSIONS"]
    assert len(three.authors) == 4


def test_pmc_export_records() -> None:
    found = records("nbib_pmc_medlars.txt")
    assert [(r.pmcid, r.pmid) for r in found] == [
        ("PMC6055010", "30042925"),
        ("PMC6088416", "30123504"),
        ("PMC4211933", "25150679"),
        ("PMC3446808", "23049521"),
        ("PMC3935517", "20230352"),
    ]
    first = found[0]
    assert first.abstract is None and first.abstract_sections == ()  # "AB  - " empty, OAB is a note
    assert first.authors[0].affiliations == (
        "Department of Physiology I (Neurophysiology), Tokyo Women\u2019s Medical University, Tokyo, Japan",
    )
    assert first.doi == "10.1016/j.mex.2018.03.007" and first.pii == "S2215-0161(18)30045-1"
    second = found[1]
    assert second.authors[0].orcid == "0000-0001-6664-9126"  # AUID- ORCID: …
    assert second.title == "Role of gender in the treatment experiences of people with an eating disorder: a metasynthesis."
    assert second.abstract is not None and "\u201crole of gender\u201d" in second.abstract
    assert found[4].grants == ("R01 AR049373 || AR",)
    assert found[4].publication_types == ("Journal Article", "Comment")
    assert found[3].pages is None  # "LID - 347" has no [type]: not taken as an id or page


# --------------------------------------------------------------------------- hand-written edge cases

EDGE = (
    "\ufeff\r\n\r\n"
    "PMID- 100\r\n"
    "TI  - A trial of islet\u00a0cells (NCT01234567).\r\n"
    "AB  - BACKGROUND: Text. METHODS: More text registered as\r\n"
    "      ISRCTN12345678.\r\n"
    "FAU - Smith, Ann\r\n"
    "AU  - Smith A\r\n"
    "AUID- ORCID: https://orcid.org/0000-0002-1825-0097\r\n"
    "AU  - Jones B\r\n"
    "CN  - The ISLET Study Group\r\n"
    "PT  - Journal Article\r\n"
    "PT  - Retracted Publication\r\n"
    "SI  - ClinicalTrials.gov/NCT01234567\r\n"
    "SI  - ISRCTN/ISRCTN12345678\r\n"
    "RIN - Diabetes. 2020;1:1. PMID: 200\r\n"
    "EIN - Diabetes. 2019;1:5\r\n"
    "DP  - 2019 Nov-Dec\r\n"
    "PMID- 200\r\n"
    "TI  - Retraction notice.\r\n"
    "ROF - Diabetes. 2018;1:1. PMID: 100\r\n"
)


def test_crlf_bom_leading_blank_lines_unseparated_records_and_links() -> None:
    first, second = (item.item for item in read_bytes(EDGE.encode()))  # type: ignore[union-attr]
    assert first.pmid == "100"
    assert first.title == "A trial of islet cells (NCT01234567)."
    assert first.abstract == "BACKGROUND: Text. METHODS: More text registered as ISRCTN12345678."
    assert [s.label for s in first.abstract_sections] == ["BACKGROUND", "METHODS"]
    assert first.authors == (
        Author(family="Smith", given="Ann", orcid="0000-0002-1825-0097"),
        Author(family="Jones", given="B"),
        Author(collective="The ISLET Study Group"),
    )
    assert first.registry_ids == ("NCT01234567", "ISRCTN12345678")
    assert first.retracted is True
    assert first.links == (
        RecordLink(kind="erratum-in", target="Diabetes. 2019;1:5"),
        RecordLink(kind="retracted-in", target="pmid:200"),
    )
    assert first.year == 2019 and first.published is None
    assert second.pmid == "200" and second.links == (RecordLink(kind="retraction-of", target="pmid:100"),)


def test_latin1_file() -> None:
    (item,) = read_bytes("PMID- 1\nTI  - Étude du diabète.\nFAU - Müller, Jörg\n".encode("latin-1"))
    assert isinstance(item, Parsed)
    assert item.item.title == "Étude du diabète."
    assert item.item.authors == (Author(family="Müller", given="Jörg"),)


def test_records_without_pmid_or_title_or_with_stray_lines_are_rejected() -> None:
    text = (
        "PMID- 1\nTI  - Good.\n\n"
        "TI  - No PMID.\n\n"
        "PMID- 3\nAB  - No title.\n\n"
        "PMID- 4\nTI  - Stray line.\nthis is not a field\n\n"
        "PMID- 5\nTI  - Good again.\n"
    )
    items = read_bytes(text.encode(), source="m.txt")
    assert [type(i).__name__ for i in items] == ["Parsed", "Rejected", "Rejected", "Rejected", "Parsed"]
    assert str(items[1]) == "m.txt, MEDLINE record #2, line 4: no PMID field"
    assert str(items[2]) == "m.txt, MEDLINE record #3 (PMID 3), line 6: no title (TI, TT or BTI field)"
    assert str(items[3]) == (
        "m.txt, MEDLINE record #4 (PMID 4), line 9: line 11: expected 'TAG - value' or a continuation "
        "indented by six spaces, got 'this is not a field'"
    )


def test_invalid_field_is_rejected_naming_it() -> None:
    (item,) = read_bytes(b"PMID- 12a\nTI  - Title.\n")
    assert isinstance(item, Rejected)
    assert item.problem == "field 'pmid': a PMID is digits only, got '12a'"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f.nbib: empty file, expected MEDLINE text (PMID- \u2026)"),
        (b"\r\n\r\n", "f.nbib: empty file, expected MEDLINE text (PMID- \u2026)"),
        (
            b"<?xml version='1.0'?><PubmedArticleSet/>",
            (
                "f.nbib, line 1: not MEDLINE text: expected a field line such as 'PMID- 12345678', "
                "got \"<?xml version='1.0'?><PubmedArticleSet/>\""
            ),
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "f.nbib: binary data, expected MEDLINE text (PMID- \u2026)"),
        (
            b"PMID- 1\nTI  - caf\xc3\xa9\nAB  - na\xefve\n",
            (
                "f.nbib, line 3: invalid UTF-8 (byte 0xef) in a file whose earlier lines are UTF-8: "
                "mixed encodings; re-save the file as UTF-8"
            ),
        ),
    ],
)
def test_unreadable_files(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as exc:
        read_bytes(data, source="f.nbib")
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ((DATA / "nbib_single.nbib").read_bytes()[:512], True),
        ((DATA / "nbib_pmc_medlars.txt").read_bytes()[:512], True),
        ((DATA / "biopython_pubmed_result2.txt").read_bytes()[:512], True),
        (b"TY  - JOUR\nTI  - RIS\n", False),
        (b"<PubmedArticleSet>", False),
    ],
)
def test_sniff(head: bytes, expected: bool) -> None:
    assert READER.sniff(head) is expected
