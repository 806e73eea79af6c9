"""CSV reader on real exports (SYNERGY/ASReview dataset, Embase CSV, rispy-via-pandas CSV in three
delimiters) and on malformed input. Expected values were read off the files themselves."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.csv_records import CsvReader
from evidencehub.model import Author, Record

DATA = Path(__file__).parent.parent / "data" / "csv"


def read(name: str, reader: CsvReader | None = None) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list((reader or CsvReader()).read(stream, source=name))


def read_text(text: str, reader: CsvReader | None = None) -> list[Parsed | Rejected]:
    return list((reader or CsvReader()).read(io.BytesIO(text.encode()), source="x.csv"))


def parsed(items: list[Parsed | Rejected]) -> list[Record]:
    return [i.item for i in items if isinstance(i, Parsed)]  # type: ignore[misc]


def test_synergy_dataset_cohen_adhd() -> None:
    items = read("Cohen_2006_ADHD.csv")
    records = parsed(items)
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert (len(items), len(records), len(rejected)) == (851, 827, 24)  # 24 rows have no title
    assert str(rejected[0]) == "Cohen_2006_ADHD.csv, row 45 (line 46): field 'title': Field required"
    first = records[0]
    assert first.pmid == "10051933"  # pubmedID
    assert first.title == "The effectiveness of clonidine as an analgesic in paediatric adenotonsillectomy."
    assert first.year == 1999  # written 1999.0
    assert len(first.authors) == 6
    assert first.authors[0] == Author(family="Reimer", given="E J")
    assert first.authors[-1] == Author(family="Merrick", given="P M")
    assert first.abstract is not None
    assert first.abstract.startswith("To compare the analgesic effects of preoperative oral clonidine")
    assert first.abstract.endswith("sedative for children undergoing tonsillectomy or adenotonsillectomy.")
    last = records[-1]
    assert (last.pmid, last.year, len(last.authors)) == ("9989566", 2000, 9)
    assert last.title.startswith("Clozapine and risperidone in chronic schizophrenia")
    assert sum(1 for r in records if r.abstract is None) == 46


def test_embase_csv() -> None:
    records = parsed(read("asreview_embase.csv"))
    assert len(records) == 6
    first = records[0]
    assert first.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first.authors == (Author(family="Liu", given="R."), Author(family="Adler", given="D.G."))  # "Liu R., Adler D.G."
    assert first.keywords[:3] == (  # commas inside brackets do not split
        "article", "bronchogenic duplication cyst (diagnosis, surgery)", "colonic duplication cyst (diagnosis, surgery)")
    assert first.abstract is not None and first.abstract.endswith("with regards to these lesions.")


@pytest.mark.parametrize(
    "name",
    ["asreview_generic_semicolon.csv", "asreview_generic_tab.tsv", "asreview_generic_column_names_with_spaces.csv"],
)
def test_delimiters_header_spaces_and_list_literal_cells(name: str) -> None:
    first, second = parsed(read(name))
    assert first.title == "Title of reference"
    assert first.authors == (Author(family="Marx", given="Karl"), Author(family="Lindgren", given="Astrid"))
    assert first.keywords == ("Pippi", "Nordwind", "Piraten")  # "['Pippi', 'Nordwind', 'Piraten']"
    assert (first.year, first.volume, first.issue, first.pages) == (2014, "9", "3", "e0815")  # 2014//
    assert (first.issn, first.publisher, first.publication_types) == ("1932-6208", "Fun Factory", ("JOUR",))
    assert first.abstract is not None and first.abstract.startswith("BACKGROUND: Lorem ipsum")
    assert second.title == "The title of the reference" and second.year == 2006


def test_missing_values() -> None:
    items = read("asreview_missing_values.csv")
    assert [type(i).__name__ for i in items] == ["Parsed", "Rejected", "Parsed", "Rejected"]
    assert parsed(items)[0].abstract is None  # "" is a missing value
    assert items[3].where == "row 4 (line 5)"  # type: ignore[union-attr]


def test_column_mapping_overrides_defaults() -> None:
    text = ("Titel;Autoren;Jahr;title\n"
            "Inselzelltransplantation;Müller, Anna; 2019;not this one\n")
    (item,) = read_text(text, CsvReader({"title": "Titel", "authors": "Autoren", "year": "Jahr"}))
    assert isinstance(item, Parsed)
    record = item.item
    assert isinstance(record, Record)
    assert (record.title, record.year) == ("Inselzelltransplantation", 2019)
    assert record.authors == (Author(family="Müller", given="Anna"),)


def test_scopus_style_columns_and_registry_ids() -> None:
    text = ('Authors,Title,Year,Source title,Page start,Page end,DOI,Cited by,PubMed ID,Clinical Trial Numbers\n'
            '"Shapiro A.M.J., Lakey J.R.T.",Islet transplantation,2000,N Engl J Med,230,238,'
            'https://doi.org/10.1056/NEJM200007273430401,3000,10911004,"NCT00014911, ISRCTN12345678"\n')
    (item,) = read_text(text)
    assert isinstance(item, Parsed)
    record = item.item
    assert isinstance(record, Record)
    assert record.authors == (Author(family="Shapiro", given="A.M.J."), Author(family="Lakey", given="J.R.T."))
    assert (record.journal, record.pages, record.citation_count, record.pmid) == ("N Engl J Med", "230-238", 3000, "10911004")
    assert record.doi == "10.1056/nejm200007273430401"
    assert record.registry_ids == ("NCT00014911", "ISRCTN12345678")


def test_author_list_with_and() -> None:  # the authors format of the SYNERGY Bannach-Brown_2019 dataset
    (item,) = read_text('title,authors\nX,"D. Pavlinac, R. Langer, L. Lenhard and L. Deftos"\n')
    assert [a.family for a in item.item.authors] == ["Pavlinac", "Langer", "Lenhard", "Deftos"]  # type: ignore[union-attr]


def test_sniff() -> None:
    reader = CsvReader()
    assert reader.sniff((DATA / "Cohen_2006_ADHD.csv").read_bytes()[:8192])
    assert reader.sniff((DATA / "asreview_generic_tab.tsv").read_bytes()[:8192])
    assert not reader.sniff(b"study,yi,vi\nA,0.1,0.01\n")
    assert not reader.sniff(b"TY  - JOUR\n")


# --------------------------------------------------------------------------- malformed input


def test_empty_file() -> None:
    with pytest.raises(InputError, match=r"^x.csv: empty file"):
        read_text("")


def test_binary_file() -> None:
    with pytest.raises(InputError, match="binary data"):
        list(CsvReader().read(io.BytesIO(b"title\n\x00\x01\x02"), source="x.csv"))


def test_no_title_column() -> None:
    with pytest.raises(InputError) as info:
        read_text("study,yi,vi\nA,0.1,0.01\n")
    assert str(info.value).startswith("x.csv, line 1: no title column: expected one of title, article title")


def test_mapping_to_a_missing_header() -> None:
    with pytest.raises(InputError) as info:
        read_text("title,year\nA,2001\n", CsvReader({"abstract": "Summary"}))
    assert str(info.value) == (
        "x.csv, line 1: the column mapping names 'Summary' for 'abstract', but the header has no such "
        "column (columns: title, year)")


def test_mapping_to_an_unknown_field() -> None:
    with pytest.raises(InputError, match=r"unknown field\(s\) in the column mapping: colour"):
        read_text("title\nA\n", CsvReader({"colour": "title"}))


def test_row_with_too_many_cells_and_bad_year() -> None:
    items = read_text('title,year\n"multi\nline title",2001\nB,2002,extra\nC,twenty\n')
    assert isinstance(items[0], Parsed) and items[0].item.title == "multi line title"
    assert str(items[1]) == "x.csv, row 2 (line 4): 3 cells but the header has 2 columns"
    assert str(items[2]) == (
        "x.csv, row 3 (line 5): field 'year': Input should be a valid integer, unable to parse string "
        "as an integer, got 'twenty'")


def test_read_with_cells_gives_each_row_its_cells() -> None:
    data = b"title,notes,notes\nA study,first,second\n\nAnother,,\n"
    pairs = list(CsvReader().read_with_cells(io.BytesIO(data), source="t.csv"))
    assert [item.where for item, _ in pairs] == ["row 1 (line 2)", "row 3 (line 4)"]
    assert pairs[0][1] == {"title": "A study", "notes": "first"}  # the first of two headers
    assert pairs[1][1] == {"title": "Another", "notes": ""}
