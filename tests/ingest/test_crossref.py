"""Crossref works JSON reader on recorded API responses and on malformed input. Expected values
were read off the JSON files themselves."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from evidencehub.errors import InputError
from evidencehub.ingest.base import Parsed, Rejected
from evidencehub.ingest.crossref import CrossrefReader
from evidencehub.model import AbstractSection, Author, Record, RecordLink

DATA = Path(__file__).parent.parent / "data" / "crossref_json"
WHAT = "Crossref works JSON (a 'work' or 'work-list' message, a work, or a list of works)"


def read(name: str) -> list[Parsed | Rejected]:
    with (DATA / name).open("rb") as stream:
        return list(CrossrefReader().read(stream, source=name))


def read_json(data: Any) -> list[Parsed | Rejected]:
    return read_bytes(json.dumps(data).encode())


def read_bytes(data: bytes) -> list[Parsed | Rejected]:
    return list(CrossrefReader().read(io.BytesIO(data), source="x.json"))


def records(items: list[Parsed | Rejected]) -> list[Record]:
    assert all(isinstance(i, Parsed) for i in items), [str(i) for i in items if isinstance(i, Rejected)]
    return [i.item for i in items]  # type: ignore[misc]


def test_single_work_message() -> None:
    items = read("crossref_work_10.1038_srep16696.json")
    assert items[0].where == "item 1 (DOI 10.1038/srep16696)"  # type: ignore[union-attr]
    (record,) = records(items)
    assert record.doi == "10.1038/srep16696"
    assert record.title == (
        "Single-molecule FRET studies on alpha-synuclein oligomerization of Parkinson’s disease "
        "genetically related mutants")
    assert (record.journal, record.journal_abbrev, record.issn) == ("Scientific Reports", "Sci Rep", "2045-2322")
    assert (record.volume, record.issue, record.pages) == ("5", "1", None)
    assert record.year == 2015 and record.published == dt.date(2015, 11, 19)
    assert record.record_type == "journal-article"
    assert record.publisher == "Springer Science and Business Media LLC"
    assert record.citation_count == 110 and record.language == "en"
    assert record.url == "https://www.nature.com/articles/srep16696"
    assert len(record.authors) == 8
    assert record.authors[0] == Author(family="Tosatto", given="Laura")
    assert record.authors[-1] == Author(family="Klenerman", given="David")
    assert record.abstract is not None  # the JATS "Abstract" heading is not text
    assert record.abstract.startswith("Oligomers of alpha-synuclein are toxic to cells")
    assert record.abstract.endswith("more relevant than their absolute concentration for triggering neurodegeneration.")


def test_work_list_with_orcids_and_portuguese_text() -> None:
    found = records(read("crossref_works_query_publisher_name.json"))
    assert len(found) == 20
    assert sum(1 for r in found if r.abstract) == 19
    first = found[0]
    assert first.doi == "10.5902/2175497775344"
    assert first.title.startswith("Relações Públicas e Design Thinking")
    assert first.authors[0] == Author(family="Fernandes", given="Fabio Frá", orcid="0000-0003-2035-6832")
    assert first.published == dt.date(2023, 12, 1) and first.journal_abbrev == "Animus"
    last = found[-1]
    assert last.doi == "10.5902/1981369428143"
    assert last.title.startswith("A SUPERAÇÃO DA POLÍTICA DA MONETIZAÇÃO DO RISCO")
    assert last.authors[0] == Author(family="Ferraz", given="Miriam Olivia Knopik", orcid="0000-0002-3350-5502")
    assert last.abstract is not None and last.abstract.endswith("e o decreto nº. 81/2008 da Itália.")


def test_book_chapters() -> None:
    first, second = records(read("crossref_works_prefix_10.1016_rows2.json"))
    assert first.record_type == "book-chapter"
    assert first.journal == "Sensor Technologies for Civil Infrastructures"  # the book's title
    assert (first.year, first.published, first.pages) == (2022, None, "427-455")  # [[2022]]: year only
    assert first.authors == (Author(family="Zonta", given="D."),)
    assert second.title == "Gout" and second.authors == (Author(family="Orós", given="Jorge"),)
    assert second.pages == "1308-1309.e1"


def test_bare_list_and_bare_work() -> None:
    work = {"DOI": "10.5555/A", "title": ["<i>In vivo</i> islets"], "container-title": ["J"]}
    assert records(read_json([work, work]))[1].title == "In vivo islets"
    assert records(read_json(work))[0].doi == "10.5555/a"


def test_sections_links_trials_collectives_affiliations() -> None:
    work = {
        "DOI": "10.5555/notice",
        "title": ["Retraction note"],
        "subtitle": ["islet grafts"],
        "abstract": "<jats:sec><jats:title>Background</jats:title><jats:p>Why.</jats:p></jats:sec>"
                    "<jats:sec><jats:title>Methods</jats:title><jats:p>How <jats:italic>in vivo</jats:italic>.</jats:p></jats:sec>",
        "author": [{"name": "DCCT Research Group"},
                   {"family": "Ricordi", "given": "C.", "ORCID": "http://orcid.org/0000-0001-8092-7153",
                    "affiliation": [{"name": "Diabetes Research Institute"}]}],
        "update-to": [{"type": "retraction", "DOI": "10.5555/ORIGINAL"}],
        "relation": {"is-preprint-of": [{"id-type": "doi", "id": "10.5555/pub", "asserted-by": "subject"}]},
        "clinical-trial-number": [{"clinical-trial-number": "nct00014911", "registry": "10.18810/clinical-trials-gov"}],
        "issued": {"date-parts": [[2021, 2, 30]]},
    }
    (record,) = records(read_json({"message-type": "work", "message": work}))
    assert record.title == "Retraction note: islet grafts"
    assert record.abstract_sections == (AbstractSection(label="Background", text="Why."),
                                        AbstractSection(label="Methods", text="How in vivo."))
    assert record.abstract == "Background: Why. Methods: How in vivo."
    assert record.authors == (
        Author(collective="DCCT Research Group"),
        Author(family="Ricordi", given="C.", orcid="0000-0001-8092-7153", affiliations=("Diabetes Research Institute",)),
    )
    assert record.links == (RecordLink(kind="retraction-of", target="doi:10.5555/original"),
                            RecordLink(kind="is-preprint-of", target="doi:10.5555/pub"))
    assert record.registry_ids == ("NCT00014911",)
    assert record.retracted is False
    assert (record.year, record.published) == (2021, None)  # 30 February is no date


@pytest.mark.parametrize(
    ("work", "links"),
    [
        ({"update-to": [{"type": "retraction", "DOI": "10.5555/self"}]}, ()),  # Elsevier: retracted in place
        ({"updated-by": [{"type": "retraction", "DOI": "10.5555/notice"}]},
         (RecordLink(kind="retracted-in", target="doi:10.5555/notice"),)),
    ],
)
def test_retracted_works(work: dict[str, Any], links: tuple[RecordLink, ...]) -> None:
    (record,) = records(read_json({"DOI": "10.5555/self", "title": ["RETRACTED: x"], **work}))
    assert record.retracted is True and record.links == links


def test_invalid_work_is_rejected_by_position_and_doi() -> None:
    items = read_json({"message-type": "work-list", "message": {"items": [
        {"DOI": "10.5555/ok", "title": ["Fine"]},
        {"DOI": "10.5555/untitled", "title": []},
        "not a work",
    ]}})
    assert isinstance(items[0], Parsed)
    assert str(items[1]) == "x.json, item 2 (DOI 10.5555/untitled): field 'title': Field required"
    assert str(items[2]) == "x.json, item 3: expected a work object, got a JSON str"


def test_value_of_the_wrong_type_is_rejected() -> None:
    (item,) = read_json({"DOI": "10.5555/x", "title": ["T"], "resource": "https://x.org"})
    assert str(item) == (
        "x.json, item 1 (DOI 10.5555/x): unexpected value in the work: 'str' object has no attribute 'get'")


def test_sniff() -> None:
    reader = CrossrefReader()
    for name in ("crossref_work_10.1038_srep16696.json", "crossref_works_query_publisher_name.json"):
        assert reader.sniff((DATA / name).read_bytes()[:8192])
    assert not reader.sniff(b'{"studies": [{"protocolSection": {}}]}')
    assert not reader.sniff(b'[{"id": "https://openalex.org/W1", "doi": "https://doi.org/10.5555/x"}]')
    assert not reader.sniff(b"TY  - JOUR")


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "x.json: empty file, expected " + WHAT),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "x.json: binary data (NUL bytes), expected " + WHAT),
        (b'{"message-type": "work", "message": {"DOI": "10.5555/x", "title": ["A"',
         "x.json, line 1, column 71: not valid JSON (Expecting ',' delimiter), expected " + WHAT),
        (b'{"message-type": "member", "message": {"id": 78}}',
         "x.json: expected " + WHAT + ", got a 'member' message"),
        (b'{"status": "ok", "total": 3}',
         "x.json: expected " + WHAT + ", got an object with keys status, total"),
        (b"42", "x.json: expected " + WHAT + ", got a JSON int"),
    ],
)
def test_unreadable_sources(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_bytes(data)
    assert str(info.value) == message
