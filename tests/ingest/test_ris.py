"""RIS reader on real exports (Scopus, Web of Science, Embase, Ovid, EndNote, ProQuest, Rayyan,
Zotero-style) and on malformed input. Expected values were read off the files themselves."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.ris import RisReader
from evidencehub.model import Author, Record

DATA = Path(__file__).parent.parent / "data" / "ris"


def read(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(RisReader().read(stream, source=name))


def read_bytes(data: bytes) -> list[Parsed | Rejected]:
    return list(RisReader().read(io.BytesIO(data), source="x.ris"))


def records(name: str) -> list[Record]:
    items = read(name)
    assert all(isinstance(i, Parsed) for i in items), [str(i) for i in items if isinstance(i, Rejected)]
    return [i.item for i in items]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("asreview_embase.ris", 6),
        ("asreview_ovid_psycinfo.ris", 6),
        ("asreview_proquest.ris", 6),
        ("asreview_pubmed_endnote.txt", 6),
        ("asreview_ris_issue_1099.txt", 7),
        ("asreview_ris_issue_992.txt", 19),
        ("asreview_scopus.ris", 6),
        ("asreview_web_of_science.txt", 10),
        ("rispy_example_full.ris", 2),
        ("rispy_example_utf_chars.ris", 1),
        ("latin1_from_asreview_embase.ris", 6),
        ("cp1252_from_asreview_ris_issue_1099.ris", 7),
    ],
)
def test_every_record_of_the_samples_is_read(name: str, count: int) -> None:
    assert len(records(name)) == count


def test_scopus_record() -> None:
    first, _, third = records("asreview_scopus.ris")[:3]
    assert first.title == (
        "Stress and the brain-gut axis in functional and chronic-inflammatory gastrointestinal "
        "diseases: A transdisciplinary challenge"
    )
    assert first.doi == "10.1016/j.psyneuen.2019.104501"
    assert first.journal == "Psychoneuroendocrinology"
    assert first.issn == "0306-4530"  # written "03064530 (ISSN)"
    assert first.year == 2020 and first.volume == "111"
    assert first.pages == "104501"  # Scopus article number (C7)
    assert first.publication_types == ("JOUR", "Review")
    assert first.record_type == "journal-article"
    assert [a.family for a in first.authors] == ["Labanski", "Langhorst", "Engler", "Elsenbruch"]
    assert first.authors[0] == Author(family="Labanski", given="A.")
    assert first.abstract is not None
    assert first.abstract.startswith("The broad role of stress in the brain-gut axis is widely ack")
    assert first.abstract.endswith("discoveries surrounding the gut microbiota. © 2019 Elsevier Ltd")
    assert third.pmid == "31627144"  # Scopus "C2"
    assert third.journal_abbrev == "J. Psychosom. Res."
    assert third.registry_ids == ("DRKS00011685",)  # "Trial registration: DRKS00011685." in AB
    assert (len(third.authors), third.authors[-1].family) == (6, "Tesarz")


def test_embase_record_with_bom_and_initials_without_comma() -> None:
    first = records("asreview_embase.ris")[0]
    assert first.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first.authors == (Author(family="Liu", given="R."), Author(family="Adler", given="D.G."))
    assert (first.doi, first.year, first.volume, first.issue, first.pages) == (
        "10.4103/2303-9027.138783", 2014, "3", "3", "152-160")
    assert first.journal == "Endoscopic Ultrasound" and first.issn == "2226-7190"
    assert first.publication_types == ("JOUR", "Article")
    assert first.keywords[:2] == ("article", "bronchogenic duplication cyst")
    assert first.abstract is not None and first.abstract.startswith("Gastrointestinal tract duplication cysts are rare")


def test_ovid_record_doi_url_and_no_pages() -> None:
    first = records("asreview_ovid_psycinfo.ris")[0]
    assert first.doi == "10.1002/cpp.2398"  # DO is written as http://dx.doi.org/…
    assert first.title.startswith("The influence of self-criticism on depression symptoms")
    assert first.journal == "Clinical Psychology & Psychotherapy"
    assert first.pages is None  # "SP  - No-Specified"
    assert first.year == 2019  # "Y1  - 2019//"
    assert [a.family for a in first.authors] == ["Trindade", "Irons", "Ferreira", "Portela", "Pinto-Gouveia"]
    assert first.authors[0].given == "Ines A"
    assert first.abstract is not None
    assert first.abstract.endswith("(PsycINFO Database Record (c) 2019 APA, all rights reserved)")


def test_pubmed_via_endnote_record() -> None:
    first = records("asreview_pubmed_endnote.txt")[0]
    assert first.pmid == "21553931"  # AN with DP "NLM"
    assert first.doi == "10.2165/11586800-000000000-00000"
    assert first.journal == "Clin Pharmacokinet"
    assert (first.year, first.volume, first.issue, first.pages) == (2011, "50", "6", "349-69")
    assert first.authors[0] == Author(family="Abdel-Tawab", given="M.")
    assert first.authors[-1].family == "Schubert-Zsilavecz"
    # KW continuation lines (one keyword per line, no tag) are separate keywords
    assert first.keywords[:3] == (
        "Animals", "Anti-Inflammatory Agents/adverse effects/pharmacokinetics/*pharmacology", "Boswellia/*chemistry")
    assert first.language == "eng"


def test_web_of_science_record() -> None:
    first = records("asreview_web_of_science.txt")[0]
    assert first.title == "Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations"
    assert first.journal == "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION"
    assert first.journal_abbrev == "J. Appl. Res. Mem. Cogn."
    assert first.authors == (
        Author(family="Alceste", given="F"), Author(family="Luke", given="TJ"), Author(family="Kassin", given="SM"))
    assert (first.doi, first.year, first.pages) == ("10.1016/j.jarmac.2018.03.001", 2018, "387-397")
    assert first.keywords[:3] == ("Police custody", "Interview", "Interrogation")


def test_rispy_full_example() -> None:
    first, second = records("rispy_example_full.ris")
    assert first.title == "Title of reference"
    assert first.authors == (Author(family="Marx", given="Karl"), Author(family="Lindgren", given="Astrid"))
    assert (first.year, first.journal, first.journal_abbrev) == (2014, "Lorem", "lorem")
    assert (first.volume, first.issue, first.pages, first.issn) == ("9", "3", "e0815", "1932-6208")
    assert first.keywords == ("Pippi", "Nordwind", "Piraten")
    assert first.abstract is not None and first.abstract.startswith("BACKGROUND: Lorem ipsum")  # from N2
    assert second.year == 2006 and second.publisher == "Dark Factory"


def test_non_standard_type_bom_and_cyrillic() -> None:
    (record,) = records("rispy_example_utf_chars.ris")
    assert record.record_type == "journal-article"  # "TY  - Journal Article"
    assert record.title.startswith("Состояние рецепторного аппарата эндометрия")  # from ST
    assert record.authors[0] == Author(family="Dobrokhotova", given="Yu E.")
    assert (record.volume, record.pages, record.year) == ("8", "52-57", 2009)  # VO, SP-EP


def test_rayyan_keyword_continuation_lines() -> None:
    first = records("asreview_ris_issue_992.txt")[0]
    assert first.keywords[:3] == ("Health Facility Administration", "Joint Commission", "Standards")
    assert first.authors == ()
    assert first.title == "Overcoming Medication Reconciliation Challenges"


@pytest.mark.parametrize(
    ("legacy", "utf8"),
    [
        ("latin1_from_asreview_embase.ris", "asreview_embase.ris"),
        ("cp1252_from_asreview_ris_issue_1099.ris", "asreview_ris_issue_1099.txt"),
    ],
)
def test_latin1_and_windows_1252_read_like_utf8(legacy: str, utf8: str) -> None:
    assert records(legacy) == records(utf8)


def test_windows_1252_dash_and_copyright() -> None:
    abstracts = " ".join(r.abstract or "" for r in records("cp1252_from_asreview_ris_issue_1099.ris"))
    assert "© 2018" in abstracts


def test_crlf_file_records_without_title_are_rejected_with_lines() -> None:
    items = read("asreview_baseline_reference_types.ris")
    assert len(items) == 61 and all(isinstance(i, Rejected) for i in items)
    assert str(items[1]) == (
        "asreview_baseline_reference_types.ris, record 2 (line 4): field 'title': Field required")
    assert items[60].where == "record 61 (line 239)"


def test_sniff() -> None:
    reader = RisReader()
    assert reader.sniff((DATA / "rispy_example_utf_chars.ris").read_bytes()[:4096])
    assert reader.sniff(b"1.\nTY  - JOUR\n")
    assert not reader.sniff(b"PMID- 123\nTI  - x\n")
    assert not reader.sniff(b'{"message": {}}')


# --------------------------------------------------------------------------- malformed input


def test_empty_file() -> None:
    with pytest.raises(InputError, match=r"^x.ris: empty file"):
        read_bytes(b"")


def test_binary_file() -> None:
    with pytest.raises(InputError, match="binary data"):
        read_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_utf16_with_bom() -> None:
    text = "TY  - JOUR\r\nTI  - Îlots pancréatiques\r\nER  - \r\n"
    (item,) = read_bytes(text.encode("utf-16"))
    assert isinstance(item, Parsed) and item.item.title == "Îlots pancréatiques"


def test_mixed_encodings_name_the_line() -> None:
    data = "TY  - JOUR\nTI  - Îlots\nER  -\n".encode() + "TY  - JOUR\nTI  - Müller\nER  -\n".encode("latin-1")
    with pytest.raises(InputError) as info:
        read_bytes(data)
    assert str(info.value).startswith("x.ris, line 5: invalid UTF-8 (byte 0xfc) in a file whose earlier lines are UTF-8")


def test_not_ris() -> None:
    with pytest.raises(InputError, match=r"not RIS: no record start"):
        read_bytes(b"title,abstract\nA,B\n")


def test_missing_er_at_end_of_file() -> None:
    items = read_bytes(b"TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two\n")
    assert isinstance(items[0], Parsed)
    assert str(items[1]) == "x.ris, record 2 (line 5): the file ends before this record's 'ER  -' line"


def test_missing_er_between_records() -> None:
    items = read_bytes(b"TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  -\n")
    assert str(items[0]) == "x.ris, record 1 (line 1): no 'ER  -' line before the next record at line 3"
    assert isinstance(items[1], Parsed) and items[1].item.title == "Two"


@pytest.mark.parametrize("bad", [b"AU - Smith, J", b"TI -Title", b"PY- 2001", b"AU    - Smith, J"])
def test_broken_tag_is_rejected_with_its_line(bad: bytes) -> None:
    (item,) = read_bytes(b"TY  - JOUR\nTI  - Good title\n" + bad + b"\nER  - \n")
    assert isinstance(item, Rejected)
    assert item.where == "record 1 (line 1)"
    assert item.problem.startswith("malformed tag (RIS needs 'XX  - value'): line 3:")


def test_continuation_that_merely_starts_like_a_tag_is_text() -> None:
    (item,) = read_bytes(b"TY  - JOUR\nTI  - MRI\nAB  - We used\nT1-weighted images.\nER  - \n")
    assert isinstance(item, Parsed) and item.item.abstract == "We used T1-weighted images."


def test_invalid_field_names_record_and_field() -> None:
    items = read_bytes(b"TY  - JOUR\nTI  - A\nER  -\nTY  - JOUR\nTI  - B\nDO  - not a doi\nER  -\n")
    assert isinstance(items[0], Parsed)
    assert str(items[1]) == (
        "x.ris, record 2 (line 4): field 'doi': not a DOI: 'not a doi' (expected 10.<registrant>/<suffix>)")


def test_full_date_from_any_date_tag() -> None:
    (item,) = read_bytes(b"TY  - JOUR\nTI  - A\nDA  - Jun\nY1  - 2014/05/12/\nER  -\n")
    assert isinstance(item, Parsed)
    assert (item.item.year, item.item.published) == (2014, dt.date(2014, 5, 12))  # type: ignore[union-attr]


def test_registry_ids_from_notes_and_title() -> None:
    (item,) = read_bytes(
        b"TY  - JOUR\nTI  - Islets (NCT01234567)\nN1  - EudraCT 2004-000232-28\nER  -\n")
    assert isinstance(item, Parsed)
    assert item.item.registry_ids == ("NCT01234567", "2004-000232-28")


def test_read_with_tags_gives_each_record_its_tags() -> None:
    data = b"TY  - JOUR\nTI  - A study\nN1  - first\nN1  - second\nAN  - 12\nER  - \n"
    [(item, tags)] = list(RisReader().read_with_tags(io.BytesIO(data), source="t.ris"))
    assert isinstance(item, Parsed) and item.item.title == "A study"
    assert tags["N1"] == ("first", "second") and tags["AN"] == ("12",)
