"""BibTeX/BibLaTeX reader on real files (JabRef, biber's examples, Crossref content negotiation)
and on malformed input. Expected values were read off the files themselves."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.bibtex import BibtexReader
from evidencehub.model import Author, Record

DATA = Path(__file__).parent.parent / "data" / "bibtex"


def read(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(BibtexReader().read(stream, source=name))


def read_text(text: str) -> list[Parsed | Rejected]:
    return list(BibtexReader().read(io.BytesIO(text.encode()), source="x.bib"))


def by_key(name: str) -> dict[str, Record]:
    return {
        item.where.split("'")[1]: item.item  # type: ignore[misc]
        for item in read(name)
        if isinstance(item, Parsed)
    }


def test_jabref_biblatex_file() -> None:
    items = read("jabref_Chocolate.bib")
    assert len(items) == 15 and all(isinstance(i, Parsed) for i in items)  # @Comment blocks skipped
    corti = by_key("jabref_Chocolate.bib")["Corti_2009"]
    assert corti.title == "Cocoa and Cardiovascular Health"
    assert corti.journal == "Circulation"  # journaltitle
    assert corti.year == 2009 and corti.published is None  # date = {2009-03}: a month, not a day
    assert (corti.doi, corti.issn, corti.volume, corti.issue) == (
        "10.1161/circulationaha.108.827022", "1524-4539", "119", "10")
    assert corti.pages == "1433-1441"  # 1433--1441
    assert corti.authors[0] == Author(family="Corti", given="Roberto")
    assert corti.authors[-1] == Author(family="Lüscher", given="Thomas F.")
    assert corti.record_type == "journal-article" and corti.publication_types == ("article",)
    ding = by_key("jabref_Chocolate.bib")["Ding_2006"]
    assert ding.journal == "Nutrition & Metabolism"  # Nutrition \& Metabolism
    di_renzo = by_key("jabref_Chocolate.bib")["Di_Renzo_2012"]
    assert di_renzo.authors[0] == Author(family="Di Renzo", given="Gian Carlo")


def test_crossref_content_negotiation_bibtex() -> None:
    (item,) = read("crossref_transform_10.1126_science.169.3946.635.bib")
    assert isinstance(item, Parsed) and item.where == "entry 'Frank_1970' (line 1)"
    record = item.item
    assert isinstance(record, Record)
    assert record.title == (
        "The Structure of Ordinary Water: New data and interpretations are yielding new insights "
        "into this fascinating substance.")
    assert record.doi == "10.1126/science.169.3946.635"  # DOI={…}: upper-case field name
    assert record.issn == "1095-9203"
    assert (record.journal, record.year, record.volume, record.issue) == ("Science", 1970, "169", "3946")
    assert record.pages == "635-641"  # written with an en dash
    assert record.authors == (Author(family="Frank", given="Henry S."),)


def test_biber_examples_counts() -> None:
    items = read("bibtexparser_biber-examples.bib")
    parsed = [i for i in items if isinstance(i, Parsed)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    # 121 entry blocks: 4 @Set entries give no record, 18 test entries have no title at all
    # (one of them is read although its key repeats an earlier entry's: keys mean nothing here).
    assert (len(items), len(parsed), len(rejected)) == (115, 97, 18)
    assert str(rejected[0]) == (
        "bibtexparser_biber-examples.bib, entry 'tmn4' (line 1543; key used by an earlier entry): "
        "field 'title': Field required")
    assert str(rejected[1]) == "bibtexparser_biber-examples.bib, entry 'alias1' (line 1556): field 'title': Field required"


def test_citavi_export_with_empty_keys_imports_every_entry() -> None:
    # A hand-written file in Citavi's export layout (tests/data/SOURCES.md): no real one was found.
    items = read("citavi_style_empty_keys.bib")
    assert [(type(i), i.where) for i in items] == [
        (Parsed, "entry without a key (line 3)"),
        (Parsed, "entry without a key (line 16)"),
        (Parsed, "entry without a key (line 29)"),
    ]
    records = [i.item for i in items if isinstance(i, Parsed) and isinstance(i.item, Record)]
    assert [(r.doi, r.year, r.journal) for r in records] == [
        ("10.1056/nejm200007273430401", 2000, "The New England journal of medicine"),
        ("10.1016/j.cell.2014.09.040", 2014, "Cell"),
        ("10.1038/nbt.3033", 2014, "Nature biotechnology"),
    ]
    assert records[1].title == "Generation of functional human pancreatic $\\beta$ cells in vitro"
    assert records[1].authors[2] == Author(family="Gürtler", given="Mads")
    assert records[1].authors[4] == Author(family="van Dervort", given="Alana")
    assert (records[2].pages, records[2].issue, records[2].issn) == ("1121-1133", "11", "1087-0156")


def test_repeated_and_missing_keys_are_read_and_crossref_reaches_the_first() -> None:
    items = read_text(
        "@book{b, title = {First book}, year = {2001}}\n"
        "@book{b, title = {Second book}, year = {2002}}\n"
        "@incollection{, title = {Chapter}, crossref = {b}}\n"
        "@misc{ , title = {Note}}\n"
        "@string{j = {A}}\n@string{j = {B}}\n"
    )
    assert [str(i) if isinstance(i, Rejected) else (i.where, i.item.title) for i in items] == [
        ("entry 'b' (line 1)", "First book"),
        ("entry 'b' (line 2; key used by an earlier entry)", "Second book"),
        ("entry without a key (line 3)", "Chapter"),
        ("entry without a key (line 4)", "Note"),
        "x.bib, @string 'j' (line 6): @string name defined twice",
    ]
    chapter = items[2]
    assert isinstance(chapter, Parsed) and isinstance(chapter.item, Record)
    assert (chapter.item.journal, chapter.item.year) == ("First book", 2001)


def test_biber_crossref_inherits_but_not_the_title() -> None:
    records = by_key("bibtexparser_biber-examples.bib")
    space = records["westfahl:space"]
    assert space.title == (
        "The True Frontier: Confronting and Avoiding the Realities of Space in American Science Fiction Films")
    assert space.journal == "Space and Beyond"  # parent's title becomes the container title
    assert (space.publisher, space.year, space.pages) == ("Greenwood", 2000, "55-65")  # inherited
    assert space.record_type == "book-chapter"


def test_string_macros_latex_accents_and_mixed_case() -> None:
    records = by_key("bibtexparser_biber-examples.bib")
    assert records["bertram"].journal == "J. Amer. Math. Soc."  # @STRING{jams = {J.~Amer. Math. Soc.}}
    aksin = records["set:aksin"]
    assert aksin.authors[0] == Author(family="Aksın", given="Özge")  # Aks{\i}n, {\"O}zge
    assert aksin.authors[1] == Author(family="Türkmen", given="Hayati")
    assert len(aksin.authors) == 7 and aksin.authors[-1] == Author(family="Özkal", given="Erhan")
    assert records["vazques-de-parga"].authors[0] == Author(family="Vázques de Parga", given="Luis")
    assert records["brandt"].authors[0] == Author(family="von Brandt", given="Ahasver")
    assert records["kastenholz"].title.startswith("Computation of methodology-independent ionic")  # \hyphen
    assert records["knuth:ct:b"].title == "TeX: The Program"  # \TeX
    # @UNPUBLISHED{u1, AUTHOR = …, TITLE = …}: upper-case type and field names
    assert records["u1"].title == "A title" and len(records["u1"].authors) == 4
    online = records["baez/online"]
    assert online.published == dt.date(2004, 10, 27) and online.record_type == "posted-content"


def test_sniff() -> None:
    reader = BibtexReader()
    assert reader.sniff((DATA / "jabref_Chocolate.bib").read_bytes()[:4096])
    assert reader.sniff(b" @article{Frank_1970, title={x}}")
    assert not reader.sniff(b"TY  - JOUR\nER  - \n")


# --------------------------------------------------------------------------- names and fields


def test_collective_author_in_braces_and_et_al() -> None:
    (item,) = read_text(
        "@article{k, title={T}, year={2020},\n"
        " author={{World Health Organization} and Smith, John and Jean de la Fontaine and others}}")
    assert isinstance(item, Parsed)
    assert item.item.authors == (  # type: ignore[union-attr]
        Author(collective="World Health Organization"),
        Author(family="Smith", given="John"),
        Author(family="de la Fontaine", given="Jean"),
    )


def test_pubmed_eprint_and_registry_ids() -> None:
    (item,) = read_text(
        "@article{k, title={Islet transplantation (NCT01234567)}, date={2019-05-02},\n"
        " eprint={31234567}, eprinttype={pubmed}, note={ISRCTN12345678}}")
    assert isinstance(item, Parsed)
    record = item.item
    assert isinstance(record, Record)
    assert record.pmid == "31234567" and record.published == dt.date(2019, 5, 2)
    assert record.registry_ids == ("NCT01234567", "ISRCTN12345678")


# --------------------------------------------------------------------------- malformed input


def test_empty_file() -> None:
    with pytest.raises(InputError, match=r"^x.bib: empty file"):
        read_text("  \n")


def test_binary_file() -> None:
    with pytest.raises(InputError, match="binary data"):
        list(BibtexReader().read(io.BytesIO(b"PK\x03\x04\x00\x00"), source="x.bib"))


def test_not_bibtex() -> None:
    with pytest.raises(InputError, match=r"^x.bib: not BibTeX: no @entry"):
        read_text("TY  - JOUR\nTI  - x\nER  -\n")


def test_unclosed_field_rejects_that_block_only() -> None:
    items = read_text("@article{a, title={X}, year=2001}\n@article{b, title={Unclosed, year=2002}\n"
                      "@article{c, title={Z}}\n")
    assert [type(i).__name__ for i in items] == ["Parsed", "Rejected", "Parsed"]
    assert items[1].where == "block at line 2"  # type: ignore[union-attr]
    assert items[1].problem.startswith("not valid BibTeX: Unexpected block start")  # type: ignore[union-attr]


def test_truncated_file() -> None:
    (item,) = read_text("@article{a, title = {X},\n author = {A and B}\n")
    assert isinstance(item, Rejected)
    assert str(item) == "x.bib, block at line 1: not valid BibTeX: Unexpectedly reached end of file."


def test_crossref_to_a_missing_entry() -> None:
    (item,) = read_text("@incollection{a, title={X}, crossref={nowhere}}")
    assert str(item) == "x.bib, entry 'a' (line 1): crossref to an entry not in this file: 'nowhere'"


def test_invalid_year_names_the_entry() -> None:
    (item,) = read_text("@article{a, title={X}, year={1066}}")
    assert isinstance(item, Rejected)
    assert item.problem == "field 'year': Input should be greater than or equal to 1600, got 1066"
